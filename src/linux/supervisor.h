/* The supervisor's seccomp user-notification listener (DESIGN.md §3). */
#ifndef RF_SUPERVISOR_H
#define RF_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "events.h"
#include "plan.h"

struct rf_error;

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
};

int rf_notifier_init(struct rf_notifier *n, int fd, const struct rf_plan *plan, bool online,
		     struct rf_events *events, struct rf_error *e);
/* Receive one notification and answer it. Never blocks for long: a unix
 * connect the supervisor performs is bounded by a send timeout. */
void rf_notifier_handle(struct rf_notifier *n);
void rf_notifier_free(struct rf_notifier *n);

/* Pass an fd over a unix socket (SCM_RIGHTS), and receive it. */
int rf_send_fd(int sock, int fd);
int rf_recv_fd(int sock);

#endif
