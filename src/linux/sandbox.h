/* Internal interfaces of the Linux backend. The setup sequence itself lives
 * in run.c (supervisor side) and child.c (sandbox side); each step is in the
 * file named after it. */
#ifndef RF_SANDBOX_H
#define RF_SANDBOX_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "plan.h"
#include "ringfence.h"

struct rf_error;

/* ---- mount.c: the plan applied in a new mount namespace ---- */
/* Builds the new root from the plan and pivots into it. Runs in the sandbox
 * child with full capabilities in its own user namespace. The writable
 * tmpfs (/tmp, /run, /dev/shm, cache layers) share one of `tmpfs_bytes`
 * (0: half the RAM). */
int rf_mount_apply(const struct rf_plan *plan, unsigned long long tmpfs_bytes, FILE *verbose, struct rf_error *e);

/* Supervisor side: create the placeholders for protected paths that do not
 * exist yet (so a read-only mount can land on them), and remove them after
 * the run when no other run still uses them. */
struct rf_placeholder_lock {
	dev_t dev;
	ino_t ino;
	int fd;
	bool exclusive; /* got it exclusively at the end: no other run uses it */
};
struct rf_placeholders {
	char **paths; /* every protected path (any may be another run's placeholder), deepest last */
	bool *is_dir;
	const char **content; /* what a file placeholder holds (NULL = empty) */
	size_t *lock_of;      /* per path: the lock on its parent directory */
	size_t n;
	int lock_fd; /* shared lock on the workspace, taken before the plan */
	/* Shared locks on the directory holding each protected path, for the
	 * whole run. A placeholder is removed only by a run that then gets its
	 * directory's lock exclusively: the last run out, whatever its
	 * workspace (runs in two worktrees share the common git dir). */
	struct rf_placeholder_lock *locks;
	size_t n_locks;
};
int rf_placeholders_lock(struct rf_placeholders *ph, const char *workspace, struct rf_error *e);
int rf_placeholders_create(const struct rf_plan *plan, struct rf_placeholders *ph, struct rf_error *e);
void rf_placeholders_remove(struct rf_placeholders *ph);
/* For another process (the janitor, limits.c) that removes them if the run
 * is killed: open file descriptions of its own for the lock directories (a
 * flock belongs to the open file description, so the inherited ones would
 * be the run's own lock), not locked yet. Their fds go into keep[] (up to
 * cap); returns how many. rf_placeholders_relock() then takes the shared
 * locks, to be followed by rf_placeholders_remove(). */
size_t rf_placeholders_reopen(struct rf_placeholders *ph, int *keep, size_t cap);
int rf_placeholders_relock(struct rf_placeholders *ph);

/* ---- ns.c: namespaces ---- */
#define RF_NS_FLAGS_BASE (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
/* fork-like clone into new namespaces; returns pid in parent, 0 in child. */
pid_t rf_clone_ns(unsigned long flags);
/* Map the caller's uid/gid to themselves in the child's user namespace. */
int rf_write_id_maps(pid_t child, uid_t uid, gid_t gid, struct rf_error *e);

/* ---- caps.c ---- */
/* Drop every capability (effective, permitted, inheritable, ambient, and
 * the bounding set) and lock the securebits so that uid 0 gets none back
 * on execve. */
int rf_caps_drop_all(struct rf_error *e);

/* ---- net.c ---- */
int rf_net_loopback_up(struct rf_error *e);
/* A TCP socket listening on 127.0.0.1:port of the current network
 * namespace (for the supervisor's proxy and host-port forwarder). */
int rf_net_listen_loopback(int port, struct rf_error *e);

/* ---- init.c: pid 1 of the sandbox ---- */
/* Forward signals to the command's process group, reap every child, and
 * when `command` exits kill whatever it left behind. Returns its wait status. */
int rf_init_run(pid_t command);

/* ---- probe.c: what this kernel offers ---- */
struct rf_probe {
	bool userns;            /* unprivileged (or root) user namespaces usable */
	char userns_reason[200];/* why not, when !userns */
	int landlock_abi;       /* 0 = none */
	bool seccomp;           /* seccomp filters can be installed */
	bool seccomp_notify;    /* SECCOMP_RET_USER_NOTIF available */
};
/* Why the namespaces of rung 1 were refused (clone's errno; with_netns: the
 * clone asked for a network namespace too). */
void rf_probe_userns_reason(int clone_errno, bool with_netns, char *buf, size_t len);
/* Try what run does: the namespaces (in a child), Landlock's ABI, seccomp. */
void rf_probe_kernel(struct rf_probe *pr, bool with_netns);

/* ---- pty.c ---- */
struct rf_pty {
	int master;
	int slave;
	bool raw;             /* the caller's terminal was switched to raw mode */
	int tty;              /* the caller's terminal fd (0) */
	char saved_termios[64]; /* struct termios, opaque here */
};
int rf_pty_open(struct rf_pty *p, struct rf_error *e);
int rf_pty_make_controlling(int slave); /* child side: setsid() done already */
/* Sandbox side: a pty from the sandbox's own devpts (so ttyname() works
 * inside); the master goes to the supervisor, which adopts it. */
int rf_pty_open_inside(int *master, int *slave);
int rf_pty_adopt(struct rf_pty *p, int master);
void rf_pty_enter_raw(struct rf_pty *p);
void rf_pty_restore(struct rf_pty *p);
void rf_pty_sync_winsize(struct rf_pty *p);

#endif
