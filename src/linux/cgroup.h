/* A cgroup for one run: where the caller may create one, creating it,
 * setting its limits, putting the sandbox in it, killing everything in it
 * and removing it. cgroup v2 where the controller is there, cgroup v1
 * (hybrid hierarchies) otherwise; see cgroup.c for how the parent is
 * chosen. */
#ifndef RF_CGROUP_H
#define RF_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rf_error;

enum rf_cg_controller { RF_CG_PIDS, RF_CG_MEMORY, RF_CG_CPU, RF_CG_N };

const char *rf_cg_controller_name(enum rf_cg_controller c);

/* ---- pure: /proc/self/cgroup and /proc/self/mountinfo ---- */

/* The directory (mount point + path) of the caller's cgroup in the
 * hierarchy that holds `controller` (cgroup v1), or, with controller NULL,
 * in the unified (v2) hierarchy. Returns 0, or -1 when the caller's cgroup
 * file or the mount table has no such hierarchy, or the cgroup lies outside
 * what the mount shows. */
int rf_cg_locate(const char *proc_cgroup, const char *mountinfo, const char *controller, char *out, size_t outlen);

/* Is `name` one of the space-separated words of `list` ("cpu memory pids")? */
bool rf_cg_word_in(const char *list, const char *name);

/* Does `name` have the form of a run's cgroup, "ringfence-<pid>-<n>"? Sets
 * *pid (the supervisor that made it). */
bool rf_cg_run_name(const char *name, pid_t *pid);

/* ---- the run's cgroup ---- */

struct rf_cg_values {
	unsigned long pids;              /* pids.max, 0 = not set */
	unsigned long long memory_bytes; /* memory.max (+ swap 0), 0 = not set */
	double cpus;                     /* cpu.max quota in cores, 0 = not set */
};

struct rf_cgroup {
	/* per controller: index into dirs[] of the cgroup that holds it, -1 = none */
	int of[RF_CG_N];
	int version[RF_CG_N]; /* 1 or 2 where of[] >= 0 */
	/* distinct run cgroups (one for v2, one per v1 hierarchy), planned names
	 * first, created ones marked */
	char *dirs[RF_CG_N];
	char *parents[RF_CG_N];
	int dir_version[RF_CG_N];
	bool created[RF_CG_N];
	bool leaf_move[RF_CG_N]; /* v2: move into our own leaf, enable controllers */
	size_t n_dirs;
	char why[512]; /* when a wanted controller has no cgroup: why not */
};

/* Choose, for each wanted controller, a parent cgroup the caller may create
 * a child in, and name the run's cgroup(s) there (nothing is created yet).
 * Controllers with no usable cgroup keep of[c] = -1 and `why` says why.
 * Never fails: finding nothing is an answer. */
void rf_cgroup_plan(struct rf_cgroup *cg, const bool want[RF_CG_N]);

/* The same from given /proc/self/cgroup and mountinfo texts (tests). */
void rf_cgroup_plan_from(struct rf_cgroup *cg, const bool want[RF_CG_N], const char *proc_cgroup,
			 const char *mountinfo);

/* For `ringfence doctor`: one line per controller (pids, memory, cpu) saying
 * where this caller's run cgroups would go, or that none can, and why. */
void rf_cgroup_availability(char *buf, size_t len);

/* Create the planned cgroups, and set the values for the controllers they
 * hold. Stale run cgroups of dead supervisors in the same parents are
 * removed first. */
int rf_cgroup_create(struct rf_cgroup *cg, const struct rf_cg_values *v, struct rf_error *e);

/* Move `pid` (not yet running anything) into every created cgroup. */
int rf_cgroup_attach(const struct rf_cgroup *cg, pid_t pid, struct rf_error *e);

/* SIGKILL everything in the run's cgroups (cgroup.kill in v2). */
void rf_cgroup_kill(const struct rf_cgroup *cg);

/* Kill, wait (at most `wait_s` seconds) for the cgroups to empty, remove
 * them. Returns 0, or -1 when one could not be removed (it stays behind). */
int rf_cgroup_remove(struct rf_cgroup *cg, double wait_s);

void rf_cgroup_free(struct rf_cgroup *cg);

/* Remove run cgroups in `parent` whose supervisor is gone (killed before it
 * could clean up). */
void rf_cgroup_sweep(const char *parent, int version);

#endif
