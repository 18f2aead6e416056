/* The sandbox side of a run, in the order of DESIGN.md §2. Every step is
 * checked; a failure goes to the supervisor over the error pipe and the
 * child exits with 125 before the command ever runs. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"
#include "rf_limits.h"
#include "policy.h"
#include "sandbox.h"
#include "rf_seccomp.h"
#include "supervisor.h"
#include "util.h"

static void step(const struct rf_child_args *a, const char *what)
{
	if (a->verbose) {
		fprintf(a->verbose, "ringfence: [%7.2f ms] %s\n", (rf_now() - a->t0) * 1e3, what);
		fflush(a->verbose);
	}
}

static int cmp_int(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

/* Close every fd above 2 except the ones this side of the run needs: the
 * clone/fork copied the supervisor's whole fd table (the result file, the
 * pty master, the signalfd...), and none of it belongs in the sandbox. */
static void close_supervisor_fds(const struct rf_child_args *a)
{
	int keep[7] = {0};
	size_t n = 0;
	/* the janitor's socket: held until we die (see rf_limits.h) */
	int janitor = a->limits ? a->limits->janitor_fd : -1;
	int cand[] = {a->sync_rd, a->err_wr, a->status_wr, a->pty_slave, a->notify_sock, janitor};
	for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++)
		if (cand[i] > 2)
			keep[n++] = cand[i];
	qsort(keep, n, sizeof keep[0], cmp_int);
	unsigned int from = 3;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > from && syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0) < 0)
			rf_child_die(errno, "cannot close inherited fds");
		from = (unsigned int)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		rf_child_die(errno, "cannot close inherited fds");
}

static void die_if(int rc, struct rf_error *e)
{
	if (rc < 0)
		rf_child_die_error(e);
}

/* Steps 5 and 6: capabilities, keyring, no_new_privs, Landlock, seccomp. */
static void restrict_self(const struct rf_child_args *a, enum rf_landlock_mode mode)
{
	struct rf_error e = {0};
	/* resource limits first: everything after inherits them (but see
	 * rf_limits_apply_data below) */
	if (a->limits)
		die_if(rf_limits_apply_self(a->limits, &e), &e);
	step(a, "dropping all capabilities and the bounding set");
	die_if(rf_caps_drop_all(&e), &e);

	/* A fresh session keyring: the caller's keys are not reachable (and
	 * keyctl is denied by seccomp anyway). */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		rf_child_die(errno, "cannot create a new session keyring");

	/* No core dumps: a crashing command's memory (tokens, keys it held)
	 * must not land in a file, and the hard limit keeps it that way. */
	struct rlimit no_core = {0, 0};
	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		rf_child_die(errno, "cannot disable core dumps");

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rf_child_die(errno, "cannot set no_new_privs");

	if (a->landlock_abi > 0) {
		/* namespaces: the supervisor built the rules on the host's inodes
		 * while we mounted (landlock.h) */
		struct rf_strv host_roots = {0};
		int host_rs = -1;
		if (mode == RF_LANDLOCK_MIRROR) {
			host_rs = rf_recv_fd(a->notify_sock);
			if (host_rs < 0)
				rf_child_die(errno, "cannot receive the Landlock ruleset from the supervisor");
			rf_landlock_host_roots(a->plan, &host_roots);
		}
		int fds[3] = {0, 1, 2};
		struct rf_landlock_opts lo = {
			.mode = mode,
			.plan = a->plan,
			.private_tmp = a->private_tmp,
			.inherited_fds = fds,
			.n_inherited_fds = 3,
			.exec_allow = a->exec_allow,
			.scope_abstract_unix = a->landlock_abi >= 6,
			.scope_signal = a->landlock_abi >= 6,
			.verbose = a->verbose,
			.host_roots = host_rs >= 0 ? &host_roots : NULL,
			.host_ruleset_fd = host_rs,
		};
		int abi = rf_landlock_apply(&lo, &e);
		die_if(abi, &e);
		rf_strv_free(&host_roots);
		if (a->verbose) {
			fprintf(a->verbose, "ringfence: landlock ABI %d enforced (%s)\n", abi,
				mode == RF_LANDLOCK_MIRROR ? "mirror of the mount plan" : "sole filesystem layer");
			fflush(a->verbose);
		}
	} else if (mode == RF_LANDLOCK_ENFORCE) {
		rf_child_die(0, "Landlock is unavailable: the Landlock-only fallback cannot enforce the policy");
	} else if (a->exec_allow) {
		rf_child_die(0, "Landlock is unavailable: the tool list of plan/review mode cannot be enforced");
	}

	/* the memory limit once the Landlock rules are built, before the
	 * filter: the command inherits it all the same */
	if (a->limits)
		die_if(rf_limits_apply_data(a->limits, &e), &e);

	step(a, "loading the seccomp filter");
	if (a->notify_sock >= 0) {
		/* The sandbox's root, for the file calls' handlers to resolve
		 * paths in (notify_path.c): from us, since once we are made
		 * non-dumpable an unprivileged supervisor cannot open
		 * /proc/1/root, and the first caller's would cost its first
		 * write the time to scan the covers. */
		cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0 || rf_send_fd(a->notify_sock, root) < 0)
			rf_child_die(errno, "cannot hand the sandbox's root to the supervisor");
		/* the supervisor answers connect() to unix sockets (supervisor.c) */
		int listener = rf_seccomp_load_listener(a->seccomp, &e);
		die_if(listener, &e);
		if (rf_send_fd(a->notify_sock, listener) < 0)
			rf_child_die(errno, "cannot hand the seccomp listener to the supervisor");
		close(listener);
		close(a->notify_sock);
	} else {
		die_if(rf_seccomp_load(a->seccomp, &e), &e);
	}
}

/* The command itself: own session, pty if any, no inherited fds, exec. */
static RF_NORETURN void exec_command(const struct rf_child_args *a)
{
	if (setsid() < 0)
		rf_child_die(errno, "cannot start a new session");
	if (a->pty_slave >= 0 && rf_pty_make_controlling(a->pty_slave) < 0)
		rf_child_die(errno, "cannot attach the pseudo-terminal");

	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);

	/* Only 0, 1 and 2 cross into the command: everything else closes on
	 * exec (the error pipe too, which is how the supervisor learns the
	 * exec succeeded). */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		rf_child_die(errno, "cannot mark inherited fds close-on-exec");

	/* Forked from a non-dumpable pid 1, this process is non-dumpable too
	 * until execve, and an unprivileged supervisor could not read its
	 * memory: the first execve, when the listener sees it (plan/review
	 * modes), would then be refused. Nothing else of the sandbox exists
	 * yet to look at our fds, and execve makes us dumpable anyway. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		rf_child_die(errno, "cannot make the command dumpable");

	execvpe(a->argv[0], a->argv, a->envp);
	int err = errno;
	char msg[600];
	int n = snprintf(msg, sizeof msg, "%ccannot execute %s: %s", RF_EXEC_FAILURE_MARK, a->argv[0],
			 strerror(err));
	(void)rf_write_all(a->err_wr, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(err == ENOENT ? 127 : 126);
}

static void enter_cwd(const struct rf_child_args *a)
{
	if (chdir(a->cwd) < 0 && chdir(a->plan->workspace) < 0)
		rf_child_die(errno, "cannot enter the working directory %s", a->cwd);
}

void rf_child_namespaces(const struct rf_child_args *a)
{
	struct rf_error e = {0};
	rf_child_set_error_fd(a->err_wr);
	close_supervisor_fds(a);
	/* If the supervisor dies, so does the sandbox: pid 1 dying takes the
	 * whole pid namespace with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		rf_child_die(errno, "cannot set the parent-death signal");
	char c;
	if (read(a->sync_rd, &c, 1) != 1)
		_exit(RF_EXIT_SETUP); /* supervisor gone or failed: nothing to report to */
	close(a->sync_rd);
	/* Out of the caller's process group: terminal signals reach the
	 * supervisor, which forwards them. */
	if (setsid() < 0)
		rf_child_die(errno, "cannot start a new session");
	if (sethostname("ringfence", 9) < 0)
		rf_child_die(errno, "cannot set the hostname");
	/* while the host's /proc is still in view (the sandbox's /proc/sys is read-only) */
	die_if(rf_limits_apply_pidns(a->limits, &e), &e);

	step(a, "applying the mount plan");
	die_if(rf_mount_apply(a->plan, a->limits ? a->limits->tmpfs_bytes : 0, a->verbose, &e), &e);

	if (a->policy->network != RF_NET_ONLINE) {
		step(a, "network namespace: loopback only");
		die_if(rf_net_loopback_up(&e), &e);
		/* the proxy's and the host ports' listeners, for the supervisor */
		for (size_t i = 0; i < a->n_net_ports; i++) {
			int fd = rf_net_listen_loopback(a->net_ports[i], &e);
			die_if(fd, &e);
			if (rf_send_fd(a->notify_sock, fd) < 0)
				rf_child_die(errno, "cannot hand the listener on 127.0.0.1:%d to the supervisor",
					     a->net_ports[i]);
			close(fd);
		}
	}
	enter_cwd(a);
	struct rf_child_args cmd_args = *a;
	if (a->pty_inside) {
		int master;
		if (rf_pty_open_inside(&master, &cmd_args.pty_slave) < 0)
			rf_child_die(errno, "cannot open a pseudo-terminal in the sandbox");
		if (rf_send_fd(a->notify_sock, master) < 0)
			rf_child_die(errno, "cannot hand the pseudo-terminal to the supervisor");
		close(master);
	}
	restrict_self(a, RF_LANDLOCK_MIRROR);

	/* pid 1 non-dumpable before the command exists: its /proc/1/fd (the
	 * status pipe) is then out of the command's reach from its first
	 * instruction. execve makes the command itself dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rf_child_die(errno, "cannot make the sandbox's init non-dumpable");
	step(a, "starting the command");
	pid_t cmd = fork();
	if (cmd < 0)
		rf_child_die(errno, "cannot fork the command");
	if (cmd == 0)
		exec_command(&cmd_args);

	/* init: nothing of ours stays reachable from the command */
	close(a->err_wr);
	if (cmd_args.pty_slave >= 0)
		close(cmd_args.pty_slave);
	int status = rf_init_run(cmd);
	(void)rf_write_all(a->status_wr, &status, sizeof status);
	_exit(0);
}

/* Without a pid namespace the child runs at once; when the run has a
 * cgroup, the supervisor puts it there first and then says go. */
static void wait_for_cgroup(const struct rf_child_args *a)
{
	char c;
	if (a->limits && a->limits->wait_for_cgroup && read(a->sync_rd, &c, 1) != 1)
		_exit(RF_EXIT_SETUP);
}

void rf_child_landlock_only(const struct rf_child_args *a)
{
	rf_child_set_error_fd(a->err_wr);
	close_supervisor_fds(a);
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		rf_child_die(errno, "cannot set the parent-death signal");
	if (getppid() != parent)
		_exit(RF_EXIT_SETUP);
	wait_for_cgroup(a);
	enter_cwd(a);
	restrict_self(a, RF_LANDLOCK_ENFORCE);
	exec_command(a);
}

void rf_child_unsandboxed(const struct rf_child_args *a)
{
	rf_child_set_error_fd(a->err_wr);
	close_supervisor_fds(a);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	wait_for_cgroup(a);
	enter_cwd(a);
	exec_command(a);
}
