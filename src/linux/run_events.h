/* The run's events (RunStarted, RunFinished) from what run.c knows. */
#ifndef RF_RUN_EVENTS_H
#define RF_RUN_EVENTS_H

#include <stdbool.h>

#include "events.h"
#include "plan.h"
#include "ringfence.h"

/* What the supervisor observes in this run, as said in RunStarted. */
const char *rf_run_audit_name(enum rf_audit audit, bool listener);

/* RunStarted; and a warning in the result when the sink is a file the
 * sandbox can write (the command could then rewrite its own record).
 * -1: the sink failed and the run must stop (the reason in *e). */
int rf_run_events_started(struct rf_events *ev, const rf_policy *p, const struct rf_plan *plan,
			  const struct rf_run_options *o, struct rf_run_result *r, const char *cwd,
			  const char *audit, struct rf_error *e);

/* RunFinished (with a RunStarted first if there was none), the sink's
 * failure into the result. Returns -1 when the run must end with 125
 * (a failed sink in FAIL mode), with the reason in *e. */
int rf_run_events_finished(struct rf_events *ev, const rf_policy *p, const struct rf_run_options *o,
			   struct rf_run_result *r, const char *error, struct rf_error *e);

#endif
