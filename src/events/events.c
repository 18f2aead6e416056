/* Events: see events.h. For now the violations go to --verbose and are
 * counted; the JSON Lines sinks come with the events issue. */
#include "events.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct rf_events {
	pthread_mutex_t lock;
	FILE *verbose;
	unsigned long violations;
};

struct rf_events *rf_events_new(FILE *verbose)
{
	struct rf_events *ev = rf_xcalloc(1, sizeof *ev);
	pthread_mutex_init(&ev->lock, NULL);
	ev->verbose = verbose;
	return ev;
}

void rf_events_free(struct rf_events *ev)
{
	if (!ev)
		return;
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

void rf_events_violation(struct rf_events *ev, const struct rf_violation *v)
{
	if (!ev || !v)
		return;
	char exe[PATH_MAX] = "";
	if (v->exe) {
		snprintf(exe, sizeof exe, "%s", v->exe);
	} else if (v->pid > 0) {
		char link[64];
		snprintf(link, sizeof link, "/proc/%d/exe", (int)v->pid);
		ssize_t n = readlink(link, exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	pthread_mutex_lock(&ev->lock);
	ev->violations++;
	if (ev->verbose) {
		fprintf(ev->verbose, "ringfence: denied %s %s (rule %s, %s) pid %d%s%s\n", v->operation,
			v->target ? v->target : "?", v->rule ? v->rule : "?", v->source ? v->source : "default",
			(int)v->pid, exe[0] ? " " : "", exe);
		fflush(ev->verbose);
	}
	pthread_mutex_unlock(&ev->lock);
}

unsigned long rf_events_violation_count(struct rf_events *ev)
{
	if (!ev)
		return 0;
	pthread_mutex_lock(&ev->lock);
	unsigned long n = ev->violations;
	pthread_mutex_unlock(&ev->lock);
	return n;
}
