/* RunStarted / RunFinished for rf_run() (run.c), see run_events.h. */
#include "run_events.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

static void add_warning(struct rf_run_result *r, const char *fmt, ...) RF_PRINTF(2, 3);
static void add_warning(struct rf_run_result *r, const char *fmt, ...)
{
	size_t used = strlen(r->warnings);
	if (used + 2 >= sizeof r->warnings)
		return;
	if (used)
		r->warnings[used++] = '\n';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->warnings + used, sizeof r->warnings - used, fmt, ap);
	va_end(ap);
}

const char *rf_run_audit_name(enum rf_audit audit, bool listener)
{
	if (!listener)
		return "off";
	switch (audit) {
	case RF_AUDIT_OFF:
		return "off";
	case RF_AUDIT_READS:
		return "reads";
	case RF_AUDIT_WRITES:
		break;
	}
	return "writes";
}

int rf_run_events_started(struct rf_events *ev, const rf_policy *p, const struct rf_plan *plan,
			  const struct rf_run_options *o, struct rf_run_result *r, const char *cwd,
			  const char *audit, struct rf_error *e)
{
	const char *sink = rf_events_sink_path(ev);
	if (sink && plan) {
		cleanup_free char *real = rf_realpath(sink);
		struct rf_plan_verdict v = real ? rf_plan_lookup(plan, real) : (struct rf_plan_verdict){0};
		/* only a bound host tree is the host's file (/tmp and caches are private) */
		if (v.entry && v.entry->kind == RF_PLAN_BIND_RW)
			add_warning(r, "the events file %s is writable from inside the sandbox: the command can "
				       "alter its own record (put it outside the writable roots)",
				    real);
	}
	struct rf_run_started rs = {
		.argv = o->argv,
		.cwd = cwd,
		.workspace = plan ? plan->workspace : p->workspace,
		.policy = p,
		.effective_backend = rf_effective_backend_name(r->effective_backend),
		.fallback_reason = r->fallback_reason,
		.landlock_abi = r->landlock_abi,
		.audit = audit,
	};
	if (rf_events_run_started(ev, &rs) < 0)
		return rf_fail(e, 0, "%s", rf_events_error(ev) ? rf_events_error(ev) : "cannot write the events");
	return 0;
}

int rf_run_events_finished(struct rf_events *ev, const rf_policy *p, const struct rf_run_options *o,
			   struct rf_run_result *r, const char *error, struct rf_error *e)
{
	r->violations = rf_events_violation_count(ev);
	if (!rf_events_started(ev)) {
		/* the run failed before the sandbox started: the stream still
		 * begins with RunStarted, without an effective backend */
		struct rf_run_started rs = {.argv = o->argv, .cwd = o->cwd, .workspace = p->workspace, .policy = p,
					    .audit = "off"};
		(void)rf_events_run_started(ev, &rs);
	}
	int rc = rf_events_run_finished(ev, r, error);
	const char *failed = rf_events_error(ev);
	if (!failed)
		return 0;
	if (rc < 0 || rf_events_failed(ev)) {
		if (error) /* the run's own failure says more */
			return 0;
		return rf_fail(e, 0, "%s", failed);
	}
	add_warning(r, "%s; the rest of the run was not recorded", failed);
	return 0;
}
