/* (named rf_limits.h: "limits.h" would shadow <limits.h> on the include path)
 * Resource limits of a run (--timeout, --memory, --pids, --cpu,
 * --memory-per-process), decided once per run: which mechanism enforces
 * each (a cgroup, an rlimit, the supervisor), or a refusal when none can.
 * See limits.c for the decisions and docs/threat-model.md for what each
 * bounds. */
#ifndef RF_LIMITS_H
#define RF_LIMITS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "ringfence.h"

struct rf_error;
struct rf_policy;

#define RF_EXIT_TIMEOUT 124 /* like timeout(1): the run hit --timeout */

/* Where the run is: the rungs enforce differently. */
enum rf_limits_rung {
	RF_LIMITS_NAMESPACES, /* own user namespace: RLIMIT_NPROC counts the sandbox only */
	RF_LIMITS_LANDLOCK,   /* no user namespace: RLIMIT_NPROC would count all the user's processes */
	RF_LIMITS_NONE,       /* backend none */
};

struct rf_limits_run {
	/* for the sandbox side (copied into the child at clone/fork) */
	unsigned long nproc;            /* RLIMIT_NPROC, 0 = leave alone */
	unsigned long pid_max;          /* kernel.pid_max of the sandbox's pid namespace, 0 = leave alone */
	unsigned long long data_bytes;  /* RLIMIT_DATA, 0 = leave alone */
	bool wait_for_cgroup;           /* fallback child: wait for the go signal (cgroup attach) */
	unsigned long long tmpfs_bytes; /* cap on the sandbox's writable tmpfs together; 0 = not ours */
	/* supervisor side */
	struct rf_cgroup cg;
	struct rf_cg_values values;
	bool use_cgroup;
	double deadline; /* rf_now() when --timeout expires; 0 = none */
	pid_t janitor;
	int janitor_fd;  /* our end: a byte = "cleaned up, exit"; end-of-file = "clean up". The
			  * sandbox's pid 1 holds it too, so that the janitor sees end-of-file
			  * only once the whole sandbox is gone */
	int hold_fd;     /* set before rf_limits_start, -1 = none: an fd the janitor keeps open
			  * until it exits, so that closing it is cheap for the supervisor (the
			  * cover watch's inotify instance: its teardown waits for an RCU grace
			  * period, some 10 ms, which belongs off the run's exit path) */
};

/* Before the sandbox exists: decide how each limit is enforced (into
 * r->limits), refuse (-1, *e says why and what to do) when an asked-for
 * limit cannot be enforced, and add a warning for a default that cannot
 * be. `t0` is when the run began (the deadline counts from it). Nothing
 * is created yet. */
int rf_limits_prepare(struct rf_limits_run *lr, const struct rf_policy *p, enum rf_limits_rung rung, double t0,
		      struct rf_run_result *r, struct rf_error *e);

struct rf_placeholders;
/* Right before the sandbox is started: the janitor, a process outside the
 * sandbox that removes the run's cgroup and the placeholders `ph` (may be
 * NULL) if ringfence is killed before it could (and holds lr->hold_fd);
 * then the run's cgroup. */
int rf_limits_start(struct rf_limits_run *lr, struct rf_placeholders *ph, struct rf_error *e);

/* Undo rf_limits_prepare for a rung that was not used after all. */
void rf_limits_abandon(struct rf_limits_run *lr);

/* After the sandbox's first process exists and before it runs anything. */
int rf_limits_attach(struct rf_limits_run *lr, pid_t child, struct rf_error *e);

/* Sandbox side, pid 1 of a new pid namespace with its capabilities and the
 * host's /proc still in view: the namespace's own kernel.pid_max. */
int rf_limits_apply_pidns(const struct rf_limits_run *lr, struct rf_error *e);

/* Sandbox side, before Landlock (which keeps /proc read-only): the OOM
 * score and the process limit. Returns -1 with *e. */
int rf_limits_apply_self(const struct rf_limits_run *lr, struct rf_error *e);
/* Sandbox side, after the Landlock rules are built (that takes memory a
 * small limit would refuse pid 1, an ASan build's above all) and before the
 * seccomp filter: the per-process memory limit. Returns -1 with *e. */
int rf_limits_apply_data(const struct rf_limits_run *lr, struct rf_error *e);

/* Milliseconds until the deadline for poll() (-1: none; 0: expired). These
 * and rf_limits_kill() take NULL for "no limits". */
int rf_limits_poll_ms(const struct rf_limits_run *lr);
bool rf_limits_expired(const struct rf_limits_run *lr);

/* SIGKILL everything in the run's cgroup (timeout, end of the run). */
void rf_limits_kill(const struct rf_limits_run *lr);

/* End of the run: kill and remove the cgroup, dismiss the janitor. Adds a
 * warning when the cgroup could not be removed. */
void rf_limits_release(struct rf_limits_run *lr, struct rf_run_result *r);

#endif
