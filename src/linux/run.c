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
#include <netinet/in.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "cover_watch.h"
#include "landlock.h"
#include "rf_limits.h"
#include "notify_exec.h"
#include "plan.h"
#include "policy.h"
#include "proxy.h"
#include "rules.h"
#include "sandbox.h"
#include "supervisor.h"
#include "rf_seccomp.h"
#include "run_events.h"
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

/* Allowlist mode: every proxy variable points at ringfence's proxy (a
 * caller's own proxy would be unreachable from inside anyway). One port
 * speaks HTTP and SOCKS5; ALL_PROXY uses socks5h so that names are resolved
 * by the proxy. The sandbox's own loopback stays direct. */
static void proxy_env(struct rf_strv *env, int port)
{
	static const char *const names[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", NULL};
	size_t keep = 0;
	for (size_t i = 0; i < env->n; i++) {
		bool drop = false;
		for (size_t k = 0; names[k] && !drop; k++) {
			size_t len = strlen(names[k]);
			drop = strncasecmp(env->v[i], names[k], len) == 0 && env->v[i][len] == '=';
		}
		if (drop)
			free(env->v[i]);
		else
			env->v[keep++] = env->v[i];
	}
	env->n = keep;
	env->v[keep] = NULL;
	for (int lower = 0; lower < 2; lower++) {
		rf_strv_push_take(env, rf_xasprintf("%s=http://127.0.0.1:%d", lower ? "http_proxy" : "HTTP_PROXY", port));
		rf_strv_push_take(env, rf_xasprintf("%s=http://127.0.0.1:%d", lower ? "https_proxy" : "HTTPS_PROXY", port));
		rf_strv_push_take(env, rf_xasprintf("%s=socks5h://127.0.0.1:%d", lower ? "all_proxy" : "ALL_PROXY", port));
		rf_strv_push_take(env, rf_xasprintf("%s=localhost,127.0.0.1,::1", lower ? "no_proxy" : "NO_PROXY"));
	}
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
	struct rf_notifier *notifier; /* NULL: no seccomp listener */
	bool child_done;
	int child_wstatus;
	bool have_report;
	int report;        /* the command's wait status as reported by init */
	struct rf_limits_run *limits; /* the deadline; the run's cgroup */
	bool timed_out;
	struct rf_events *events; /* a failing event sink stops the run */
	bool events_stopped;
	struct rf_cover_watch *covers; /* NULL: nothing watched */
	bool cover_lost;
	bool until_report; /* stop at init's report, before init is reaped */
};

/* --timeout: the whole sandbox dies. pid 1 takes its pid namespace with
 * it; without one the command leads its own process group; the run's
 * cgroup, where there is one, catches anything else. */
static void kill_on_timeout(struct supervisor *s)
{
	s->timed_out = true;
	if (!s->child_is_init)
		(void)kill(-s->child, SIGKILL);
	(void)kill(s->child, SIGKILL);
	rf_limits_kill(s->limits);
}

/* The result of a run that --timeout ended: 124, killed by SIGKILL. */
static void timed_out_result(struct rf_run_result *r)
{
	r->timed_out = true;
	r->exit_code = -1;
	r->signal = SIGKILL;
	r->exit_status = RF_EXIT_TIMEOUT;
}

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
	while ((!s->child_done || master_open || status_open) && !(s->until_report && s->have_report)) {
		struct pollfd pf[8];
		int n = 0, i_sig, i_in = -1, i_master = -1, i_status = -1, i_notify = -1, i_events = -1, n_events = 0;
		int i_covers = -1;
		pf[i_sig = n++] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
		if (stdin_open && !s->child_done)
			pf[i_in = n++] = (struct pollfd){.fd = s->pty->tty, .events = POLLIN};
		if (master_open)
			pf[i_master = n++] = (struct pollfd){.fd = s->pty->master, .events = POLLIN};
		if (status_open)
			pf[i_status = n++] = (struct pollfd){.fd = s->status_rd, .events = POLLIN};
		if (s->notifier && !s->child_done)
			pf[i_notify = n++] = (struct pollfd){.fd = s->notifier->fd, .events = POLLIN};
		if (s->covers && s->covers->fd >= 0 && !s->child_done && !s->cover_lost)
			pf[i_covers = n++] = (struct pollfd){.fd = s->covers->fd, .events = POLLIN};
		if (!s->child_done && !s->events_stopped) {
			i_events = n;
			n_events = rf_events_poll_fds(s->events, pf + n, 2);
			n += n_events;
		}
		/* once the child is gone, drain the pty without blocking forever */
		int timeout = s->child_done ? 0 : s->timed_out ? -1 : rf_limits_poll_ms(s->limits);
		int r = poll(pf, (nfds_t)n, timeout);
		/* (a command whose status init has already reported finished in time) */
		if (!s->child_done && !s->timed_out && !s->have_report && rf_limits_expired(s->limits)) {
			kill_on_timeout(s);
			continue;
		}
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
		if (n_events && rf_events_check(s->events, pf + i_events, n_events) && !s->events_stopped) {
			/* the event sink failed (FAIL mode): nothing goes on unobserved */
			s->events_stopped = true;
			(void)kill(s->child, SIGKILL);
		}
		if (i_covers >= 0 && pf[i_covers].revents && rf_cover_watch_check(s->covers)) {
			/* a protected or hidden path lost its mount: nothing goes on
			 * with it exposed */
			s->cover_lost = true;
			(void)kill(s->child, SIGKILL);
			rf_limits_kill(s->limits);
		}
		if (i_notify >= 0 && (pf[i_notify].revents & POLLIN))
			rf_notifier_handle(s->notifier);
		else if (i_notify >= 0 && (pf[i_notify].revents & (POLLHUP | POLLERR)))
			s->notifier = NULL; /* every filtered process is gone */
		if (i_in >= 0 && (pf[i_in].revents & (POLLIN | POLLHUP | POLLERR)))
			pump(s->pty->tty, s->pty->master, &stdin_open);
		if (i_master >= 0 && (pf[i_master].revents & (POLLIN | POLLHUP | POLLERR)))
			pump(s->pty->master, 1, &master_open);
		rf_events_tick(s->events);
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

/* Init has reported: the command and everything it started are dead and
 * reaped (rf_init_run), and init is on its way out. Its exit tears the
 * namespaces down (every mount, then an RCU grace period: about half a
 * millisecond), which need not hold up the removal of the placeholders:
 * nothing is left inside to use the mounts on them. Init is waited for
 * all the same, not left to be reaped later: its reaping is what adds the
 * sandbox's CPU time to ours (RUSAGE_CHILDREN), which `time ringfence
 * run ...` and the caller's wait4() report. */
static void reap_reported_init(struct supervisor *s, struct rf_placeholders *ph)
{
	rf_placeholders_remove(ph);
	int st;
	pid_t got;
	while ((got = waitpid(s->child, &st, 0)) < 0 && errno == EINTR)
		;
	s->child_done = true;
	s->child_wstatus = got == s->child ? st : 0;
}

/* Read the error pipe until EOF: empty means the command was exec'd.
 * Returns -2 when the run's deadline passes first. The seccomp listener,
 * when there is one, is served meanwhile: in plan/review mode the
 * command's very first execve waits for the supervisor's verdict. */
static ssize_t read_setup_error(int fd, char *buf, size_t cap, const struct rf_limits_run *lr, struct rf_notifier *n)
{
	size_t len = 0;
	int nfd = n ? n->fd : -1;
	bool serve = nfd >= 0;
	buf[0] = '\0';
	for (;;) {
		struct pollfd pf[2] = {{.fd = fd, .events = POLLIN}, {.fd = serve ? nfd : -1, .events = POLLIN}};
		int pr = poll(pf, 2, rf_limits_poll_ms(lr));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0 || rf_limits_expired(lr))
			return -2;
		if (pr < 0)
			break;
		if (serve && (pf[1].revents & POLLIN))
			rf_notifier_handle(n);
		else if (pf[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			serve = false;
		if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
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
 * to do it: as child subreaper, orphans were reparented to us. The
 * cgroup janitor (`spare`) is ours too, and stays. */
static void kill_descendants(pid_t spare)
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
			if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == self && atoi(de->d_name) != spare) {
				(void)kill((pid_t)atoi(de->d_name), SIGKILL);
				any = true;
			}
		}
		closedir(d);
		pid_t w;
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			if (w != spare)
				any = true;
		if (!any)
			return;
		usleep(1000);
	}
}

static const int supervised_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD, 0};

/* Everything a run holds, released in one place. */
struct run {
	const rf_policy *p;
	const struct rf_run_options *o;
	struct rf_run_result *r;
	struct rf_plan plan;
	struct rf_seccomp_prog prog;
	struct rf_placeholders ph;
	struct rf_strv env;
	struct rf_pty pty;
	bool want_pty;
	bool have_pty;
	int err_p[2], sync_p[2], status_p[2];
	int notify_sk[2]; /* pid 1 hands the seccomp listener over */
	struct rf_notifier notifier;
	struct rf_exec_tools tools;   /* plan/review: the tool list resolved (notify_exec.c) */
	bool exec_restricted;
	struct rf_events *events;
	struct rf_limits_run limits;
	struct rf_cover_watch covers; /* the host side of the protected and hidden paths */
	bool own_events;   /* made here (no options.events) */
	int sigfd;
	sigset_t old_sigs;
	bool sigs_blocked;
	char private_tmp[64];
	char *cwd;
	int landlock_abi;
	bool use_ns;
	pid_t child;
	struct rf_child_args args;
	double t0;
	/* network: the listeners pid 1 makes inside (the proxy's first) */
	struct rf_net_rules net_rules;
	int net_ports[1 + RF_MAX_HOST_PORTS];
	size_t n_net_ports;
	int proxy_port; /* 0: no proxy (not allowlist) */
	struct rf_proxy *proxy;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void run_release(struct run *run)
{
	rf_proxy_stop(run->proxy);
	run->proxy = NULL;
	rf_net_rules_free(&run->net_rules);
	if (run->sigs_blocked)
		sigprocmask(SIG_SETMASK, &run->old_sigs, NULL);
	close_fd(&run->sigfd);
	rf_notifier_free(&run->notifier);
	rf_cover_watch_free(&run->covers);
	if (run->own_events)
		rf_events_free(run->events);
	/* the sandbox is gone by now; anything left in its cgroup goes too */
	rf_limits_kill(&run->limits);
	for (int i = 0; i < 2; i++) {
		close_fd(&run->notify_sk[i]);
		close_fd(&run->err_p[i]);
		close_fd(&run->sync_p[i]);
		close_fd(&run->status_p[i]);
	}
	if (run->have_pty) {
		rf_pty_restore(&run->pty);
		close_fd(&run->pty.master);
		close_fd(&run->pty.slave);
	}
	rf_placeholders_remove(&run->ph);
	/* the cgroup, and the janitor that would have cleaned up after us */
	rf_limits_release(&run->limits, run->r);
	if (run->private_tmp[0]) {
		/* the fallback's private /tmp: its contents are the command's */
		pid_t rm = fork();
		if (rm == 0) {
			execl("/bin/rm", "rm", "-rf", "--one-file-system", "--", run->private_tmp, (char *)NULL);
			_exit(127);
		}
		if (rm > 0)
			waitpid(rm, NULL, 0);
	}
	rf_seccomp_prog_free(&run->prog);
	rf_exec_tools_free(&run->tools);
	rf_strv_free(&run->env);
	rf_plan_free(&run->plan);
	free(run->cwd);
}

static void kill_child(struct run *run)
{
	if (run->child > 0) {
		kill(run->child, SIGKILL);
		waitpid(run->child, NULL, 0);
		run->child = -1;
	}
}

/* Pipes, pty and the signalfd: what the supervisor needs before the fork. */
static int prepare_channels(struct run *run, struct rf_error *e)
{
	if (pipe2(run->err_p, O_CLOEXEC) < 0 || pipe2(run->sync_p, O_CLOEXEC) < 0 ||
	    pipe2(run->status_p, O_CLOEXEC) < 0)
		return rf_fail(e, errno, "cannot create pipes");
	const struct rf_run_options *o = run->o;
	run->want_pty = o->pty == 1 || (o->pty < 0 && isatty(0) && isatty(1));
	/* Signals are taken through a signalfd; the child restores its mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	for (int i = 0; supervised_signals[i]; i++)
		sigaddset(&sigs, supervised_signals[i]);
	if (sigprocmask(SIG_BLOCK, &sigs, &run->old_sigs) < 0)
		return rf_fail(e, errno, "cannot block signals");
	run->sigs_blocked = true;
	run->sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (run->sigfd < 0)
		return rf_fail(e, errno, "cannot create a signalfd");
	return 0;
}

/* Rung 1: clone into namespaces. Returns 0 when the child runs, 1 when the
 * kernel refused user namespaces (try the next rung), -1 on error. */
static int start_namespaces(struct run *run, struct rf_error *e)
{
	const rf_policy *p = run->p;
	if (rf_limits_prepare(&run->limits, p, RF_LIMITS_NAMESPACES, run->t0, run->r, e) < 0)
		return -1;
	struct rf_seccomp_opts so = {.notify_connect = true, .notify_fs = run->o->audit != RF_AUDIT_OFF,
				     .audit_reads = run->o->audit == RF_AUDIT_READS, .notify_exec = run->exec_restricted};
	if (rf_seccomp_compile(&so, &run->prog, e) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, run->notify_sk) < 0)
		return rf_fail(e, errno, "cannot create the supervisor socket");
	run->args.notify_sock = run->notify_sk[1];
	run->args.pty_inside = run->want_pty;
	if (p->sandbox_mode == RF_SANDBOX_WORKSPACE_WRITE && rf_placeholders_create(&run->plan, &run->ph, e) < 0)
		return -1;
	/* before the sandbox makes its mounts: a rename after this is seen */
	if (rf_cover_watch_start(&run->covers, &run->plan, run->landlock_abi >= 1, e) < 0)
		return -1;
	run->limits.hold_fd = run->covers.fd;
	/* from here on, a janitor removes what this run leaves if ringfence is killed */
	if (rf_limits_start(&run->limits, &run->ph, e) < 0)
		return -1;
	build_env(run->o->envp ? run->o->envp : environ, "/tmp", &run->env);
	if (run->proxy_port)
		proxy_env(&run->env, run->proxy_port);
	run->args.envp = run->env.v;
	run->args.seccomp = &run->prog;
	run->args.net_ports = run->net_ports;
	run->args.n_net_ports = run->n_net_ports;
	unsigned long flags = RF_NS_FLAGS_BASE | (p->network == RF_NET_ONLINE ? 0 : CLONE_NEWNET);
	run->child = rf_clone_ns(flags);
	if (run->child == 0)
		rf_child_namespaces(&run->args);
	if (run->child > 0) {
		close_fd(&run->notify_sk[1]);
		return 0;
	}
	int err = errno;
	if (err == EPERM || err == EINVAL || err == ENOSPC || err == EUSERS || err == EACCES) {
		rf_probe_userns_reason(err, flags & CLONE_NEWNET, run->r->fallback_reason, sizeof run->r->fallback_reason);
		rf_placeholders_remove(&run->ph);
		rf_cover_watch_free(&run->covers); /* Landlock's inode rules are the only layer there */
		rf_limits_abandon(&run->limits);
		close_fd(&run->notify_sk[0]);
		close_fd(&run->notify_sk[1]);
		run->args.notify_sock = -1;
		run->args.pty_inside = false;
		run->args.n_net_ports = 0;
		rf_seccomp_prog_free(&run->prog);
		rf_strv_free(&run->env);
		return 1;
	}
	return rf_fail(e, err, "cannot create the sandbox namespaces");
}

/* The fallback rungs have no devpts of their own: a host pty. */
static int open_host_pty(struct run *run, struct rf_error *e)
{
	if (!run->want_pty)
		return 0;
	if (rf_pty_open(&run->pty, e) < 0)
		return -1;
	run->have_pty = true;
	run->args.pty_slave = run->pty.slave;
	return 0;
}

/* The rungs without a pid namespace: a plain fork. Orphans of the command
 * are reparented to us (child subreaper) so that they can be killed. */
static int fork_child(struct run *run, void (*child_main)(const struct rf_child_args *), struct rf_error *e)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	run->child = fork();
	if (run->child < 0)
		return rf_fail(e, errno, "cannot fork");
	if (run->child == 0)
		child_main(&run->args);
	return 0;
}

/* Rung 2: Landlock + seccomp only, on the host filesystem. */
static int start_landlock_only(struct run *run, struct rf_error *e)
{
	const rf_policy *p = run->p;
	struct rf_run_result *r = run->r;
	if (run->landlock_abi < 3)
		return rf_fail(e, 0, "cannot sandbox: %s, and Landlock ABI %d is too old for the fallback (need 3)",
			       r->fallback_reason, run->landlock_abi);
	/* Without a network namespace nothing could hold the command to the
	 * proxy: an inet socket would reach everything. */
	if (p->network == RF_NET_ALLOWLIST)
		return rf_fail(e, 0, "cannot enforce network allowlist: %s, so there is no network namespace "
				     "(use --network offline or online)",
			       r->fallback_reason);
	if (!rf_policy_allow_fallback(p))
		return rf_fail(e, 0, "cannot sandbox: %s, and the fallback to Landlock + seccomp only is turned off "
				     "(backend.allow_fallback = false, %s)",
			       r->fallback_reason, rf_setting_source(p, RF_SET_ALLOW_FALLBACK));
	if (run->exec_restricted)
		return rf_fail(e, 0, "cannot enforce %s mode: %s, and without a mount namespace the places the "
				     "command can write cannot be made noexec (the tool list would not hold)",
			       rf_conversation_mode_name(rf_policy_conversation_mode(p)), r->fallback_reason);
	if (rf_limits_prepare(&run->limits, p, RF_LIMITS_LANDLOCK, run->t0, r, e) < 0)
		return -1;
	strcpy(run->private_tmp, "/tmp/ringfence-tmp.XXXXXX");
	if (!mkdtemp(run->private_tmp)) {
		run->private_tmp[0] = '\0';
		return rf_fail(e, errno, "cannot create a private temporary directory");
	}
	struct rf_seccomp_opts so = {.deny_inet = p->network == RF_NET_OFFLINE, .deny_unix_socket = true};
	if (rf_seccomp_compile(&so, &run->prog, e) < 0 || open_host_pty(run, e) < 0)
		return -1;
	build_env(run->o->envp ? run->o->envp : environ, run->private_tmp, &run->env);
	run->args.envp = run->env.v;
	run->args.seccomp = &run->prog;
	run->args.private_tmp = run->private_tmp;
	if (rf_limits_start(&run->limits, NULL, e) < 0)
		return -1;
	r->effective_backend = RF_EFFECTIVE_LANDLOCK;
	warn(r, "fallback (%s): Landlock + seccomp only; no pid/mount/network namespaces", r->fallback_reason);
	warn(r, "fallback: /proc shows the host's processes; unix sockets cannot be created (socketpair works)");
	warn(r, "fallback: names inside hidden directories can be listed (their contents cannot be read)");
	warn(r, "fallback: /tmp is %s; nothing can be created directly in a directory that holds protected "
		"paths (the workspace root, .git: git commit fails)",
	     run->private_tmp);
	if (p->network == RF_NET_ONLINE)
		warn(r, "fallback: network online uses the host network directly");
	if (p->network == RF_NET_OFFLINE && p->host_ports.n)
		warn(r, "fallback: host ports are not forwarded (no inet sockets without a network namespace)");
	return fork_child(run, rf_child_landlock_only, e);
}

/* backend = none: the user asked for no sandbox, and is told so. */
static int start_unsandboxed(struct run *run, struct rf_error *e)
{
	warn(run->r, "backend = none: the command runs WITHOUT any sandbox (development only)");
	if (rf_limits_prepare(&run->limits, run->p, RF_LIMITS_NONE, run->t0, run->r, e) < 0)
		return -1;
	if (run->p->network != RF_NET_ONLINE)
		warn(run->r, "backend = none: network %s is not enforced (the host network is reachable)",
		     rf_network_mode_name(run->p->network));
	if (open_host_pty(run, e) < 0 || rf_limits_start(&run->limits, NULL, e) < 0)
		return -1;
	const char *tmp = getenv("TMPDIR");
	build_env(run->o->envp ? run->o->envp : environ, tmp ? tmp : "/tmp", &run->env);
	run->args.envp = run->env.v;
	return fork_child(run, rf_child_unsandboxed, e);
}

static int start_proxy(struct run *run, struct rf_error *e);

/* Namespaces: what pid 1 hands over before it forks the command, in its
 * order: the listeners inside the network namespace (proxy, host ports),
 * the pty master (when it made one), its root directory (where the file
 * calls' handlers resolve paths), the seccomp listener. If it failed
 * before, the reason is on the error pipe. */
static int receive_from_init(struct run *run, struct rf_error *e)
{
	const char *what = NULL;
	/* the listeners of the proxy and the host ports come first */
	if (start_proxy(run, e) < 0) {
		char msg[1100];
		if (read_setup_error(run->err_p[0], msg, sizeof msg, NULL, NULL) > 0 && msg[0] != RF_EXEC_FAILURE_MARK)
			return rf_fail(e, 0, "%s", msg);
		return -1;
	}
	if (run->args.pty_inside) {
		int master = rf_recv_fd(run->notify_sk[0]);
		if (master < 0)
			what = "the pseudo-terminal";
		else {
			rf_pty_adopt(&run->pty, master);
			run->have_pty = true;
		}
	}
	if (!what && run->notify_sk[0] >= 0) {
		cleanup_fd int root = rf_recv_fd(run->notify_sk[0]);
		int listener = root < 0 ? -1 : rf_recv_fd(run->notify_sk[0]);
		if (root < 0)
			what = "the sandbox's root";
		else if (listener < 0)
			what = "the seccomp listener";
		else if (rf_notifier_init(&run->notifier, listener, &run->plan, run->p->network == RF_NET_ONLINE,
					  run->events, e) < 0)
			return -1;
		else {
			run->notifier.root_fd = rf_steal_fd(&root);
			run->notifier.exec = run->exec_restricted ? &run->tools : NULL;
		}
	}
	if (!what && run->notifier.fd >= 0) {
		/* a direct connect past the proxy fails in the kernel (no route);
		 * the listener reports it */
		if (run->p->network != RF_NET_ONLINE)
			run->notifier.inet_rule = run->p->network == RF_NET_ALLOWLIST ? "network:proxy-only" : "network:offline";
		if (run->o->audit != RF_AUDIT_OFF &&
		    rf_notifier_watch_fs(&run->notifier, run->p, run->o->audit == RF_AUDIT_READS, e) < 0)
			return -1;
	}
	if (!what)
		return 0;
	int err = errno;
	char msg[1100];
	if (read_setup_error(run->err_p[0], msg, sizeof msg, NULL, NULL) > 0 && msg[0] != RF_EXEC_FAILURE_MARK)
		return rf_fail(e, 0, "%s", msg);
	return rf_fail(e, err, "cannot receive %s from the sandbox", what);
}

/* Namespaces: the Landlock rules on the host's inodes, built while the
 * sandbox assembles its mounts (landlock.h), and handed over. */
static int send_landlock_host_part(struct run *run, struct rf_error *e)
{
	struct rf_landlock_opts lo = {
		.mode = RF_LANDLOCK_MIRROR,
		.plan = &run->plan,
		.exec_allow = run->args.exec_allow,
		.scope_abstract_unix = run->landlock_abi >= 6,
		.scope_signal = run->landlock_abi >= 6,
		.verbose = run->o->verbose,
	};
	cleanup_fd int rs = rf_landlock_build_host_part(&lo, run->landlock_abi, e);
	if (rs < 0)
		return -1;
	if (rf_send_fd(run->notify_sk[0], rs) < 0) {
		int err = errno;
		char msg[1100];
		/* the sandbox is gone: its reason, when it gave one */
		if (read_setup_error(run->err_p[0], msg, sizeof msg, NULL, NULL) > 0 && msg[0] != RF_EXEC_FAILURE_MARK)
			return rf_fail(e, 0, "%s", msg);
		return rf_fail(e, err, "cannot hand the Landlock ruleset to the sandbox");
	}
	return 0;
}

/* After the fork: id maps, the go signal, and the exec verdict. */
static int release_child(struct run *run, struct rf_error *e)
{
	close_fd(&run->err_p[1]);
	close_fd(&run->sync_p[0]);
	close_fd(&run->status_p[1]);
	if (run->use_ns && rf_write_id_maps(run->child, getuid(), getgid(), e) < 0)
		return -1;
	/* the run's cgroup holds the child before it runs anything */
	if (rf_limits_attach(&run->limits, run->child, e) < 0)
		return -1;
	if ((run->use_ns || run->limits.wait_for_cgroup) && rf_write_all(run->sync_p[1], "1", 1) < 0)
		return rf_fail(e, errno, "cannot start the sandbox");
	close_fd(&run->sync_p[1]);
	if (run->have_pty)
		close_fd(&run->pty.slave);
	if (run->use_ns && run->landlock_abi > 0 && send_landlock_host_part(run, e) < 0)
		return -1;
	if (run->use_ns && receive_from_init(run, e) < 0)
		return -1;

	char msg[1100];
	ssize_t mlen = read_setup_error(run->err_p[0], msg, sizeof msg, &run->limits,
					run->notifier.fd >= 0 ? &run->notifier : NULL);
	if (mlen == -2)
		return 2; /* the deadline passed during set-up */
	if (mlen > 0 && msg[0] == RF_EXEC_FAILURE_MARK) {
		warn(run->r, "%s", msg + 1);
		return 1;
	}
	if (mlen > 0) /* the sandbox could not be set up: the command never ran */
		return rf_fail(e, 0, "%s", msg);
	return 0;
}

/* Network rules checked and the listeners planned before anything starts:
 * the proxy's port (3128 unless a host port takes it), then the host ports.
 * Rules the mode does not use are said to be ignored. */
static int plan_network(struct run *run, struct rf_error *e)
{
	const rf_policy *p = run->p;
	if (rf_net_rules_build(p, &run->net_rules, e) < 0)
		return -1;
	bool rules = p->allowed_domains.n || p->denied_domains.n || p->proxy_resolve.n;
	if (p->network != RF_NET_ALLOWLIST && rules)
		warn(run->r, "network %s: the domain rules are ignored (they apply to network allowlist)",
		     rf_network_mode_name(p->network));
	if (p->network == RF_NET_ONLINE) {
		if (p->host_ports.n)
			warn(run->r, "network online: host ports need no forwarding (the host's loopback, every port "
				     "of it, is reachable)");
		return 0;
	}
	if (p->network == RF_NET_ALLOWLIST && p->backend == RF_BACKEND_NATIVE) {
		if (!p->allowed_domains.n)
			warn(run->r, "network allowlist with no allowed domains: every connection is refused");
		int port = 3128;
		for (bool taken = true; taken; port++) {
			taken = false;
			for (size_t i = 0; i < p->host_ports.n; i++)
				taken = taken || atoi(p->host_ports.v[i].spec) == port;
			if (!taken)
				break;
		}
		run->proxy_port = port;
		run->net_ports[run->n_net_ports++] = port;
	}
	for (size_t i = 0; i < p->host_ports.n && p->backend == RF_BACKEND_NATIVE; i++)
		run->net_ports[run->n_net_ports++] = atoi(p->host_ports.v[i].spec);
	return 0;
}

/* pid 1 made the listeners inside and sent them first: the proxy takes them. */
static int start_proxy(struct run *run, struct rf_error *e)
{
	struct rf_proxy_listener ls[1 + RF_MAX_HOST_PORTS];
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < run->args.n_net_ports; i++) {
		int fd = rf_recv_fd(run->notify_sk[0]);
		if (fd < 0) {
			rc = rf_fail(e, errno, "cannot receive the listener on 127.0.0.1:%d from the sandbox",
				     run->net_ports[i]);
			break;
		}
		ls[n] = (struct rf_proxy_listener){.fd = fd, .kind = RF_PROXY_LISTEN_FORWARD};
		if (run->proxy_port && i == 0) {
			ls[n].kind = RF_PROXY_LISTEN_PROXY;
		} else {
			struct sockaddr_in *t = (struct sockaddr_in *)&ls[n].target;
			t->sin_family = AF_INET;
			t->sin_port = htons((uint16_t)run->net_ports[i]);
			t->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			ls[n].target_len = sizeof *t;
		}
		n++;
	}
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			close(ls[i].fd);
		return -1;
	}
	if (n == 0)
		return 0;
	struct rf_proxy_config c = {
		.rules = &run->net_rules,
		.listeners = ls,
		.n_listeners = n,
		.events = run->events,
		.verbose = run->o->verbose,
		.sandbox_init = run->child,
	};
	if (rf_proxy_start(&c, &run->proxy, e) < 0)
		return -1;
	if (run->o->verbose) {
		if (run->proxy_port)
			fprintf(run->o->verbose, "ringfence: [%7.2f ms] proxy on 127.0.0.1:%d inside (HTTP, CONNECT, SOCKS5)\n",
				(rf_now() - run->t0) * 1e3, run->proxy_port);
		for (size_t i = run->proxy_port ? 1 : 0; i < run->args.n_net_ports; i++)
			fprintf(run->o->verbose, "ringfence: host port 127.0.0.1:%d forwarded in\n", run->net_ports[i]);
	}
	return 0;
}

/* fds 0-2 cross into the sandbox as they are. A directory among them (or an
 * O_PATH fd) would be a handle on a host tree outside the mount plan:
 * openat() relative to it resolves in the host's view (Landlock, when the
 * kernel has it, still stops opening files there, not listing it). Never a
 * sensible stdin or stdout, so refused. */
static int check_stdio(struct rf_error *e)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fstat(fd, &st) < 0)
			continue; /* closed: nothing crosses */
		if (S_ISDIR(st.st_mode) || (fl & O_PATH))
			return rf_fail(e, 0,
				       "cannot pass fd %d into the sandbox: it is %s, a way to the host's files "
				       "outside the sandbox's view",
				       fd, S_ISDIR(st.st_mode) ? "a directory" : "an O_PATH handle");
	}
	return 0;
}

/* The whole sequence; every failure returns -1 with *e and leaves the
 * release to rf_run(). */
static int run_steps(struct run *run, struct rf_error *e)
{
	const rf_policy *p = run->p;
	const struct rf_run_options *o = run->o;
	struct rf_run_result *r = run->r;

	if (!o->argv || !o->argv[0])
		return rf_fail(e, 0, "no command given");
	if (p->backend == RF_BACKEND_NATIVE && check_stdio(e) < 0)
		return -1;
	if (p->backend == RF_BACKEND_NATIVE && p->sandbox_mode == RF_SANDBOX_WORKSPACE_WRITE &&
	    rf_placeholders_lock(&run->ph, p->workspace ? p->workspace : ".", e) < 0)
		return -1;
	if (rf_plan_build(p, NULL, &run->plan, e) < 0)
		return -1;
	if (run->plan.warnings)
		warn(r, "%s", run->plan.warnings);
	/* an untrusted workspace config must not have widened anything */
	if (rf_config_check_plan(p, &run->plan, e) < 0)
		return -1;
	if (o->verbose) {
		fprintf(o->verbose, "ringfence: [%7.2f ms] plan built\n", (rf_now() - run->t0) * 1e3);
		rf_plan_describe(&run->plan, o->verbose);
	}
	run->landlock_abi = rf_landlock_abi();
	/* The caller's cwd when the sandbox shows that very directory (a bound
	 * host tree), else the workspace: under a fresh filesystem (/tmp, /run)
	 * the same path is an empty private directory, not the caller's. */
	run->cwd = o->cwd ? rf_xstrdup(o->cwd) : getcwd(NULL, 0);
	const struct rf_plan_entry *cwd_en = run->cwd ? rf_plan_lookup(&run->plan, run->cwd).entry : NULL;
	if (!cwd_en || (cwd_en->kind != RF_PLAN_BIND_RO && cwd_en->kind != RF_PLAN_BIND_RW &&
			cwd_en->kind != RF_PLAN_PROTECT && cwd_en->kind != RF_PLAN_CACHE)) {
		free(run->cwd);
		run->cwd = rf_xstrdup(run->plan.workspace);
	}
	if (!run->events) {
		run->events = rf_events_new(o->verbose);
		run->own_events = true;
	}
	const struct rf_strv *cw = rf_config_warnings(p);
	for (size_t i = 0; cw && i < cw->n; i++)
		warn(r, "%s", cw->v[i]);
	if (rf_policy_tools(p)) {
		/* plan/review: only the mode's tools may run */
		if (p->backend == RF_BACKEND_NONE)
			return rf_fail(e, 0, "cannot enforce %s mode with backend = none (no sandbox at all)",
				       rf_conversation_mode_name(rf_policy_conversation_mode(p)));
		if (run->landlock_abi < 1)
			return rf_fail(e, 0, "cannot enforce %s mode: Landlock is unavailable, and it is what limits execution to the tool list",
				       rf_conversation_mode_name(rf_policy_conversation_mode(p)));
		if (rf_exec_tools_resolve(&run->tools, rf_policy_tools(p), &run->plan, o->envp, e) < 0)
			return -1;
		run->tools.mode = rf_policy_conversation_mode(p);
		run->tools.list_source = rf_setting_source(p, run->tools.mode == RF_MODE_REVIEW ? RF_SET_REVIEW_TOOLS
												 : RF_SET_PLAN_TOOLS);
		run->exec_restricted = true;
		for (size_t i = 0; i < run->tools.warnings.n; i++)
			warn(r, "%s", run->tools.warnings.v[i]);
		if (o->verbose)
			for (size_t i = 0; i < run->tools.exec_allow.n; i++)
				fprintf(o->verbose, "ringfence: %s mode: may execute %s\n",
					rf_conversation_mode_name(run->tools.mode), run->tools.exec_allow.v[i]);
	}
	if (plan_network(run, e) < 0 || prepare_channels(run, e) < 0)
		return -1;
	run->args = (struct rf_child_args){
		.policy = p,
		.plan = &run->plan,
		.argv = o->argv,
		.cwd = run->cwd,
		.landlock_abi = run->landlock_abi,
		.sync_rd = run->sync_p[0],
		.err_wr = run->err_p[1],
		.status_wr = run->status_p[1],
		.pty_slave = -1,
		.notify_sock = -1,
		.limits = &run->limits,
		.exec_allow = run->exec_restricted ? run->tools.exec_allow.v : NULL,
		.verbose = o->verbose,
		.t0 = run->t0,
	};

	/* The ladder: namespaces, else Landlock + seccomp, else refuse. */
	int started;
	if (p->backend == RF_BACKEND_NONE) {
		started = start_unsandboxed(run, e);
	} else {
		run->use_ns = true;
		started = start_namespaces(run, e);
		if (started == 1) {
			run->use_ns = false;
			started = start_landlock_only(run, e);
		}
	}
	if (started < 0)
		return -1;
	r->landlock_abi = p->backend == RF_BACKEND_NONE ? 0 : run->landlock_abi;
	if (run->use_ns && run->landlock_abi == 0) {
		warn(r, "Landlock is unavailable: the filesystem policy rests on mount namespaces alone");
		for (size_t i = 0; i < run->plan.n; i++)
			if (run->plan.v[i].no_new_dirs)
				warn(r, "without Landlock, new %s can be made directly in %s", run->plan.v[i].no_new_files ?
					"files and directories" : "directories", run->plan.v[i].path);
	}
	if (!run->use_ns && p->backend != RF_BACKEND_NONE && o->audit != RF_AUDIT_OFF)
		warn(r, "fallback: denied file operations are not reported (no seccomp listener in this rung)");
	if (rf_run_events_started(run->events, p, &run->plan, o, r, run->cwd,
				  rf_run_audit_name(o->audit, run->use_ns), e) < 0) {
		kill_child(run);
		return -1;
	}

	int released = release_child(run, e);
	if (released < 0) {
		kill_child(run);
		return -1;
	}
	if (released == 2) {
		struct supervisor s = {.child = run->child, .child_is_init = run->use_ns, .limits = &run->limits};
		kill_on_timeout(&s);
		kill_child(run);
		if (!run->use_ns)
			kill_descendants(run->limits.janitor);
		timed_out_result(r);
		return 0;
	}
	if (run->have_pty && released == 0)
		rf_pty_enter_raw(&run->pty);
	struct supervisor s = {
		.child = run->child,
		.child_is_init = run->use_ns,
		.sigfd = run->sigfd,
		.status_rd = run->use_ns ? run->status_p[0] : -1,
		.pty = run->have_pty ? &run->pty : NULL,
		.notifier = run->notifier.fd >= 0 ? &run->notifier : NULL,
		.limits = &run->limits,
		.events = run->events,
		.covers = run->use_ns ? &run->covers : NULL,
		/* nothing to drain after the report without a pty */
		.until_report = run->use_ns && !run->have_pty,
	};
	if (o->verbose)
		fprintf(o->verbose, "ringfence: [%7.2f ms] sandbox running\n", (rf_now() - run->t0) * 1e3);
	supervise(&s);
	if (!s.child_done)
		reap_reported_init(&s, &run->ph);
	rf_proxy_stop(run->proxy); /* nothing is left inside to use it */
	run->proxy = NULL;
	if (o->verbose)
		fprintf(o->verbose, "ringfence: [%7.2f ms] sandbox finished\n", (rf_now() - run->t0) * 1e3);
	if (o->verbose && run->notifier.req)
		fprintf(o->verbose, "ringfence: supervisor: %lu notifications, %lu answered by it, %lu violations\n",
			run->notifier.handled, run->notifier.answered, rf_events_violation_count(run->events));
	run->child = -1;
	if (run->have_pty)
		rf_pty_restore(&run->pty);
	if (!run->use_ns)
		kill_descendants(run->limits.janitor);
	if (s.events_stopped)
		return rf_fail(e, 0, "%s: the sandbox was stopped", rf_events_error(run->events));
	if (s.cover_lost)
		return rf_fail(e, 0, "%s", run->covers.lost);
	if (s.timed_out) {
		timed_out_result(r);
		return 0;
	}
	if (run->use_ns && !s.have_report)
		return rf_fail(e, 0, "cannot get the command's exit status: the sandbox's init exited without reporting it");
	status_to_result(run->use_ns ? s.report : s.child_wstatus, r);
	return 0;
}

int rf_run(const rf_policy *p, const struct rf_run_options *o, struct rf_run_result *r, struct rf_error *e)
{
	double t0 = rf_now();
	memset(r, 0, sizeof *r);
	r->exit_status = RF_EXIT_SETUP;
	r->exit_code = -1;
	r->configured_backend = p->backend;
	r->effective_backend = p->backend == RF_BACKEND_NONE ? RF_EFFECTIVE_NONE : RF_EFFECTIVE_NAMESPACES;
	r->sandbox_enforced = p->backend != RF_BACKEND_NONE;

	struct run run = {
		.p = p, .o = o, .r = r, .t0 = t0,
		.ph = {.lock_fd = -1},
		.pty = {.master = -1, .slave = -1},
		.err_p = {-1, -1}, .sync_p = {-1, -1}, .status_p = {-1, -1}, .notify_sk = {-1, -1},
		.notifier = {.fd = -1, .root_fd = -1, .loadavg_fd = -1},
		.limits = {.janitor = -1, .janitor_fd = -1},
		.covers = {.fd = -1},
		.sigfd = -1,
		.child = -1,
		.events = o->events,
	};
	r->events = o->events;
	int rc = run_steps(&run, e);
	r->duration = rf_now() - t0;
	if (rc < 0)
		r->exit_status = RF_EXIT_SETUP;
	/* RunFinished, also after a failure (a kill, a timeout, a failed sink) */
	if (rf_run_events_finished(run.events, p, o, r, rc < 0 ? e->msg : NULL, e) < 0) {
		rc = -1;
		r->exit_status = RF_EXIT_SETUP;
	}
	run_release(&run);
	return rc;
}
