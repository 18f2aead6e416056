/* The supervisor's seccomp user-notification listener (DESIGN.md §3).
 *
 * One listener, one dispatch (supervisor.c); the handlers live in a file
 * per concern (notify.h): notify_unix.c (connect/sendto on unix sockets),
 * notify_fs.c (write-intent file calls, opens of hidden paths). */
#ifndef RF_SUPERVISOR_H
#define RF_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "events.h"
#include "plan.h"

struct rf_error;
struct rf_notify_cover;
struct rf_exec_tools;

struct rf_notifier {
	int fd;                     /* the listener */
	const struct rf_plan *plan; /* what is writable: where the sandbox's own sockets live */
	bool online;                /* host network namespace: abstract sockets are the host's */
	void *req, *resp;
	size_t req_size, resp_size;
	struct rf_events *events;   /* where refusals are reported (may be NULL) */
	/* With a network namespace of the sandbox's own, an inet connect() or
	 * sendto() to anything but its loopback fails in the kernel (no route);
	 * when set, such attempts (and DNS queries, which cannot work inside)
	 * are reported under this rule ("network:offline"). NULL: not reported. */
	const char *inet_rule;
	/* file calls (notify_fs.c), set up by rf_notifier_watch_fs() */
	bool watch_fs;              /* rf_notifier_watch_fs() was called */
	int root_fd;                /* the sandbox's root directory (from its init), -1 = none */
	bool audit_reads;           /* every open is notified, not only write-intent ones */
	bool drop_caps;             /* a root supervisor resolves paths without its capabilities */
	struct rf_notify_cover *covers; /* the hidden paths' covers, as the sandbox sees them */
	size_t n_covers;
	const rf_policy *policy;    /* for the rule of read-only mode (sandbox_mode or plan/review) */
	unsigned long handled, answered; /* notifications; those answered with an errno by us */
	bool sync_wake;             /* the kernel takes SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (6.6) */
	bool sync_on;               /* ...and it is set now (see answer() in supervisor.c) */
	int loadavg_fd;             /* /proc/loadavg, for the number of runnable tasks */
	/* plan/review mode: the tools execve is checked against (notify_exec.c);
	 * NULL = execve is not sent to the listener */
	const struct rf_exec_tools *exec;
};

int rf_notifier_init(struct rf_notifier *n, int fd, const struct rf_plan *plan, bool online,
		     struct rf_events *events, struct rf_error *e);
/* The file-call handlers need the sandbox's root (n->root_fd, handed
 * over by its init with the listener) and the covers of its hidden paths,
 * found here while the command starts. */
int rf_notifier_watch_fs(struct rf_notifier *n, const rf_policy *policy, bool audit_reads, struct rf_error *e);
/* Receive one notification and answer it. Never blocks for long: a unix
 * connect the supervisor performs is bounded by a send timeout. */
void rf_notifier_handle(struct rf_notifier *n);
void rf_notifier_free(struct rf_notifier *n);

/* Pass an fd over a unix socket (SCM_RIGHTS), and receive it. */
int rf_send_fd(int sock, int fd);
int rf_recv_fd(int sock);

#endif
