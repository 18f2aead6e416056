/* Reading a saved event stream back (`ringfence events`): filter it and
 * print it for a person, or pass the matching lines through.
 *
 * The stream is untrusted input (the harness's file, possibly written to by
 * anyone): every line is parsed on its own, a line that is not a JSON
 * object with a "type" is reported and skipped, fields of the wrong type
 * are shown as absent, and everything printed for a terminal is escaped. */
#ifndef RF_STREAM_H
#define RF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define RF_STREAM_MAX_FILTERS 16
#define RF_STREAM_MAX_LINE (1u << 20) /* longer lines are malformed */

struct rf_events_filter {
	const char *types[RF_STREAM_MAX_FILTERS]; /* exact event types; none = all */
	size_t n_types;
	const char *rules[RF_STREAM_MAX_FILTERS]; /* shell patterns on "rule" */
	size_t n_rules;
	const char *ops[RF_STREAM_MAX_FILTERS];   /* exact operations */
	size_t n_ops;
	const char *targets[RF_STREAM_MAX_FILTERS]; /* shell patterns on "target" */
	size_t n_targets;
	const char *run;  /* run id prefix, NULL = any */
	long pid;         /* 0 = any */
	bool json;        /* print matching lines unchanged */
};

struct rf_stream_stats {
	unsigned long lines, events, matched, malformed;
};

/* Read `in` to the end. Problems go to `err` as "ringfence: events:
 * line N: ..." (at most a few dozen, then a count). Returns 0, or -1 when
 * `in` could not be read. */
int rf_events_print_stream(FILE *in, FILE *out, FILE *err, const struct rf_events_filter *f,
			   struct rf_stream_stats *st);

/* One line (without its newline): parse, filter, print. Returns 1 if it
 * matched, 0 if filtered out, -1 if malformed (the reason in why). */
int rf_events_print_line(const char *line, size_t len, FILE *out, const struct rf_events_filter *f, char *why,
			 size_t why_cap);

#endif
