/* Events (DESIGN.md §3, docs/events.md): what the sandbox refused, and the
 * run around it.
 *
 * Every part of the supervisor that refuses something (the seccomp
 * listener, the network proxy, the exec check of plan/review modes) reports
 * it here as a violation; this module decides where it goes (the event
 * sink, the run result, --verbose, --explain-denials), collapses duplicates
 * and rate-limits the stream. Thread-safe: the proxy reports from its own
 * thread.
 *
 * The stream is JSON Lines: RunStarted, SandboxViolation..., RunFinished
 * (and, from later work, ApprovalRequested, ApprovalDecided,
 * CredentialIssued through rf_events_emit()). Sinks: a file (appended), an
 * inherited fd ("fd:N"), or a listening unix socket ("unix:PATH").
 *
 * A sink that fails mid-run (disk full, consumer gone or stalled) is never
 * silent: with RF_EVENTS_FAIL (the default) the run must be stopped
 * (rf_events_failed(), the alarm fd), with RF_EVENTS_WARN a warning goes
 * out at once and into the result.
 *
 * One rf_events serves one run: RunFinished closes its stream (a library
 * caller running twice opens a second one; a FILE sink appends).
 *
 * A NULL `struct rf_events *` is valid everywhere and records nothing. */
#ifndef RF_EVENTS_H
#define RF_EVENTS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct rf_events;
struct rf_json;
struct rf_policy;
struct rf_run_result;
struct rf_error;

struct rf_violation {
	const char *operation; /* "write", "create", "unlink", "read", "exec", "connect", ... */
	const char *target;    /* a path, "host:port", an address */
	const char *rule;      /* "hidden:~/.ssh", "protected:.git/hooks", "network:offline", "mode:plan" */
	const char *source;    /* where the rule came from: "default", "--hide", "config.toml:12" */
	pid_t pid;             /* the caller, as the supervisor sees it; 0 = unknown */
	const char *exe;       /* the caller's executable; NULL = read from /proc/PID/exe */
	int err;               /* the errno the caller got (EACCES, EPERM, ...), 0 = n/a */
	/* added by the events work; zero-initialised reporters are unaffected */
	const char *destination; /* rename/link/symlink: the other path; NULL = none */
};

/* Flood control (docs/events.md). */
#define RF_EVENTS_BURST 200        /* violation lines at once */
#define RF_EVENTS_RATE 50.0        /* ... and then per second */
#define RF_EVENTS_MAX_LINES 10000  /* per run, whatever the rate */
#define RF_EVENTS_DEDUPE_MAX 4096  /* distinct violations remembered */
#define RF_EVENTS_UPDATE_INTERVAL 5.0 /* seconds between count updates */
#define RF_EVENTS_STALL_TIMEOUT 10.0  /* a sink that takes nothing this long has failed */

enum rf_events_on_error {
	RF_EVENTS_FAIL = 0, /* stop the run (exit 125) */
	RF_EVENTS_WARN,     /* warn, go on without the stream */
};

struct rf_events_config {
	const char *sink;  /* NULL or "": no stream; "PATH", "fd:N", "unix:PATH" */
	enum rf_events_on_error on_error;
	FILE *verbose;     /* first occurrence of each violation, one line */
	FILE *warnings;    /* RF_EVENTS_WARN: where a failing sink is reported at once */
};

/* No stream: violations are counted, summarised and shown on `verbose`. */
struct rf_events *rf_events_new(FILE *verbose);
/* Open (or connect) the sink now, before anything runs. */
struct rf_events *rf_events_open(const struct rf_events_config *c, struct rf_error *e);
void rf_events_free(struct rf_events *ev);

void rf_events_violation(struct rf_events *ev, const struct rf_violation *v);
/* Violations reported so far (duplicates included). */
unsigned long rf_events_violation_count(struct rf_events *ev);

const char *rf_events_run_id(const struct rf_events *ev);
/* "file:PATH", "fd:N", "unix:PATH", or NULL without a stream. */
const char *rf_events_sink_name(const struct rf_events *ev);
/* The sink's path when it is a file (to warn if the sandbox can write it). */
const char *rf_events_sink_path(const struct rf_events *ev);

/* ---- the run (run.c) ---- */
struct rf_run_started {
	char *const *argv;
	const char *cwd;
	const char *workspace;
	const struct rf_policy *policy; /* may be NULL */
	const char *effective_backend;  /* NULL: the sandbox was not started */
	const char *fallback_reason;    /* NULL or "" when none */
	int landlock_abi;
	const char *audit;              /* what the supervisor observes: "writes", "reads", "off" */
};
/* Both return -1 when the sink failed and the run must stop (FAIL mode). */
int rf_events_run_started(struct rf_events *ev, const struct rf_run_started *rs);
/* RunStarted was written (or tried). */
bool rf_events_started(struct rf_events *ev);
/* Final counts of collapsed duplicates, then RunFinished. `error`: why the
 * run failed (NULL if it did not). Nothing is emitted afterwards. */
int rf_events_run_finished(struct rf_events *ev, const struct rf_run_result *r, const char *error);

/* Another event type: `fill` adds its fields after type, time and run_id.
 * Rate-limited like violations unless `essential`. Returns -1 as above. */
int rf_events_emit(struct rf_events *ev, const char *type, bool essential,
		   void (*fill)(struct rf_json *j, void *arg), void *arg);

/* ---- sink health (the supervisor loop) ---- */
/* Fill up to 2 pollfds to watch (an alarm raised by another thread, the
 * sink's hangup); returns how many. */
int rf_events_poll_fds(struct rf_events *ev, struct pollfd *pf, int max);
/* After poll(): true when the run must be stopped. */
bool rf_events_check(struct rf_events *ev, const struct pollfd *pf, int n);
/* The sink failed in FAIL mode: stop the run. */
bool rf_events_failed(struct rf_events *ev);
/* Why the sink failed, or NULL. */
const char *rf_events_error(struct rf_events *ev);
/* Flush count updates that are due (called whenever the supervisor wakes). */
void rf_events_tick(struct rf_events *ev);

/* ---- summaries ---- */
struct rf_violation_info {
	const char *operation, *target, *destination, *rule, *source, *exe, *errname;
	int pid; /* in the sandbox's pid namespace (0 = unknown) */
	unsigned long count;
};
#define RF_EVENTS_SUMMARY_FIRST 5
struct rf_events_summary {
	unsigned long total;    /* every occurrence */
	unsigned long distinct; /* after collapsing duplicates */
	unsigned long dropped;  /* distinct violations the rate limit kept off the stream */
	unsigned long lost;     /* lines the failed sink never took */
	size_t n_first;
	struct rf_violation_info first[RF_EVENTS_SUMMARY_FIRST]; /* valid while ev lives */
};
void rf_events_summary(struct rf_events *ev, struct rf_events_summary *s);
/* One line a distinct violation, for the agent (--explain-denials). */
void rf_events_explain(struct rf_events *ev, FILE *out, size_t max_lines);

/* Tests: drive the rate limiter's clock (seconds; NULL = the real one). */
void rf_events_test_clock(struct rf_events *ev, const double *mono);

#endif
