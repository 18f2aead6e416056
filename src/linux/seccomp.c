/* The seccomp filter of DESIGN.md §2 step 6, built with libseccomp.
 *
 * Default action ALLOW: this is the syscall layer under namespaces and
 * Landlock, so it only removes kernel interfaces that a sandboxed command has
 * no business using and that could undo or bypass the other layers.
 *
 * Why each group is denied:
 *  - architecture: a 64-bit process can still enter the kernel through the
 *    i386 ABI (`int $0x80`, far call to a 32-bit code segment) or the x32 ABI
 *    (nr | __X32_SYSCALL_BIT). Those use other syscall numbers, so every rule
 *    below would be bypassed: kill the process (SCMP_FLTATR_ACT_BADARCH).
 *    libseccomp 2.5.4 already emits `if nr >= 0x40000000 && nr != -1: goto
 *    bad-arch` right after the x86_64 audit-arch check of an x86_64-only
 *    filter, so x32 numbers are killed too (the PFC dump does not show it,
 *    the BPF does; see rf_seccomp_compile).
 *  - nested namespaces: a new user namespace gives back a full capability set
 *    over new namespaces (the root of many kernel exploits), and new mount /
 *    pid / net namespaces would let the command rebuild its own view of the
 *    system. clone/unshare with CLONE_NEW* -> EPERM, setns -> EPERM, clone3
 *    -> ENOSYS because its flags live in memory seccomp cannot inspect
 *    (ENOSYS makes glibc fall back to clone).
 *  - mount API: remounting, unmounting or moving mounts could uncover hidden
 *    paths or make read-only binds writable.
 *  - process inspection: ptrace & co. reach into other processes' memory and
 *    file descriptors (e.g. the supervisor's helpers, or a process outside
 *    Landlock's domain sharing the same uid).
 *  - kernel attack surface: bpf, perf, userfaultfd (exploit primitive),
 *    keyrings (shared per-uid state, credential material), io_uring (bypasses
 *    seccomp for the operations it performs), open_by_handle_at (escapes
 *    any mount-based view, "shocker"), fanotify, memfd_secret (direct-map
 *    fragmentation slows the host); plus administrative calls
 *    that need capabilities the sandbox never has (defence in depth).
 *  - personality: ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC & co. weaken exploit
 *    mitigations for everything the command execs.
 *  - TIOCSTI / TIOCLINUX / TIOCCONS: pushing input into, or redirecting, a
 *    terminal the sandbox shares with a person. The kernel takes the request
 *    as `unsigned int`, so only its low 32 bits are compared.
 *  - sockets (optional): without a network namespace (Landlock-only fallback)
 *    seccomp is what keeps inet sockets, and host unix sockets, out of reach.
 *
 * Arguments the kernel reads as 32-bit values (clone/unshare flags, ioctl
 * request, personality, socket family) are matched on their low 32 bits only,
 * so garbage in the upper half of the register cannot slip past a rule.
 */
/* libseccomp's <seccomp.h> and ours share a name: see the note in seccomp.h. */
#include <seccomp.h>
#include "rf_seccomp.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define LO32 UINT64_C(0xffffffff)

/* ---- rule tables ---- */

static const char *const mount_calls[] = {
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
	"open_tree_attr", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", NULL,
};

static const char *const process_calls[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
	"process_madvise", NULL,
};

static const char *const kernel_calls[] = {
	"bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
	"io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at",
	"fanotify_init",
	/* secret memory is taken out of the kernel's direct map: splitting its
	 * huge pages slows the whole host, and a sandboxed command has no use
	 * for it */
	"memfd_secret", NULL,
};

static const char *const admin_calls[] = {
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"reboot", "swapon", "swapoff", "acct", "iopl", "ioperm", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "syslog", "quotactl", "quotactl_fd",
	"lookup_dcookie", "nfsservctl", "vhangup", "uselib", NULL,
};

/* Syscalls newer than the libseccomp syscall table we build against (2.5.4
 * stops around Linux 6.4). Used only when libseccomp cannot resolve the name
 * and only on x86_64, where the numbers are fixed ABI. */
static const struct {
	const char *name;
	int nr;
} x86_64_late_calls[] = {
	{ "open_tree_attr", 467 }, /* Linux 6.15: open_tree() + mount_setattr() */
	{ "memfd_secret", 447 },   /* Linux 5.14 */
	{ "fchmodat2", 452 },      /* Linux 6.6 */
	{ "setxattrat", 463 },     /* Linux 6.13 */
	{ "removexattrat", 466 },  /* Linux 6.13 */
};

/* Namespace flags matched on clone's and unshare's first argument. For
 * clone(2) CLONE_NEWTIME (0x80) lies inside CSIGNAL, the exit signal byte,
 * and the kernel never reads it as a namespace flag there (a time namespace
 * can only come from unshare or clone3), so it is not matched for clone. */
static const struct {
	uint64_t flag;
	const char *name; // cppcheck-suppress unusedStructMember ; documents the flag in the table
	bool clone_too;
} ns_flags[] = {
	{ CLONE_NEWUSER, "CLONE_NEWUSER", true },
	{ CLONE_NEWNS, "CLONE_NEWNS", true },
	{ CLONE_NEWPID, "CLONE_NEWPID", true },
	{ CLONE_NEWNET, "CLONE_NEWNET", true },
	{ CLONE_NEWIPC, "CLONE_NEWIPC", true },
	{ CLONE_NEWUTS, "CLONE_NEWUTS", true },
	{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP", true },
	{ CLONE_NEWTIME, "CLONE_NEWTIME", false },
};

static const struct {
	uint64_t req;
	const char *name; // cppcheck-suppress unusedStructMember ; documents the request in the table
} tty_ioctls[] = {
	{ TIOCSTI, "TIOCSTI" },
	{ TIOCLINUX, "TIOCLINUX" },
	{ TIOCCONS, "TIOCCONS" },
};

/* personality(2) values left alone: PER_LINUX, PER_LINUX32, query. Sorted. */
static const uint32_t personality_ok[] = { 0x0, 0x8, 0xffffffff };

/* File calls that change something, all sent to the supervisor with
 * notify_fs (notify_fs.c decides them); open and openat are filtered by
 * their flags below. */
static const char *const fs_change_calls[] = {
	"creat", "openat2", "mkdir", "mkdirat", "mknod", "mknodat", "unlink", "unlinkat", "rmdir",
	"rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
	"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "lchown", "fchown", "fchownat",
	"truncate", "utime", "utimes", "futimesat", "utimensat",
	"setxattr", "lsetxattr", "fsetxattr", "setxattrat",
	"removexattr", "lremovexattr", "fremovexattr", "removexattrat", NULL,
};

/* The open flags that ask for a change: any one of them set sends the open
 * to the supervisor (O_APPEND needs O_WRONLY/O_RDWR to write anything). */
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif
static const uint64_t open_change_flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, __O_TMPFILE };

/* socket families left alone by deny_inet / deny_inet + deny_unix_socket. */
static const uint32_t family_unix_netlink[] = { AF_UNIX, AF_NETLINK };
static const uint32_t family_netlink[] = { AF_NETLINK };

/* ---- helpers ---- */

static int scmp_err(struct rf_error *e, int rc, const char *what, const char *name)
{
	return rf_fail(e, rc < 0 ? -rc : EINVAL, "libseccomp: cannot add rule for %s (%s)", name, what);
}

/* Resolve a syscall name for the filter's (native) arch. Returns the number,
 * or -1 if this libseccomp/arch does not know the syscall (the caller skips
 * it: a syscall the kernel ABI does not have needs no rule). */
static int resolve(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr >= 0)
		return nr;
#if defined(__x86_64__) && !defined(__ILP32__)
	for (size_t i = 0; i < sizeof x86_64_late_calls / sizeof x86_64_late_calls[0]; i++)
		if (strcmp(x86_64_late_calls[i].name, name) == 0)
			return x86_64_late_calls[i].nr;
#endif
	/* __NR_SCMP_ERROR, or a negative pseudo-syscall number: a syscall of
	 * another arch (e.g. socketcall) that x86_64 does not have. */
	return -1;
}

static int deny_all(scmp_filter_ctx ctx, const char *const *names, uint32_t action, struct rf_error *e)
{
	for (; *names; names++) {
		int nr = resolve(*names);
		if (nr < 0)
			continue;
		int rc = seccomp_rule_add(ctx, action, nr, 0);
		if (rc < 0)
			return scmp_err(e, rc, "unconditional", *names);
	}
	return 0;
}

static int add_cmp(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name, struct scmp_arg_cmp cmp,
		   struct rf_error *e)
{
	int rc = seccomp_rule_add_array(ctx, action, nr, 1, &cmp);
	if (rc < 0)
		return scmp_err(e, rc, "argument comparison", name);
	return 0;
}

/* Apply `action` to syscall `name` whenever the low 32 bits of argument `arg`
 * are not one of allowed[] (sorted ascending, unique).
 *
 * libseccomp allows one comparison per argument per rule and rules are OR'ed,
 * so the complement of the allowed set is covered with rules that each match
 * one aligned power-of-two block of 32-bit values: (arg & 0xffffffff & ~(2^k-1))
 * == start, which ignores the upper 32 bits exactly as the kernel does. The
 * open-ended last gap is one `arg > last` rule on the full 64-bit value; it
 * also catches any value with upper bits set, which can only over-deny
 * (garbage whose low half is allowed), never under-deny. */
static int add_unless_lo32_in(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned arg,
			      const uint32_t *allowed, size_t n, struct rf_error *e)
{
	int nr = resolve(name);
	if (nr < 0)
		return 0;
	if (n == 0) {
		int rc = seccomp_rule_add(ctx, action, nr, 0);
		return rc < 0 ? scmp_err(e, rc, "unconditional", name) : 0;
	}
	uint64_t next = 0; /* first value not yet handled */
	for (size_t i = 0; i < n; i++) {
		uint64_t end = allowed[i]; /* gap is [next, end) */
		if (i > 0 && allowed[i] <= allowed[i - 1])
			return rf_fail(e, EINVAL, "internal error: allowed values for %s not sorted", name);
		while (next < end) {
			uint64_t size = 1;
			while ((next & (size * 2 - 1)) == 0 && next + size * 2 <= end)
				size *= 2;
			struct scmp_arg_cmp cmp = {
				.arg = arg, .op = SCMP_CMP_MASKED_EQ,
				.datum_a = LO32 & ~(size - 1), .datum_b = next,
			};
			if (add_cmp(ctx, action, nr, name, cmp, e) < 0)
				return -1;
			next += size;
		}
		next = end + 1;
	}
	if (next <= LO32) {
		struct scmp_arg_cmp cmp = { .arg = arg, .op = SCMP_CMP_GT, .datum_a = allowed[n - 1] };
		if (add_cmp(ctx, action, nr, name, cmp, e) < 0)
			return -1;
	}
	return 0;
}

/* open/openat: every one (audit_reads), or those with a change flag. */
static int add_open_notify(scmp_filter_ctx ctx, const char *name, unsigned flags_arg, bool all, struct rf_error *e)
{
	int nr = resolve(name);
	if (nr < 0)
		return 0;
	if (all) {
		int rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
		return rc < 0 ? scmp_err(e, rc, "notify", name) : 0;
	}
	for (size_t i = 0; i < sizeof open_change_flags / sizeof open_change_flags[0]; i++) {
		struct scmp_arg_cmp cmp = {
			.arg = flags_arg, .op = SCMP_CMP_MASKED_EQ,
			.datum_a = open_change_flags[i], .datum_b = open_change_flags[i],
		};
		if (add_cmp(ctx, SCMP_ACT_NOTIFY, nr, name, cmp, e) < 0)
			return -1;
	}
	return 0;
}

static int add_fs_notify(scmp_filter_ctx ctx, const struct rf_seccomp_opts *o, struct rf_error *e)
{
	if (add_open_notify(ctx, "open", 1, o->audit_reads, e) < 0 || add_open_notify(ctx, "openat", 2, o->audit_reads, e) < 0)
		return -1;
	if (o->notify_fs)
		return deny_all(ctx, fs_change_calls, SCMP_ACT_NOTIFY, e);
	static const char *const openat2_call[] = { "openat2", NULL };
	return deny_all(ctx, openat2_call, SCMP_ACT_NOTIFY, e);
}

static int build(scmp_filter_ctx ctx, const struct rf_seccomp_opts *o, struct rf_error *e)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int rc, nr;

	/* architecture */
	uint32_t native = seccomp_arch_native();
#if defined(__x86_64__) && !defined(__ILP32__)
	if (native != SCMP_ARCH_X86_64)
		return rf_fail(e, 0, "libseccomp reports native arch 0x%" PRIx32 ", expected x86_64", native);
#endif
	if (seccomp_arch_exist(ctx, native) != 0)
		return rf_fail(e, 0, "libseccomp filter lacks the native architecture");
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc < 0)
		return rf_fail(e, -rc,
			       "libseccomp: cannot set the bad-architecture action to KILL_PROCESS (libseccomp API "
			       "level %u: the kernel or an outer sandbox may lack SECCOMP_RET_KILL_PROCESS)",
			       seccomp_api_get());
	/* The filter is exported, never loaded by libseccomp, but keep it from
	 * ever setting NO_NEW_PRIVS behind our back. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0)
		return rf_fail(e, -rc, "libseccomp: cannot clear SCMP_FLTATR_CTL_NNP");
	/* A binary tree on the syscall number instead of one `if` per rule: the
	 * kernel emulates the filter for every syscall number when it installs
	 * it (the action cache, under the sighand lock), and a chain of ~70
	 * compares made that 0.3-0.4 ms of every start-up; the tree halves it.
	 * Same rules, same actions (the integration suite runs each of them). */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0)
		return rf_fail(e, -rc, "libseccomp: cannot ask for the binary-tree filter layout");

	/* nested namespaces */
	for (size_t i = 0; i < sizeof ns_flags / sizeof ns_flags[0]; i++) {
		struct scmp_arg_cmp cmp = {
			.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = ns_flags[i].flag, .datum_b = ns_flags[i].flag,
		};
		if ((nr = resolve("unshare")) >= 0 && add_cmp(ctx, eperm, nr, "unshare", cmp, e) < 0)
			return -1;
		if (ns_flags[i].clone_too && (nr = resolve("clone")) >= 0 && add_cmp(ctx, eperm, nr, "clone", cmp, e) < 0)
			return -1;
	}
	static const char *const setns_call[] = { "setns", NULL };
	static const char *const clone3_call[] = { "clone3", NULL };
	if (deny_all(ctx, setns_call, eperm, e) < 0 || deny_all(ctx, clone3_call, SCMP_ACT_ERRNO(ENOSYS), e) < 0)
		return -1;

	/* unconditional denials */
	if (deny_all(ctx, mount_calls, eperm, e) < 0 || deny_all(ctx, process_calls, eperm, e) < 0 ||
	    deny_all(ctx, kernel_calls, eperm, e) < 0 || deny_all(ctx, admin_calls, eperm, e) < 0)
		return -1;

	/* personality */
	if (add_unless_lo32_in(ctx, eperm, "personality", 0, personality_ok,
			       sizeof personality_ok / sizeof personality_ok[0], e) < 0)
		return -1;

	/* terminal ioctls, low 32 bits of the request */
	if ((nr = resolve("ioctl")) >= 0) {
		for (size_t i = 0; i < sizeof tty_ioctls / sizeof tty_ioctls[0]; i++) {
			struct scmp_arg_cmp cmp = {
				.arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = LO32, .datum_b = tty_ioctls[i].req,
			};
			if (add_cmp(ctx, eperm, nr, "ioctl", cmp, e) < 0)
				return -1;
		}
	}

	/* connect() and addressed sendto(): decided by the supervisor */
	if (o && o->notify_connect) {
		if ((nr = resolve("connect")) >= 0) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
			if (rc < 0)
				return scmp_err(e, rc, "cannot add the notify rule for", "connect");
		}
		if ((nr = resolve("sendto")) >= 0) {
			struct scmp_arg_cmp cmp = { .arg = 4, .op = SCMP_CMP_NE, .datum_a = 0 };
			if (add_cmp(ctx, SCMP_ACT_NOTIFY, nr, "sendto", cmp, e) < 0)
				return -1;
		}
	}

	/* file calls: decided (and reported) by the supervisor */
	if (o && (o->notify_fs || o->audit_reads) && add_fs_notify(ctx, o, e) < 0)
		return -1;
	/* execve/execveat: plan/review tool lists, decided by the supervisor */
	if (o && o->notify_exec) {
		static const char *const exec_calls[] = { "execve", "execveat", NULL };
		for (const char *const *c = exec_calls; *c; c++) {
			if ((nr = resolve(*c)) < 0)
				continue;
			rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
			if (rc < 0)
				return scmp_err(e, rc, "cannot add the notify rule for", *c);
		}
	}

	/* sockets */
	const uint32_t eacces = SCMP_ACT_ERRNO(EACCES);
	if (o && o->deny_inet) {
		const uint32_t *fam = o->deny_unix_socket ? family_netlink : family_unix_netlink;
		size_t nfam = o->deny_unix_socket ? 1 : 2;
		if (add_unless_lo32_in(ctx, eacces, "socket", 0, fam, nfam, e) < 0 ||
		    add_unless_lo32_in(ctx, eacces, "socketpair", 0, family_unix_netlink, 2, e) < 0)
			return -1;
	} else if (o && o->deny_unix_socket && (nr = resolve("socket")) >= 0) {
		struct scmp_arg_cmp cmp = { .arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = LO32, .datum_b = AF_UNIX };
		if (add_cmp(ctx, eacces, nr, "socket", cmp, e) < 0)
			return -1;
	}
	return 0;
}

/* libseccomp 2.5 can only export to a file descriptor: use a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct rf_seccomp_prog *prog, struct rf_error *e)
{
	cleanup_fd int fd = memfd_create("ringfence-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return rf_fail(e, errno, "cannot create a memfd for the seccomp filter");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return rf_fail(e, -rc, "libseccomp: cannot export the seccomp filter as BPF");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return rf_fail(e, errno, "cannot stat the exported seccomp filter");
	size_t size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return rf_fail(e, 0, "exported seccomp filter has an invalid size (%zu bytes)", size);
	size_t len = size / sizeof(struct sock_filter);
	if (len > BPF_MAXINSNS)
		return rf_fail(e, 0, "seccomp filter too long: %zu instructions (kernel limit %d)", len,
			       BPF_MAXINSNS);
	cleanup_free struct sock_filter *filter = rf_xmalloc(size);
	size_t got = 0;
	while (got < size) {
		ssize_t r = pread(fd, (char *)filter + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return rf_fail(e, errno, "cannot read back the exported seccomp filter");
		if (r == 0)
			return rf_fail(e, 0, "exported seccomp filter truncated (%zu of %zu bytes)", got, size);
		got += (size_t)r;
	}
	prog->filter = rf_steal_ptr(&filter);
	prog->len = (unsigned short)len;
	return 0;
}

int rf_seccomp_compile_fresh(const struct rf_seccomp_opts *o, struct rf_seccomp_prog *prog, struct rf_error *e)
{
	if (!prog)
		return rf_fail(e, EINVAL, "internal error: no seccomp program to fill");
	prog->filter = NULL;
	prog->len = 0;

	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return rf_fail(e, ENOMEM, "libseccomp: cannot create a filter context");
	int rc = build(ctx, o, e);
	if (rc == 0)
		rc = export_bpf(ctx, prog, e);
	seccomp_release(ctx);
	if (rc < 0)
		return rf_fail_wrap(e, "cannot build the seccomp filter");
	return 0;
}
