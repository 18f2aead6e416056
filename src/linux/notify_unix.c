/* Unix sockets: connect() and addressed sendto(), decided and performed by
 * the supervisor (DESIGN.md §3).
 *
 * Why: a unix path socket lying inside a visible tree ($HOME, /var) can be
 * connected to although its mount is read-only, and Landlock (ABI <= 7) has
 * no right for it. So connect() — and sendto() with an address — stop in
 * the supervisor.
 *
 * How, without a time-of-check/time-of-use race:
 *  - the socket's family is asked of the socket itself (pidfd_getfd +
 *    SO_DOMAIN), never of the caller's buffer: an inet or netlink socket
 *    cannot reach a path however its sockaddr is rewritten afterwards, so
 *    those calls continue in the kernel;
 *  - for a unix socket the caller's sockaddr is read once, the path resolved
 *    inside the sandbox's root (openat2 RESOLVE_IN_ROOT on /proc/PID/root),
 *    the resolved socket's location checked against the plan, and the
 *    connect performed here, on a duplicate of the caller's socket, through
 *    /proc/self/fd/N of the resolved inode. The caller's memory is never
 *    read again. The caller's call is answered with our result.
 * Sockets in a writable place (the workspace, writable roots, the private
 * /tmp, /run, /dev/shm) are ones the sandbox could have made itself: allowed.
 * Anything else is refused with EACCES. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "notify.h"
#include "util.h"

#define MAX_DATAGRAM (1 << 20) /* an addressed sendto larger than this is refused (EMSGSIZE) */

/* Resolve a unix socket path as the caller would, inside its root. Returns
 * an O_PATH fd of the socket inode, or -errno. */
static int resolve_in_sandbox(const struct seccomp_notif *req, const char *path)
{
	cleanup_free char *full = NULL;
	if (path[0] == '/') {
		full = rf_xstrdup(path);
	} else {
		char buf[PATH_MAX + 8];
		char link[64];
		snprintf(link, sizeof link, "/proc/%u/cwd", req->pid);
		ssize_t n = readlink(link, buf, sizeof buf - 1);
		if (n < 0)
			return -errno;
		buf[n] = '\0';
		full = rf_path_join(buf, path);
	}
	char rootlink[64];
	snprintf(rootlink, sizeof rootlink, "/proc/%u/root", req->pid);
	cleanup_fd int root = open(rootlink, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, root, full, &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

/* Where the resolved inode lies, as a path in the sandbox (== host path for
 * bound trees, by construction of the mount plan). */
static bool socket_allowed(struct rf_notifier *n, int fd, char *where, size_t cap)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t len = readlink(link, where, cap - 1);
	if (len <= 0)
		return false;
	where[len] = '\0';
	if (where[0] != '/' || strstr(where, " (deleted)"))
		return false;
	return rf_plan_lookup(n->plan, where).access == RF_ACCESS_WRITE;
}

/* Perform connect or sendto for a unix socket; returns >= 0 or -errno. */
static long unix_call(struct rf_notifier *n, const struct seccomp_notif *req, int sock, const struct sockaddr_un *sa,
		      socklen_t salen, const void *data, size_t datalen, int flags)
{
	bool is_connect = data == NULL;
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	if (salen <= off || sa->sun_path[0] == '\0') {
		/* unnamed, AF_UNSPEC (disconnect) or abstract: no path to check.
		 * Abstract names live in the socket's network namespace: the
		 * sandbox's own, except with the host network, where Landlock's
		 * scope refuses them for the command and so do we. */
		if (salen > off && n->online)
			return -EPERM;
		long r = is_connect ? connect(sock, (const struct sockaddr *)sa, salen)
				    : sendto(sock, data, datalen, flags, (const struct sockaddr *)sa, salen);
		return r < 0 ? -errno : r;
	}
	char path[sizeof sa->sun_path + 1];
	size_t plen = salen - off;
	memcpy(path, sa->sun_path, plen);
	path[plen] = '\0';
	int target = resolve_in_sandbox(req, path);
	if (target < 0)
		return target;
	cleanup_fd int tfd = target;
	struct stat st;
	if (fstat(tfd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -ECONNREFUSED;
	char where[PATH_MAX];
	if (!socket_allowed(n, tfd, where, sizeof where)) {
		struct rf_violation v = {
			.operation = is_connect ? "connect" : "sendto",
			.target = where[0] ? where : path,
			.rule = "unix-socket:outside-writable-roots",
			.source = "default",
			.pid = (pid_t)req->pid,
			.err = EACCES,
		};
		rf_events_violation(n->events, &v);
		return -EACCES;
	}
	struct sockaddr_un via = {.sun_family = AF_UNIX};
	snprintf(via.sun_path, sizeof via.sun_path, "/proc/self/fd/%d", tfd);
	/* a listener that never accepts must not stall the supervisor */
	struct timeval old, limit = {.tv_sec = 2};
	socklen_t ol = sizeof old;
	bool restore = getsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &old, &ol) == 0 &&
		       setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) == 0;
	long r = is_connect ? connect(sock, (struct sockaddr *)&via, sizeof via)
			    : sendto(sock, data, datalen, flags, (struct sockaddr *)&via, sizeof via);
	long result = r < 0 ? -errno : r;
	if (restore)
		(void)setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &old, sizeof old);
	return result;
}

/* An inet connect/sendto from a sandbox with its own network namespace:
 * the kernel refuses anything beyond the loopback (there is no route), and
 * a DNS query finds no server; this only reports such attempts. The
 * caller's address is read once, for the report: whatever it says next, the
 * kernel still decides, so a race costs a log line at most. */
static void report_inet(struct rf_notify_call *c, int sock, bool is_connect)
{
	const struct seccomp_notif *req = c->req;
	unsigned long long addr = req->data.args[is_connect ? 1 : 4];
	unsigned long long alen = req->data.args[is_connect ? 2 : 5];
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (!addr || alen < sizeof(sa_family_t))
		return;
	if (alen > sizeof(struct sockaddr_in6))
		alen = sizeof(struct sockaddr_in6);
	if (rf_notify_read(c, addr, &ss, (size_t)alen) < 0)
		return;
	struct rf_net_addr a;
	int port = 0;
	if (!rf_net_addr_from_sockaddr((struct sockaddr *)&ss, (socklen_t)alen, &a, &port))
		return; /* AF_UNSPEC (disconnect) or a short address: the kernel says EINVAL */
	bool local = rf_net_addr_is_local(&a);
	const char *rule = c->n->inet_rule;
	if (local) {
		if (port != 53)
			return; /* the sandbox's own loopback */
		rule = "network:dns"; /* names resolve only through the proxy */
	}
	int type = 0;
	socklen_t tl = sizeof type;
	(void)getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &tl);
	char text[RF_NET_ADDR_TEXT + 16], ip[RF_NET_ADDR_TEXT];
	rf_net_addr_format(&a, ip, sizeof ip);
	snprintf(text, sizeof text, a.family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
	const char *op = type == SOCK_DGRAM ? (is_connect ? "connect-udp" : "sendto-udp") : "connect";
	rf_notify_report(c, op, text, NULL, rule, "default", local ? 0 : ENETUNREACH);
}

/* One connect/sendto: continue it (not a unix socket) or perform it. */
static enum rf_notify_verdict decide(struct rf_notify_call *c)
{
	struct rf_notifier *n = c->n;
	const struct seccomp_notif *req = c->req;
	bool is_connect = req->data.nr == SYS_connect;
	int num = (int)req->data.args[0];
	int sock = rf_notify_caller_fd(c, num);
	if (sock < 0) {
		c->result = errno == EBADF ? -EBADF : -EPERM;
		return RF_NOTIFY_ANSWER;
	}
	cleanup_fd int s = sock;
	int domain = 0;
	socklen_t dl = sizeof domain;
	if (getsockopt(s, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0) {
		c->result = -ENOTSOCK;
		return RF_NOTIFY_ANSWER;
	}
	if ((domain == AF_INET || domain == AF_INET6) && n->inet_rule)
		report_inet(c, s, is_connect);
	if (domain != AF_UNIX)
		return RF_NOTIFY_CONTINUE; /* cannot reach a path socket whatever its address says */

	unsigned long long addr = req->data.args[is_connect ? 1 : 4];
	unsigned long long alen = req->data.args[is_connect ? 2 : 5];
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	if (alen > sizeof sa)
		alen = sizeof sa;
	if (alen < sizeof(sa_family_t)) {
		c->result = -EINVAL;
		return RF_NOTIFY_ANSWER;
	}
	if (rf_notify_read(c, addr, &sa, (size_t)alen) < 0) {
		c->result = -EFAULT;
		return RF_NOTIFY_ANSWER;
	}
	if (is_connect) {
		c->result = unix_call(n, req, s, &sa, (socklen_t)alen, NULL, 0, 0);
		return RF_NOTIFY_ANSWER;
	}
	size_t len = (size_t)req->data.args[2];
	if (len > MAX_DATAGRAM) {
		c->result = -EMSGSIZE;
		return RF_NOTIFY_ANSWER;
	}
	cleanup_free char *data = rf_xmalloc(len ? len : 1);
	if (len && rf_notify_read(c, req->data.args[1], data, len) < 0) {
		c->result = -EFAULT;
		return RF_NOTIFY_ANSWER;
	}
	c->result = unix_call(n, req, s, &sa, (socklen_t)alen, data, len, (int)req->data.args[3] | MSG_DONTWAIT);
	return RF_NOTIFY_ANSWER;
}

const struct rf_notify_handler rf_notify_unix[] = {
	{SYS_connect, decide},
	{SYS_sendto, decide},
	{-1, NULL},
};
