/* Events (DESIGN.md §3): what the sandbox refused, and the run around it.
 *
 * Every part of the supervisor that refuses something (the seccomp
 * listener, the network proxy, the exec check of plan/review modes) reports
 * it here as a violation; this module decides where it goes (the event
 * sink, the run result, --verbose) and collapses duplicates. Thread-safe:
 * the proxy runs in its own thread.
 *
 * A NULL `struct rf_events *` is valid everywhere and records nothing. */
#ifndef RF_EVENTS_H
#define RF_EVENTS_H

#include <stdio.h>
#include <sys/types.h>

struct rf_events;

struct rf_violation {
	const char *operation; /* "write", "create", "unlink", "read", "exec", "connect", ... */
	const char *target;    /* a path, "host:port", an address */
	const char *rule;      /* "hidden:~/.ssh", "protected:.git/hooks", "network:offline", "mode:plan" */
	const char *source;    /* where the rule came from: "default", "--hide", "config.toml:12" */
	pid_t pid;             /* the caller, as the supervisor sees it; 0 = unknown */
	const char *exe;       /* the caller's executable; NULL = read from /proc/PID/exe */
	int err;               /* the errno the caller got (EACCES, EPERM, ...), 0 = n/a */
};

struct rf_events *rf_events_new(FILE *verbose);
void rf_events_free(struct rf_events *ev);

void rf_events_violation(struct rf_events *ev, const struct rf_violation *v);
/* Violations reported so far (duplicates included). */
unsigned long rf_events_violation_count(struct rf_events *ev);

#endif
