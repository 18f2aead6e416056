/* Resource limits of a run: what enforces each one (see limits.h).
 *
 *   --timeout   the supervisor: when the wall clock since the run began
 *               passes it, pid 1 of the sandbox gets SIGKILL, which takes
 *               the whole pid namespace with it (and the run's cgroup is
 *               killed too, where there is one). Exit status 124.
 *   --pids      in the namespace rung, for a caller other than root:
 *               RLIMIT_NPROC, set by pid 1 in the sandbox's own user
 *               namespace. Since Linux 5.14 the kernel counts it per user
 *               namespace (ucounts), so it bounds the tasks of the sandbox
 *               and nothing else (tests/integration/cases/limits.sh proves
 *               it on the running kernel). uid 0 is exempt from
 *               RLIMIT_NPROC, and without a user namespace it would count
 *               every process of the user: there a cgroup's pids.max does
 *               it, or nothing can (refused, or a warning for the default).
 *   --memory    a cgroup only: memory.max with no swap on top (v2:
 *               memory.swap.max 0; v1: memory.memsw.limit_in_bytes). There
 *               is no per-sandbox memory limit without one, so without one
 *               ringfence refuses; --memory-per-process is the honest
 *               weaker form (RLIMIT_DATA, per process), asked for by name.
 *   --cpu       a cgroup only: cpu.max (v1: cfs quota/period). Refused
 *               without one.
 * Every run also gets oom_score_adj 1000 on everything in the sandbox:
 * when the host runs out of memory, the kernel kills sandboxed processes
 * before any of the host's. */
#include "rf_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "policy.h"
#include "sandbox.h"
#include "units.h"
#include "util.h"

static void warn(struct rf_run_result *r, const char *fmt, ...) RF_PRINTF(2, 3);
static void warn(struct rf_run_result *r, const char *fmt, ...)
{
	size_t used = strlen(r->warnings);
	if (used + 2 >= sizeof r->warnings)
		return;
	if (used)
		r->warnings[used++] = '\n';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->warnings + used, sizeof r->warnings - used, fmt, ap);
	va_end(ap);
}

#define RF_PID_MAX_MIN 301     /* the kernel's PID_MAX_MIN (RESERVED_PIDS + 1) */
#define RF_PID_MAX_MAX 4194304 /* PID_MAX_LIMIT on 64-bit */

/* kernel.pid_max is per pid namespace since Linux 6.14. */
static bool pidns_pid_max_works(void)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 14);
}

static const char *cgroup_name(int version)
{
	return version == 2 ? "cgroup-v2" : "cgroup-v1";
}

#define DELEGATE_HINT                                                                                             \
	"run ringfence in a cgroup delegated to you (e.g. systemd-run --user --scope -p Delegate=yes ringfence run " \
	"...; `ringfence doctor` says more)"

/* The janitor: a small process outside the sandbox that cleans up after a
 * supervisor killed before it could (SIGKILL leaves it no chance): the
 * run's cgroup and the placeholders of missing protected paths. It waits
 * on a socket that the supervisor and the sandbox's pid 1 hold: a byte
 * means "done, exit"; end-of-file means both are gone, and since pid 1
 * takes its whole pid namespace with it, so is the sandbox (its mounts on
 * the placeholders included). Its own session, stdio on /dev/null, no other
 * fds but lr->hold_fd (an inotify instance nobody reads): it holds nothing
 * of the run's data open, and no terminal signal of the caller's process
 * group reaches it. */
static int cmp_fd(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

/* Close every fd above 2 but keep[0..n). */
static void close_all_but(int *keep, size_t n)
{
	qsort(keep, n, sizeof keep[0], cmp_fd);
	unsigned int from = 3;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned int)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

#define JANITOR_MAX_FDS 64

static RF_NORETURN void janitor_main(struct rf_cgroup *cg, struct rf_placeholders *ph, int fd, int hold_fd)
{
	(void)setsid();
	int keep[JANITOR_MAX_FDS];
	size_t n = 0;
	keep[n++] = fd;
	if (hold_fd >= 0)
		keep[n++] = hold_fd; /* never used: closed by our exit */
	/* the placeholders' directories, opened anew: locks of our own, taken
	 * only at the end */
	if (ph)
		n += rf_placeholders_reopen(ph, keep + n, JANITOR_MAX_FDS - n);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close_all_but(keep, n);
	char c;
	ssize_t got;
	do
		got = read(fd, &c, 1);
	while (got < 0 && errno == EINTR);
	if (got == 1)
		_exit(0);
	if (cg->n_dirs)
		(void)rf_cgroup_remove(cg, 10.0);
	/* removes them only where no other run holds the directory */
	if (ph && rf_placeholders_relock(ph) == 0)
		rf_placeholders_remove(ph);
	_exit(0);
}

static int start_janitor(struct rf_limits_run *lr, struct rf_placeholders *ph, struct rf_error *e)
{
	int sk[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk) < 0)
		return rf_fail(e, errno, "cannot create the janitor's socket");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(sk[0]);
		close(sk[1]);
		return rf_fail(e, err, "cannot fork the janitor");
	}
	if (pid == 0) {
		close(sk[1]);
		/* everything the cgroup will hold is named already */
		for (size_t i = 0; i < lr->cg.n_dirs; i++)
			lr->cg.created[i] = true;
		janitor_main(&lr->cg, ph, sk[0], lr->hold_fd);
	}
	close(sk[0]);
	lr->janitor = pid;
	lr->janitor_fd = sk[1];
	return 0;
}

/* Janitors told to go but not yet reaped (see dismiss_janitor). */
static pid_t pending_janitors[64];
static size_t n_pending_janitors;

static void reap_pending_janitors(void)
{
	for (size_t i = 0; i < n_pending_janitors;) {
		pid_t w = waitpid(pending_janitors[i], NULL, WNOHANG);
		if (w == 0) {
			i++;
			continue;
		}
		/* gone (or reaped elsewhere: ECHILD) */
		pending_janitors[i] = pending_janitors[--n_pending_janitors];
	}
}

/* The run ended and cleaned up itself: tell the janitor to go. It is
 * reaped when it has gone, not waited for (its exit is someone else's
 * time slice, not the run's): later, by the next run, or by init when the
 * process exits. */
static void dismiss_janitor(struct rf_limits_run *lr)
{
	if (lr->janitor_fd >= 0) {
		(void)send(lr->janitor_fd, "D", 1, MSG_NOSIGNAL);
		close(lr->janitor_fd);
		lr->janitor_fd = -1;
	}
	reap_pending_janitors();
	if (lr->janitor > 0) {
		pid_t w = waitpid(lr->janitor, NULL, WNOHANG);
		if (w == 0 && n_pending_janitors < sizeof pending_janitors / sizeof pending_janitors[0])
			pending_janitors[n_pending_janitors++] = lr->janitor;
		else if (w == 0)
			(void)waitpid(lr->janitor, NULL, 0); /* too many in flight: wait after all */
		lr->janitor = -1;
	}
}

/* A limit no mechanism here can enforce: refuse, saying why and what to do. */
static int refuse(struct rf_error *e, const char *flag, const char *value, const char *why, const char *alt)
{
	return rf_fail(e, 0, "cannot enforce %s %s: %s; %s%s", flag, value, why, DELEGATE_HINT, alt ? alt : "");
}

int rf_limits_prepare(struct rf_limits_run *lr, const struct rf_policy *p, enum rf_limits_rung rung, double t0,
		      struct rf_run_result *r, struct rf_error *e)
{
	memset(lr, 0, sizeof *lr);
	lr->janitor = -1;
	lr->janitor_fd = -1;
	lr->hold_fd = -1;
	const struct rf_limits *L = &p->limits;
	struct rf_limits_report *rep = &r->limits;
	memset(rep, 0, sizeof *rep);
	rep->timeout_s = L->timeout_s;
	rep->pids = L->pids;
	rep->memory_bytes = L->memory_bytes;
	rep->cpus = L->cpus;
	rep->memory_per_process_bytes = L->memory_per_process_bytes;
	if (L->timeout_s > 0)
		lr->deadline = t0 + L->timeout_s;
	/* The sandbox's writable tmpfs together: what was asked, else half
	 * the RAM, or the memory limit when that is lower (tmpfs pages count
	 * against it; ENOSPC is kinder than the OOM killer). */
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	unsigned long long ram = pages > 0 && page > 0 ? (unsigned long long)pages * (unsigned long long)page : 0;
	lr->tmpfs_bytes = L->tmpfs_bytes ? L->tmpfs_bytes : ram / 2;
	if (!L->tmpfs_bytes && L->memory_bytes && L->memory_bytes < lr->tmpfs_bytes)
		lr->tmpfs_bytes = L->memory_bytes;
	rep->tmpfs_bytes = rung == RF_LIMITS_NAMESPACES ? lr->tmpfs_bytes : 0;

	/* RLIMIT_NPROC is exempt for uid 0 and host-wide without a user namespace */
	bool nproc_ok = rung == RF_LIMITS_NAMESPACES && getuid() != 0;
	bool pids_wanted = L->pids && !(rung == RF_LIMITS_NONE && L->pids_default);
	/* uid 0, the default limit: the pid namespace's own pid_max bounds it
	 * at no cost, where a cgroup would cost a migration (milliseconds on
	 * cgroup v1) in every run. Asked-for limits stay exact (a cgroup). */
	bool pidmax_ok = pids_wanted && !nproc_ok && L->pids_default && rung == RF_LIMITS_NAMESPACES &&
			 pidns_pid_max_works() && L->pids + 1 >= RF_PID_MAX_MIN && L->pids < RF_PID_MAX_MAX;
	bool want[RF_CG_N] = {false};
	want[RF_CG_PIDS] = pids_wanted && !nproc_ok && !pidmax_ok;
	want[RF_CG_MEMORY] = L->memory_bytes > 0;
	want[RF_CG_CPU] = L->cpus > 0;
	rf_cgroup_plan(&lr->cg, want);
	const char *why = lr->cg.why[0] ? lr->cg.why : "no cgroup is available";

	char buf[64];
	if (!pids_wanted) {
		rep->pids = 0;
	} else if (pidmax_ok) {
		lr->pid_max = L->pids + 1; /* pids 1..pids */
		rep->pids_by = "pid_max";
	} else if (nproc_ok) {
		/* never above the caller's own hard limit (setrlimit could not
		 * raise it, and the caller's limit is the stricter one anyway) */
		struct rlimit cur;
		lr->nproc = L->pids;
		if (getrlimit(RLIMIT_NPROC, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < lr->nproc)
			lr->nproc = (unsigned long)cur.rlim_max;
		rep->pids = lr->nproc;
		rep->pids_by = "rlimit";
	} else if (lr->cg.of[RF_CG_PIDS] >= 0) {
		rep->pids_by = cgroup_name(lr->cg.version[RF_CG_PIDS]);
	} else {
		const char *whynot = rung != RF_LIMITS_NAMESPACES
					     ? "without a user namespace RLIMIT_NPROC would count every process of the user"
					     : "uid 0 is exempt from RLIMIT_NPROC";
		if (L->pids_default) {
			/* short: the fallback rung has more to say in the same buffer */
			rep->pids = 0;
			warn(r, "no process limit: the default of %lu needs a pids cgroup here (%s); a fork bomb is "
				"bounded only by the host's limits (ringfence doctor)",
			     L->pids, rung != RF_LIMITS_NAMESPACES ? "no user namespace" : "uid 0 is exempt from RLIMIT_NPROC");
		} else {
			char w[800];
			snprintf(w, sizeof w, "%s, and %.300s", whynot, why);
			snprintf(buf, sizeof buf, "%lu", L->pids);
			rf_cgroup_free(&lr->cg);
			return refuse(e, "--pids", buf, w, NULL);
		}
	}
	if (L->memory_bytes) {
		if (lr->cg.of[RF_CG_MEMORY] < 0) {
			rf_format_size(L->memory_bytes, buf, sizeof buf);
			rf_cgroup_free(&lr->cg);
			return refuse(e, "--memory", buf, why,
				      "; or ask for the weaker per-process form by name: --memory-per-process (RLIMIT_DATA)");
		}
		rep->memory_by = cgroup_name(lr->cg.version[RF_CG_MEMORY]);
	}
	if (L->cpus > 0) {
		if (lr->cg.of[RF_CG_CPU] < 0) {
			snprintf(buf, sizeof buf, "%g", L->cpus);
			rf_cgroup_free(&lr->cg);
			return refuse(e, "--cpu", buf, why, NULL);
		}
		rep->cpu_by = cgroup_name(lr->cg.version[RF_CG_CPU]);
	}
	if (L->memory_per_process_bytes && rung != RF_LIMITS_NONE) {
		struct rlimit cur;
		lr->data_bytes = L->memory_per_process_bytes;
		if (getrlimit(RLIMIT_DATA, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && cur.rlim_max < lr->data_bytes)
			lr->data_bytes = cur.rlim_max;
		rep->memory_per_process_bytes = lr->data_bytes;
		rep->memory_per_process_by = "rlimit";
	}

	lr->values = (struct rf_cg_values){
		.pids = want[RF_CG_PIDS] ? L->pids : 0,
		.memory_bytes = L->memory_bytes,
		.cpus = L->cpus,
	};
	lr->wait_for_cgroup = lr->cg.n_dirs > 0 && rung != RF_LIMITS_NAMESPACES;
	return 0;
}

int rf_limits_start(struct rf_limits_run *lr, struct rf_placeholders *ph, struct rf_error *e)
{
	bool placeholders = ph && ph->n > 0;
	if (lr->cg.n_dirs == 0 && !placeholders && lr->hold_fd < 0)
		return 0;
	/* The janitor first: from the first mkdir on, someone removes it. */
	if (start_janitor(lr, placeholders ? ph : NULL, e) < 0) {
		rf_cgroup_free(&lr->cg);
		return -1;
	}
	if (lr->cg.n_dirs == 0)
		return 0;
	lr->use_cgroup = true;
	if (rf_cgroup_create(&lr->cg, &lr->values, e) < 0) {
		rf_limits_abandon(lr);
		return -1;
	}
	return 0;
}

void rf_limits_abandon(struct rf_limits_run *lr)
{
	if (lr->use_cgroup)
		(void)rf_cgroup_remove(&lr->cg, 2.0);
	dismiss_janitor(lr);
	rf_cgroup_free(&lr->cg);
	lr->use_cgroup = false;
	lr->nproc = 0;
	lr->data_bytes = 0;
}

int rf_limits_attach(struct rf_limits_run *lr, pid_t child, struct rf_error *e)
{
	if (!lr->use_cgroup)
		return 0;
	return rf_cgroup_attach(&lr->cg, child, e);
}

int rf_limits_apply_pidns(const struct rf_limits_run *lr, struct rf_error *e)
{
	if (!lr || !lr->pid_max)
		return 0;
	/* The pid_max sysctl is the writer's pid namespace's (Linux 6.14),
	 * whichever /proc it is written through. Below it every task has a pid
	 * of this namespace, so there are never more than pid_max - 1; after
	 * the counter wraps, pids below 300 are not handed out again. */
	char v[32];
	snprintf(v, sizeof v, "%lu", lr->pid_max);
	if (rf_write_file("/proc/sys/kernel/pid_max", v, e) < 0)
		return rf_fail_wrap(e, "cannot set the process limit (pid_max %lu of the sandbox's pid namespace)",
				    lr->pid_max);
	return 0;
}

int rf_limits_apply_self(const struct rf_limits_run *lr, struct rf_error *e)
{
	/* When memory runs out on the host, the sandbox goes first. Raising
	 * one's own oom_score_adj needs no privilege. */
	if (rf_write_file("/proc/self/oom_score_adj", "1000", e) < 0)
		return rf_fail_wrap(e, "cannot make the sandbox the first victim of the OOM killer");
	if (lr->nproc) {
		struct rlimit rl = {lr->nproc, lr->nproc};
		if (setrlimit(RLIMIT_NPROC, &rl) < 0)
			return rf_fail(e, errno, "cannot set the process limit (RLIMIT_NPROC %lu)", lr->nproc);
	}
	return 0;
}

int rf_limits_apply_data(const struct rf_limits_run *lr, struct rf_error *e)
{
	if (lr->data_bytes) {
		struct rlimit rl = {lr->data_bytes, lr->data_bytes};
		if (setrlimit(RLIMIT_DATA, &rl) < 0)
			return rf_fail(e, errno, "cannot set the per-process memory limit (RLIMIT_DATA %llu)",
				       lr->data_bytes);
	}
	return 0;
}

int rf_limits_poll_ms(const struct rf_limits_run *lr)
{
	if (!lr || lr->deadline <= 0)
		return -1;
	double left = lr->deadline - rf_now();
	if (left <= 0)
		return 0;
	if (left > 86400.0)
		return 86400 * 1000;
	int ms = (int)(left * 1000); /* rounded up: never wake before the deadline */
	return (double)ms < left * 1000 ? ms + 1 : ms;
}

bool rf_limits_expired(const struct rf_limits_run *lr)
{
	return lr && lr->deadline > 0 && rf_now() >= lr->deadline;
}

void rf_limits_kill(const struct rf_limits_run *lr)
{
	if (lr && lr->use_cgroup)
		rf_cgroup_kill(&lr->cg);
}

void rf_limits_release(struct rf_limits_run *lr, struct rf_run_result *r)
{
	if (lr->use_cgroup && rf_cgroup_remove(&lr->cg, 5.0) < 0) {
		for (size_t i = 0; i < lr->cg.n_dirs; i++)
			if (lr->cg.created[i])
				warn(r, "the run's cgroup %s could not be removed (still busy); the next run removes it",
				     lr->cg.dirs[i]);
	}
	dismiss_janitor(lr);
	rf_cgroup_free(&lr->cg);
	lr->use_cgroup = false;
}
