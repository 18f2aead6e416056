/* The seccomp user-notification listener (DESIGN.md §3): receive, dispatch
 * to the handler of the syscall (notify.h), answer.
 *
 * One listener for every concern; the filter (seccomp.c) decides which
 * calls come here at all, so that calls nobody needs to see never leave the
 * kernel. The caller's memory is read with process_vm_readv (or
 * /proc/PID/mem) and every read is followed by SECCOMP_IOCTL_NOTIF_ID_VALID:
 * the notification still pending proves the pid still names the caller. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "notify.h"
#include "notify_exec.h"
#include "util.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Every concern's handlers. */
static const struct rf_notify_handler *const handler_tables[] = {
	rf_notify_unix, /* notify_unix.c: connect, addressed sendto on unix sockets */
	rf_notify_fs,   /* notify_fs.c: write-intent file calls, opens of hidden paths */
	rf_notify_exec, /* notify_exec.c: execve in plan/review modes */
	NULL,
};

#define MAX_NR 512
static rf_notify_fn dispatch[MAX_NR];

static void build_dispatch(void)
{
	for (size_t t = 0; handler_tables[t]; t++)
		for (const struct rf_notify_handler *h = handler_tables[t]; h->nr >= 0; h++)
			if (h->nr < MAX_NR)
				dispatch[h->nr] = h->fn;
}

int rf_notifier_init(struct rf_notifier *n, int fd, const struct rf_plan *plan, bool online,
		     struct rf_events *events, struct rf_error *e)
{
	struct seccomp_notif_sizes sizes;
	memset(n, 0, sizeof *n);
	n->fd = fd;
	n->root_fd = -1;
	n->loadavg_fd = -1;
	n->plan = plan;
	n->online = online;
	n->events = events;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return rf_fail(e, errno, "cannot query seccomp notification sizes");
	n->req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif : sizeof(struct seccomp_notif);
	n->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp
										  : sizeof(struct seccomp_notif_resp);
	n->req = rf_xcalloc(1, n->req_size);
	n->resp = rf_xcalloc(1, n->resp_size);
	build_dispatch();
	/* Linux 6.6: see answer(). Older kernels: ordinary wake-ups. */
	n->sync_wake = n->sync_on = ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) == 0;
	n->loadavg_fd = n->sync_wake ? open("/proc/loadavg", O_RDONLY | O_CLOEXEC) : -1;
	return 0;
}

void rf_notifier_free(struct rf_notifier *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	if (n->root_fd >= 0)
		close(n->root_fd);
	n->root_fd = -1;
	if (n->loadavg_fd >= 0)
		close(n->loadavg_fd);
	n->loadavg_fd = -1;
	free(n->covers);
	n->covers = NULL;
	n->n_covers = 0;
	free(n->req);
	free(n->resp);
	n->req = n->resp = NULL;
}

bool rf_notify_valid(const struct rf_notify_call *c)
{
	return ioctl(c->n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &c->req->id) == 0;
}

/* Up to len bytes; returns how many could be read (a string may end just
 * before an unmapped page), or -1. */
static ssize_t read_some(const struct rf_notify_call *c, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t got = process_vm_readv((pid_t)c->req->pid, &local, 1, &remote, 1, 0);
	if (got >= 0 || (errno != ENOSYS && errno != EPERM))
		return got;
	/* no process_vm_readv (or a policy against it): the mem file */
	char path[64];
	snprintf(path, sizeof path, "/proc/%u/mem", c->req->pid);
	cleanup_fd int mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return -1;
	return pread(mem, buf, len, (off_t)addr);
}

int rf_notify_read(const struct rf_notify_call *c, uint64_t addr, void *buf, size_t len)
{
	ssize_t got = read_some(c, addr, buf, len);
	if (got != (ssize_t)len) {
		errno = EFAULT;
		return -1;
	}
	if (!rf_notify_valid(c))
		return -1;
	return 0;
}

ssize_t rf_notify_read_string(const struct rf_notify_call *c, uint64_t addr, char *buf, size_t cap)
{
	if (addr == 0) {
		errno = EFAULT;
		return -1;
	}
	size_t have = 0;
	/* page by page: the string may end right before an unmapped page */
	while (have < cap - 1) {
		size_t to_page = 4096 - (size_t)((addr + have) & 4095);
		size_t want = cap - 1 - have < to_page ? cap - 1 - have : to_page;
		ssize_t got = read_some(c, addr + have, buf + have, want);
		if (got <= 0) {
			errno = EFAULT;
			return -1;
		}
		char *nul = memchr(buf + have, '\0', (size_t)got);
		if (nul) {
			if (!rf_notify_valid(c))
				return -1;
			return nul - buf;
		}
		have += (size_t)got;
	}
	errno = ENAMETOOLONG;
	return -1;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9 */
#endif
#define RF_KCMP_FILES 2

/* A pidfd for the thread that made the call. The notification names a
 * thread, not a process, and a thread may have unshared its fd table
 * (CLONE_FILES): fd N must be looked up in *that* thread's table, or a
 * harmless inet socket of the leader could vouch for the caller's unix one. */
static int caller_pidfd(const struct seccomp_notif *req)
{
	int pidfd = (int)syscall(SYS_pidfd_open, req->pid, PIDFD_THREAD);
	if (pidfd >= 0 || errno != EINVAL)
		return pidfd;
	/* before 6.9: the thread-group leader, only if it shares the fd table */
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%u/status", req->pid);
	if (rf_read_file(path, buf, sizeof buf) <= 0)
		return -1;
	const char *t = strstr(buf, "\nTgid:");
	if (!t)
		return -1;
	pid_t tgid = (pid_t)strtol(t + 6, NULL, 10);
	if (tgid != (pid_t)req->pid && syscall(SYS_kcmp, tgid, (pid_t)req->pid, RF_KCMP_FILES, 0, 0) != 0) {
		errno = EPERM;
		return -1;
	}
	return (int)syscall(SYS_pidfd_open, tgid, 0);
}

int rf_notify_caller_fd(const struct rf_notify_call *c, int num)
{
	cleanup_fd int pidfd = caller_pidfd(c->req);
	if (pidfd < 0)
		return -1;
	return (int)syscall(SYS_pidfd_getfd, pidfd, num, 0);
}

void rf_notify_report(const struct rf_notify_call *c, const char *operation, const char *target,
		      const char *destination, const char *rule, const char *source, int err)
{
	struct rf_violation v = {
		.operation = operation,
		.target = target,
		.rule = rule,
		.source = source,
		.pid = (pid_t)c->req->pid,
		.err = err,
		.destination = destination,
	};
	rf_events_violation(c->n->events, &v);
}

/* Tasks runnable on the whole machine now, ourselves included; -1 if unknown. */
static int runnable_tasks(int fd)
{
	char buf[128];
	ssize_t len = fd < 0 ? -1 : pread(fd, buf, sizeof buf - 1, 0);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return rf_loadavg_runnable(buf);
}

/* Send the answer. The synchronous wake-up (set at init) wakes us on the
 * caller's CPU, which it is about to leave idle, and the caller on ours:
 * a third of the round trip of ordinary wake-ups for a command that does
 * one thing at a time (27 against 80 us a notified open here). When other
 * tasks are runnable (make -j2: the other compiler) it costs more than it
 * saves: a caller made to wait on our CPU behind a busy task while its own
 * sits idle, the supervisor woken where a compiler runs. Measured on this
 * 2-CPU VM, the default audit's cost on a parallel build over --audit off
 * was 3 to 15% with the synchronous wake-up always on, 1% with it on only
 * while nothing else is runnable. One pread of /proc/loadavg a notification. */
static void answer(struct rf_notifier *n, struct seccomp_notif_resp *resp)
{
	if (n->sync_wake) {
		bool want = runnable_tasks(n->loadavg_fd) <= 1; /* just us */
		if (want != n->sync_on &&
		    ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, want ? SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP : 0, 0) == 0)
			n->sync_on = want;
	}
	(void)ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

void rf_notifier_handle(struct rf_notifier *n)
{
	struct seccomp_notif *req = n->req;
	struct seccomp_notif_resp *resp = n->resp;
	memset(req, 0, n->req_size);
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return; /* the caller died meanwhile, or a signal */
	memset(resp, 0, n->resp_size);
	resp->id = req->id;
	struct rf_notify_call c = {.n = n, .req = req, .result = -ENOSYS};
	enum rf_notify_verdict verdict = RF_NOTIFY_ANSWER; /* unknown calls: ENOSYS */
	if (req->data.arch == AUDIT_ARCH_X86_64 && req->data.nr >= 0 && req->data.nr < MAX_NR &&
	    dispatch[req->data.nr])
		verdict = dispatch[req->data.nr](&c);
	n->handled++;
	if (verdict == RF_NOTIFY_CONTINUE) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else {
		n->answered++;
		if (c.result < 0)
			resp->error = (int)c.result;
		else
			resp->val = c.result;
	}
	answer(n, resp);
}

int rf_send_fd(int sock, int fd)
{
	char dummy = 'F';
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int rf_recv_fd(int sock)
{
	char dummy;
	struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}
