/* rf_run(): the supervisor side of a run (DESIGN.md §2 step 1 and the
 * fallback ladder).
 *
 *   plan the filesystem -> choose the rung -> compile seccomp -> placeholders
 *   -> clone into namespaces (or fork for the fallback) -> id maps -> go
 *   -> relay the terminal and signals -> collect the command's status.
 *
 * The sandbox side is in child.c. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "landlock.h"
#include "plan.h"
#include "policy.h"
#include "sandbox.h"
#include "seccomp.h"
#include "util.h"

extern char **environ;

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

/* The command's environment: the caller's, minus pointers to things the
 * sandbox hides, with TMPDIR pointing at the sandbox's own temporary dir. */
static void build_env(char *const *in, const char *tmpdir, struct rf_strv *out)
{
	static const char *const drop[] = {"SSH_AUTH_SOCK=", "GPG_AGENT_INFO=", "DBUS_SESSION_BUS_ADDRESS=",
					   "TMPDIR=", "XDG_RUNTIME_DIR=", NULL};
	for (char *const *e = in; e && *e; e++) {
		bool skip = false;
		for (size_t i = 0; drop[i]; i++)
			if (strncmp(*e, drop[i], strlen(drop[i])) == 0)
				skip = true;
		if (!skip)
			rf_strv_push(out, *e);
	}
	rf_strv_push_take(out, rf_xasprintf("TMPDIR=%s", tmpdir));
	if (!out->v)
		rf_strv_push(out, "PATH=/usr/local/bin:/usr/bin:/bin");
}

static void status_to_result(int status, struct rf_run_result *r)
{
	if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
		r->signal = 0;
		r->exit_status = r->exit_code;
	} else if (WIFSIGNALED(status)) {
		r->exit_code = -1;
		r->signal = WTERMSIG(status);
		r->exit_status = 128 + r->signal;
	} else {
		r->exit_code = -1;
		r->exit_status = RF_EXIT_SETUP;
	}
}

struct supervisor {
	pid_t child;       /* P1 (init) or the command itself */
	bool child_is_init;
	int sigfd;
	int status_rd;     /* init's report, -1 when not used */
	struct rf_pty *pty;/* NULL: no pty */
	bool child_done;
	int child_wstatus;
	bool have_report;
	int report;        /* the command's wait status as reported by init */
};

static void pump(int from, int to, bool *open_flag)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof buf);
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			*open_flag = false;
		return;
	}
	(void)rf_write_all(to, buf, (size_t)n);
}

/* Relay until the child is gone; forward signals; keep the pty's size. */
static void supervise(struct supervisor *s)
{
	bool stdin_open = s->pty != NULL, master_open = s->pty != NULL;
	bool status_open = s->status_rd >= 0;
	while (!s->child_done || master_open || status_open) {
		struct pollfd pf[4];
		int n = 0, i_sig, i_in = -1, i_master = -1, i_status = -1;
		pf[i_sig = n++] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
		if (stdin_open && !s->child_done)
			pf[i_in = n++] = (struct pollfd){.fd = s->pty->tty, .events = POLLIN};
		if (master_open)
			pf[i_master = n++] = (struct pollfd){.fd = s->pty->master, .events = POLLIN};
		if (status_open)
			pf[i_status = n++] = (struct pollfd){.fd = s->status_rd, .events = POLLIN};
		/* once the child is gone, drain the pty without blocking forever */
		int timeout = s->child_done ? 0 : -1;
		int r = poll(pf, (nfds_t)n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 && s->child_done) {
			/* nothing more to drain */
			master_open = false;
			if (status_open) {
				/* init writes its report before exiting: it is there or never */
				status_open = false;
			}
			continue;
		}
		if (pf[i_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD) {
					int st;
					pid_t p;
					while ((p = waitpid(-1, &st, WNOHANG)) > 0)
						if (p == s->child) {
							s->child_done = true;
							s->child_wstatus = st;
						}
				} else if (sig == SIGWINCH) {
					if (s->pty)
						rf_pty_sync_winsize(s->pty);
				} else if (!s->child_done) {
					/* init forwards to the command; without init the
					 * command leads its own process group */
					if (s->child_is_init)
						(void)kill(s->child, sig);
					else
						(void)kill(-s->child, sig);
				}
			}
		}
		if (i_in >= 0 && (pf[i_in].revents & (POLLIN | POLLHUP | POLLERR)))
			pump(s->pty->tty, s->pty->master, &stdin_open);
		if (i_master >= 0 && (pf[i_master].revents & (POLLIN | POLLHUP | POLLERR)))
			pump(s->pty->master, 1, &master_open);
		if (i_status >= 0 && (pf[i_status].revents & (POLLIN | POLLHUP | POLLERR))) {
			int st;
			ssize_t got = read(s->status_rd, &st, sizeof st);
			if (got == (ssize_t)sizeof st) {
				s->have_report = true;
				s->report = st;
			}
			if (got <= 0 || got == (ssize_t)sizeof st)
				status_open = false;
		}
	}
}

/* Read the error pipe until EOF: empty means the command was exec'd. */
static ssize_t read_setup_error(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len + 1 >= cap)
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Kill everything the command left behind when there is no pid namespace
 * to do it: as child subreaper, orphans were reparented to us. */
static void kill_descendants(void)
{
	for (int round = 0; round < 100; round++) {
		bool any = false;
		pid_t self = getpid();
		DIR *d = opendir("/proc");
		if (!d)
			return;
		struct dirent *de;
		while ((de = readdir(d))) {
			char path[300], buf[512];
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
			if (rf_read_file(path, buf, sizeof buf) <= 0)
				continue;
			char *rp = strrchr(buf, ')');
			int ppid = 0;
			if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == self) {
				(void)kill((pid_t)atoi(de->d_name), SIGKILL);
				any = true;
			}
		}
		closedir(d);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			any = true;
		if (!any)
			return;
		usleep(1000);
	}
}

static const int supervised_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD, 0};

int rf_run(const rf_policy *p, const struct rf_run_options *o, struct rf_run_result *r, struct rf_error *e)
{
	int rc = -1;
	double t0 = rf_now();
	memset(r, 0, sizeof *r);
	r->exit_status = RF_EXIT_SETUP;
	r->exit_code = -1;
	r->configured_backend = p->backend;
	r->effective_backend = p->backend == RF_BACKEND_NONE ? RF_EFFECTIVE_NONE : RF_EFFECTIVE_NAMESPACES;
	r->sandbox_enforced = p->backend != RF_BACKEND_NONE;

	struct rf_plan plan = {0};
	struct rf_seccomp_prog prog = {0};
	struct rf_placeholders ph = {.lock_fd = -1};
	struct rf_strv env = {0};
	struct rf_pty pty = {.master = -1, .slave = -1};
	bool have_pty = false;
	int err_p[2] = {-1, -1}, sync_p[2] = {-1, -1}, status_p[2] = {-1, -1};
	int sigfd = -1;
	char private_tmp[64] = "";
	sigset_t sigs, old_sigs;
	bool sigs_blocked = false;

	if (!o->argv || !o->argv[0]) {
		rf_fail(e, 0, "no command given");
		goto out;
	}
	if (rf_plan_build(p, NULL, &plan, e) < 0)
		goto out;
	if (o->verbose)
		rf_plan_describe(&plan, o->verbose);

	/* The rung of the ladder. */
	int landlock_abi = rf_landlock_abi();
	bool use_ns = p->backend == RF_BACKEND_NATIVE;
	unsigned long ns_flags = RF_NS_FLAGS_BASE | (p->network == RF_NET_ONLINE ? 0 : CLONE_NEWNET);
	if (p->network == RF_NET_ALLOWLIST) {
		rf_fail(e, 0, "network mode allowlist is not implemented yet (use offline or online)");
		goto out;
	}

	cleanup_free char *cwd = o->cwd ? rf_xstrdup(o->cwd) : getcwd(NULL, 0);
	if (!cwd || rf_plan_lookup(&plan, cwd).access == RF_ACCESS_NONE) {
		free(cwd);
		cwd = rf_xstrdup(plan.workspace);
	}

	/* Pipes: error (child -> us, closes on exec), sync (us -> child),
	 * status (init -> us). */
	if (pipe2(err_p, O_CLOEXEC) < 0 || pipe2(sync_p, O_CLOEXEC) < 0 || pipe2(status_p, O_CLOEXEC) < 0) {
		rf_fail(e, errno, "cannot create pipes");
		goto out;
	}
	bool want_pty = o->pty == 1 || (o->pty < 0 && isatty(0) && isatty(1));
	if (want_pty) {
		if (rf_pty_open(&pty, e) < 0)
			goto out;
		have_pty = true;
	}

	/* Signals are taken through a signalfd; the child restores its mask. */
	sigemptyset(&sigs);
	for (int i = 0; supervised_signals[i]; i++)
		sigaddset(&sigs, supervised_signals[i]);
	if (sigprocmask(SIG_BLOCK, &sigs, &old_sigs) < 0) {
		rf_fail(e, errno, "cannot block signals");
		goto out;
	}
	sigs_blocked = true;
	sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sigfd < 0) {
		rf_fail(e, errno, "cannot create a signalfd");
		goto out;
	}

	struct rf_child_args args = {
		.policy = p,
		.plan = &plan,
		.argv = o->argv,
		.cwd = cwd,
		.landlock_abi = landlock_abi,
		.sync_rd = sync_p[0],
		.err_wr = err_p[1],
		.status_wr = status_p[1],
		.pty_slave = have_pty ? pty.slave : -1,
		.close_fds = {err_p[0], sync_p[1], status_p[0], sigfd, have_pty ? pty.master : -1, -1},
		.verbose = o->verbose,
	};

	pid_t child = -1;
	if (use_ns) {
		struct rf_seccomp_opts so = {0};
		if (rf_seccomp_compile(&so, &prog, e) < 0)
			goto out;
		if (p->sandbox_mode == RF_SANDBOX_WORKSPACE_WRITE && rf_placeholders_create(&plan, &ph, e) < 0)
			goto out;
		build_env(o->envp ? o->envp : environ, "/tmp", &env);
		args.envp = env.v;
		args.seccomp = &prog;
		child = rf_clone_ns(ns_flags);
		if (child < 0 && (errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EUSERS ||
				  errno == EACCES)) {
			/* Next rung: Landlock + seccomp only. */
			rf_probe_userns_reason(errno, r->fallback_reason, sizeof r->fallback_reason);
			use_ns = false;
			r->effective_backend = RF_EFFECTIVE_LANDLOCK;
			rf_placeholders_remove(&ph);
			rf_seccomp_prog_free(&prog);
			rf_strv_free(&env);
		} else if (child < 0) {
			rf_fail(e, errno, "cannot create the sandbox namespaces");
			goto out;
		} else if (child == 0) {
			rf_child_namespaces(&args);
		}
	}

	if (!use_ns && p->backend == RF_BACKEND_NATIVE) {
		if (landlock_abi < 3) {
			rf_fail(e, 0, "cannot sandbox: %s, and Landlock ABI %d is too old for the fallback (need 3)",
				r->fallback_reason, landlock_abi);
			goto out;
		}
		strcpy(private_tmp, "/tmp/ringfence-tmp.XXXXXX");
		if (!mkdtemp(private_tmp)) {
			rf_fail(e, errno, "cannot create a private temporary directory");
			private_tmp[0] = '\0';
			goto out;
		}
		struct rf_seccomp_opts so = {.deny_inet = p->network == RF_NET_OFFLINE, .deny_unix_socket = true};
		if (rf_seccomp_compile(&so, &prog, e) < 0)
			goto out;
		build_env(o->envp ? o->envp : environ, private_tmp, &env);
		args.envp = env.v;
		args.seccomp = &prog;
		args.private_tmp = private_tmp;
		warn(r, "fallback (%s): Landlock + seccomp only; no pid/mount/network namespaces", r->fallback_reason);
		warn(r, "fallback: /proc shows the host's processes; unix sockets cannot be created (socketpair works)");
		warn(r, "fallback: /tmp is %s; protected paths block creating entries in their parent directories",
		     private_tmp);
		if (p->network == RF_NET_ONLINE)
			warn(r, "fallback: network online uses the host network directly");
		/* orphans of the command are reparented to us, so we can kill them */
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		child = fork();
		if (child < 0) {
			rf_fail(e, errno, "cannot fork");
			goto out;
		}
		if (child == 0)
			rf_child_landlock_only(&args);
	} else if (p->backend == RF_BACKEND_NONE) {
		warn(r, "backend = none: the command runs WITHOUT any sandbox (development only)");
		build_env(o->envp ? o->envp : environ, getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", &env);
		args.envp = env.v;
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		child = fork();
		if (child < 0) {
			rf_fail(e, errno, "cannot fork");
			goto out;
		}
		if (child == 0)
			rf_child_unsandboxed(&args);
	}
	r->landlock_abi = p->backend == RF_BACKEND_NONE ? 0 : landlock_abi;
	if (use_ns && landlock_abi == 0)
		warn(r, "Landlock is unavailable: the filesystem policy rests on mount namespaces alone");

	/* Parent: our copies of the child's pipe ends go. */
	close(err_p[1]);
	err_p[1] = -1;
	close(sync_p[0]);
	sync_p[0] = -1;
	close(status_p[1]);
	status_p[1] = -1;

	if (use_ns) {
		if (rf_write_id_maps(child, getuid(), getgid(), e) < 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			goto out;
		}
		if (rf_write_all(sync_p[1], "1", 1) < 0) {
			rf_fail(e, errno, "cannot start the sandbox");
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			goto out;
		}
	}
	if (sync_p[1] >= 0) {
		close(sync_p[1]);
		sync_p[1] = -1;
	}
	if (have_pty) {
		close(pty.slave);
		pty.slave = -1;
	}

	char msg[1100];
	ssize_t mlen = read_setup_error(err_p[0], msg, sizeof msg);
	bool exec_failed = mlen > 0 && msg[0] == RF_EXEC_FAILURE_MARK;
	if (mlen > 0 && !exec_failed) {
		/* the sandbox could not be set up: the command never ran */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		rf_fail(e, 0, "%s", msg);
		goto out;
	}
	if (exec_failed)
		warn(r, "%s", msg + 1);

	if (have_pty && !exec_failed)
		rf_pty_enter_raw(&pty);
	struct supervisor s = {
		.child = child,
		.child_is_init = use_ns,
		.sigfd = sigfd,
		.status_rd = use_ns ? status_p[0] : -1,
		.pty = have_pty ? &pty : NULL,
	};
	supervise(&s);
	if (have_pty)
		rf_pty_restore(&pty);
	if (!use_ns)
		kill_descendants();

	if (use_ns) {
		if (!s.have_report) {
			rf_fail(e, 0, "the sandbox's init exited without reporting the command's status");
			goto out;
		}
		status_to_result(s.report, r);
	} else {
		status_to_result(s.child_wstatus, r);
	}
	rc = 0;
out:
	r->duration = rf_now() - t0;
	if (rc < 0)
		r->exit_status = RF_EXIT_SETUP;
	if (sigs_blocked)
		sigprocmask(SIG_SETMASK, &old_sigs, NULL);
	if (sigfd >= 0)
		close(sigfd);
	for (int i = 0; i < 2; i++) {
		if (err_p[i] >= 0)
			close(err_p[i]);
		if (sync_p[i] >= 0)
			close(sync_p[i]);
		if (status_p[i] >= 0)
			close(status_p[i]);
	}
	if (have_pty) {
		rf_pty_restore(&pty);
		if (pty.master >= 0)
			close(pty.master);
		if (pty.slave >= 0)
			close(pty.slave);
	}
	rf_placeholders_remove(&ph);
	if (private_tmp[0]) {
		cleanup_free char *cmd = NULL;
		/* remove the fallback's private /tmp (contents are the command's) */
		pid_t rm = fork();
		if (rm == 0) {
			execl("/bin/rm", "rm", "-rf", "--one-file-system", "--", private_tmp, (char *)NULL);
			_exit(127);
		}
		if (rm > 0)
			waitpid(rm, NULL, 0);
	}
	rf_seccomp_prog_free(&prog);
	rf_strv_free(&env);
	rf_plan_free(&plan);
	return rc;
}
