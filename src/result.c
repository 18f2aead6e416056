/* The run result as one JSON object (the --json contract). */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "events.h"
#include "json.h"
#include "policy.h"
#include "ringfence.h"
#include "util.h"

static json_t *warnings_array(const char *text)
{
	json_t *a = json_array();
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, n));
		p = nl ? nl + 1 : NULL;
	}
	return a;
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Each limit with what enforced it: {"pids": 4096, "pids_by": "rlimit", ...};
 * null where there is no such limit (or it is not enforced). */
static json_t *limits_object(const struct rf_limits_report *l)
{
	json_t *o = json_object();
	json_object_set_new(o, "timeout_s", l->timeout_s > 0 ? json_real(l->timeout_s) : json_null());
	json_object_set_new(o, "pids", l->pids ? json_integer((json_int_t)l->pids) : json_null());
	json_object_set_new(o, "pids_by", opt_string(l->pids_by));
	json_object_set_new(o, "memory_bytes", l->memory_bytes ? json_integer((json_int_t)l->memory_bytes) : json_null());
	json_object_set_new(o, "memory_by", opt_string(l->memory_by));
	json_object_set_new(o, "cpus", l->cpus > 0 ? json_real(l->cpus) : json_null());
	json_object_set_new(o, "cpu_by", opt_string(l->cpu_by));
	json_object_set_new(o, "memory_per_process_bytes",
			    l->memory_per_process_bytes ? json_integer((json_int_t)l->memory_per_process_bytes) : json_null());
	json_object_set_new(o, "memory_per_process_by", opt_string(l->memory_per_process_by));
	json_object_set_new(o, "tmpfs_bytes", l->tmpfs_bytes ? json_integer((json_int_t)l->tmpfs_bytes) : json_null());
	return o;
}

/* A string of the command's choosing as a JSON string (jansson wants UTF-8). */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	cleanup_free char *clean = rf_utf8_sanitize(s, strlen(s));
	return json_string(clean);
}

/* "violations": the count, and the first few (docs/events.md). */
static json_t *violations_object(const struct rf_run_result *r)
{
	struct rf_events_summary sum;
	rf_events_summary(r->events, &sum);
	json_t *v = json_object();
	json_object_set_new(v, "count", json_integer((json_int_t)(r->events ? sum.total : r->violations)));
	json_object_set_new(v, "distinct", json_integer((json_int_t)sum.distinct));
	json_object_set_new(v, "dropped", json_integer((json_int_t)sum.dropped));
	json_t *first = json_array();
	for (size_t i = 0; i < sum.n_first; i++) {
		const struct rf_violation_info *in = &sum.first[i];
		json_t *o = json_object();
		json_object_set_new(o, "operation", jstr(in->operation));
		json_object_set_new(o, "target", jstr(in->target));
		if (in->destination)
			json_object_set_new(o, "destination", jstr(in->destination));
		json_object_set_new(o, "rule", jstr(in->rule));
		json_object_set_new(o, "source", jstr(in->source));
		json_object_set_new(o, "pid", in->pid > 0 ? json_integer(in->pid) : json_null());
		json_object_set_new(o, "exe", in->exe && *in->exe ? jstr(in->exe) : json_null());
		json_object_set_new(o, "errno", jstr(in->errname));
		json_object_set_new(o, "count", json_integer((json_int_t)in->count));
		json_array_append_new(first, o);
	}
	json_object_set_new(v, "first", first);
	return v;
}

static json_t *events_object(const struct rf_run_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "run_id", jstr(rf_events_run_id(r->events)));
	json_object_set_new(o, "sink", jstr(rf_events_sink_name(r->events)));
	json_object_set_new(o, "error", jstr(rf_events_error(r->events)));
	return o;
}

int rf_run_result_write_json(const struct rf_run_result *r, const rf_policy *p, int fd)
{
	json_t *o = json_object();
	json_object_set_new(o, "exit_status", json_integer(r->exit_status));
	json_object_set_new(o, "exit_code", r->exit_code >= 0 ? json_integer(r->exit_code) : json_null());
	if (r->signal) {
		const char *abbrev = sigabbrev_np(r->signal);
		json_object_set_new(o, "signal", abbrev ? json_sprintf("SIG%s", abbrev) : json_integer(r->signal));
	} else {
		json_object_set_new(o, "signal", json_null());
	}
	json_object_set_new(o, "duration_s", json_real(r->duration));
	json_object_set_new(o, "sandbox_enforced", json_boolean(r->sandbox_enforced));
	json_object_set_new(o, "configured_backend", json_string(rf_backend_name(r->configured_backend)));
	json_object_set_new(o, "effective_backend", json_string(rf_effective_backend_name(r->effective_backend)));
	json_object_set_new(o, "fallback_reason", r->fallback_reason[0] ? json_string(r->fallback_reason) : json_null());
	json_object_set_new(o, "landlock_abi", json_integer(r->landlock_abi));
	if (p) {
		json_object_set_new(o, "sandbox_mode", json_string(rf_sandbox_mode_name(p->sandbox_mode)));
		json_object_set_new(o, "network", json_string(rf_network_mode_name(p->network)));
		/* config.h: the conversation mode and the agent of the run */
		const struct rf_settings *st = rf_settings_get(p);
		json_object_set_new(o, "conversation_mode", json_string(rf_conversation_mode_name(rf_policy_conversation_mode(p))));
		json_object_set_new(o, "agent", st && st->agent ? json_string(st->agent) : json_null());
	}
	json_object_set_new(o, "timed_out", json_boolean(r->timed_out));
	json_object_set_new(o, "limits", limits_object(&r->limits));
	json_object_set_new(o, "violations", violations_object(r));
	if (r->events)
		json_object_set_new(o, "events", events_object(r));
	json_object_set_new(o, "warnings", warnings_array(r->warnings));
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!s)
		return -1;
	size_t n = strlen(s);
	s[n] = '\0';
	int rc = rf_write_all(fd, s, n);
	if (rc == 0)
		rc = rf_write_all(fd, "\n", 1);
	free(s);
	return rc;
}
