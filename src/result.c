/* The run result as one JSON object (the --json contract). */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
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
