/* The CLI's events parts (cmd_events.c): the `ringfence run` options that
 * choose the event stream and what is audited, and `ringfence events`. */
#ifndef RF_CLI_EVENTS_H
#define RF_CLI_EVENTS_H

#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>

#include "events.h"
#include "ringfence.h"

enum {
	RF_OPT_EVENTS = 1000,
	RF_OPT_EVENTS_ON_ERROR,
	RF_OPT_EXPLAIN_DENIALS,
	RF_OPT_AUDIT,
	RF_OPT_AUDIT_READS,
	RF_OPT_EVENTS_LAST,
};

/* Entries for `ringfence run`'s option table. */
#define RF_CLI_EVENTS_OPTIONS                                                        \
	{"events", required_argument, NULL, RF_OPT_EVENTS},                          \
	{"events-on-error", required_argument, NULL, RF_OPT_EVENTS_ON_ERROR},        \
	{"explain-denials", no_argument, NULL, RF_OPT_EXPLAIN_DENIALS},              \
	{"audit", required_argument, NULL, RF_OPT_AUDIT},                            \
	{"audit-reads", no_argument, NULL, RF_OPT_AUDIT_READS},

struct rf_cli_events {
	const char *sink;
	enum rf_events_on_error on_error;
	bool explain;
	enum rf_audit audit;
	struct rf_events *ev;
};

/* One of the options above; -1 with *e on a bad value. */
int rf_cli_events_option(struct rf_cli_events *c, int opt, const char *arg, struct rf_error *e);
/* Before the run: open the sink (a failure is exit 125, nothing runs). */
int rf_cli_events_open(struct rf_cli_events *c, struct rf_run_options *o, FILE *verbose, struct rf_error *e);
/* After the run (and after the result was written): --explain-denials. */
void rf_cli_events_done(struct rf_cli_events *c);
void rf_cli_events_usage(FILE *out);

/* ringfence events ... */
int rf_cli_events_main(int argc, char **argv);

#endif
