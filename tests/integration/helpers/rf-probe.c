/* rf-probe: a multi-call attack/probe program for the integration tests.
 *
 *   rf-probe ACTION [ARGS...]
 *
 * Each action attempts ONE operation and reports on stdout:
 *   exit 0, "ALLOWED <detail>"             the operation succeeded
 *   exit 1, "DENIED <ERRNO-NAME> <strerror>" it failed with an errno
 *   exit 2                                 usage error (message on stderr)
 * A process killed by seccomp shows up as SIGSYS in the caller's wait status.
 * Context that is not part of the verdict (which step failed, extra lines of
 * listings) goes to stderr, or to stdout after the verdict line.
 *
 * PID arguments accept "self" (this process) and, where it makes sense,
 * "child" (a sleeping child forked for the purpose), so a probe can show that
 * the operation itself is blocked, independently of permissions on a target.
 *
 * Keep every action minimal and independent; use raw syscall() where glibc
 * has no wrapper or where its wrapper would hide the errno.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSPICK_CLOEXEC
#define FSPICK_CLOEXEC 0x00000001
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif
#define RF_KEYCTL_JOIN_SESSION_KEYRING 1
#define RF_KEY_SPEC_PROCESS_KEYRING (-2)

/* Raw syscall numbers (x86_64) for calls older glibc headers may lack. */
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fspick
#define SYS_fspick 433
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

struct rf_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

struct rf_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* ---- verdicts ---- */

static int allowed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int allowed(const char *fmt, ...)
{
	va_list ap;
	fputs("ALLOWED", stdout);
	if (fmt && *fmt) {
		fputc(' ', stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	fputc('\n', stdout);
	fflush(stdout);
	return 0;
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);
	static char buf[32];
	if (n)
		return n;
	snprintf(buf, sizeof buf, "E%d", err);
	return buf;
}

/* Report errno `err`; `step` (may be NULL) names the failing call on stderr. */
static int denied(int err, const char *step)
{
	if (step)
		fprintf(stderr, "rf-probe: %s: %s\n", step, strerror(err));
	printf("DENIED %s %s\n", errname(err), strerror(err));
	fflush(stdout);
	return 1;
}

static int usage(const char *msg)
{
	fprintf(stderr, "rf-probe: usage: %s\n", msg);
	return 2;
}

/* Parse an integer (decimal, 0x hex, 0 octal); exit 2 on garbage. */
static long long num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "rf-probe: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static unsigned long long unum(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "rf-probe: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static pid_t sleeping_child = -1;

static void reap_child(void)
{
	if (sleeping_child > 0) {
		kill(sleeping_child, SIGKILL);
		waitpid(sleeping_child, NULL, 0);
		sleeping_child = -1;
	}
}

/* "self", "child" (fork a child that sleeps; killed at exit) or a number. */
static pid_t target_pid(const char *s)
{
	if (strcmp(s, "self") == 0)
		return getpid();
	if (strcmp(s, "child") == 0) {
		pid_t p = fork();
		if (p < 0) {
			perror("rf-probe: fork");
			exit(3);
		}
		if (p == 0) {
			for (;;)
				pause();
		}
		sleeping_child = p;
		atexit(reap_child);
		return p;
	}
	return (pid_t)num(s, "pid");
}

/* Print a byte string with non-printables escaped. */
static void print_escaped(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n')
			fputs("\\n", stdout);
		else if (b[i] == '\\')
			fputs("\\\\", stdout);
		else if (isprint(b[i]))
			fputc(b[i], stdout);
		else
			printf("\\x%02x", b[i]);
	}
}

static int wait_child_ok(pid_t pid, const char *what)
{
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return denied(errno, "waitpid");
	if (WIFEXITED(st))
		return allowed("%s pid=%d exit=%d", what, (int)pid, WEXITSTATUS(st));
	return allowed("%s pid=%d signal=%d", what, (int)pid, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

/* ---- namespaces ---- */

static int do_unshare(unsigned long flags)
{
	if (syscall(SYS_unshare, flags) != 0)
		return denied(errno, "unshare");
	return allowed("unshare(0x%lx)", flags);
}

/* Raw clone(2) without a new stack: the child runs on a copy of ours (like
 * fork) and leaves at once with exit_group, touching no libc state. */
static int do_clone(unsigned long flags)
{
	long r = syscall(SYS_clone, flags, 0UL, 0UL, 0UL, 0UL);
	if (r < 0)
		return denied(errno, "clone");
	if (r == 0)
		syscall(SYS_exit_group, 0);
	return wait_child_ok((pid_t)r, "clone");
}

static int do_clone3(uint64_t flags)
{
	struct rf_clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r < 0)
		return denied(errno, "clone3");
	if (r == 0)
		syscall(SYS_exit_group, 0);
	return wait_child_ok((pid_t)r, "clone3");
}

static void *thread_fn(void *arg)
{
	*(int *)arg = 42;
	return NULL;
}

static int do_thread(void)
{
	pthread_t t;
	int v = 0;
	int rc = pthread_create(&t, NULL, thread_fn, &v);
	if (rc != 0)
		return denied(rc, "pthread_create");
	rc = pthread_join(t, NULL);
	if (rc != 0)
		return denied(rc, "pthread_join");
	return allowed("thread ran (%d)", v);
}

static int do_fork(void)
{
	pid_t p = fork();
	if (p < 0)
		return denied(errno, "fork");
	if (p == 0)
		_exit(0);
	return wait_child_ok(p, "fork");
}

static int do_setns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return denied(errno, "open");
	if (setns(fd, 0) != 0)
		return denied(errno, "setns");
	return allowed("setns %s", path);
}

/* ---- mount API ---- */

static int do_mount_tmpfs(const char *dir)
{
	if (mount("rf-probe", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
		return denied(errno, "mount");
	return allowed("tmpfs mounted on %s", dir);
}

static int do_umount(const char *path)
{
	if (umount2(path, MNT_DETACH) != 0)
		return denied(errno, "umount2");
	return allowed("unmounted %s", path);
}

static int do_pivot_root(void)
{
	if (syscall(SYS_pivot_root, ".", ".") != 0)
		return denied(errno, "pivot_root");
	return allowed("pivot_root(., .)");
}

static int do_fsopen(void)
{
	long fd = syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fd < 0)
		return denied(errno, "fsopen");
	return allowed("fsopen fd=%ld", fd);
}

static int do_fspick(const char *path)
{
	long fd = syscall(SYS_fspick, AT_FDCWD, path, FSPICK_CLOEXEC);
	if (fd < 0)
		return denied(errno, "fspick");
	return allowed("fspick fd=%ld", fd);
}

static int do_open_tree(const char *path)
{
	long fd = syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return denied(errno, "open_tree");
	return allowed("open_tree(OPEN_TREE_CLONE) fd=%ld", fd);
}

/* Without arguments: move_mount from fd -1, which only a seccomp rule turns
 * into EPERM (the kernel says EBADF). With FROM TO: a real move. */
static int do_move_mount(int argc, char **argv)
{
	long r;
	if (argc >= 2)
		r = syscall(SYS_move_mount, AT_FDCWD, argv[0], AT_FDCWD, argv[1], 0);
	else
		r = syscall(SYS_move_mount, -1, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH);
	if (r != 0)
		return denied(errno, "move_mount");
	return allowed("move_mount");
}

/* Try to clear MOUNT_ATTR_RDONLY on the mount at PATH (make a read-only bind
 * writable). */
static int do_mount_setattr(const char *path)
{
	struct rf_mount_attr a = { .attr_clr = MOUNT_ATTR_RDONLY };
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &a, sizeof a) != 0)
		return denied(errno, "mount_setattr");
	return allowed("mount_setattr cleared rdonly on %s", path);
}

static int do_chroot(const char *dir)
{
	if (chroot(dir) != 0)
		return denied(errno, "chroot");
	return allowed("chroot %s", dir);
}

/* ---- other processes ---- */

static int do_ptrace_attach(const char *spec)
{
	pid_t pid = target_pid(spec);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) != 0)
		return denied(errno, "ptrace(PTRACE_ATTACH)");
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return allowed("attached to %d", (int)pid);
}

static int do_ptrace_traceme(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
		return denied(errno, "ptrace(PTRACE_TRACEME)");
	return allowed("PTRACE_TRACEME");
}

/* Read one byte of the target: at ADDR if given, else at the start of its
 * first mapping (/proc/PID/maps), else at an address of our own (right when
 * the target is "self" or a forked "child"). */
static int do_process_vm_readv(int argc, char **argv)
{
	pid_t pid = target_pid(argv[0]);
	static char marker = 'M';
	unsigned long addr = (unsigned long)&marker;
	if (argc >= 2) {
		addr = (unsigned long)unum(argv[1], "address");
	} else if (strcmp(argv[0], "self") != 0 && strcmp(argv[0], "child") != 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%lx", &addr) != 1)
				addr = (unsigned long)&marker;
			fclose(f);
		}
	}
	char buf = 0;
	struct iovec local = { .iov_base = &buf, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = 1 };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return denied(errno, "process_vm_readv");
	return allowed("read %zd byte(s) from %d at 0x%lx", n, (int)pid, addr);
}

static int do_pidfd_getfd(const char *spec, const char *fdstr)
{
	pid_t pid = target_pid(spec);
	int targetfd = (int)num(fdstr, "fd");
	long pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return denied(errno, "pidfd_open");
	long fd = syscall(SYS_pidfd_getfd, (int)pidfd, targetfd, 0);
	if (fd < 0)
		return denied(errno, "pidfd_getfd");
	return allowed("got fd %ld (fd %d of %d)", fd, targetfd, (int)pid);
}

static int do_kcmp(void)
{
	pid_t self = getpid();
	long r = syscall(SYS_kcmp, self, self, KCMP_FILE, 0, 0);
	if (r < 0)
		return denied(errno, "kcmp");
	return allowed("kcmp=%ld", r);
}

/* ---- kernel attack surface ---- */

static int do_bpf(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
	if (fd < 0)
		return denied(errno, "bpf(BPF_MAP_CREATE)");
	return allowed("bpf map fd=%ld", fd);
}

static int do_perf_event_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
	if (fd < 0)
		return denied(errno, "perf_event_open");
	return allowed("perf fd=%ld", fd);
}

static int do_userfaultfd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return denied(errno, "userfaultfd");
	return allowed("userfaultfd fd=%ld", fd);
}

static int do_keyctl_join(void)
{
	long k = syscall(SYS_keyctl, RF_KEYCTL_JOIN_SESSION_KEYRING, NULL);
	if (k < 0)
		return denied(errno, "keyctl(KEYCTL_JOIN_SESSION_KEYRING)");
	return allowed("new session keyring %ld", k);
}

static long add_probe_key(void)
{
	return syscall(SYS_add_key, "user", "rf-probe", "x", (size_t)1, RF_KEY_SPEC_PROCESS_KEYRING);
}

static int do_add_key(void)
{
	long k = add_probe_key();
	if (k < 0)
		return denied(errno, "add_key");
	return allowed("key %ld", k);
}

/* add_key first (errors ignored) so that a permitted request_key finds it. */
static int do_request_key(void)
{
	(void)add_probe_key();
	long k = syscall(SYS_request_key, "user", "rf-probe", NULL, 0);
	if (k < 0)
		return denied(errno, "request_key");
	return allowed("key %ld", k);
}

static int do_io_uring_setup(void)
{
	unsigned char params[120]; /* struct io_uring_params */
	memset(params, 0, sizeof params);
	long fd = syscall(SYS_io_uring_setup, 1, params);
	if (fd < 0)
		return denied(errno, "io_uring_setup");
	return allowed("io_uring fd=%ld", fd);
}

static int do_open_by_handle_at(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char buf[MAX_HANDLE_SZ];
	} h;
	int mount_id;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) != 0)
		return denied(errno, "name_to_handle_at");
	/* mount_fd must be a real open file on that filesystem (not O_PATH). */
	int mfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (mfd < 0)
		return denied(errno, "open(mount_fd)");
	int fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return denied(errno, "open_by_handle_at");
	return allowed("open_by_handle_at fd=%d", fd);
}

static int do_iopl(void)
{
	if (syscall(SYS_iopl, 3) != 0)
		return denied(errno, "iopl");
	return allowed("iopl(3)");
}

/* ---- personality (raw: glibc's wrapper returns -errno without setting errno) ---- */

static int do_personality(unsigned long v)
{
	errno = 0;
	long r = syscall(SYS_personality, v);
	if (r == -1 && errno)
		return denied(errno, "personality");
	return allowed("personality(0x%lx) previous=0x%lx", v, (unsigned long)r & 0xffffffffUL);
}

/* ---- terminal ioctls ---- */

static int fd_arg(int argc, char **argv)
{
	return argc >= 1 ? (int)num(argv[0], "fd") : 0;
}

static int do_tiocsti(int fd, unsigned long req)
{
	char c = ' ';
	if (syscall(SYS_ioctl, fd, req, &c) != 0)
		return denied(errno, "ioctl(TIOCSTI)");
	return allowed("pushed ' ' into fd %d (request 0x%lx)", fd, req);
}

static int do_tioclinux(int fd)
{
	char sub = 7; /* TIOCL_GETSHIFTSTATE: read-only */
	if (ioctl(fd, TIOCLINUX, &sub) != 0)
		return denied(errno, "ioctl(TIOCLINUX)");
	return allowed("TIOCLINUX shift state %d", sub);
}

static int do_tcgets(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &t) != 0)
		return denied(errno, "tcgetattr");
	return allowed("TCGETS on fd %d lflag=0x%x", fd, (unsigned)t.c_lflag);
}

static int do_open_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return denied(errno, "open(/dev/tty)");
	return allowed("controlling terminal reachable (fd %d)", fd);
}

/* ---- other ABIs ---- */

static int do_x32_getpid(void)
{
	long r = syscall(__X32_SYSCALL_BIT | 39);
	if (r < 0)
		return denied(errno, "x32 getpid");
	return allowed("x32 getpid=%ld", r);
}

static int do_int80_getpid(void)
{
#if defined(__x86_64__)
	long r = 20; /* __NR_getpid in the i386 table */
	__asm__ volatile("int $0x80" : "+a"(r) : : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	if (r < 0 && r > -4096)
		return denied((int)-r, "int $0x80 getpid");
	return allowed("int80 getpid=%ld", r);
#else
	return usage("int80-getpid needs x86_64");
#endif
}

/* ---- sockets ---- */

static int do_socket(int family, int type, const char *what)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return denied(errno, "socket");
	return allowed("%s socket fd=%d", what, fd);
}

/* socket() with garbage in the upper 32 bits of the family (the kernel reads
 * an int, so this is AF_INET to it). */
static int do_socket_highbits(void)
{
	long fd = syscall(SYS_socket, 0xdeadbeef00000000UL | AF_INET, (unsigned long)SOCK_STREAM, 0UL);
	if (fd < 0)
		return denied(errno, "socket");
	return allowed("AF_INET socket (high bits set) fd=%ld", fd);
}

static int do_socketpair(int family)
{
	int sv[2];
	if (socketpair(family, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return denied(errno, "socketpair");
	return allowed("socketpair fds=%d,%d", sv[0], sv[1]);
}

/* Numeric IPv4/IPv6 or "localhost"; no resolver (works the same static). */
static socklen_t inet_addr_of(const char *host, const char *port, struct sockaddr_storage *ss)
{
	long p = num(port, "port");
	if (p < 0 || p > 65535) {
		fprintf(stderr, "rf-probe: bad port %s\n", port);
		exit(2);
	}
	memset(ss, 0, sizeof *ss);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		return sizeof *in4;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		return sizeof *in6;
	}
	fprintf(stderr, "rf-probe: HOST must be a numeric address or localhost: %s\n", host);
	exit(2);
}

static void set_timeouts(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int do_connect_tcp(const char *host, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_addr_of(host, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return denied(errno, "socket");
	set_timeouts(fd, 10);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		return denied(errno, "connect");
	return allowed("connected to %s:%s", host, port);
}

static int do_sendto_udp(const char *host, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_addr_of(host, port, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return denied(errno, "socket");
	if (sendto(fd, "rf-probe\n", 9, 0, (struct sockaddr *)&ss, len) < 0)
		return denied(errno, "sendto");
	return allowed("sent a datagram to %s:%s", host, port);
}

/* Fill a unix address; abstract when `abstract` (leading NUL, no trailing). */
static socklen_t unix_addr(const char *name, bool abstract, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	size_t n = strlen(name);
	size_t off = abstract ? 1 : 0;
	if (n + off >= sizeof sun->sun_path) {
		fprintf(stderr, "rf-probe: socket name too long: %s\n", name);
		exit(2);
	}
	memcpy(sun->sun_path + off, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + n + (abstract ? 0 : 1));
}

static int do_connect_unix(const char *name, bool abstract)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(name, abstract, &sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return denied(errno, "socket");
	if (connect(fd, (struct sockaddr *)&sun, len) != 0)
		return denied(errno, "connect");
	return allowed("connected to %s%s", abstract ? "@" : "", name);
}

/* After "ALLOWED" (flushed), wait up to `seconds` for one connection and
 * print "ACCEPTED" or "TIMEOUT" on a second line; exit 0 either way. */
static int listen_and_wait(int fd, int seconds, const char *what)
{
	if (listen(fd, 4) != 0)
		return denied(errno, "listen");
	allowed("listening on %s", what);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;
	do
		r = poll(&p, 1, seconds * 1000);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0) {
			puts("ACCEPTED");
			close(c);
			return 0;
		}
		fprintf(stderr, "rf-probe: accept: %s\n", strerror(errno));
	}
	puts("TIMEOUT");
	return 0;
}

static int do_listen_abstract(const char *name, const char *secs)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(name, true, &sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return denied(errno, "socket");
	if (bind(fd, (struct sockaddr *)&sun, len) != 0)
		return denied(errno, "bind");
	char what[128];
	snprintf(what, sizeof what, "@%s", name);
	return listen_and_wait(fd, (int)num(secs, "seconds"), what);
}

static int do_listen_tcp(const char *port, const char *secs)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_addr_of("127.0.0.1", port, &ss);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return denied(errno, "socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0)
		return denied(errno, "bind");
	char what[64];
	snprintf(what, sizeof what, "127.0.0.1:%s", port);
	return listen_and_wait(fd, (int)num(secs, "seconds"), what);
}

/* ---- signals ---- */

/* A signal number, or a name with or without "SIG" (TERM, SIGKILL). */
static int signal_of(const char *s)
{
	const char *name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < NSIG; i++) {
		const char *ab = sigabbrev_np(i);
		if (ab && strcmp(ab, name) == 0)
			return i;
	}
	return (int)num(s, "signal");
}

static int do_kill(const char *pid, const char *sig)
{
	if (kill((pid_t)num(pid, "pid"), signal_of(sig)) != 0)
		return denied(errno, "kill");
	return allowed("signal %s sent to %s", sig, pid);
}

/* ---- files ---- */

static int do_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return denied(errno, "open");
	unsigned char buf[256];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0)
		return denied(errno, "read");
	fputs("ALLOWED ", stdout);
	print_escaped(buf, (size_t)n);
	fputc('\n', stdout);
	return 0;
}

static int do_list(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return denied(errno, "opendir");
	struct {
		char **v;
		size_t n;
	} names = { 0 };
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char **nv = realloc(names.v, (names.n + 1) * sizeof *nv);
		if (!nv)
			abort();
		names.v = nv;
		names.v[names.n] = strdup(de->d_name);
		if (!names.v[names.n++])
			abort();
	}
	if (errno)
		return denied(errno, "readdir");
	printf("ALLOWED %zu entries:", names.n);
	for (size_t i = 0; i < names.n; i++)
		printf(" %s", names.v[i]);
	putchar('\n');
	return 0;
}

static int do_stat(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return denied(errno, "lstat");
	return allowed("mode=0%o uid=%u gid=%u size=%lld dev=%u:%u", (unsigned)st.st_mode, (unsigned)st.st_uid,
		       (unsigned)st.st_gid, (long long)st.st_size, major(st.st_dev), minor(st.st_dev));
}

static int do_write(const char *path, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return denied(errno, "open");
	if (write(fd, "x", 1) != 1)
		return denied(errno ? errno : EIO, "write");
	if (close(fd) != 0)
		return denied(errno, "close");
	return allowed("wrote 1 byte to %s", path);
}

#define SIMPLE(call, what, ...)                                   \
	do {                                                      \
		if ((call) != 0)                                  \
			return denied(errno, what);               \
		return allowed(__VA_ARGS__);                      \
	} while (0)

static int do_exec(int argc, char **argv)
{
	(void)argc;
	execv(argv[0], argv);
	return denied(errno, "execv");
}

static int do_list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return denied(errno, "opendir(/proc/self/fd)");
	int self = dirfd(d);
	char out[8192] = "";
	size_t used = 0, count = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		int fd = atoi(de->d_name);
		if (fd == self)
			continue;
		char link[64], target[PATH_MAX];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n < 0)
			n = 0;
		target[n] = 0;
		int w = snprintf(out + used, sizeof out - used, "%d %s\n", fd, target);
		if (w > 0 && (size_t)w < sizeof out - used)
			used += (size_t)w;
		count++;
	}
	closedir(d);
	allowed("%zu fds", count);
	fputs(out, stdout);
	return 0;
}

static int do_getuid(void)
{
	gid_t groups[256];
	int ng = getgroups(256, groups);
	printf("ALLOWED uid=%u euid=%u gid=%u egid=%u groups=", (unsigned)getuid(), (unsigned)geteuid(),
	       (unsigned)getgid(), (unsigned)getegid());
	for (int i = 0; i < ng; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	putchar('\n');
	return 0;
}

static int do_caps(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return denied(errno, "fopen(/proc/self/status)");
	allowed("from /proc/self/status");
	char line[512];
	static const char *const keys[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:",
					    "NoNewPrivs:", "Seccomp:", "Seccomp_filters:", NULL };
	while (fgets(line, sizeof line, f)) {
		for (const char *const *k = keys; *k; k++)
			if (strncmp(line, *k, strlen(*k)) == 0)
				fputs(line, stdout);
	}
	fclose(f);
	return 0;
}

static int do_pidns(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return denied(errno, "opendir(/proc)");
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *p = de->d_name;
		while (*p && isdigit((unsigned char)*p))
			p++;
		if (*de->d_name && !*p)
			n++;
	}
	closedir(d);
	return allowed("pid=%d procs=%d", (int)getpid(), n);
}

static int do_hostname(void)
{
	char h[256];
	if (gethostname(h, sizeof h) != 0)
		return denied(errno, "gethostname");
	h[sizeof h - 1] = 0;
	return allowed("%s", h);
}

static void fmt_rlim(char *buf, size_t n, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, n, "unlimited");
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

/* Print RLIMIT_CORE, then try to raise the soft limit to the hard one. */
static int do_setrlimit_core(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_CORE, &r) != 0)
		return denied(errno, "getrlimit");
	char soft[32], hard[32];
	fmt_rlim(soft, sizeof soft, r.rlim_cur);
	fmt_rlim(hard, sizeof hard, r.rlim_max);
	r.rlim_cur = r.rlim_max;
	if (setrlimit(RLIMIT_CORE, &r) != 0)
		return denied(errno, "setrlimit");
	return allowed("soft=%s hard=%s raised-soft=%s", soft, hard, hard);
}

static int do_sleep(const char *secs)
{
	unsigned s = (unsigned)num(secs, "seconds");
	while (s)
		s = sleep(s);
	return allowed("slept %s", secs);
}

/* Double-fork a daemon that setsid()s, writes its pid to PIDFILE and sleeps;
 * the first process reports once the pid file is written, then exits. */
static int do_spawn_orphan(const char *secs, const char *pidfile)
{
	unsigned s = (unsigned)num(secs, "seconds");
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return denied(errno, "pipe2");
	pid_t mid = fork();
	if (mid < 0)
		return denied(errno, "fork");
	if (mid == 0) {
		close(pfd[0]);
		if (setsid() < 0)
			_exit(10);
		pid_t d = fork();
		if (d < 0)
			_exit(11);
		if (d > 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
		int fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		char ok = (fd >= 0 && write(fd, buf, (size_t)n) == n && close(fd) == 0) ? 'y' : 'n';
		if (write(pfd[1], &ok, 1) != 1)
			_exit(12);
		close(pfd[1]);
		while (s)
			s = sleep(s);
		_exit(0);
	}
	close(pfd[1]);
	waitpid(mid, NULL, 0);
	char ok = 0;
	ssize_t n;
	do
		n = read(pfd[0], &ok, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || ok != 'y')
		return denied(EIO, "daemon could not write the pid file");
	return allowed("daemon started, pid in %s", pidfile);
}

static int do_mknod_char(const char *path)
{
	SIMPLE(mknod(path, S_IFCHR | 0600, makedev(1, 3)), "mknod", "char device 1:3 at %s", path);
}

static int do_chown(const char *path, const char *uid, const char *gid)
{
	SIMPLE(lchown(path, (uid_t)num(uid, "uid"), (gid_t)num(gid, "gid")), "lchown", "chown %s %s:%s", path, uid,
	       gid);
}

/* exec-without KIND CMD [ARGS]: run CMD as if the kernel lacked a feature,
 * to check that ringfence refuses (or falls back, and says so) instead of
 * running with less isolation. A seccomp filter of our own, inherited by CMD
 * and everything it starts: KIND "seccomp" makes seccomp(2) and
 * prctl(PR_SET_SECCOMP) fail with ENOSYS/EINVAL, "landlock" the Landlock
 * calls with ENOSYS, "userns" clone/unshare with CLONE_NEWUSER with EPERM
 * (as with user.max_user_namespaces=0, and clone3 with ENOSYS so that glibc
 * falls back to clone). */
static int do_exec_without(int argc, char **argv)
{
	const char *kind = argv[0];
	struct sock_filter f[32];
	size_t n = 0;
#define RF_STMT(c, k) (f[n++] = (struct sock_filter)BPF_STMT(c, k))
#define RF_JUMP(c, k, t, fl) (f[n++] = (struct sock_filter)BPF_JUMP(c, k, t, fl))
	RF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	if (!strcmp(kind, "seccomp")) {
		RF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1);
		RF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
		RF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3);
		RF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
		RF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_SECCOMP, 0, 1);
		RF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL);
	} else if (!strcmp(kind, "landlock")) {
		RF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYS_landlock_create_ruleset, 0, 2);
		RF_JUMP(BPF_JMP | BPF_JGT | BPF_K, SYS_landlock_restrict_self, 1, 0);
		RF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	} else if (!strcmp(kind, "userns")) {
		RF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
		RF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
		RF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 1, 0);
		RF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 3);
		RF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
		RF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1);
		RF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	} else {
		return usage("rf-probe exec-without seccomp|landlock|userns CMD [ARGS]");
	}
	RF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#undef RF_STMT
#undef RF_JUMP
	if (argc < 2)
		return usage("rf-probe exec-without seccomp|landlock|userns CMD [ARGS]");
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return denied(errno, "installing the filter");
	execvp(argv[1], argv + 1);
	return denied(errno, "exec");
}

static int do_getenv(const char *name)
{
	const char *v = getenv(name);
	if (!v)
		return denied(ENOENT, NULL);
	return allowed("%s=%s", name, v);
}

/* ---- file calls, every form (the events table) ---- */

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef SYS_removexattrat
#define SYS_removexattrat 466
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

struct rf_open_how {
	uint64_t flags, mode, resolve;
};

/* "WRONLY|CREAT|TRUNC" -> flags */
static int open_flags(const char *s)
{
	static const struct {
		const char *name;
		int flag;
	} names[] = {
		{ "RDONLY", O_RDONLY }, { "WRONLY", O_WRONLY }, { "RDWR", O_RDWR }, { "CREAT", O_CREAT },
		{ "EXCL", O_EXCL }, { "TRUNC", O_TRUNC }, { "APPEND", O_APPEND }, { "TMPFILE", O_TMPFILE },
		{ "NOFOLLOW", O_NOFOLLOW }, { "DIRECTORY", O_DIRECTORY }, { "PATH", O_PATH },
	};
	int flags = 0;
	char *copy = strdup(s), *save = NULL;
	for (char *tok = strtok_r(copy, "|,", &save); tok; tok = strtok_r(NULL, "|,", &save)) {
		if (strncmp(tok, "O_", 2) == 0)
			tok += 2;
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(tok, names[i].name) == 0)
				break;
		if (i == sizeof names / sizeof names[0]) {
			fprintf(stderr, "rf-probe: unknown open flag %s\n", tok);
			exit(2);
		}
		flags |= names[i].flag;
	}
	free(copy);
	return flags;
}

static int opened(int fd, const char *what, const char *path)
{
	if (fd < 0)
		return denied(errno, what);
	close(fd);
	return allowed("%s %s", what, path);
}

static int do_open(const char *flags, const char *path)
{
	return opened(open(path, open_flags(flags) | O_CLOEXEC, 0644), "open", path);
}

static int do_openat_in(const char *dir, const char *flags, const char *name)
{
	int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return denied(errno, "open dir");
	return opened(openat(d, name, open_flags(flags) | O_CLOEXEC, 0644), "openat", name);
}

static int do_openat2(const char *flags, const char *path)
{
	struct rf_open_how how = { .flags = (uint64_t)(open_flags(flags) | O_CLOEXEC), .mode = 0644 };
	if (!(how.flags & (O_CREAT | O_TMPFILE)))
		how.mode = 0;
	return opened((int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how), "openat2", path);
}

static int do_creat(const char *path)
{
	return opened(creat(path, 0644), "creat", path);
}

static int dir_fd(const char *dir)
{
	int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0) {
		printf("DENIED %s %s\n", errname(errno), strerror(errno));
		exit(1);
	}
	return d;
}

static int do_renameat2(const char *from, const char *to, const char *how)
{
	unsigned flags = !strcmp(how, "noreplace") ? 1u : !strcmp(how, "exchange") ? 2u : 0u;
	SIMPLE((int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags), "renameat2", "%s -> %s", from, to);
}

/* Open PATH read-only, then change it through the fd. */
static int fd_op(const char *path, const char *op)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return denied(errno, "open");
	int r;
	if (!strcmp(op, "chmod"))
		r = fchmod(fd, 0600);
	else if (!strcmp(op, "chown"))
		r = fchown(fd, getuid(), getgid());
	else if (!strcmp(op, "setxattr"))
		r = fsetxattr(fd, "user.rfprobe", "x", 1, 0);
	else if (!strcmp(op, "removexattr"))
		r = fremovexattr(fd, "user.rfprobe");
	else
		r = futimens(fd, NULL);
	if (r != 0)
		return denied(errno, op);
	return allowed("f%s %s", op, path);
}

struct rf_xattr_args {
	uint64_t value;
	uint32_t size, flags;
};

static int do_setxattrat(const char *path)
{
	struct rf_xattr_args a = { .value = (uint64_t)(uintptr_t)"x", .size = 1 };
	SIMPLE((int)syscall(SYS_setxattrat, AT_FDCWD, path, 0, "user.rfprobe", &a, sizeof a), "setxattrat",
	       "setxattrat %s", path);
}

/* ---- time-of-check/time-of-use: rewrite the path while the call is checked ---- */

struct race {
	char buf[PATH_MAX];
	const char *a, *b;
	volatile int stop;
};

static void *flipper(void *arg)
{
	struct race *r = arg;
	size_t la = strlen(r->a) + 1, lb = strlen(r->b) + 1;
	while (!r->stop) {
		memcpy(r->buf, r->a, la);
		memcpy(r->buf, r->b, lb);
	}
	return NULL;
}

/* A second thread rewrites the path buffer between A and B, as fast as it
 * can, while this one calls OP on it N times. Reports how often the call
 * succeeded (the caller compares with what the kernel layers allow). */
static int do_race(const char *op, const char *a, const char *b, const char *count)
{
	struct race r = { .a = a, .b = b };
	snprintf(r.buf, sizeof r.buf, "%s", a);
	long n = (long)num(count, "count"), ok = 0, fail = 0;
	pthread_t t;
	if (pthread_create(&t, NULL, flipper, &r) != 0)
		return denied(EAGAIN, "pthread_create");
	for (long i = 0; i < n; i++) {
		int rc;
		if (!strcmp(op, "append")) {
			int fd = open(r.buf, O_WRONLY | O_APPEND | O_CLOEXEC);
			rc = fd >= 0 && write(fd, "RACE\n", 5) == 5 ? 0 : -1;
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(op, "create")) {
			int fd = open(r.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			rc = fd >= 0 ? 0 : -1;
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(op, "read")) {
			char data[64] = "";
			int fd = open(r.buf, O_RDONLY | O_CLOEXEC);
			rc = fd >= 0 && read(fd, data, sizeof data - 1) >= 0 ? 0 : -1;
			if (fd >= 0)
				close(fd);
			if (strstr(data, "SECRET")) {
				printf("LEAK %s\n", data);
				fflush(stdout);
			}
		} else if (!strcmp(op, "chmod")) {
			rc = chmod(r.buf, 0600);
		} else {
			return usage("rf-probe race append|create|read|chmod A B N");
		}
		if (rc == 0)
			ok++;
		else
			fail++;
	}
	r.stop = 1;
	pthread_join(t, NULL);
	return allowed("race %s ok=%ld failed=%ld", op, ok, fail);
}

/* N denied attempts on distinct names in DIR (or the same PATH N times). */
static int do_flood(const char *what, const char *path, const char *count)
{
	long n = (long)num(count, "count"), ok = 0;
	char p[PATH_MAX];
	for (long i = 0; i < n; i++) {
		if (!strcmp(what, "distinct"))
			snprintf(p, sizeof p, "%s/flood-%ld", path, i);
		else
			snprintf(p, sizeof p, "%s", path);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			ok++;
			close(fd);
		}
	}
	return allowed("flood %s %ld attempts, %ld succeeded", what, n, ok);
}

/* ---- dispatch ---- */

struct action {
	const char *name;
	int min_args;
	const char *args;
};

static const struct action actions[] = {
	{ "unshare-user", 0, "" }, { "unshare-net", 0, "" }, { "unshare-mount", 0, "" }, { "unshare-pid", 0, "" },
	{ "unshare-time", 0, "" }, { "unshare-flags", 1, "HEXFLAGS" }, { "clone-newuser", 0, "" },
	{ "clone-newns", 0, "" }, { "clone-newnet", 0, "" }, { "clone-flags", 1, "HEXFLAGS (SIGCHLD added)" },
	{ "clone-plain", 0, "" }, { "clone3", 0, "" }, { "clone3-newuser", 0, "" }, { "clone-thread", 0, "" },
	{ "fork", 0, "" }, { "setns", 1, "NSFILE" }, { "mount-tmpfs", 1, "DIR" }, { "umount", 1, "PATH" },
	{ "pivot-root", 0, "" }, { "fsopen", 0, "" }, { "fspick", 1, "PATH" }, { "open-tree", 1, "PATH" },
	{ "move-mount", 0, "[FROM TO]" }, { "mount-setattr", 1, "PATH" }, { "chroot", 1, "DIR" },
	{ "ptrace-attach", 1, "PID|child" }, { "ptrace-traceme", 0, "" },
	{ "process-vm-readv", 1, "PID|self|child [ADDR]" }, { "pidfd-getfd", 2, "PID|self FD" }, { "kcmp", 0, "" },
	{ "bpf", 0, "" }, { "perf-event-open", 0, "" }, { "userfaultfd", 0, "" }, { "keyctl-join", 0, "" },
	{ "add-key", 0, "" }, { "request-key", 0, "" }, { "io-uring-setup", 0, "" },
	{ "open-by-handle-at", 1, "PATH" }, { "iopl", 0, "" }, { "personality-addr-no-randomize", 0, "" },
	{ "personality-linux", 0, "" }, { "personality-linux32", 0, "" }, { "personality-query", 0, "" },
	{ "personality-highbits", 0, "" }, { "tiocsti", 0, "[FD]" }, { "tiocsti-highbits", 0, "[FD]" },
	{ "tioclinux", 0, "[FD]" }, { "tcgets", 0, "[FD]" }, { "open-tty", 0, "" }, { "x32-getpid", 0, "" },
	{ "int80-getpid", 0, "" }, { "socket-inet", 0, "" }, { "socket-inet6", 0, "" }, { "socket-udp", 0, "" },
	{ "socket-unix", 0, "" }, { "socket-netlink", 0, "" }, { "socket-packet", 0, "" },
	{ "socket-vsock", 0, "" }, { "socket-highbits", 0, "" }, { "socket-family", 1, "FAMILY [TYPE]" },
	{ "socketpair-unix", 0, "" }, { "socketpair-inet", 0, "" }, { "connect-tcp", 2, "HOST PORT" },
	{ "sendto-udp", 2, "HOST PORT" }, { "connect-unix", 1, "PATH" }, { "connect-abstract", 1, "NAME" },
	{ "listen-abstract", 2, "NAME SECONDS" }, { "listen-tcp", 2, "PORT SECONDS" },
	{ "kill", 2, "PID SIGNUM|NAME" },
	{ "read", 1, "PATH" }, { "list", 1, "DIR" }, { "stat", 1, "PATH" }, { "write", 1, "PATH" },
	{ "append", 1, "PATH" }, { "mkdir", 1, "PATH" }, { "rmdir", 1, "PATH" }, { "unlink", 1, "PATH" },
	{ "rename", 2, "FROM TO" }, { "link", 2, "FROM TO" }, { "symlink", 2, "TARGET PATH" },
	{ "chmod", 2, "PATH MODE" }, { "truncate", 1, "PATH" }, { "exec", 1, "PATH [ARGS]" },
	{ "setuid-exec", 1, "PATH [ARGS] (e.g. a setuid copy of rf-probe-static + getuid)" },
	{ "list-fds", 0, "" }, { "getuid", 0, "" }, { "caps", 0, "" },
	{ "pidns", 0, "" }, { "hostname", 0, "" }, { "setrlimit-core", 0, "" }, { "sleep", 1, "SECONDS" },
	{ "spawn-orphan", 2, "SECONDS PIDFILE" }, { "mkfifo", 1, "PATH" }, { "mknod-char", 1, "PATH" },
	{ "setxattr", 1, "PATH" }, { "utimes", 1, "PATH" }, { "chown", 3, "PATH UID GID" },
	{ "getenv", 1, "NAME" }, { "exec-without", 2, "seccomp|landlock|userns CMD [ARGS]" },
	{ "open", 2, "FLAGS PATH (FLAGS: WRONLY|CREAT|TRUNC|EXCL|APPEND|TMPFILE|NOFOLLOW|...)" },
	{ "openat-in", 3, "DIR FLAGS NAME" }, { "openat2", 2, "FLAGS PATH" }, { "creat", 1, "PATH" },
	{ "mkdirat-in", 2, "DIR NAME" }, { "mknodat-fifo", 1, "PATH" }, { "unlinkat-in", 2, "DIR NAME" },
	{ "rmdirat", 1, "PATH" }, { "renameat", 2, "FROM TO" }, { "renameat2", 3, "FROM TO noreplace|exchange|0" },
	{ "linkat", 2, "FROM TO" }, { "symlinkat", 2, "TARGET PATH" }, { "fchmodat", 2, "PATH MODE" },
	{ "fchmodat2", 2, "PATH MODE" }, { "chown-self", 1, "PATH (chown, follows)" },
	{ "fchownat-self", 1, "PATH" }, { "fd-chmod", 1, "PATH" }, { "fd-chown", 1, "PATH" },
	{ "fd-setxattr", 1, "PATH" }, { "fd-removexattr", 1, "PATH" }, { "fd-utimens", 1, "PATH" },
	{ "utime", 1, "PATH" }, { "utimes-tv", 1, "PATH" }, { "futimesat", 1, "PATH" },
	{ "setxattr-follow", 1, "PATH" }, { "removexattr", 1, "PATH" }, { "lremovexattr", 1, "PATH" },
	{ "setxattrat", 1, "PATH" }, { "removexattrat", 1, "PATH" },
	{ "race", 4, "append|create|read|chmod A B N" }, { "flood", 3, "distinct|same DIR|PATH N" },
};

static int list_actions(FILE *out)
{
	fprintf(out, "usage: rf-probe ACTION [ARGS]\nactions:\n");
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		fprintf(out, "  %s %s\n", actions[i].name, actions[i].args);
	return 2;
}

static int dispatch(const char *a, int argc, char **argv)
{
	/* namespaces */
	if (!strcmp(a, "unshare-user"))
		return do_unshare(CLONE_NEWUSER);
	if (!strcmp(a, "unshare-net"))
		return do_unshare(CLONE_NEWNET);
	if (!strcmp(a, "unshare-mount"))
		return do_unshare(CLONE_NEWNS);
	if (!strcmp(a, "unshare-pid"))
		return do_unshare(CLONE_NEWPID);
	if (!strcmp(a, "unshare-time"))
		return do_unshare(CLONE_NEWTIME);
	if (!strcmp(a, "unshare-flags"))
		return do_unshare((unsigned long)unum(argv[0], "flags"));
	if (!strcmp(a, "clone-newuser"))
		return do_clone(CLONE_NEWUSER | SIGCHLD);
	if (!strcmp(a, "clone-newns"))
		return do_clone(CLONE_NEWNS | SIGCHLD);
	if (!strcmp(a, "clone-newnet"))
		return do_clone(CLONE_NEWNET | SIGCHLD);
	if (!strcmp(a, "clone-flags"))
		return do_clone((unsigned long)unum(argv[0], "flags") | SIGCHLD);
	if (!strcmp(a, "clone-plain"))
		return do_clone(SIGCHLD);
	if (!strcmp(a, "clone3"))
		return do_clone3(0);
	if (!strcmp(a, "clone3-newuser"))
		return do_clone3(CLONE_NEWUSER);
	if (!strcmp(a, "clone-thread"))
		return do_thread();
	if (!strcmp(a, "fork"))
		return do_fork();
	if (!strcmp(a, "setns"))
		return do_setns(argv[0]);
	/* mount API */
	if (!strcmp(a, "mount-tmpfs"))
		return do_mount_tmpfs(argv[0]);
	if (!strcmp(a, "umount"))
		return do_umount(argv[0]);
	if (!strcmp(a, "pivot-root"))
		return do_pivot_root();
	if (!strcmp(a, "fsopen"))
		return do_fsopen();
	if (!strcmp(a, "fspick"))
		return do_fspick(argv[0]);
	if (!strcmp(a, "open-tree"))
		return do_open_tree(argv[0]);
	if (!strcmp(a, "move-mount"))
		return do_move_mount(argc, argv);
	if (!strcmp(a, "mount-setattr"))
		return do_mount_setattr(argv[0]);
	if (!strcmp(a, "chroot"))
		return do_chroot(argv[0]);
	/* other processes */
	if (!strcmp(a, "ptrace-attach"))
		return do_ptrace_attach(argv[0]);
	if (!strcmp(a, "ptrace-traceme"))
		return do_ptrace_traceme();
	if (!strcmp(a, "process-vm-readv"))
		return do_process_vm_readv(argc, argv);
	if (!strcmp(a, "pidfd-getfd"))
		return do_pidfd_getfd(argv[0], argv[1]);
	if (!strcmp(a, "kcmp"))
		return do_kcmp();
	/* kernel surface */
	if (!strcmp(a, "bpf"))
		return do_bpf();
	if (!strcmp(a, "perf-event-open"))
		return do_perf_event_open();
	if (!strcmp(a, "userfaultfd"))
		return do_userfaultfd();
	if (!strcmp(a, "keyctl-join"))
		return do_keyctl_join();
	if (!strcmp(a, "add-key"))
		return do_add_key();
	if (!strcmp(a, "request-key"))
		return do_request_key();
	if (!strcmp(a, "io-uring-setup"))
		return do_io_uring_setup();
	if (!strcmp(a, "open-by-handle-at"))
		return do_open_by_handle_at(argv[0]);
	if (!strcmp(a, "iopl"))
		return do_iopl();
	/* personality */
	if (!strcmp(a, "personality-addr-no-randomize"))
		return do_personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	if (!strcmp(a, "personality-linux"))
		return do_personality(PER_LINUX);
	if (!strcmp(a, "personality-linux32"))
		return do_personality(PER_LINUX32);
	if (!strcmp(a, "personality-query"))
		return do_personality(0xffffffffUL);
	if (!strcmp(a, "personality-highbits"))
		return do_personality(0xdeadbeef00000000UL | ADDR_NO_RANDOMIZE);
	/* terminal */
	if (!strcmp(a, "tiocsti"))
		return do_tiocsti(fd_arg(argc, argv), TIOCSTI);
	if (!strcmp(a, "tiocsti-highbits"))
		return do_tiocsti(fd_arg(argc, argv), 0xdeadbeef00000000UL | TIOCSTI);
	if (!strcmp(a, "tioclinux"))
		return do_tioclinux(fd_arg(argc, argv));
	if (!strcmp(a, "tcgets"))
		return do_tcgets(fd_arg(argc, argv));
	if (!strcmp(a, "open-tty"))
		return do_open_tty();
	/* ABIs */
	if (!strcmp(a, "x32-getpid"))
		return do_x32_getpid();
	if (!strcmp(a, "int80-getpid"))
		return do_int80_getpid();
	/* sockets */
	if (!strcmp(a, "socket-inet"))
		return do_socket(AF_INET, SOCK_STREAM, "AF_INET");
	if (!strcmp(a, "socket-inet6"))
		return do_socket(AF_INET6, SOCK_STREAM, "AF_INET6");
	if (!strcmp(a, "socket-udp"))
		return do_socket(AF_INET, SOCK_DGRAM, "AF_INET/UDP");
	if (!strcmp(a, "socket-unix"))
		return do_socket(AF_UNIX, SOCK_STREAM, "AF_UNIX");
	if (!strcmp(a, "socket-netlink"))
		return do_socket(AF_NETLINK, SOCK_RAW, "AF_NETLINK");
	if (!strcmp(a, "socket-packet"))
		return do_socket(AF_PACKET, SOCK_DGRAM, "AF_PACKET");
	if (!strcmp(a, "socket-vsock"))
		return do_socket(AF_VSOCK, SOCK_STREAM, "AF_VSOCK");
	if (!strcmp(a, "socket-highbits"))
		return do_socket_highbits();
	if (!strcmp(a, "socket-family"))
		return do_socket((int)num(argv[0], "family"), argc >= 2 ? (int)num(argv[1], "type") : SOCK_STREAM,
				 argv[0]);
	if (!strcmp(a, "socketpair-unix"))
		return do_socketpair(AF_UNIX);
	if (!strcmp(a, "socketpair-inet"))
		return do_socketpair(AF_INET);
	if (!strcmp(a, "connect-tcp"))
		return do_connect_tcp(argv[0], argv[1]);
	if (!strcmp(a, "sendto-udp"))
		return do_sendto_udp(argv[0], argv[1]);
	if (!strcmp(a, "connect-unix"))
		return do_connect_unix(argv[0], false);
	if (!strcmp(a, "connect-abstract"))
		return do_connect_unix(argv[0], true);
	if (!strcmp(a, "listen-abstract"))
		return do_listen_abstract(argv[0], argv[1]);
	if (!strcmp(a, "listen-tcp"))
		return do_listen_tcp(argv[0], argv[1]);
	if (!strcmp(a, "kill"))
		return do_kill(argv[0], argv[1]);
	/* files */
	if (!strcmp(a, "read"))
		return do_read(argv[0]);
	if (!strcmp(a, "list"))
		return do_list(argv[0]);
	if (!strcmp(a, "stat"))
		return do_stat(argv[0]);
	if (!strcmp(a, "write"))
		return do_write(argv[0], O_CREAT | O_TRUNC);
	if (!strcmp(a, "append"))
		return do_write(argv[0], O_APPEND);
	if (!strcmp(a, "mkdir"))
		SIMPLE(mkdir(argv[0], 0755), "mkdir", "created %s", argv[0]);
	if (!strcmp(a, "rmdir"))
		SIMPLE(rmdir(argv[0]), "rmdir", "removed %s", argv[0]);
	if (!strcmp(a, "unlink"))
		SIMPLE(unlink(argv[0]), "unlink", "removed %s", argv[0]);
	if (!strcmp(a, "rename"))
		SIMPLE(rename(argv[0], argv[1]), "rename", "%s -> %s", argv[0], argv[1]);
	if (!strcmp(a, "link"))
		SIMPLE(link(argv[0], argv[1]), "link", "%s -> %s", argv[1], argv[0]);
	if (!strcmp(a, "symlink"))
		SIMPLE(symlink(argv[0], argv[1]), "symlink", "%s -> %s", argv[1], argv[0]);
	if (!strcmp(a, "chmod"))
		SIMPLE(chmod(argv[0], (mode_t)unum(argv[1], "mode")), "chmod", "chmod %s %s", argv[1], argv[0]);
	if (!strcmp(a, "truncate"))
		SIMPLE(truncate(argv[0], 0), "truncate", "truncated %s", argv[0]);
	if (!strcmp(a, "exec") || !strcmp(a, "setuid-exec"))
		return do_exec(argc, argv);
	if (!strcmp(a, "list-fds"))
		return do_list_fds();
	if (!strcmp(a, "getuid"))
		return do_getuid();
	if (!strcmp(a, "caps"))
		return do_caps();
	if (!strcmp(a, "pidns"))
		return do_pidns();
	if (!strcmp(a, "hostname"))
		return do_hostname();
	if (!strcmp(a, "setrlimit-core"))
		return do_setrlimit_core();
	if (!strcmp(a, "sleep"))
		return do_sleep(argv[0]);
	if (!strcmp(a, "spawn-orphan"))
		return do_spawn_orphan(argv[0], argv[1]);
	if (!strcmp(a, "mkfifo"))
		SIMPLE(mkfifo(argv[0], 0644), "mkfifo", "fifo %s", argv[0]);
	if (!strcmp(a, "mknod-char"))
		return do_mknod_char(argv[0]);
	if (!strcmp(a, "setxattr"))
		SIMPLE(lsetxattr(argv[0], "user.rfprobe", "x", 1, 0), "lsetxattr", "user.rfprobe set on %s", argv[0]);
	if (!strcmp(a, "utimes"))
		SIMPLE(utimensat(AT_FDCWD, argv[0], NULL, 0), "utimensat", "touched %s", argv[0]);
	if (!strcmp(a, "chown"))
		return do_chown(argv[0], argv[1], argv[2]);
	if (!strcmp(a, "getenv"))
		return do_getenv(argv[0]);
	if (!strcmp(a, "exec-without"))
		return do_exec_without(argc, argv);
	/* file calls, every form */
	if (!strcmp(a, "open"))
		return do_open(argv[0], argv[1]);
	if (!strcmp(a, "openat-in"))
		return do_openat_in(argv[0], argv[1], argv[2]);
	if (!strcmp(a, "openat2"))
		return do_openat2(argv[0], argv[1]);
	if (!strcmp(a, "creat"))
		return do_creat(argv[0]);
	if (!strcmp(a, "mkdirat-in"))
		SIMPLE(mkdirat(dir_fd(argv[0]), argv[1], 0755), "mkdirat", "created %s", argv[1]);
	if (!strcmp(a, "mknodat-fifo"))
		SIMPLE(mknodat(AT_FDCWD, argv[0], S_IFIFO | 0644, 0), "mknodat", "fifo %s", argv[0]);
	if (!strcmp(a, "unlinkat-in"))
		SIMPLE(unlinkat(dir_fd(argv[0]), argv[1], 0), "unlinkat", "removed %s", argv[1]);
	if (!strcmp(a, "rmdirat"))
		SIMPLE(unlinkat(AT_FDCWD, argv[0], AT_REMOVEDIR), "unlinkat", "removed %s", argv[0]);
	if (!strcmp(a, "renameat"))
		SIMPLE(renameat(AT_FDCWD, argv[0], AT_FDCWD, argv[1]), "renameat", "%s -> %s", argv[0], argv[1]);
	if (!strcmp(a, "renameat2"))
		return do_renameat2(argv[0], argv[1], argv[2]);
	if (!strcmp(a, "linkat"))
		SIMPLE(linkat(AT_FDCWD, argv[0], AT_FDCWD, argv[1], 0), "linkat", "%s -> %s", argv[1], argv[0]);
	if (!strcmp(a, "symlinkat"))
		SIMPLE(symlinkat(argv[0], AT_FDCWD, argv[1]), "symlinkat", "%s -> %s", argv[1], argv[0]);
	if (!strcmp(a, "fchmodat"))
		SIMPLE(fchmodat(AT_FDCWD, argv[0], (mode_t)unum(argv[1], "mode"), 0), "fchmodat", "chmod %s", argv[0]);
	if (!strcmp(a, "fchmodat2"))
		SIMPLE((int)syscall(SYS_fchmodat2, AT_FDCWD, argv[0], (mode_t)unum(argv[1], "mode"), 0), "fchmodat2",
		       "chmod %s", argv[0]);
	if (!strcmp(a, "chown-self"))
		SIMPLE(chown(argv[0], getuid(), getgid()), "chown", "chown %s", argv[0]);
	if (!strcmp(a, "fchownat-self"))
		SIMPLE(fchownat(AT_FDCWD, argv[0], getuid(), getgid(), 0), "fchownat", "chown %s", argv[0]);
	if (!strncmp(a, "fd-", 3))
		return fd_op(argv[0], a + 3);
	if (!strcmp(a, "utime"))
		SIMPLE(utime(argv[0], NULL), "utime", "touched %s", argv[0]);
	if (!strcmp(a, "utimes-tv"))
		SIMPLE(utimes(argv[0], NULL), "utimes", "touched %s", argv[0]);
	if (!strcmp(a, "futimesat"))
		SIMPLE(futimesat(AT_FDCWD, argv[0], NULL), "futimesat", "touched %s", argv[0]);
	if (!strcmp(a, "setxattr-follow"))
		SIMPLE(setxattr(argv[0], "user.rfprobe", "x", 1, 0), "setxattr", "user.rfprobe set on %s", argv[0]);
	if (!strcmp(a, "removexattr"))
		SIMPLE(removexattr(argv[0], "user.rfprobe"), "removexattr", "removed user.rfprobe of %s", argv[0]);
	if (!strcmp(a, "lremovexattr"))
		SIMPLE(lremovexattr(argv[0], "user.rfprobe"), "lremovexattr", "removed user.rfprobe of %s", argv[0]);
	if (!strcmp(a, "setxattrat"))
		return do_setxattrat(argv[0]);
	if (!strcmp(a, "removexattrat"))
		SIMPLE((int)syscall(SYS_removexattrat, AT_FDCWD, argv[0], 0, "user.rfprobe"), "removexattrat",
		       "removed user.rfprobe of %s", argv[0]);
	if (!strcmp(a, "race"))
		return do_race(argv[0], argv[1], argv[2], argv[3]);
	if (!strcmp(a, "flood"))
		return do_flood(argv[0], argv[1], argv[2]);
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return list_actions(argc < 2 ? stderr : stdout);
	const char *a = argv[1];
	const struct action *act = NULL;
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (!strcmp(actions[i].name, a))
			act = &actions[i];
	if (!act) {
		fprintf(stderr, "rf-probe: unknown action '%s' (rf-probe --help lists them)\n", a);
		return 2;
	}
	if (argc - 2 < act->min_args) {
		char msg[256];
		snprintf(msg, sizeof msg, "rf-probe %s %s", act->name, act->args);
		return usage(msg);
	}
	int rc = dispatch(a, argc - 2, argv + 2);
	if (rc < 0) {
		fprintf(stderr, "rf-probe: action '%s' listed but not dispatched\n", a);
		return 2;
	}
	fflush(stdout);
	return rc;
}
