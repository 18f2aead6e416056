/* The proxy's resolver threads: see resolve.h. */
#include "resolve.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util.h"

struct rf_resolver {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct rf_resolve_job *queue, *queue_tail; /* waiting */
	struct rf_resolve_job *done, *done_tail;   /* finished, for the loop */
	unsigned threads, idle, max_threads;
	unsigned refs; /* the loop + each worker */
	bool released;
	int efd;
	struct rf_net_override *overrides;
	size_t n_overrides;
};

size_t rf_host_addresses(struct rf_net_addr *out, size_t cap)
{
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) < 0)
		return 0;
	size_t n = 0;
	for (struct ifaddrs *i = ifa; i && n < cap; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		socklen_t len = i->ifa_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if (rf_net_addr_from_sockaddr(i->ifa_addr, len, &out[n], NULL))
			n++;
	}
	freeifaddrs(ifa);
	return n;
}

static void free_list(struct rf_resolve_job *j)
{
	while (j) {
		struct rf_resolve_job *next = j->next;
		free(j);
		j = next;
	}
}

/* Drop one reference; the last frees everything. Called with the lock held;
 * returns with it released. */
static void unref_locked(struct rf_resolver *r)
{
	bool last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	free_list(r->queue);
	free_list(r->done);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->work);
	close(r->efd);
	free(r->overrides);
	free(r);
}

static void lookup(const struct rf_resolver *r, struct rf_resolve_job *j)
{
	for (size_t i = r->n_overrides; i-- > 0;) {
		if (strcmp(r->overrides[i].name, j->name) == 0) {
			j->n = r->overrides[i].n;
			memcpy(j->addrs, r->overrides[i].addrs, j->n * sizeof j->addrs[0]);
			j->overridden = true;
			break;
		}
	}
	if (!j->overridden) {
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
		struct addrinfo *res = NULL;
		j->error = getaddrinfo(j->name, NULL, &hints, &res);
		for (struct addrinfo *a = res; !j->error && a && j->n < RF_RESOLVE_MAX_ADDRS; a = a->ai_next) {
			struct rf_net_addr x;
			if (!rf_net_addr_from_sockaddr(a->ai_addr, a->ai_addrlen, &x, NULL))
				continue;
			rf_net_addr_unmap(&x);
			bool dup = false;
			for (size_t k = 0; k < j->n; k++)
				dup = dup || rf_net_addr_equal(&j->addrs[k], &x);
			if (!dup)
				j->addrs[j->n++] = x;
		}
		if (res)
			freeaddrinfo(res);
		if (!j->error && j->n == 0)
			j->error = EAI_NODATA;
	}
	/* the host's addresses as they are now, next to the answer they judge */
	j->n_own = rf_host_addresses(j->own, RF_RESOLVE_MAX_OWN);
}

static void *worker(void *arg)
{
	struct rf_resolver *r = arg;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->queue && !r->released) {
			r->idle++;
			pthread_cond_wait(&r->work, &r->lock);
			r->idle--;
		}
		if (r->released)
			break;
		struct rf_resolve_job *j = r->queue;
		r->queue = j->next;
		if (!r->queue)
			r->queue_tail = NULL;
		j->next = NULL;
		pthread_mutex_unlock(&r->lock);

		lookup(r, j);

		pthread_mutex_lock(&r->lock);
		if (r->released) {
			free(j);
			break;
		}
		if (r->done_tail)
			r->done_tail->next = j;
		else
			r->done = j;
		r->done_tail = j;
		uint64_t one = 1;
		(void)!write(r->efd, &one, sizeof one);
	}
	r->threads--;
	unref_locked(r);
	return NULL;
}

struct rf_resolver *rf_resolver_new(const struct rf_net_override *overrides, size_t n_overrides, unsigned max_threads,
				    struct rf_error *e)
{
	struct rf_resolver *r = rf_xcalloc(1, sizeof *r);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		rf_fail(e, errno, "cannot create the resolver's eventfd");
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->work, NULL);
	r->max_threads = max_threads ? max_threads : 1;
	r->refs = 1;
	if (n_overrides) {
		r->overrides = rf_xcalloc(n_overrides, sizeof *r->overrides);
		memcpy(r->overrides, overrides, n_overrides * sizeof *overrides);
		r->n_overrides = n_overrides;
	}
	return r;
}

int rf_resolver_fd(const struct rf_resolver *r)
{
	return r->efd;
}

int rf_resolver_submit(struct rf_resolver *r, struct rf_resolve_job *job, struct rf_error *e)
{
	job->next = NULL;
	pthread_mutex_lock(&r->lock);
	if (r->idle == 0 && r->threads < r->max_threads) {
		/* workers take no signals: those are the supervisor's */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_t t;
		int err = pthread_create(&t, &attr, worker, r);
		pthread_attr_destroy(&attr);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (err == 0) {
			r->threads++;
			r->refs++;
		} else if (r->threads == 0) {
			pthread_mutex_unlock(&r->lock);
			return rf_fail(e, err, "cannot start a resolver thread");
		}
	}
	if (r->queue_tail)
		r->queue_tail->next = job;
	else
		r->queue = job;
	r->queue_tail = job;
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

struct rf_resolve_job *rf_resolver_take_done(struct rf_resolver *r)
{
	uint64_t n;
	(void)!read(r->efd, &n, sizeof n);
	pthread_mutex_lock(&r->lock);
	struct rf_resolve_job *j = r->done;
	r->done = r->done_tail = NULL;
	pthread_mutex_unlock(&r->lock);
	return j;
}

void rf_resolver_abandon(struct rf_resolver *r, struct rf_resolve_job *job)
{
	pthread_mutex_lock(&r->lock);
	/* still waiting: never looked up */
	for (struct rf_resolve_job **p = &r->queue, *prev = NULL; *p; prev = *p, p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			if (r->queue_tail == job)
				r->queue_tail = prev;
			pthread_mutex_unlock(&r->lock);
			free(job);
			return;
		}
	}
	job->owner = NULL; /* running: it comes back, and is freed then */
	pthread_mutex_unlock(&r->lock);
}

void rf_resolver_release(struct rf_resolver *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->released = true;
	free_list(r->queue);
	free_list(r->done);
	r->queue = r->queue_tail = r->done = r->done_tail = NULL;
	pthread_cond_broadcast(&r->work);
	unref_locked(r);
}
