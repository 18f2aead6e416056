/* Handlers of seccomp user notifications, and what they share.
 *
 * A handler gets one notification (struct rf_notify_call) and either lets
 * the kernel run the call (RF_NOTIFY_CONTINUE) or answers it itself
 * (RF_NOTIFY_ANSWER with c->result: a value >= 0 or -errno). The kernel
 * layers stay the enforcement: a handler may refuse what they would refuse
 * anyway (to report it, with the errno they would give), or perform a call
 * itself race-free (notify_unix.c); it never lets through what they would
 * not, and when unsure it continues.
 *
 * Each concern has a file and a table of {syscall, handler}, ended by
 * {-1, NULL}; supervisor.c lists the tables. To add one: write notify_X.c
 * with `const struct rf_notify_handler rf_notify_X[]`, declare it here, add
 * it to handler_tables[] in supervisor.c, and add the seccomp rules (and an
 * option bit) in seccomp.c. */
#ifndef RF_NOTIFY_H
#define RF_NOTIFY_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "supervisor.h"

enum rf_notify_verdict {
	RF_NOTIFY_CONTINUE,
	RF_NOTIFY_ANSWER,
};

struct rf_notify_call {
	struct rf_notifier *n;
	const struct seccomp_notif *req;
	long result; /* RF_NOTIFY_ANSWER: >= 0 value, or -errno */
};

typedef enum rf_notify_verdict (*rf_notify_fn)(struct rf_notify_call *c);

struct rf_notify_handler {
	int nr; /* x86_64 syscall number; -1 ends a table */
	rf_notify_fn fn;
};

extern const struct rf_notify_handler rf_notify_unix[]; /* notify_unix.c */
extern const struct rf_notify_handler rf_notify_fs[];   /* notify_fs.c */
extern const struct rf_notify_handler rf_notify_exec[]; /* notify_exec.c */

/* ---- shared by the handlers (supervisor.c) ---- */

/* Is the notification still pending (the caller alive, blocked in this
 * very call)? Checked after every read of its memory: a pid read before
 * could otherwise belong to another process by now. */
bool rf_notify_valid(const struct rf_notify_call *c);
/* Read exactly `len` bytes of the caller's memory at addr. 0 or -1. */
int rf_notify_read(const struct rf_notify_call *c, uint64_t addr, void *buf, size_t len);
/* Read a NUL-terminated string (a path) of at most cap-1 bytes. Returns its
 * length, or -1 with errno EFAULT / ENAMETOOLONG. */
ssize_t rf_notify_read_string(const struct rf_notify_call *c, uint64_t addr, char *buf, size_t cap);
/* A duplicate of the caller's fd `num` (from the calling thread's table). */
int rf_notify_caller_fd(const struct rf_notify_call *c, int num);
/* Report a refusal with the caller's pid. */
void rf_notify_report(const struct rf_notify_call *c, const char *operation, const char *target,
		      const char *destination, const char *rule, const char *source, int err);

/* ---- the sandbox's view of paths (notify_path.c) ---- */

/* A hidden path's cover, as it is mounted in the sandbox. */
struct rf_notify_cover {
	dev_t dev;
	ino_t ino;
	bool is_dir; /* a directory cover: everything on dev is inside it */
	const struct rf_plan_entry *entry;
};

/* Where a path argument leads in the caller's view. */
struct rf_fs_path {
	char *full;          /* the argument made absolute, as the caller wrote it */
	int parent;          /* O_PATH fd of the parent directory in the sandbox, or -1 */
	char name[256];      /* the last component ("" for a path ending in / or .) */
	int target;          /* O_PATH fd of the path itself (see follow), -1 when missing */
	struct stat st;      /* of target */
	char *where;         /* the sandbox path of the target (or parent + name) */
	int err;             /* why parent/target are missing: 0, ENOENT, EACCES... */
	bool trailing_slash; /* "a/b/" */
	const struct rf_notify_cover *cover; /* the walk ends at or inside this cover */
};

/* Resolve the path argument `path`, relative to `dirfd` of the caller
 * (AT_FDCWD: its cwd), in the sandbox's root, with the caller's powers.
 * `follow`: the call follows a final symlink. Returns 0 (fields set as far
 * as the path exists) or -1 when the call should simply continue (the base
 * directory is unknown, a magic link, ...). */
int rf_fs_resolve(struct rf_notifier *n, const struct rf_notify_call *c, int dirfd, const char *path, bool follow,
		  struct rf_fs_path *out);
/* A read: does the walk of `path` meet a hidden path's cover? Returns 1
 * (out->cover and out->where set), 0 (no), or -1 (cannot tell: continue).
 * Cheaper than rf_fs_resolve(): one walk, no parent. */
int rf_fs_reaches_cover(struct rf_notifier *n, const struct rf_notify_call *c, int dirfd, const char *path,
			bool follow, struct rf_fs_path *out);
/* The caller's fd `num` as a path: target set, parent -1. */
int rf_fs_resolve_fd(struct rf_notifier *n, const struct rf_notify_call *c, int num, struct rf_fs_path *out);
void rf_fs_path_free(struct rf_fs_path *p);

/* The cover an inode belongs to (NULL: not hidden). */
const struct rf_notify_cover *rf_fs_cover_of(const struct rf_notifier *n, const struct stat *st);
/* Is the mount the fd lies on read-only (for the sandbox)? -1 = unknown. */
int rf_fs_mount_readonly(int fd);
/* Is the fd the root of a mount (a mount point in the caller's view)? */
bool rf_fs_is_mount_root(int fd);
/* The mount id of the fd (0 = unknown). */
uint64_t rf_fs_mount_id(int fd);

/* Resolve with the caller's powers: a root supervisor drops the
 * capabilities that the command does not have (DAC override and friends)
 * for the duration, so that permission checks come out as the caller's. */
struct rf_fs_powers {
	bool dropped;
	uint32_t saved[2];
};
void rf_fs_powers_drop(struct rf_notifier *n, struct rf_fs_powers *p);
void rf_fs_powers_restore(struct rf_fs_powers *p);

/* The rule to name for a refusal at `path`: the plan entry that decides it,
 * phrased for the agent ("read-only:~", "protected:.git/hooks", ...). */
void rf_fs_rule(const struct rf_notifier *n, const char *path, char *rule, size_t cap, const char **source);

/* x86_64 numbers newer than the C library's headers. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef SYS_removexattrat
#define SYS_removexattrat 466
#endif

#endif
