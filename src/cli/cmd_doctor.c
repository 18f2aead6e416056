/* ringfence doctor [--json]: the checks of src/linux/doctor.c, printed.
 * Exit 0 only when the full sandbox is available (no check failed;
 * warnings are about optional features). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "doctor.h"

static void print_indented(const char *text, const char *prefix)
{
	for (const char *c = text; *c;) {
		size_t n = strcspn(c, "\n");
		printf("%s%.*s\n", prefix, (int)n, c);
		c += n + (c[n] == '\n');
	}
}

int rf_cli_doctor(const rf_policy *p, bool json, const char *config_error)
{
	struct rf_doctor d;
	enum rf_doctor_level worst = rf_doctor_run(p, config_error, &d);
	if (json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < d.n; i++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?}", "check", d.v[i].name, "level",
							   rf_doctor_level_name(d.v[i].level), "detail", d.v[i].detail,
							   "fix", d.v[i].fix[0] ? d.v[i].fix : NULL));
		json_object_set_new(o, "checks", a);
		json_object_set_new(o, "full_sandbox", json_boolean(worst != RF_DOCTOR_FAIL));
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		for (size_t i = 0; i < d.n; i++) {
			printf("[%-4s] %s: %s\n", rf_doctor_level_name(d.v[i].level), d.v[i].name, d.v[i].detail);
			if (d.v[i].fix[0]) {
				printf("       fix:\n");
				print_indented(d.v[i].fix, "         ");
			}
		}
		printf("\n%s\n", worst == RF_DOCTOR_FAIL ? "The full sandbox is NOT available on this machine (see FAIL above)."
			       : worst == RF_DOCTOR_WARN ? "The full sandbox is available; some optional features are not (see warn)."
							 : "The full sandbox is available.");
	}
	return worst == RF_DOCTOR_FAIL ? 1 : 0;
}
