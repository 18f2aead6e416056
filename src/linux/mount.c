/* The mount plan applied (DESIGN.md §2 step 3).
 *
 * Everything is fd-based, with the new mount API:
 *  1. every bind source is opened with openat2(RESOLVE_NO_SYMLINKS) and
 *     cloned with open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) before anything
 *     is mounted, so a path under /tmp is cloned before /tmp is covered;
 *  2. mount attributes (read-only, nosuid, nodev) are set on the whole
 *     detached clone at once with mount_setattr(AT_RECURSIVE) — no walking
 *     /proc/self/mountinfo to remount submounts one by one;
 *  3. each clone is attached with move_mount() onto an O_PATH fd of its
 *     mount point, itself resolved with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS
 *     from the new root: a symlink planted in a workspace where a protected
 *     path should be makes the run fail instead of redirecting the mount
 *     (bubblewrap CVE-2024-42472);
 *  4. pivot_root(".", ".") + umount2(MNT_DETACH): the old root is gone, not
 *     merely hidden under a chroot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

#define ROOT_TMPFS_SIZE "1m"   /* only mount points live there */
#define SCRATCH_DEFAULT "50%"  /* of RAM, for all writable tmpfs together (see make_scratch) */
#define SMALL_TMPFS_SIZE "64k" /* /dev, covers */
#define STAGING "/tmp"         /* where the new root is assembled, in our own mount ns */

static int openat2_path(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {.flags = (unsigned long long)flags, .resolve = resolve};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* Open a host path as O_PATH without following any symlink on the way. */
static int open_source(const char *path, struct rf_error *e)
{
	int fd = openat2_path(AT_FDCWD, path, O_PATH | O_NOFOLLOW | O_CLOEXEC,
			      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return rf_fail(e, errno, "cannot open %s%s", path,
			       errno == ELOOP ? " (a symlink is in the path; refusing to follow it)" : "");
	return fd;
}

static int set_attrs(int mnt, unsigned long long set, bool recursive, const char *what, struct rf_error *e)
{
	struct mount_attr attr = {.attr_set = set, .propagation = MS_PRIVATE};
	if (mount_setattr(mnt, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
		return rf_fail(e, errno, "cannot set mount attributes on %s", what);
	return 0;
}

/* Clone a host tree for a bind mount. */
static int clone_tree(const char *path, bool recursive, unsigned long long attrs, struct rf_error *e)
{
	cleanup_fd int src = open_source(path, e);
	if (src < 0)
		return -1;
	int tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					  (recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return rf_fail(e, errno, "cannot clone mount tree of %s", path);
	if (set_attrs(tree, attrs, recursive, path, e) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* A fresh, detached filesystem (tmpfs, proc, devpts). */
static int new_fs(const char *type, const char *const *opts, unsigned int attrs, struct rf_error *e)
{
	cleanup_fd int fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return rf_fail(e, errno, "cannot create a %s filesystem", type);
	for (size_t i = 0; opts && opts[i]; i += 2) {
		int r = opts[i + 1] ? fsconfig(fs, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
				    : fsconfig(fs, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
		if (r < 0)
			return rf_fail(e, errno, "cannot set %s option %s", type, opts[i]);
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return rf_fail(e, errno, "cannot create a %s filesystem", type);
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (mnt < 0)
		return rf_fail(e, errno, "cannot mount a %s filesystem", type);
	return mnt;
}

static int new_tmpfs(const char *mode, const char *size, struct rf_error *e)
{
	const char *opts[] = {"mode", mode, "size", size, NULL};
	return new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
}

static int attach(int mnt, int dest, const char *what, struct rf_error *e)
{
	if (move_mount(mnt, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return rf_fail(e, errno, "cannot mount %s", what);
	return 0;
}

struct builder {
	const struct rf_plan *plan;
	int root;        /* the new root (directory fd of the top mount at STAGING) */
	int *trees;      /* per entry: cloned source tree, or -1 */
	int *covers;     /* per entry: mounts made read-only once everything is in */
	size_t n_covers;
	int scratch;     /* the one tmpfs behind every writable tmpfs of the sandbox */
	unsigned scratch_n;
	unsigned long long tmpfs_bytes;
	FILE *verbose;
};

/* A fresh directory of the scratch tmpfs, cloned as a mount of its own to
 * be attached where a writable tmpfs belongs. /tmp, /run, /dev/shm and the
 * cache layers are all directories of one size-capped tmpfs, so that the
 * sandbox can hold at most that much in memory-backed files altogether,
 * not that much in each. */
static int scratch_dir(struct builder *b, mode_t mode, bool noexec, int *dir_fd, struct rf_error *e)
{
	char name[32];
	snprintf(name, sizeof name, "d%u", b->scratch_n++);
	if (mkdirat(b->scratch, name, mode) < 0 || fchmodat(b->scratch, name, mode, 0) < 0)
		return rf_fail(e, errno, "cannot create a directory in the sandbox's tmpfs");
	if (dir_fd) {
		*dir_fd = openat(b->scratch, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*dir_fd < 0)
			return rf_fail(e, errno, "cannot open a directory in the sandbox's tmpfs");
		return 0;
	}
	int tree = open_tree(b->scratch, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return rf_fail(e, errno, "cannot clone a directory of the sandbox's tmpfs");
	/* noexec: plan/review modes (see rf_plan_entry.noexec) */
	if (set_attrs(tree, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (noexec ? MOUNT_ATTR_NOEXEC : 0), false,
		      "a tmpfs directory", e) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* Is `path`'s parent on a filesystem ringfence created (root tmpfs, a
 * cover, a tmpfs) rather than a bound host tree? Only there may mount
 * points be created: creating one inside a bound tree would write to the
 * host. Decided from the entries applied before entry `upto`. */
static bool parent_is_ours(const struct builder *b, size_t upto, const char *path)
{
	const struct rf_plan_entry *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < upto; i++) {
		const struct rf_plan_entry *en = &b->plan->v[i];
		if (en->kind == RF_PLAN_SYMLINK || strcmp(en->path, path) == 0 ||
		    !rf_path_is_within(path, en->path))
			continue;
		size_t len = strlen(en->path);
		if (!best || len >= best_len) {
			best = en;
			best_len = len;
		}
	}
	if (!best)
		return true; /* the root tmpfs */
	return best->kind == RF_PLAN_HIDE || best->kind == RF_PLAN_TMPFS;
}

/* Open (creating it when allowed) the mount point for entry i. */
static int mount_point(struct builder *b, size_t i, bool is_dir, struct rf_error *e)
{
	const char *path = b->plan->v[i].path;
	const char *rel = path[1] ? path + 1 : ".";
	const unsigned long long res = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	int fd = openat2_path(b->root, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC, res);
	if (fd < 0 && errno == ENOENT && parent_is_ours(b, i, path)) {
		/* create missing components, each resolved without symlinks */
		cleanup_free char *buf = rf_xstrdup(rel);
		for (char *p = buf;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			bool final = c == '\0';
			cleanup_fd int probe = openat2_path(b->root, buf, O_PATH | O_NOFOLLOW | O_CLOEXEC, res);
			if (probe < 0 && errno == ENOENT) {
				int r;
				if (!final || is_dir)
					r = mkdirat(b->root, buf, 0755);
				else {
					r = openat(b->root, buf, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
					if (r >= 0)
						close(r);
				}
				if (r < 0 && errno != EEXIST)
					return rf_fail(e, errno, "cannot create mount point %s", path);
			}
			*p = c;
			if (final)
				break;
		}
		fd = openat2_path(b->root, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC, res);
	}
	if (fd < 0)
		return rf_fail(e, errno, "cannot open mount point %s%s", path,
			       errno == ELOOP ? " (a symlink is in the way; refusing to follow it)" : "");
	struct stat st;
	if (fstat(fd, &st) < 0 || (bool)S_ISDIR(st.st_mode) != is_dir) {
		close(fd);
		return rf_fail(e, 0, "cannot mount on %s: expected a %s", path, is_dir ? "directory" : "file");
	}
	return fd;
}

static void keep_cover(struct builder *b, int mnt)
{
	b->covers[b->n_covers++] = mnt;
}

static int apply_dev(struct builder *b, size_t i, struct rf_error *e)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};
	static const char *const links[][2] = {
		{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"}, {NULL, NULL},
	};
	cleanup_fd int dest = mount_point(b, i, true, e);
	if (dest < 0)
		return -1;
	int dev = new_fs("tmpfs", (const char *const[]){"mode", "0755", "size", SMALL_TMPFS_SIZE, NULL},
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
	if (dev < 0)
		return -1;
	keep_cover(b, dev);
	for (size_t k = 0; nodes[k]; k++) {
		cleanup_free char *host = rf_xasprintf("/dev/%s", nodes[k]);
		int fd = openat(dev, nodes[k], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			return rf_fail(e, errno, "cannot create /dev/%s", nodes[k]);
		close(fd);
		cleanup_fd int tree = clone_tree(host, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
		if (tree < 0)
			return -1;
		cleanup_fd int mp = openat(dev, nodes[k], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (mp < 0 || attach(tree, mp, host, e) < 0)
			return mp < 0 ? rf_fail(e, errno, "cannot open /dev/%s", nodes[k]) : -1;
	}
	for (size_t k = 0; links[k][0]; k++)
		if (symlinkat(links[k][1], dev, links[k][0]) < 0)
			return rf_fail(e, errno, "cannot create /dev/%s", links[k][0]);
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 || fchmodat(dev, "shm", 01777, 0) < 0)
		return rf_fail(e, errno, "cannot populate /dev");
	cleanup_fd int pts = new_fs("devpts", (const char *const[]){"newinstance", NULL, "ptmxmode", "0666", "mode", "0620", NULL},
				    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
	if (pts < 0)
		return -1;
	cleanup_fd int pts_mp = openat(dev, "pts", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pts_mp < 0 || attach(pts, pts_mp, "/dev/pts", e) < 0)
		return pts_mp < 0 ? rf_fail(e, errno, "cannot open /dev/pts") : -1;
	cleanup_fd int shm = scratch_dir(b, 01777, b->plan->v[i].noexec, NULL, e);
	if (shm < 0)
		return -1;
	cleanup_fd int shm_mp = openat(dev, "shm", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (shm_mp < 0 || attach(shm, shm_mp, "/dev/shm", e) < 0)
		return shm_mp < 0 ? rf_fail(e, errno, "cannot open /dev/shm") : -1;
	return attach(dev, dest, "/dev", e);
}

static int apply_proc(struct builder *b, size_t i, struct rf_error *e)
{
	cleanup_fd int dest = mount_point(b, i, true, e);
	if (dest < 0)
		return -1;
	cleanup_fd int proc = new_fs("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
	if (proc < 0)
		return rf_fail_wrap(e, "cannot mount a fresh /proc for the pid namespace");
	if (attach(proc, dest, "/proc", e) < 0)
		return -1;
	/* /proc/sys read-only: a bind of it onto itself with MOUNT_ATTR_RDONLY */
	cleanup_fd int sys = open_tree(proc, "sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (sys < 0)
		return rf_fail(e, errno, "cannot clone /proc/sys");
	if (set_attrs(sys, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, true,
		      "/proc/sys", e) < 0)
		return -1;
	cleanup_fd int sys_mp = openat(proc, "sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sys_mp < 0)
		return rf_fail(e, errno, "cannot open /proc/sys");
	return attach(sys, sys_mp, "/proc/sys read-only", e);
}

/* Does the directory DIRFD (any fd, O_PATH too) hold nothing? */
static bool dir_is_empty(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Give a private layer's directory (or file) the owner of the host
 * directory it stands over, as the tools writing there expect. An owner the
 * sandbox's user namespace does not map (a root caller's run in another
 * user's repository: only the caller's ids are mapped) cannot be given:
 * the layer then stays the caller's, which changes nothing outside. */
static int own_like(int fd, const char *name, int flags, const struct stat *owner)
{
	if (fchownat(fd, name, owner->st_uid, owner->st_gid, flags) < 0 && errno != EINVAL)
		return -1;
	return 0;
}

/* The file a private layer starts with (rf_plan_entry.layer_file), made in
 * DIR (the layer's upper directory, or the tmpfs standing in for an empty
 * one), owned like the host directory. */
static int seed_layer(const struct rf_plan_entry *en, int dir, const struct stat *owner, struct rf_error *e)
{
	if (!en->layer_file)
		return 0;
	cleanup_fd int fd = openat(dir, en->layer_file, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	const char *c = en->layer_content ? en->layer_content : "";
	if (fd < 0 || rf_write_all(fd, c, strlen(c)) < 0 || own_like(fd, "", AT_EMPTY_PATH, owner) < 0)
		return rf_fail(e, errno, "cannot prepare %s/%s in the private layer", en->path, en->layer_file);
	return 0;
}

/* A cache: the host directory as overlayfs lower layer, a fresh tmpfs as
 * upper layer. Writes land in the tmpfs and vanish with the sandbox. */
static int apply_cache(struct builder *b, size_t i, struct rf_error *e)
{
	const struct rf_plan_entry *en = &b->plan->v[i];
	int lower = b->trees[i]; /* opened by clone_sources, closed with the trees */
	if (lower < 0)
		return 0; /* optional and absent */
	struct stat st;
	if (fstat(lower, &st) < 0)
		return rf_fail(e, errno, "cannot prepare the private layer for %s", en->path);
	if (en->missing || dir_is_empty(lower)) {
		/* empty (just made, or never used): nothing to lay over, a
		 * directory of the scratch tmpfs will do, at a fifth of an
		 * overlay's cost */
		cleanup_fd int dir = -1;
		if (scratch_dir(b, 0755, false, &dir, e) < 0)
			return -1;
		if (own_like(dir, "", AT_EMPTY_PATH, &st) < 0)
			return rf_fail(e, errno, "cannot prepare the private layer for %s", en->path);
		if (seed_layer(en, dir, &st, e) < 0)
			return -1;
		cleanup_fd int tree = open_tree(dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0)
			return rf_fail(e, errno, "cannot clone a directory of the sandbox's tmpfs");
		if (set_attrs(tree, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (en->noexec ? MOUNT_ATTR_NOEXEC : 0), false,
			      en->path, e) < 0)
			return -1;
		cleanup_fd int mp = mount_point(b, i, true, e);
		if (mp < 0)
			return -1;
		return attach(tree, mp, en->path, e);
	}
	cleanup_fd int layer = -1;
	if (scratch_dir(b, 0755, false, &layer, e) < 0)
		return -1;
	if (mkdirat(layer, "upper", 0755) < 0 || mkdirat(layer, "work", 0755) < 0)
		return rf_fail(e, errno, "cannot prepare the private layer for %s", en->path);
	/* the layer's owner must be the caller, as the cache's files are */
	if (own_like(layer, "upper", 0, &st) < 0)
		return rf_fail(e, errno, "cannot prepare the private layer for %s", en->path);
	if (en->layer_file) {
		cleanup_fd int upper = openat(layer, "upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (upper < 0)
			return rf_fail(e, errno, "cannot prepare the private layer for %s", en->path);
		if (seed_layer(en, upper, &st, e) < 0)
			return -1;
	}
	char lowerdir[64], upperdir[64], workdir[64];
	snprintf(lowerdir, sizeof lowerdir, "/proc/self/fd/%d", lower);
	snprintf(upperdir, sizeof upperdir, "/proc/self/fd/%d/upper", layer);
	snprintf(workdir, sizeof workdir, "/proc/self/fd/%d/work", layer);
	const char *opts[] = {"lowerdir", lowerdir, "upperdir", upperdir, "workdir", workdir,
			      "userxattr", NULL, NULL};
	cleanup_fd int ovl =
		new_fs("overlay", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (en->noexec ? MOUNT_ATTR_NOEXEC : 0), e);
	if (ovl < 0)
		return rf_fail_wrap(e, "cannot give %s a private writable layer", en->path);
	cleanup_fd int dest = mount_point(b, i, true, e);
	if (dest < 0)
		return -1;
	return attach(ovl, dest, en->path, e);
}

static int apply_entry(struct builder *b, size_t i, struct rf_error *e)
{
	const struct rf_plan_entry *en = &b->plan->v[i];
	const char *rel = en->path + 1;
	switch (en->kind) {
	case RF_PLAN_SYMLINK:
		if (symlinkat(en->target, b->root, rel) < 0)
			return rf_fail(e, errno, "cannot create symlink %s", en->path);
		return 0;
	case RF_PLAN_BIND_RO:
	case RF_PLAN_BIND_RW:
	case RF_PLAN_PROTECT: {
		if (b->trees[i] < 0)
			return 0; /* optional and absent */
		cleanup_fd int dest = mount_point(b, i, en->is_dir, e);
		if (dest < 0)
			return -1;
		if (attach(b->trees[i], dest, en->path, e) < 0)
			return -1;
		if (strcmp(en->path, "/") == 0) {
			/* danger-full-access: the host root now sits on top of the
			 * staging tmpfs; later entries go into it */
			close(b->root);
			b->root = open(STAGING, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (b->root < 0)
				return rf_fail(e, errno, "cannot reopen the new root");
		}
		return 0;
	}
	case RF_PLAN_TMPFS: {
		cleanup_fd int dest = mount_point(b, i, true, e);
		if (dest < 0)
			return -1;
		bool sticky = strcmp(en->path, "/run") != 0;
		cleanup_fd int fs = scratch_dir(b, sticky ? 01777 : 0755, en->noexec, NULL, e);
		if (fs < 0)
			return -1;
		return attach(fs, dest, en->path, e);
	}
	case RF_PLAN_DEV:
		return apply_dev(b, i, e);
	case RF_PLAN_CACHE:
		return apply_cache(b, i, e);
	case RF_PLAN_PROC:
		return apply_proc(b, i, e);
	case RF_PLAN_HIDE: {
		/* what the sandbox shows there is the mount point itself (opened
		 * as mount_point() would, but never created: a hidden path the
		 * sandbox does not show needs no cover) */
		const unsigned long long res = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		cleanup_fd int dest = openat2_path(b->root, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC, res);
		if (dest < 0 && errno == ENOENT)
			return 0; /* not visible in the sandbox: nothing to cover */
		if (dest < 0)
			return rf_fail(e, errno, "cannot cover hidden path %s", en->path);
		struct stat st;
		if (fstat(dest, &st) < 0)
			return rf_fail(e, errno, "cannot cover hidden path %s", en->path);
		bool dir = S_ISDIR(st.st_mode);
		int cover;
		if (dir) {
			/* An empty tmpfs, made read-only after nested entries (a
			 * linked worktree's common git dir inside the hidden source
			 * checkout) have been mounted in it. Mode 000, or 111 when
			 * it holds such entries: they must be reachable, and the
			 * command has no capability to search a mode-000 dir. Not
			 * listable either way, and nothing else is in it. */
			bool nested = false;
			for (size_t k = i + 1; k < b->plan->n && !nested; k++)
				nested = b->plan->v[k].kind != RF_PLAN_SYMLINK && strcmp(b->plan->v[k].path, en->path) != 0 &&
					 rf_path_is_within(b->plan->v[k].path, en->path);
			cover = new_fs("tmpfs",
				       (const char *const[]){"mode", nested ? "0111" : "0000", "size", SMALL_TMPFS_SIZE, NULL},
				       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
		} else {
			cover = open_tree(b->root, ".rf-cover", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
			if (cover < 0)
				return rf_fail(e, errno, "cannot clone the cover file");
			if (set_attrs(cover, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
				      false, "cover file", e) < 0) {
				close(cover);
				return -1;
			}
		}
		if (cover < 0)
			return -1;
		if (attach(cover, dest, en->path, e) < 0) {
			close(cover);
			return -1;
		}
		if (dir)
			keep_cover(b, cover);
		else
			close(cover);
		return 0;
	}
	}
	return 0;
}

static void describe(FILE *v, const char *path)
{
	if (v) {
		fprintf(v, "ringfence: mount %s\n", path);
		fflush(v);
	}
}

/* 1. clone every bind source while the host tree is still intact */
static int clone_sources(struct builder *b, struct rf_error *e)
{
	for (size_t i = 0; i < b->plan->n; i++) {
		const struct rf_plan_entry *en = &b->plan->v[i];
		if (en->kind == RF_PLAN_CACHE) {
			if (en->optional && access(en->path, F_OK) < 0)
				continue; /* its placeholder could not be made */
			/* the overlay's lower layer, opened while still visible */
			b->trees[i] = open_source(en->path, e);
			if (b->trees[i] < 0)
				return rf_fail_wrap(e, "cannot prepare %s [%s]", en->path, en->rule);
			continue;
		}
		if (en->kind != RF_PLAN_BIND_RO && en->kind != RF_PLAN_BIND_RW && en->kind != RF_PLAN_PROTECT)
			continue;
		unsigned long long attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
		if (en->kind != RF_PLAN_BIND_RW)
			attrs |= MOUNT_ATTR_RDONLY;
		if (strcmp(en->path, "/") == 0)
			attrs = MOUNT_ATTR_NOSUID; /* danger-full-access: the host's /dev must keep working */
		if (en->noexec)
			attrs |= MOUNT_ATTR_NOEXEC; /* plan/review: see rf_plan_entry.noexec */
		if (en->optional && access(en->path, F_OK) < 0)
			continue;
		b->trees[i] = clone_tree(en->path, true, attrs, e);
		if (b->trees[i] < 0)
			return rf_fail_wrap(e, "cannot prepare %s [%s]", en->path, en->rule);
	}
	return 0;
}

/* The scratch tmpfs, attached at STAGING on the old root (a clone can only
 * be taken of an attached mount), underneath the new root that is stacked
 * on it next. It needs no unmounting of its own: it is part of the old
 * root's tree, and pivot()'s one lazy unmount of that tree takes it along
 * (every unmount waits for an RCU grace period, a tenth of a millisecond
 * here; the clones of its directories stay where they were attached). */
static int make_scratch(struct builder *b, struct rf_error *e)
{
	char size[32];
	if (b->tmpfs_bytes)
		snprintf(size, sizeof size, "%llu", b->tmpfs_bytes);
	else
		snprintf(size, sizeof size, "%s", SCRATCH_DEFAULT);
	cleanup_fd int fs = new_tmpfs("0700", size, e);
	if (fs < 0)
		return -1;
	if (move_mount(fs, "", AT_FDCWD, STAGING, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return rf_fail(e, errno, "cannot attach the sandbox's tmpfs at %s", STAGING);
	b->scratch = rf_steal_fd(&fs);
	return 0;
}

/* 2. the new root: a small tmpfs, assembled at STAGING on top of the
 * scratch tmpfs, with the file that covers hidden files (bound read-only,
 * mode 000) */
static int make_root(struct builder *b, struct rf_error *e)
{
	if (make_scratch(b, e) < 0)
		return -1;
	int root_mnt = new_tmpfs("0755", ROOT_TMPFS_SIZE, e);
	if (root_mnt < 0)
		return -1;
	keep_cover(b, root_mnt);
	if (move_mount(root_mnt, "", AT_FDCWD, STAGING, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return rf_fail(e, errno, "cannot attach the new root at %s", STAGING);
	b->root = open(STAGING, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->root < 0)
		return rf_fail(e, errno, "cannot open the new root");
	cleanup_fd int cf = openat(root_mnt, ".rf-cover", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
	if (cf < 0 || fchmod(cf, 0) < 0)
		return rf_fail(e, errno, "cannot create the cover file");
	return 0;
}

/* 5. pivot_root(".", ".") stacks the old root on top of the new one;
 * detaching it leaves only the new root. */
static int pivot(struct builder *b, struct rf_error *e)
{
	if (fchdir(b->root) < 0)
		return rf_fail(e, errno, "cannot enter the new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return rf_fail(e, errno, "cannot pivot_root into the new root");
	if (umount2(".", MNT_DETACH) < 0)
		return rf_fail(e, errno, "cannot detach the old root");
	if (chdir("/") < 0)
		return rf_fail(e, errno, "cannot chdir to the new root");
	return 0;
}

static int build_and_pivot(struct builder *b, struct rf_error *e)
{
	/* Nothing we do may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return rf_fail(e, errno, "cannot make the mount namespace private");
	if (clone_sources(b, e) < 0 || make_root(b, e) < 0)
		return -1;
	/* 3. apply the plan, parents first */
	for (size_t i = 0; i < b->plan->n; i++) {
		describe(b->verbose, b->plan->v[i].path);
		if (apply_entry(b, i, e) < 0)
			return -1;
	}
	if (unlinkat(b->covers[0], ".rf-cover", 0) < 0)
		return rf_fail(e, errno, "cannot remove the cover file");
	/* 4. seal: covers and the root tmpfs become read-only */
	for (size_t k = 0; k < b->n_covers; k++)
		if (set_attrs(b->covers[k], MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false,
			      "a ringfence tmpfs", e) < 0)
			return -1;
	return pivot(b, e);
}

int rf_mount_apply(const struct rf_plan *plan, unsigned long long tmpfs_bytes, FILE *verbose, struct rf_error *e)
{
	struct builder b = {.plan = plan, .root = -1, .scratch = -1, .tmpfs_bytes = tmpfs_bytes, .verbose = verbose};
	b.trees = rf_xcalloc(plan->n, sizeof *b.trees);
	b.covers = rf_xcalloc(plan->n + 2, sizeof *b.covers);
	for (size_t i = 0; i < plan->n; i++)
		b.trees[i] = -1;
	int rc = build_and_pivot(&b, e);
	for (size_t i = 0; i < plan->n; i++)
		if (b.trees[i] >= 0)
			close(b.trees[i]);
	for (size_t k = 0; k < b.n_covers; k++)
		close(b.covers[k]);
	if (b.root >= 0)
		close(b.root);
	if (b.scratch >= 0)
		close(b.scratch);
	free(b.trees);
	free(b.covers);
	return rc;
}

/* ---- placeholders (supervisor side) ---- */

/* The lock on the directory holding `path`, shared, taken once per
 * directory: two fds of ours on one directory would make our own shared lock
 * stand in the way of the exclusive one at the end. */
static int lock_parent(struct rf_placeholders *ph, const char *path, size_t *out, struct rf_error *e)
{
	cleanup_free char *parent = rf_xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = openat2_path(AT_FDCWD, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return rf_fail(e, errno, "cannot open %s to lock the protected path %s", parent, path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return rf_fail(e, err, "cannot inspect %s", parent);
	}
	for (size_t i = 0; i < ph->n_locks; i++) {
		if (ph->locks[i].dev == st.st_dev && ph->locks[i].ino == st.st_ino) {
			close(fd);
			*out = i;
			return 0;
		}
	}
	if (flock(fd, LOCK_SH) < 0) {
		int err = errno;
		close(fd);
		return rf_fail(e, err, "cannot lock %s", parent);
	}
	ph->locks = rf_xrealloc(ph->locks, (ph->n_locks + 1) * sizeof *ph->locks);
	ph->locks[ph->n_locks] = (struct rf_placeholder_lock){.dev = st.st_dev, .ino = st.st_ino, .fd = fd};
	*out = ph->n_locks++;
	return 0;
}

static int remember(struct rf_placeholders *ph, const struct rf_plan_entry *en, struct rf_error *e)
{
	size_t lock = 0;
	if (lock_parent(ph, en->path, &lock, e) < 0)
		return -1;
	ph->paths = rf_xrealloc(ph->paths, (ph->n + 1) * sizeof *ph->paths);
	ph->is_dir = rf_xrealloc(ph->is_dir, (ph->n + 1) * sizeof *ph->is_dir);
	ph->content = rf_xrealloc(ph->content, (ph->n + 1) * sizeof *ph->content);
	ph->lock_of = rf_xrealloc(ph->lock_of, (ph->n + 1) * sizeof *ph->lock_of);
	ph->paths[ph->n] = rf_xstrdup(en->path);
	ph->is_dir[ph->n] = en->is_dir;
	ph->content[ph->n] = en->content;
	ph->lock_of[ph->n] = lock;
	ph->n++;
	return 0;
}

#define PLACEHOLDER_TMP ".ringfence-new."

/* Create a placeholder so that it appears complete or not at all: made under
 * a temporary name, marked, then renamed into place without replacing
 * anything. A concurrent run must never see an unmarked .git and take it for
 * a real repository. */
static int create_one(const struct rf_plan_entry *en, struct rf_error *e)
{
	/* Resolve the parent without symlinks, create the name in it. */
	cleanup_free char *parent = rf_xstrdup(en->path);
	char *slash = strrchr(parent, '/');
	const char *name = slash + 1;
	*slash = '\0';
	cleanup_fd int pfd = openat2_path(AT_FDCWD, parent[0] ? parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC,
					  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (pfd < 0)
		return rf_fail(e, errno, "cannot create placeholder for protected path %s", en->path);
	char tmp[64];
	snprintf(tmp, sizeof tmp, PLACEHOLDER_TMP "%d.%s", (int)getpid(), en->is_dir ? "d" : "f");
	if (en->is_dir) {
		if (mkdirat(pfd, tmp, 0755) < 0)
			return rf_fail(e, errno, "cannot create placeholder %s", en->path);
		cleanup_fd int dfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* best effort: without user xattrs it is merely not recognisable */
		if (dfd >= 0)
			(void)fsetxattr(dfd, RF_PLACEHOLDER_XATTR, "placeholder", 11, 0);
	} else {
		cleanup_fd int fd = openat(pfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return rf_fail(e, errno, "cannot create placeholder %s", en->path);
		if (en->content && rf_write_all(fd, en->content, strlen(en->content)) < 0) {
			int err = errno;
			(void)unlinkat(pfd, tmp, 0);
			return rf_fail(e, err, "cannot write placeholder %s", en->path);
		}
	}
	if (renameat2(pfd, tmp, pfd, name, RENAME_NOREPLACE) < 0) {
		int err = errno;
		(void)unlinkat(pfd, tmp, en->is_dir ? AT_REMOVEDIR : 0);
		if (err == EEXIST)
			return 0; /* another run made it meanwhile: protected all the same */
		return rf_fail(e, err, "cannot create placeholder %s", en->path);
	}
	return 0;
}

int rf_placeholders_lock(struct rf_placeholders *ph, const char *workspace, struct rf_error *e)
{
	memset(ph, 0, sizeof *ph);
	/* Removing a placeholder on the host would detach the read-only mount
	 * on it in every other sandbox using the same workspace. Each run holds
	 * a shared lock on the workspace from before its plan is made (so the
	 * placeholders it sees stay) to its end; only the last one out removes. */
	ph->lock_fd = open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ph->lock_fd < 0)
		return rf_fail(e, errno, "cannot open workspace %s", workspace);
	if (flock(ph->lock_fd, LOCK_SH) < 0)
		return rf_fail(e, errno, "cannot lock workspace %s", workspace);
	/* it is also the lock of the placeholders directly in the workspace */
	struct stat st;
	if (fstat(ph->lock_fd, &st) < 0)
		return rf_fail(e, errno, "cannot inspect workspace %s", workspace);
	ph->locks = rf_xcalloc(1, sizeof *ph->locks);
	ph->locks[0] = (struct rf_placeholder_lock){.dev = st.st_dev, .ino = st.st_ino, .fd = ph->lock_fd};
	ph->n_locks = 1;
	return 0;
}

/* A package cache that a fresh account does not have yet (~/.npm,
 * ~/.cargo/registry): made for good, empty, as the tool would make it on its
 * first run outside, so that the run gets its private layer there (a mount
 * needs a mount point in the read-only home). Made once, not at every run and
 * removed after: directories on the home's filesystem cost a journal commit
 * each. Best effort: when the home refuses, the run goes without. */
static void make_cache_dir(const struct rf_plan_entry *en)
{
	cleanup_free char *parent = rf_xstrdup(en->path);
	char *slash = strrchr(parent, '/');
	*slash = '\0';
	cleanup_fd int pfd = openat2_path(AT_FDCWD, parent, O_PATH | O_DIRECTORY | O_CLOEXEC,
					  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (pfd >= 0)
		(void)mkdirat(pfd, slash + 1, 0700); /* private, as XDG asks of ~/.cache */
}

int rf_placeholders_create(const struct rf_plan *plan, struct rf_placeholders *ph, struct rf_error *e)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if (en->kind == RF_PLAN_CACHE) {
			if (en->missing)
				make_cache_dir(en);
			continue;
		}
		if (en->kind != RF_PLAN_PROTECT)
			continue;
		/* every protected path is a candidate for removal at the end: it
		 * may be a placeholder another run made */
		if (remember(ph, en, e) < 0)
			return -1;
		/* Seen when the plan was made, but removed since by the last run
		 * out before we held its directory's lock: make it again. */
		struct stat st;
		bool gone = !en->missing && lstat(en->path, &st) < 0 && errno == ENOENT;
		if ((en->missing || gone) && create_one(en, e) < 0)
			return -1;
	}
	return 0;
}

/* Is `path` one of ours: a directory holding nothing but the marker, or a
 * file holding exactly a placeholder's content? */
static bool is_placeholder(const char *path, bool is_dir, const char *content)
{
	if (is_dir) {
		char mark[16];
		return lgetxattr(path, RF_PLACEHOLDER_XATTR, mark, sizeof mark) > 0; /* rmdir checks emptiness */
	}
	if (!content)
		return false; /* an empty file may well be the user's */
	char buf[128];
	struct stat st;
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == strlen(content) &&
	       rf_read_file(path, buf, sizeof buf) >= 0 && strcmp(buf, content) == 0;
}

/* A supervisor killed between making a placeholder under its temporary name
 * and renaming it leaves the temporary name behind. Under the exclusive
 * lock no other run is making one, so every temporary name in the
 * placeholders' directories is such a leftover: an empty directory, or a
 * file no bigger than a placeholder's content. */
static void remove_stale_temporaries(const char *dir)
{
	cleanup_fd int dfd = openat2_path(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
					  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (dfd < 0)
		return;
	int scan = dup(dfd);
	DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
	if (!d) {
		if (scan >= 0)
			close(scan);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (strncmp(de->d_name, PLACEHOLDER_TMP, strlen(PLACEHOLDER_TMP)) != 0 || n < 2 || de->d_name[n - 2] != '.')
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (de->d_name[n - 1] == 'd' && S_ISDIR(st.st_mode))
			(void)unlinkat(dfd, de->d_name, AT_REMOVEDIR); /* only if empty */
		else if (de->d_name[n - 1] == 'f' && S_ISREG(st.st_mode) && st.st_size <= 128)
			(void)unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
}

size_t rf_placeholders_reopen(struct rf_placeholders *ph, int *keep, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < ph->n_locks; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", ph->locks[i].fd);
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* the inherited fd is left for the caller to close */
		if (ph->locks[i].fd == ph->lock_fd)
			ph->lock_fd = fd;
		ph->locks[i].fd = fd;
		if (fd >= 0 && n < cap)
			keep[n++] = fd;
	}
	return n;
}

int rf_placeholders_relock(struct rf_placeholders *ph)
{
	for (size_t i = 0; i < ph->n_locks; i++)
		if (ph->locks[i].fd < 0 || flock(ph->locks[i].fd, LOCK_SH) < 0)
			return -1;
	return 0;
}

void rf_placeholders_remove(struct rf_placeholders *ph)
{
	/* Only the last run out (the exclusive lock on the placeholder's
	 * directory) removes, deepest first. */
	for (size_t i = 0; i < ph->n_locks; i++)
		ph->locks[i].exclusive = flock(ph->locks[i].fd, LOCK_EX | LOCK_NB) == 0;
	for (size_t k = ph->n; k-- > 0;) {
		/* entries come sorted parents first; walk back for deepest first */
		const char *path = ph->paths[k];
		if (!ph->locks[ph->lock_of[k]].exclusive || !is_placeholder(path, ph->is_dir[k], ph->content[k]))
			continue;
		if (ph->is_dir[k]) {
			(void)rmdir(path); /* fails, as it should, if anything was put in it */
		} else {
			(void)unlink(path);
		}
	}
	/* under the directory's exclusive lock no other run is making one */
	for (size_t k = 0; k < ph->n; k++) {
		if (!ph->locks[ph->lock_of[k]].exclusive)
			continue;
		cleanup_free char *dir = rf_xstrdup(ph->paths[k]);
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			continue;
		*slash = '\0';
		bool seen = false; /* each directory once */
		for (size_t j = 0; j < k && !seen; j++) {
			size_t dl = strlen(dir);
			seen = strncmp(ph->paths[j], dir, dl) == 0 && ph->paths[j][dl] == '/' && !strchr(ph->paths[j] + dl + 1, '/');
		}
		if (!seen)
			remove_stale_temporaries(dir);
	}
	for (size_t k = 0; k < ph->n; k++)
		free(ph->paths[k]);
	free(ph->paths);
	free(ph->is_dir);
	free(ph->content);
	free(ph->lock_of);
	ph->paths = NULL;
	ph->is_dir = NULL;
	ph->content = NULL;
	ph->lock_of = NULL;
	ph->n = 0;
	for (size_t i = 0; i < ph->n_locks; i++)
		if (ph->locks[i].fd != ph->lock_fd)
			close(ph->locks[i].fd);
	free(ph->locks);
	ph->locks = NULL;
	ph->n_locks = 0;
	if (ph->lock_fd >= 0)
		close(ph->lock_fd);
	ph->lock_fd = -1;
}
