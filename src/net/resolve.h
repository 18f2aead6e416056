/* Name resolution for the allowlist proxy, off its event loop.
 *
 * getaddrinfo() blocks (a dead name server costs seconds), so it runs on a
 * few worker threads; the event loop submits a job and learns of finished
 * ones through an eventfd. Only names the policy already admitted are ever
 * submitted: a refused name is never looked up, so a DNS query cannot carry
 * data out.
 *
 * Ownership: the loop allocates a job and submits it; it comes back through
 * rf_resolver_take_done(). A connection that gives up meanwhile calls
 * rf_resolver_abandon() and never touches the job again: a queued job is
 * freed at once, a running one comes back with owner NULL for the loop to
 * free.
 * Workers are detached: a lookup that hangs never delays the end of a run;
 * the resolver is freed by whoever leaves last (rf_resolver_release() or the
 * last worker). */
#ifndef RF_NET_RESOLVE_H
#define RF_NET_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "rules.h"

struct rf_error;

#define RF_RESOLVE_MAX_ADDRS 16
#define RF_RESOLVE_MAX_OWN 64

struct rf_resolve_job {
	char name[RF_NET_NAME_MAX + 1];
	/* results */
	int error;         /* 0, or an EAI_* code */
	bool overridden;   /* answered by --proxy-resolve */
	struct rf_net_addr addrs[RF_RESOLVE_MAX_ADDRS];
	size_t n;
	struct rf_net_addr own[RF_RESOLVE_MAX_OWN]; /* the host's own addresses at that moment */
	size_t n_own;
	/* the loop's */
	void *owner; /* NULL once abandoned */
	struct rf_resolve_job *next;
};

struct rf_resolver;

/* overrides are copied. */
struct rf_resolver *rf_resolver_new(const struct rf_net_override *overrides, size_t n_overrides, unsigned max_threads,
				    struct rf_error *e);
/* Readable (an eventfd) when finished jobs are waiting. */
int rf_resolver_fd(const struct rf_resolver *r);
/* Returns -1 with *e when no worker can be started and none is running. */
int rf_resolver_submit(struct rf_resolver *r, struct rf_resolve_job *job, struct rf_error *e);
/* The finished jobs, oldest first (the caller owns them). */
struct rf_resolve_job *rf_resolver_take_done(struct rf_resolver *r);
void rf_resolver_abandon(struct rf_resolver *r, struct rf_resolve_job *job);
/* The loop is done with the resolver: queued and finished jobs are freed,
 * running ones when they finish. */
void rf_resolver_release(struct rf_resolver *r);

/* The host's own addresses (getifaddrs), at most cap. */
size_t rf_host_addresses(struct rf_net_addr *out, size_t cap);

#endif
