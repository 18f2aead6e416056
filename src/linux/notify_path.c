/* The sandbox's view of a path argument (notify.h), for the file-call
 * handlers in notify_fs.c.
 *
 * A path is resolved the way the caller's kernel walk would go: made
 * absolute with the caller's cwd (or dirfd) as the sandbox shows it, then
 * walked with openat2(RESOLVE_IN_ROOT) from the sandbox's root (absolute
 * symlinks and ".." stay inside it, as they do for the caller), with the
 * caller's powers: the supervisor has the caller's uid and groups, and a
 * root supervisor drops its capabilities around the walk, so a directory
 * the caller may not search stops our walk too. Magic links (/proc/PID/fd)
 * are not followed: the caller's /proc is not ours to interpret; such calls
 * continue in the kernel.
 *
 * The covers of hidden paths are found by identity (device and inode of
 * the cover as mounted in the sandbox), not by name: a symlink or a "../"
 * that leads into a hidden directory is recognised as well. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "notify.h"
#include "util.h"

static int openat2_in(int root, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = resolve};
	return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* Where the covers of the hidden paths are, as the sandbox sees them. */
static void find_covers(struct rf_notifier *n)
{
	n->n_covers = 0;
	for (size_t i = 0; i < n->plan->n; i++) {
		const struct rf_plan_entry *en = &n->plan->v[i];
		if (en->kind != RF_PLAN_HIDE)
			continue;
		cleanup_fd int fd = openat2_in(n->root_fd, en->path, O_PATH | O_NOFOLLOW, IN_ROOT | RESOLVE_NO_SYMLINKS);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			continue; /* missing on the host: nothing covers it, nothing to see */
		n->covers[n->n_covers++] = (struct rf_notify_cover){
			.dev = st.st_dev, .ino = st.st_ino, .is_dir = S_ISDIR(st.st_mode), .entry = en,
		};
	}
}

int rf_notifier_watch_fs(struct rf_notifier *n, const rf_policy *policy, bool audit_reads, struct rf_error *e)
{
	if (n->root_fd < 0)
		return rf_fail(e, 0, "internal error: the file calls cannot be watched without the sandbox's root");
	n->watch_fs = true;
	n->policy = policy;
	n->audit_reads = audit_reads;
	n->drop_caps = geteuid() == 0;
	n->covers = rf_xcalloc(n->plan->n ? n->plan->n : 1, sizeof *n->covers);
	find_covers(n);
	return 0;
}

const struct rf_notify_cover *rf_fs_cover_of(const struct rf_notifier *n, const struct stat *st)
{
	for (size_t i = 0; i < n->n_covers; i++) {
		const struct rf_notify_cover *cv = &n->covers[i];
		/* a directory cover is a file system of its own: all of it is hidden */
		if (cv->is_dir ? st->st_dev == cv->dev : st->st_dev == cv->dev && st->st_ino == cv->ino)
			return cv;
	}
	return NULL;
}

int rf_fs_mount_readonly(int fd)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return -1;
	return (sv.f_flag & ST_RDONLY) != 0;
}

bool rf_fs_is_mount_root(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
		return false;
	return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

uint64_t rf_fs_mount_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

/* ---- the caller's powers ---- */

void rf_fs_powers_drop(struct rf_notifier *n, struct rf_fs_powers *p)
{
	p->dropped = false;
	if (!n->drop_caps)
		return;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return;
	p->saved[0] = d[0].effective;
	p->saved[1] = d[1].effective;
	d[0].effective = d[1].effective = 0;
	p->dropped = syscall(SYS_capset, &h, d) == 0;
}

void rf_fs_powers_restore(struct rf_fs_powers *p)
{
	if (!p->dropped)
		return;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return;
	d[0].effective = p->saved[0];
	d[1].effective = p->saved[1];
	(void)syscall(SYS_capset, &h, d);
	p->dropped = false;
}

/* ---- resolution ---- */

void rf_fs_path_free(struct rf_fs_path *p)
{
	if (p->parent >= 0)
		close(p->parent);
	if (p->target >= 0)
		close(p->target);
	free(p->full);
	free(p->where);
	memset(p, 0, sizeof *p);
	p->parent = p->target = -1;
}

static char *fd_path(int fd)
{
	char link[64], buf[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t len = readlink(link, buf, sizeof buf - 1);
	if (len <= 0)
		return NULL;
	buf[len] = '\0';
	if (buf[0] != '/')
		return NULL;
	/* a hidden file's cover is a bind of an unlinked inode: the name is
	 * where it is mounted */
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof deleted - 1;
	if ((size_t)len > dl && strcmp(buf + len - dl, deleted) == 0)
		buf[len - dl] = '\0';
	return rf_xstrdup(buf);
}

/* The caller's directory fd (or cwd) as a sandbox path. */
static char *base_dir(const struct rf_notify_call *c, int dirfd)
{
	char link[64], buf[PATH_MAX];
	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof link, "/proc/%u/cwd", c->req->pid);
	else
		snprintf(link, sizeof link, "/proc/%u/fd/%d", c->req->pid, dirfd);
	ssize_t len = readlink(link, buf, sizeof buf - 1);
	if (len <= 0)
		return NULL;
	buf[len] = '\0';
	size_t dl = strlen(" (deleted)");
	if (buf[0] != '/' || ((size_t)len > dl && strcmp(buf + len - dl, " (deleted)") == 0))
		return NULL; /* not a directory (a pipe, a socket), or gone */
	return rf_xstrdup(buf);
}

/* The walk of `path` failed with EACCES: does it stop at a cover? The
 * longest prefix that still resolves is where the caller's walk stops too. */
static const struct rf_notify_cover *stopped_at_cover(struct rf_notifier *n, const char *path)
{
	cleanup_free char *buf = rf_xstrdup(path);
	for (size_t len = strlen(buf); len > 1;) {
		while (len > 1 && buf[len - 1] != '/')
			len--;
		while (len > 1 && buf[len - 1] == '/')
			len--;
		buf[len] = '\0';
		cleanup_fd int fd = openat2_in(n->root_fd, buf, O_PATH, IN_ROOT);
		if (fd < 0) {
			if (errno == EACCES)
				continue;
			return NULL;
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			return NULL;
		const struct rf_notify_cover *cv = rf_fs_cover_of(n, &st);
		return cv && cv->is_dir ? cv : NULL;
	}
	return NULL;
}

/* The walk through the symlink parent/name failed with EACCES: follow the
 * link's text (and the links it leads to, a few hops) to the cover it ends
 * in. stopped_at_cover() alone would only try the link's own prefixes. */
static const struct rf_notify_cover *link_into_cover(struct rf_notifier *n, int parent, const char *name)
{
	cleanup_fd int dir = fcntl(parent, F_DUPFD_CLOEXEC, 3);
	cleanup_free char *leaf = rf_xstrdup(name);
	for (int hop = 0; hop < 8 && dir >= 0; hop++) {
		char text[PATH_MAX];
		ssize_t len = readlinkat(dir, leaf, text, sizeof text - 1);
		if (len <= 0)
			return NULL;
		text[len] = '\0';
		cleanup_free char *base = text[0] == '/' ? NULL : fd_path(dir);
		if (text[0] != '/' && !base)
			return NULL;
		cleanup_free char *next = base ? rf_path_join(base, text) : rf_xstrdup(text);
		const struct rf_notify_cover *cv = stopped_at_cover(n, next);
		if (cv)
			return cv;
		/* the link's target is itself a link: go on from its directory */
		char *slash = strrchr(next, '/');
		if (!slash || !slash[1])
			return NULL;
		free(leaf);
		leaf = rf_xstrdup(slash + 1);
		*slash = '\0';
		close(dir);
		dir = openat2_in(n->root_fd, *next ? next : "/", O_PATH | O_DIRECTORY, IN_ROOT);
	}
	return NULL;
}

static int resolve_locked(struct rf_notifier *n, const struct rf_notify_call *c, int dirfd, const char *path,
			  bool follow, struct rf_fs_path *out)
{
	if (!*path)
		return -1; /* "" (ENOENT, or AT_EMPTY_PATH: the caller resolves the fd) */
	if (path[0] == '/') {
		out->full = rf_xstrdup(path);
	} else {
		cleanup_free char *base = base_dir(c, dirfd);
		if (!base)
			return -1;
		out->full = rf_path_join(base, path);
	}
	/* split off the last component; "a/b/" names b */
	cleanup_free char *dir = rf_xstrdup(out->full);
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/') {
		dir[--len] = '\0';
		out->trailing_slash = true;
	}
	char *slash = strrchr(dir, '/');
	const char *name = slash + 1;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strlen(name) >= sizeof out->name)
		return -1; /* "/", ".", "..", too long: the kernel's errors, not ours */
	snprintf(out->name, sizeof out->name, "%s", name);
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	out->parent = openat2_in(n->root_fd, dir, O_PATH | O_DIRECTORY, IN_ROOT);
	if (out->parent < 0) {
		out->err = errno;
		if (errno == EACCES)
			out->cover = stopped_at_cover(n, dir);
		out->where = rf_path_normalize(out->full);
		return out->cover ? 0 : -1;
	}
	struct stat pst;
	if (fstat(out->parent, &pst) == 0) {
		const struct rf_notify_cover *cv = rf_fs_cover_of(n, &pst);
		if (cv && cv->is_dir) {
			/* our walk went in (a root supervisor without the caps to
			 * drop): the caller's stops here */
			out->cover = cv;
			out->err = EACCES;
			close(out->parent);
			out->parent = -1;
			out->where = rf_path_normalize(out->full);
			return 0;
		}
	}
	cleanup_free char *pdir = fd_path(out->parent);
	if (!pdir)
		return -1;
	out->where = rf_path_join(pdir, out->name);
	out->target = openat(out->parent, out->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (out->target < 0) {
		out->err = errno;
		return errno == ENOENT ? 0 : -1;
	}
	if (fstat(out->target, &out->st) < 0)
		return -1;
	if (follow && S_ISLNK(out->st.st_mode)) {
		/* the call goes where the link points; a link we cannot follow
		 * (dangling, into /proc) is the kernel's to judge */
		close(out->target);
		out->target = openat2_in(n->root_fd, out->full, O_PATH, IN_ROOT);
		if (out->target < 0) {
			out->err = errno;
			if (errno != EACCES)
				return -1;
			out->cover = stopped_at_cover(n, out->full);
			if (!out->cover)
				out->cover = link_into_cover(n, out->parent, out->name);
			if (!out->cover)
				return -1;
			/* the link leads into a hidden directory */
			close(out->parent);
			out->parent = -1;
			free(out->where);
			out->where = rf_path_normalize(out->full);
			return 0;
		}
		if (fstat(out->target, &out->st) < 0)
			return -1;
		free(out->where);
		out->where = fd_path(out->target);
		if (!out->where)
			return -1;
	}
	out->cover = rf_fs_cover_of(n, &out->st);
	return 0;
}

int rf_fs_resolve(struct rf_notifier *n, const struct rf_notify_call *c, int dirfd, const char *path, bool follow,
		  struct rf_fs_path *out)
{
	memset(out, 0, sizeof *out);
	out->parent = out->target = -1;
	if (!n->watch_fs)
		return -1;
	struct rf_fs_powers pw;
	rf_fs_powers_drop(n, &pw);
	int rc = resolve_locked(n, c, dirfd, path, follow, out);
	rf_fs_powers_restore(&pw);
	if (rc < 0)
		rf_fs_path_free(out);
	return rc;
}

int rf_fs_reaches_cover(struct rf_notifier *n, const struct rf_notify_call *c, int dirfd, const char *path,
			bool follow, struct rf_fs_path *out)
{
	memset(out, 0, sizeof *out);
	out->parent = out->target = -1;
	if (!*path || !n->watch_fs)
		return -1;
	if (n->n_covers == 0)
		return 0;
	cleanup_free char *full = NULL;
	if (path[0] == '/') {
		full = rf_xstrdup(path);
	} else {
		cleanup_free char *base = base_dir(c, dirfd);
		if (!base)
			return -1;
		full = rf_path_join(base, path);
	}
	/* No capabilities to drop here: a root supervisor's walk goes into a
	 * cover where the caller's stops, and either way it is the cover's
	 * device that tells. */
	cleanup_fd int fd = openat2_in(n->root_fd, full, O_PATH | (follow ? 0 : O_NOFOLLOW), IN_ROOT);
	const struct rf_notify_cover *cv = NULL;
	if (fd >= 0) {
		if (fstat(fd, &out->st) < 0)
			return -1;
		cv = rf_fs_cover_of(n, &out->st);
		if (cv && !cv->is_dir) {
			out->cover = cv;
			out->where = fd_path(fd);
			return out->where ? 1 : -1;
		}
		if (cv && (cv->dev != out->st.st_dev || cv->ino != out->st.st_ino)) {
			/* inside a directory cover: the caller's walk stops at it */
			out->cover = cv;
			out->err = EACCES;
			out->where = rf_path_normalize(full);
			return out->where ? 1 : -1;
		}
		if (cv) { /* the directory cover itself: its mode is 000 */
			out->cover = cv;
			out->where = fd_path(fd);
			return out->where ? 1 : -1;
		}
		return 0;
	}
	if (errno != EACCES && errno != ENOENT)
		return 0; /* ELOOP, ENOTDIR...: the kernel's answer, not ours */
	/* EACCES: the walk stopped at a cover (or a directory the caller may
	 * not search either); ENOENT: a root supervisor's walk went into an
	 * empty cover, or the name is missing (the common case: one more walk
	 * finds the deepest existing prefix is no cover) */
	struct rf_fs_powers pw;
	rf_fs_powers_drop(n, &pw);
	cv = stopped_at_cover(n, full);
	if (!cv && follow) {
		/* the last component may be a link into a hidden directory */
		cleanup_free char *dir = rf_xstrdup(full);
		char *slash = strrchr(dir, '/');
		if (slash && slash[1]) {
			*slash = '\0';
			cleanup_fd int pfd = openat2_in(n->root_fd, *dir ? dir : "/", O_PATH | O_DIRECTORY, IN_ROOT);
			if (pfd >= 0)
				cv = link_into_cover(n, pfd, slash + 1);
		}
	}
	rf_fs_powers_restore(&pw);
	if (!cv)
		return 0;
	out->cover = cv;
	out->err = EACCES;
	out->where = rf_path_normalize(full);
	return out->where ? 1 : -1;
}

int rf_fs_resolve_fd(struct rf_notifier *n, const struct rf_notify_call *c, int num, struct rf_fs_path *out)
{
	memset(out, 0, sizeof *out);
	out->parent = out->target = -1;
	if (!n->watch_fs)
		return -1;
	int fd = rf_notify_caller_fd(c, num);
	if (fd < 0)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || fstat(fd, &out->st) < 0) {
		close(fd); /* an O_PATH fd: the kernel says EBADF */
		return -1;
	}
	out->target = fd;
	out->where = fd_path(fd);
	if (!out->where) {
		rf_fs_path_free(out);
		return -1;
	}
	out->cover = rf_fs_cover_of(n, &out->st);
	return 0;
}

/* ---- rules ---- */

/* The workspace and writable roots are read-only because of sandbox_mode,
 * or of a plan/review conversation mode: name whichever it is. */
static void read_only_mode_rule(const struct rf_notifier *n, char *rule, size_t cap, const char **source)
{
	enum rf_conversation_mode m = n->policy ? rf_policy_conversation_mode(n->policy) : RF_MODE_CHAT;
	const char *src = NULL;
	if (m != RF_MODE_CHAT) {
		snprintf(rule, cap, "mode:%s", rf_conversation_mode_name(m));
		src = rf_setting_source(n->policy, RF_SET_MODE);
	} else {
		snprintf(rule, cap, "sandbox-mode:read-only");
		src = n->policy ? rf_setting_source(n->policy, RF_SET_SANDBOX_MODE) : NULL;
	}
	if (src)
		*source = src;
}

void rf_fs_rule(const struct rf_notifier *n, const char *path, char *rule, size_t cap, const char **source)
{
	struct rf_plan_verdict v = rf_plan_lookup(n->plan, path ? path : "/");
	const struct rf_plan_entry *en = v.entry;
	*source = en ? en->source : "default";
	if (!en) {
		snprintf(rule, cap, "read-only:/ (not mounted in the sandbox)");
		return;
	}
	const char *r = en->rule;
	switch (en->kind) {
	case RF_PLAN_BIND_RO:
		if (strncmp(r, "home:", 5) == 0 || strncmp(r, "system:", 7) == 0)
			snprintf(rule, cap, "read-only:%s", strchr(r, ':') + 1);
		else if (strstr(r, "(read-only mode)") || strncmp(r, "git-", 4) == 0 || strncmp(r, "writable-root:", 14) == 0)
			read_only_mode_rule(n, rule, cap, source);
		else
			snprintf(rule, cap, "%s", r);
		return;
	case RF_PLAN_PROC:
		snprintf(rule, cap, "read-only:%s", rf_path_is_within(path, "/proc/sys") ? "/proc/sys" : "/proc");
		return;
	default:
		snprintf(rule, cap, "%s", r);
		return;
	}
}
