/* File calls the seccomp filter sends to the supervisor (seccomp.c,
 * notify_fs): opens with write, create or truncate flags (every open with
 * --audit-reads), creat, openat2, mkdir, mknod, unlink, rmdir, rename,
 * link, symlink, chmod, chown, truncate, utimes, setxattr, removexattr and
 * their *at / f* forms.
 *
 * What the supervisor does with them: it predicts, from the sandbox as it
 * is mounted, whether the kernel is going to refuse the call for a reason
 * of the sandbox's making, and only then answers it itself, with the errno
 * the kernel would give, and reports a violation naming the plan's rule.
 * Everything else continues into the kernel untouched. The reasons it
 * knows:
 *   EROFS   the call would change a read-only mount (the system, $HOME,
 *           a protected path, a cover, read-only mode);
 *   EACCES  the walk goes into a hidden directory (its cover has mode 000
 *           and the command no capability to pass it), or opens a hidden
 *           file's cover;
 *   EBUSY   unlink, rmdir or rename of a mount point ringfence made (a
 *           protected path, a parent of one).
 * The prediction follows the kernel's own order of checks (a missing
 * parent is ENOENT before anything, an existing name is EEXIST before
 * EROFS, permission is checked before EROFS when an existing file is
 * opened for writing...) and continues whenever the order is in doubt.
 *
 * Why answering does not weaken anything: the supervisor only ever refuses
 * what the kernel layers refuse anyway; a caller that rewrites its path
 * between our read and the kernel's gets our refusal for the path we saw
 * (nothing runs), or, when we continued, the kernel's verdict on whatever
 * it then reads. A race can cost a report, never a protection. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/xattr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

#define ARG(c, i) ((c)->req->data.args[i])
#define DIRFD(c, i) ((int)ARG(c, i))

static enum rf_notify_verdict cont(void)
{
	return RF_NOTIFY_CONTINUE;
}

/* Answer -err and report it. */
static enum rf_notify_verdict refuse(struct rf_notify_call *c, const char *op, const struct rf_fs_path *p,
				     const char *destination, int err)
{
	char rule[300];
	const char *source;
	if (p->cover && p->cover->is_dir) {
		snprintf(rule, sizeof rule, "%s", p->cover->entry->rule);
		source = p->cover->entry->source;
	} else {
		rf_fs_rule(c->n, p->where, rule, sizeof rule, &source);
	}
	rf_notify_report(c, op, p->where ? p->where : p->full, destination, rule, source, err);
	c->result = -err;
	return RF_NOTIFY_ANSWER;
}

/* The walk stops inside a hidden directory: EACCES at the cover. */
static bool in_hidden_dir(const struct rf_fs_path *p)
{
	return p->cover && p->cover->is_dir && p->parent < 0 && p->target < 0 && p->err == EACCES;
}

/* Read a path argument. false: let the kernel report the bad pointer. */
static bool read_path(struct rf_notify_call *c, int arg, char *buf, size_t cap)
{
	return rf_notify_read_string(c, ARG(c, arg), buf, cap) >= 0;
}

/* ---- the three kinds of change ---- */

/* Change an existing inode (chmod, chown, utimes, xattrs, truncate): the
 * kernel takes write access to its mount right after the lookup. */
static enum rf_notify_verdict modify(struct rf_notify_call *c, const char *op, struct rf_fs_path *p)
{
	if (in_hidden_dir(p))
		return refuse(c, op, p, NULL, EACCES);
	if (p->target < 0)
		return cont(); /* ENOENT */
	if (p->trailing_slash && !S_ISDIR(p->st.st_mode))
		return cont(); /* "file/": ENOTDIR in the lookup */
	if (rf_fs_mount_readonly(p->target) == 1)
		return refuse(c, op, p, NULL, EROFS);
	return cont();
}

/* Make a new name (mkdir, mknod, symlink, link, O_CREAT): an existing
 * name is EEXIST first, then the parent's mount. */
static enum rf_notify_verdict create(struct rf_notify_call *c, const char *op, struct rf_fs_path *p,
				     const char *destination, bool dir_ok)
{
	if (in_hidden_dir(p))
		return refuse(c, op, p, destination, EACCES);
	if (p->parent < 0 || p->target >= 0 || p->err != ENOENT)
		return cont();
	if (p->trailing_slash && !dir_ok)
		return cont(); /* ENOENT: "you asked for a directory" */
	if (rf_fs_mount_readonly(p->parent) == 1)
		return refuse(c, op, p, destination, EROFS);
	return cont();
}

/* May the caller add an entry to the directory (write and search)? */
static bool may_enter(struct rf_notifier *n, int dir)
{
	struct rf_fs_powers pw;
	rf_fs_powers_drop(n, &pw);
	bool ok = faccessat(dir, "", W_OK | X_OK, AT_EACCESS | AT_EMPTY_PATH) == 0;
	rf_fs_powers_restore(&pw);
	return ok;
}

/* May the caller delete entries of p's parent (write and search on it,
 * and the sticky bit)? As the kernel would decide, with the caller's
 * powers (rf_fs_powers_drop). */
static bool may_delete(struct rf_notifier *n, const struct rf_fs_path *p)
{
	bool ok = may_enter(n, p->parent);
	struct stat pst;
	if (ok && fstat(p->parent, &pst) == 0 && (pst.st_mode & S_ISVTX))
		ok = geteuid() == p->st.st_uid || geteuid() == pst.st_uid;
	return ok;
}

/* Remove a name (unlink, rmdir): the parent's mount is checked before the
 * name is even looked up; a mount point cannot be removed (EBUSY). */
static enum rf_notify_verdict remove_name(struct rf_notify_call *c, const char *op, struct rf_fs_path *p, bool is_dir)
{
	if (in_hidden_dir(p))
		return refuse(c, op, p, NULL, EACCES);
	if (p->parent < 0)
		return cont();
	if (rf_fs_mount_readonly(p->parent) == 1)
		return refuse(c, op, p, NULL, EROFS);
	if (p->target < 0 || !rf_fs_is_mount_root(p->target))
		return cont();
	if ((bool)S_ISDIR(p->st.st_mode) != is_dir || (p->trailing_slash && !is_dir) || !may_delete(c->n, p))
		return cont(); /* ENOTDIR, EISDIR, EACCES, EPERM come first */
	return refuse(c, op, p, NULL, EBUSY);
}

/* ---- open ---- */

static enum rf_notify_verdict open_call(struct rf_notify_call *c, int dirfd, int patharg, unsigned long long flags)
{
	char path[PATH_MAX];
	if (flags & O_PATH)
		return cont(); /* no access to the file itself */
	if (!read_path(c, patharg, path, sizeof path))
		return cont();
	bool tmpfile = (flags & __O_TMPFILE) == __O_TMPFILE;
	bool creat = (flags & O_CREAT) && !tmpfile;
	bool excl = creat && (flags & O_EXCL);
	bool trunc = (flags & O_TRUNC) != 0;
	bool write = (flags & O_ACCMODE) != O_RDONLY || trunc || creat || tmpfile;
	bool follow = !(flags & O_NOFOLLOW) && !excl;
	struct rf_fs_path p;
	if (!write) {
		/* a read (--audit reads): only a hidden path's cover is of interest */
		int hit = rf_fs_reaches_cover(c->n, c, dirfd, path, follow, &p);
		enum rf_notify_verdict v = RF_NOTIFY_CONTINUE;
		if (hit == 1 && (p.err == EACCES || p.cover->is_dir || S_ISREG(p.st.st_mode)))
			v = refuse(c, "read", &p, NULL, EACCES);
		rf_fs_path_free(&p);
		return v;
	}
	if (rf_fs_resolve(c->n, c, dirfd, path, tmpfile || follow, &p) < 0)
		return cont();
	/* from here on the open asks for a change */
	enum rf_notify_verdict v = RF_NOTIFY_CONTINUE;
	if (p.trailing_slash && !(p.target >= 0 && S_ISDIR(p.st.st_mode)) && !in_hidden_dir(&p)) {
		/* "file/" or "missing/": ENOTDIR, EISDIR or ENOENT come first */
	} else if (in_hidden_dir(&p)) {
		/* (a symlink that leads in names an existing file: a write) */
		v = refuse(c, creat && p.target < 0 && !S_ISLNK(p.st.st_mode) ? "create" : "write", &p, NULL, EACCES);
	} else if (tmpfile) {
		/* an unnamed file in the directory p: its mount, after the lookup */
		if (p.target >= 0 && S_ISDIR(p.st.st_mode) && (flags & O_ACCMODE) != O_RDONLY &&
		    rf_fs_mount_readonly(p.target) == 1)
			v = refuse(c, "create", &p, NULL, EROFS);
	} else if (p.target < 0) {
		if (creat && !(flags & O_DIRECTORY))
			v = create(c, "create", &p, NULL, false);
	} else if (S_ISLNK(p.st.st_mode) || excl || S_ISDIR(p.st.st_mode)) {
		/* ELOOP (O_NOFOLLOW), EEXIST, EISDIR: not the sandbox's doing */
	} else if (p.cover) {
		/* a hidden file's cover: truncation needs its (read-only)
		 * mount first, anything else fails on its mode 000 */
		v = refuse(c, "write", &p, NULL, trunc && S_ISREG(p.st.st_mode) ? EROFS : EACCES);
	} else if (S_ISREG(p.st.st_mode) && !(flags & O_DIRECTORY)) {
		if (trunc) {
			if (rf_fs_mount_readonly(p.target) == 1)
				v = refuse(c, "write", &p, NULL, EROFS);
		} else {
			/* permission before the mount: exactly access(W_OK), which the
			 * kernel answers with EACCES or EROFS in that order */
			struct rf_fs_powers pw;
			rf_fs_powers_drop(c->n, &pw);
			int r = faccessat(p.target, "", W_OK, AT_EACCESS | AT_EMPTY_PATH);
			int err = errno;
			rf_fs_powers_restore(&pw);
			if (r < 0 && err == EROFS)
				v = refuse(c, "write", &p, NULL, EROFS);
		}
	}
	rf_fs_path_free(&p);
	return v;
}

static enum rf_notify_verdict h_open(struct rf_notify_call *c)
{
	return open_call(c, AT_FDCWD, 0, ARG(c, 1));
}

static enum rf_notify_verdict h_openat(struct rf_notify_call *c)
{
	return open_call(c, DIRFD(c, 0), 1, ARG(c, 2));
}

static enum rf_notify_verdict h_creat(struct rf_notify_call *c)
{
	return open_call(c, AT_FDCWD, 0, O_CREAT | O_WRONLY | O_TRUNC);
}

static enum rf_notify_verdict h_openat2(struct rf_notify_call *c)
{
	struct open_how how;
	size_t size = (size_t)ARG(c, 3);
	if (size < sizeof how || size > 4096)
		return cont(); /* EINVAL/E2BIG, or a newer struct we do not read */
	if (rf_notify_read(c, ARG(c, 2), &how, sizeof how) < 0)
		return cont();
	if (how.resolve || (how.flags >> 32))
		return cont(); /* RESOLVE_* change the walk; upper bits: EINVAL */
	return open_call(c, DIRFD(c, 0), 1, how.flags);
}

/* ---- names ---- */

static enum rf_notify_verdict mkdir_call(struct rf_notify_call *c, int dirfd, int patharg)
{
	char path[PATH_MAX];
	struct rf_fs_path p;
	if (!read_path(c, patharg, path, sizeof path) || rf_fs_resolve(c->n, c, dirfd, path, false, &p) < 0)
		return cont();
	enum rf_notify_verdict v = create(c, "mkdir", &p, NULL, true);
	rf_fs_path_free(&p);
	return v;
}

static enum rf_notify_verdict h_mkdir(struct rf_notify_call *c)
{
	return mkdir_call(c, AT_FDCWD, 0);
}

static enum rf_notify_verdict h_mkdirat(struct rf_notify_call *c)
{
	return mkdir_call(c, DIRFD(c, 0), 1);
}

static enum rf_notify_verdict mknod_call(struct rf_notify_call *c, int dirfd, int patharg, unsigned mode)
{
	switch (mode & S_IFMT) {
	case 0: case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return cont(); /* EINVAL */
	}
	char path[PATH_MAX];
	struct rf_fs_path p;
	if (!read_path(c, patharg, path, sizeof path) || rf_fs_resolve(c->n, c, dirfd, path, false, &p) < 0)
		return cont();
	enum rf_notify_verdict v = create(c, "mknod", &p, NULL, false);
	rf_fs_path_free(&p);
	return v;
}

static enum rf_notify_verdict h_mknod(struct rf_notify_call *c)
{
	return mknod_call(c, AT_FDCWD, 0, (unsigned)ARG(c, 1));
}

static enum rf_notify_verdict h_mknodat(struct rf_notify_call *c)
{
	return mknod_call(c, DIRFD(c, 0), 1, (unsigned)ARG(c, 2));
}

static enum rf_notify_verdict unlink_call(struct rf_notify_call *c, int dirfd, int patharg, bool is_dir)
{
	char path[PATH_MAX];
	struct rf_fs_path p;
	if (!read_path(c, patharg, path, sizeof path) || rf_fs_resolve(c->n, c, dirfd, path, false, &p) < 0)
		return cont();
	enum rf_notify_verdict v = remove_name(c, is_dir ? "rmdir" : "unlink", &p, is_dir);
	rf_fs_path_free(&p);
	return v;
}

static enum rf_notify_verdict h_unlink(struct rf_notify_call *c)
{
	return unlink_call(c, AT_FDCWD, 0, false);
}

static enum rf_notify_verdict h_rmdir(struct rf_notify_call *c)
{
	return unlink_call(c, AT_FDCWD, 0, true);
}

static enum rf_notify_verdict h_unlinkat(struct rf_notify_call *c)
{
	unsigned long long flags = ARG(c, 2);
	if (flags & ~(unsigned long long)AT_REMOVEDIR)
		return cont(); /* EINVAL */
	return unlink_call(c, DIRFD(c, 0), 1, flags & AT_REMOVEDIR);
}

static enum rf_notify_verdict rename_call(struct rf_notify_call *c, int odir, int oarg, int ndir, int narg,
					  unsigned long long flags)
{
	if (flags & ~(unsigned long long)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) ||
	    ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) || (flags & RENAME_WHITEOUT))
		return cont(); /* EINVAL, or WHITEOUT (needs CAP_MKNOD: EPERM) */
	char from[PATH_MAX], to[PATH_MAX];
	if (!read_path(c, oarg, from, sizeof from) || !read_path(c, narg, to, sizeof to))
		return cont();
	struct rf_fs_path o, t;
	if (rf_fs_resolve(c->n, c, odir, from, false, &o) < 0)
		return cont();
	enum rf_notify_verdict v = RF_NOTIFY_CONTINUE;
	if (in_hidden_dir(&o)) {
		v = refuse(c, "rename", &o, to, EACCES);
		rf_fs_path_free(&o);
		return v;
	}
	if (rf_fs_resolve(c->n, c, ndir, to, false, &t) < 0) {
		rf_fs_path_free(&o);
		return cont();
	}
	if (in_hidden_dir(&t)) {
		v = refuse(c, "rename", &t, o.where, EACCES);
	} else if (o.parent >= 0 && t.parent >= 0 && rf_fs_mount_id(o.parent) == rf_fs_mount_id(t.parent) &&
		   rf_fs_mount_id(o.parent) != 0) {
		/* the same mount (else EXDEV), checked before either name */
		if (rf_fs_mount_readonly(o.parent) == 1) {
			v = refuse(c, "rename", &o, t.where, EROFS);
		} else if (o.target >= 0 && !((flags & RENAME_NOREPLACE) && t.target >= 0) &&
			   !((flags & RENAME_EXCHANGE) && t.target < 0)) {
			/* moving a mount point, or over one: EBUSY, once the types
			 * agree and the caller may change both directories */
			bool types_ok = t.target < 0 || (flags & RENAME_EXCHANGE) ||
					(bool)S_ISDIR(o.st.st_mode) == (bool)S_ISDIR(t.st.st_mode);
			const struct rf_fs_path *mp = rf_fs_is_mount_root(o.target)		      ? &o
						      : t.target >= 0 && rf_fs_is_mount_root(t.target) ? &t
												       : NULL;
			if (mp && types_ok && may_delete(c->n, &o) && (t.target < 0 ? may_enter(c->n, t.parent) : may_delete(c->n, &t)))
				v = refuse(c, "rename", mp, mp == &o ? t.where : o.where, EBUSY);
		}
	}
	rf_fs_path_free(&o);
	rf_fs_path_free(&t);
	return v;
}

static enum rf_notify_verdict h_rename(struct rf_notify_call *c)
{
	return rename_call(c, AT_FDCWD, 0, AT_FDCWD, 1, 0);
}

static enum rf_notify_verdict h_renameat(struct rf_notify_call *c)
{
	return rename_call(c, DIRFD(c, 0), 1, DIRFD(c, 2), 3, 0);
}

static enum rf_notify_verdict h_renameat2(struct rf_notify_call *c)
{
	return rename_call(c, DIRFD(c, 0), 1, DIRFD(c, 2), 3, ARG(c, 4));
}

static enum rf_notify_verdict link_call(struct rf_notify_call *c, int odir, int oarg, int ndir, int narg,
					unsigned long long flags)
{
	if (flags & ~(unsigned long long)AT_SYMLINK_FOLLOW)
		return cont(); /* AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH), EINVAL */
	char from[PATH_MAX], to[PATH_MAX];
	if (!read_path(c, oarg, from, sizeof from) || !read_path(c, narg, to, sizeof to))
		return cont();
	struct rf_fs_path o, t;
	if (rf_fs_resolve(c->n, c, odir, from, flags & AT_SYMLINK_FOLLOW, &o) < 0)
		return cont();
	enum rf_notify_verdict v = RF_NOTIFY_CONTINUE;
	if (in_hidden_dir(&o)) {
		v = refuse(c, "link", &o, to, EACCES);
	} else if (o.target >= 0 && rf_fs_resolve(c->n, c, ndir, to, false, &t) == 0) {
		v = create(c, "link", &t, o.where, false);
		rf_fs_path_free(&t);
	}
	rf_fs_path_free(&o);
	return v;
}

static enum rf_notify_verdict h_link(struct rf_notify_call *c)
{
	return link_call(c, AT_FDCWD, 0, AT_FDCWD, 1, 0);
}

static enum rf_notify_verdict h_linkat(struct rf_notify_call *c)
{
	return link_call(c, DIRFD(c, 0), 1, DIRFD(c, 2), 3, ARG(c, 4));
}

static enum rf_notify_verdict symlink_call(struct rf_notify_call *c, int targ, int ndir, int narg)
{
	char target[PATH_MAX], path[PATH_MAX];
	if (rf_notify_read_string(c, ARG(c, targ), target, sizeof target) <= 0 || !read_path(c, narg, path, sizeof path))
		return cont(); /* an empty target is ENOENT */
	struct rf_fs_path p;
	if (rf_fs_resolve(c->n, c, ndir, path, false, &p) < 0)
		return cont();
	enum rf_notify_verdict v = create(c, "symlink", &p, target, false);
	rf_fs_path_free(&p);
	return v;
}

static enum rf_notify_verdict h_symlink(struct rf_notify_call *c)
{
	return symlink_call(c, 0, AT_FDCWD, 1);
}

static enum rf_notify_verdict h_symlinkat(struct rf_notify_call *c)
{
	return symlink_call(c, 0, DIRFD(c, 1), 2);
}

/* ---- attributes ---- */

/* A path argument (or, with AT_EMPTY_PATH and "", the fd) to modify. */
static enum rf_notify_verdict modify_at(struct rf_notify_call *c, const char *op, int dirfd, int patharg, bool follow,
					bool empty_ok)
{
	struct rf_fs_path p;
	if (patharg < 0 || (empty_ok && ARG(c, patharg) == 0)) {
		if (rf_fs_resolve_fd(c->n, c, dirfd, &p) < 0)
			return cont();
	} else {
		char path[PATH_MAX];
		if (!read_path(c, patharg, path, sizeof path))
			return cont();
		if (!*path && empty_ok) {
			if (rf_fs_resolve_fd(c->n, c, dirfd, &p) < 0)
				return cont();
		} else if (rf_fs_resolve(c->n, c, dirfd, path, follow, &p) < 0) {
			return cont();
		}
	}
	enum rf_notify_verdict v = modify(c, op, &p);
	rf_fs_path_free(&p);
	return v;
}

static enum rf_notify_verdict h_chmod(struct rf_notify_call *c)
{
	return modify_at(c, "chmod", AT_FDCWD, 0, true, false);
}

static enum rf_notify_verdict h_fchmod(struct rf_notify_call *c)
{
	return modify_at(c, "chmod", DIRFD(c, 0), -1, false, false);
}

static enum rf_notify_verdict h_fchmodat(struct rf_notify_call *c)
{
	return modify_at(c, "chmod", DIRFD(c, 0), 1, true, false);
}

static enum rf_notify_verdict h_fchmodat2(struct rf_notify_call *c)
{
	unsigned long long flags = ARG(c, 3);
	if (flags & ~(unsigned long long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) || (flags & AT_SYMLINK_NOFOLLOW))
		return cont(); /* EINVAL; a symlink's own mode: EOPNOTSUPP */
	return modify_at(c, "chmod", DIRFD(c, 0), 1, true, flags & AT_EMPTY_PATH);
}

static enum rf_notify_verdict h_chown(struct rf_notify_call *c)
{
	return modify_at(c, "chown", AT_FDCWD, 0, true, false);
}

static enum rf_notify_verdict h_lchown(struct rf_notify_call *c)
{
	return modify_at(c, "chown", AT_FDCWD, 0, false, false);
}

static enum rf_notify_verdict h_fchown(struct rf_notify_call *c)
{
	return modify_at(c, "chown", DIRFD(c, 0), -1, false, false);
}

static enum rf_notify_verdict h_fchownat(struct rf_notify_call *c)
{
	unsigned long long flags = ARG(c, 4);
	if (flags & ~(unsigned long long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return cont();
	return modify_at(c, "chown", DIRFD(c, 0), 1, !(flags & AT_SYMLINK_NOFOLLOW), flags & AT_EMPTY_PATH);
}

static enum rf_notify_verdict h_truncate(struct rf_notify_call *c)
{
	if ((long long)ARG(c, 1) < 0)
		return cont(); /* EINVAL */
	char path[PATH_MAX];
	struct rf_fs_path p;
	if (!read_path(c, 0, path, sizeof path) || rf_fs_resolve(c->n, c, AT_FDCWD, path, true, &p) < 0)
		return cont();
	enum rf_notify_verdict v = RF_NOTIFY_CONTINUE;
	if (in_hidden_dir(&p) || (p.target >= 0 && S_ISREG(p.st.st_mode)))
		v = modify(c, "truncate", &p); /* a directory: EISDIR, others EINVAL */
	rf_fs_path_free(&p);
	return v;
}

/* Times: invalid values are EINVAL before the lookup; "omit both" is a
 * successful no-op. */
static bool timespecs_change(struct rf_notify_call *c, uint64_t addr)
{
	if (!addr)
		return true;
	struct timespec ts[2];
	if (rf_notify_read(c, addr, ts, sizeof ts) < 0)
		return false;
	for (int i = 0; i < 2; i++)
		if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
		    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000L))
			return false;
	return !(ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT);
}

static bool timevals_valid(struct rf_notify_call *c, uint64_t addr)
{
	if (!addr)
		return true;
	struct timeval tv[2];
	if (rf_notify_read(c, addr, tv, sizeof tv) < 0)
		return false;
	for (int i = 0; i < 2; i++)
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000L)
			return false;
	return true;
}

static enum rf_notify_verdict h_utime(struct rf_notify_call *c)
{
	/* struct utimbuf has no field that can be invalid */
	return modify_at(c, "utimes", AT_FDCWD, 0, true, false);
}

static enum rf_notify_verdict h_utimes(struct rf_notify_call *c)
{
	if (!timevals_valid(c, ARG(c, 1)))
		return cont();
	return modify_at(c, "utimes", AT_FDCWD, 0, true, false);
}

static enum rf_notify_verdict h_futimesat(struct rf_notify_call *c)
{
	if (!timevals_valid(c, ARG(c, 2)))
		return cont();
	if (ARG(c, 1) == 0)
		return modify_at(c, "utimes", DIRFD(c, 0), -1, false, false);
	return modify_at(c, "utimes", DIRFD(c, 0), 1, true, false);
}

static enum rf_notify_verdict h_utimensat(struct rf_notify_call *c)
{
	unsigned long long flags = ARG(c, 3);
	if (flags & ~(unsigned long long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) || !timespecs_change(c, ARG(c, 2)))
		return cont();
	if (ARG(c, 1) == 0) /* futimens(fd) */
		return flags ? cont() : modify_at(c, "utimes", DIRFD(c, 0), -1, false, false);
	return modify_at(c, "utimes", DIRFD(c, 0), 1, !(flags & AT_SYMLINK_NOFOLLOW), flags & AT_EMPTY_PATH);
}

/* An xattr name the kernel accepts (else ERANGE/EFAULT before the lookup). */
static bool xattr_name_ok(struct rf_notify_call *c, int arg)
{
	char name[XATTR_NAME_MAX + 2];
	ssize_t len = rf_notify_read_string(c, ARG(c, arg), name, sizeof name);
	return len >= 1 && len <= XATTR_NAME_MAX;
}

static bool setxattr_args_ok(struct rf_notify_call *c, int name, uint64_t size, uint64_t flags)
{
	return size <= XATTR_SIZE_MAX && !(flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE)) && xattr_name_ok(c, name);
}

static enum rf_notify_verdict h_setxattr(struct rf_notify_call *c)
{
	if (!setxattr_args_ok(c, 1, ARG(c, 3), ARG(c, 4)))
		return cont();
	return modify_at(c, "setxattr", AT_FDCWD, 0, true, false);
}

static enum rf_notify_verdict h_lsetxattr(struct rf_notify_call *c)
{
	if (!setxattr_args_ok(c, 1, ARG(c, 3), ARG(c, 4)))
		return cont();
	return modify_at(c, "setxattr", AT_FDCWD, 0, false, false);
}

static enum rf_notify_verdict h_fsetxattr(struct rf_notify_call *c)
{
	if (!setxattr_args_ok(c, 1, ARG(c, 3), ARG(c, 4)))
		return cont();
	return modify_at(c, "setxattr", DIRFD(c, 0), -1, false, false);
}

static enum rf_notify_verdict h_setxattrat(struct rf_notify_call *c)
{
	/* struct xattr_args (the kernel's ABI): value is read, not used */
	struct {
		uint64_t value; // cppcheck-suppress unusedStructMember ; struct xattr_args of the kernel ABI
		uint32_t size, flags;
	} args;
	unsigned long long at = ARG(c, 2);
	if (at & ~(unsigned long long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) || ARG(c, 5) != sizeof args ||
	    rf_notify_read(c, ARG(c, 4), &args, sizeof args) < 0 || !setxattr_args_ok(c, 3, args.size, args.flags))
		return cont();
	return modify_at(c, "setxattr", DIRFD(c, 0), 1, !(at & AT_SYMLINK_NOFOLLOW), at & AT_EMPTY_PATH);
}

static enum rf_notify_verdict h_removexattr(struct rf_notify_call *c)
{
	return xattr_name_ok(c, 1) ? modify_at(c, "removexattr", AT_FDCWD, 0, true, false) : cont();
}

static enum rf_notify_verdict h_lremovexattr(struct rf_notify_call *c)
{
	return xattr_name_ok(c, 1) ? modify_at(c, "removexattr", AT_FDCWD, 0, false, false) : cont();
}

static enum rf_notify_verdict h_fremovexattr(struct rf_notify_call *c)
{
	return xattr_name_ok(c, 1) ? modify_at(c, "removexattr", DIRFD(c, 0), -1, false, false) : cont();
}

static enum rf_notify_verdict h_removexattrat(struct rf_notify_call *c)
{
	unsigned long long at = ARG(c, 2);
	if (at & ~(unsigned long long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) || !xattr_name_ok(c, 3))
		return cont();
	return modify_at(c, "removexattr", DIRFD(c, 0), 1, !(at & AT_SYMLINK_NOFOLLOW), at & AT_EMPTY_PATH);
}

const struct rf_notify_handler rf_notify_fs[] = {
	{SYS_open, h_open},
	{SYS_openat, h_openat},
	{SYS_creat, h_creat},
	{SYS_openat2, h_openat2},
	{SYS_mkdir, h_mkdir},
	{SYS_mkdirat, h_mkdirat},
	{SYS_mknod, h_mknod},
	{SYS_mknodat, h_mknodat},
	{SYS_unlink, h_unlink},
	{SYS_unlinkat, h_unlinkat},
	{SYS_rmdir, h_rmdir},
	{SYS_rename, h_rename},
	{SYS_renameat, h_renameat},
	{SYS_renameat2, h_renameat2},
	{SYS_link, h_link},
	{SYS_linkat, h_linkat},
	{SYS_symlink, h_symlink},
	{SYS_symlinkat, h_symlinkat},
	{SYS_chmod, h_chmod},
	{SYS_fchmod, h_fchmod},
	{SYS_fchmodat, h_fchmodat},
	{SYS_fchmodat2, h_fchmodat2},
	{SYS_chown, h_chown},
	{SYS_lchown, h_lchown},
	{SYS_fchown, h_fchown},
	{SYS_fchownat, h_fchownat},
	{SYS_truncate, h_truncate},
	{SYS_utime, h_utime},
	{SYS_utimes, h_utimes},
	{SYS_futimesat, h_futimesat},
	{SYS_utimensat, h_utimensat},
	{SYS_setxattr, h_setxattr},
	{SYS_lsetxattr, h_lsetxattr},
	{SYS_fsetxattr, h_fsetxattr},
	{SYS_setxattrat, h_setxattrat},
	{SYS_removexattr, h_removexattr},
	{SYS_lremovexattr, h_lremovexattr},
	{SYS_fremovexattr, h_fremovexattr},
	{SYS_removexattrat, h_removexattrat},
	{-1, NULL},
};
