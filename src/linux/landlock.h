/* Landlock (DESIGN.md §2 step 6): filesystem rules that mirror the plan,
 * plus the ABI 6 scopes (abstract unix sockets, signals).
 *
 * Two modes:
 *  - RF_LANDLOCK_MIRROR (namespace backend, called after pivot_root): the
 *    mounts already hide and protect; Landlock grants read+execute on "/"
 *    (carving out the hidden paths, so a file the host renames over one
 *    during the run stays unreadable: see mirror_read in landlock.c),
 *    write on the plan's writable entries (BIND_RW, TMPFS, DEV), as a second
 *    layer.
 *  - RF_LANDLOCK_ENFORCE (Landlock-only fallback, host filesystem): Landlock
 *    is the only filesystem layer, so hidden and protected paths are carved
 *    out by enumerating siblings (Landlock can only grant, never deny a
 *    sub-path of a granted tree). Differences from the namespace backend:
 *      * hidden paths fail with EACCES, not ENOENT;
 *      * a directory that is writable in the plan but has protected or
 *        hidden paths beneath it ("heterogeneous", e.g. the workspace root)
 *        only gets read rights itself: its existing files stay writable and
 *        its other subdirectories fully writable, but nothing can be
 *        created, removed or renamed directly in it (see no_new_entries);
 *      * TMPFS entries (/tmp, /run) are fresh and private in the namespace
 *        backend; on the host they are shared, so they are NOT granted:
 *        private_tmp stands in for /tmp (set TMPDIR);
 *      * a DEV entry (/dev) grants only the minimal device set (null zero
 *        full random urandom tty read+write+ioctl, shm read-write), not the
 *        host's whole /dev; the command's own terminal comes through
 *        inherited_fds;
 *      * Landlock (ABI <= 7) does not govern chmod/chown/utimes/xattrs or
 *        connect() to path unix sockets: other layers must.
 *    ENFORCE mode needs ABI >= 3 (before it, truncate(2) of a read-only file
 *    cannot be denied).
 *
 * The work is split so the rule computation can be unit-tested and run in
 * the supervisor: rf_landlock_compute() (pure given an rf_landlock_fs)
 * and rf_landlock_apply_rules() (opens, add_rule, restrict_self).
 * rf_landlock_apply() does both with the host filesystem. In MIRROR mode
 * the supervisor builds the rules on the host's inodes itself, in parallel
 * with the sandbox's mounts (rf_landlock_build_host_part, below).
 */
#ifndef RF_LANDLOCK_H
#define RF_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plan.h"
#include "util.h"

/* The highest ABI whose rights and flags this file knows. A newer kernel is
 * used at this ABI. */
#define RF_LANDLOCK_ABI_KNOWN 7

/* A directory with more children than this that must be enumerated in
 * ENFORCE mode makes the computation fail instead of hanging. */
#define RF_LANDLOCK_MAX_CHILDREN 10000
/* Upper bound on the number of rules in ENFORCE mode. */
#define RF_LANDLOCK_MAX_RULES 100000

/* Highest ABI the kernel offers, 0 when Landlock is unavailable. */
int rf_landlock_abi(void);

enum rf_landlock_mode {
	RF_LANDLOCK_MIRROR,
	RF_LANDLOCK_ENFORCE,
};

struct rf_landlock_opts {
	enum rf_landlock_mode mode;
	const struct rf_plan *plan;
	/* ENFORCE mode: the private temporary directory that stands in for
	 * /tmp (granted read-write), or NULL. */
	const char *private_tmp;
	/* Already-open fds whose files the command may reopen through
	 * /dev/stdin, /dev/stdout, /proc/self/fd/N. Regular files and
	 * terminals get a rule on that inode only, with the rights of the fd's
	 * open mode (read -> READ_FILE, write -> WRITE_FILE [+TRUNCATE unless
	 * O_APPEND]; terminals also IOCTL_DEV). Pipes, sockets, memfds: no rule
	 * needed. Stops at n_inherited_fds or at a -1 entry; closed fds are
	 * skipped. */
	const int *inherited_fds;
	size_t n_inherited_fds;
	/* Plan/review modes (notify_exec.h): when set (NULL-terminated), these
	 * files alone get the execute right; every other rule loses it. */
	char *const *exec_allow;
	bool scope_abstract_unix; /* ABI >= 6, else rf_landlock_apply fails */
	bool scope_signal;        /* ABI >= 6, else rf_landlock_apply fails */
	FILE *verbose;            /* when set, one line a rule */
	/* Out, ENFORCE mode, may be NULL: the directories writable in the plan
	 * where nothing can be created, removed or renamed directly (see
	 * above), for the caller to warn about. Appended to. */
	struct rf_strv *no_new_entries;
	/* MIRROR mode, the sandbox's side of a split ruleset (below): when set,
	 * the ruleset is host_ruleset_fd (taken over and closed), which already
	 * holds the rules beneath these directories; they are not built again. */
	const struct rf_strv *host_roots;
	int host_ruleset_fd;
};

/* Build and enforce the ruleset on the calling thread (it must already have
 * PR_SET_NO_NEW_PRIVS). Uses the highest ABI available; returns the ABI used
 * (>= 1), or -1 with *e. Never silently degrades: a requested scope the ABI
 * lacks, or ENFORCE mode below ABI 3, is an error. Allocates (use it in a
 * single-threaded process, or compute in the parent and call
 * rf_landlock_apply_rules in the child). */
int rf_landlock_apply(const struct rf_landlock_opts *o, struct rf_error *e);

/* ---- access masks (pure) ---- */

/* Every filesystem right ABI `abi` has (the handled set). */
uint64_t rf_landlock_handled_fs(int abi);
/* The rights of a plan access level at `abi` (READ: read_file read_dir
 * execute; WRITE: all handled rights). */
uint64_t rf_landlock_rights(enum rf_access a, int abi);
/* The rights a rule on a non-directory may carry. */
uint64_t rf_landlock_file_rights(int abi);
/* "read", "write", "list" or the names of the bits joined by '+'. */
void rf_landlock_describe_rights(uint64_t rights, bool is_dir, int abi, char *buf, size_t cap);

/* ---- the rule computation ---- */

enum rf_landlock_ftype {
	RF_LL_MISSING,
	RF_LL_DIR,
	RF_LL_FILE, /* anything but a directory or a symlink */
	RF_LL_SYMLINK,
};

struct rf_landlock_dirent {
	char *name;
	enum rf_landlock_ftype type;
};

/* How the computation sees the filesystem (ENFORCE mode only). */
struct rf_landlock_fs {
	/* Type of `path`, not following a final symlink. */
	int (*type)(void *ctx, const char *path, enum rf_landlock_ftype *out, struct rf_error *e);
	/* The children of directory `dir` (no "." or ".."), in any order, at
	 * most `max` (more: fail). *out is freed by the caller with
	 * rf_landlock_dirents_free. */
	int (*list)(void *ctx, const char *dir, size_t max, struct rf_landlock_dirent **out, size_t *n,
		    struct rf_error *e);
	void *ctx;
};
extern const struct rf_landlock_fs rf_landlock_host_fs;
void rf_landlock_dirents_free(struct rf_landlock_dirent *v, size_t n);

struct rf_landlock_rule {
	char *path;
	uint64_t access; /* already masked to file rights when !is_dir */
	bool is_dir;
	bool optional;   /* absent at apply time: skip (MIRROR entries) */
	bool beside_hidden; /* MIRROR: one of the many entries beside a hidden path
			     * (verbose output counts them instead of listing each) */
};

struct rf_landlock_rules {
	struct rf_landlock_rule *v;
	size_t n, cap;
	struct rf_strv no_new_entries; /* see rf_landlock_opts */
};

/* The path rules for o->mode at `abi` (inherited fds are handled at apply
 * time). `fs` is used in ENFORCE mode only. */
int rf_landlock_compute(const struct rf_landlock_opts *o, int abi, const struct rf_landlock_fs *fs,
			struct rf_landlock_rules *out, struct rf_error *e);
void rf_landlock_rules_free(struct rf_landlock_rules *r);

/* ---- MIRROR mode, split between the supervisor and the sandbox ----
 *
 * Most of the mirror's rules are the entries beside hidden paths (for root,
 * a read rule on each of /etc's ~140 other entries, since root can read
 * /etc/shadow). Their inodes are the host's: the sandbox sees them through
 * identity bind mounts, and a Landlock rule sits on the inode, whichever
 * mount reaches it. So the supervisor builds those rules on the host while
 * the sandbox assembles its mounts, and hands the ruleset over; the sandbox
 * adds the rules on its own inodes (its root tmpfs and the mount points made
 * in it, /proc, /tmp, /dev, the caches' layers) and restricts itself.
 *
 * A host root is a directory on the way to a hidden path where every
 * directory from it down to each hidden path beneath it is seen through an
 * identity bind (BIND_RO, BIND_RW, PROTECT: the innermost plan entry there),
 * so listing it on the host lists what the sandbox shows; the first such
 * directory on each way, hence no root lies within another. */
void rf_landlock_host_roots(const struct rf_plan *plan, struct rf_strv *out);

/* The mirror rules beneath `roots` (o->mode must be MIRROR), listed through
 * `fs` (NULL: the host). With o->exec_allow, without the execute right. */
int rf_landlock_compute_host(const struct rf_landlock_opts *o, const struct rf_strv *roots, int abi,
			     const struct rf_landlock_fs *fs, struct rf_landlock_rules *out, struct rf_error *e);

/* Supervisor: create the ruleset for o (MIRROR) at `abi` (clamped to
 * RF_LANDLOCK_ABI_KNOWN) and add the rules beneath
 * rf_landlock_host_roots(o->plan). Returns the ruleset fd, or -1 with *e. */
int rf_landlock_build_host_part(const struct rf_landlock_opts *o, int abi, struct rf_error *e);

/* Create the ruleset at `abi` (1..RF_LANDLOCK_ABI_KNOWN, <= the kernel's),
 * add `rules` (each opened with openat2 RESOLVE_NO_SYMLINKS, O_PATH) and
 * o's inherited fds and scopes, restrict the calling thread. Returns abi or
 * -1 with *e. */
int rf_landlock_apply_rules(const struct rf_landlock_opts *o, const struct rf_landlock_rules *rules,
			    int abi, struct rf_error *e);

#endif
