/* ringfence status [--json]: the status document (src/linux/status.c),
 * as JSON or as text. Text and JSON come from the same document, so they
 * cannot disagree. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "policy.h"
#include "sandbox.h"
#include "status.h"

/* jansson's json_array_foreach, spelled out (static analysis sees through it) */
#define EACH(arr, i, it) for ((i) = 0; (i) < json_array_size(arr) && ((it) = json_array_get((arr), (i))); (i)++)

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void row(const char *label, const char *value, const char *source)
{
	if (source && *source)
		printf("  %-30s %-34s %s\n", label, value, source);
	else
		printf("  %-30s %s\n", label, value);
}

static void setting_row(const char *label, json_t *s)
{
	row(label, str(s, "value"), str(s, "source"));
}

static void list_rows(const char *label, json_t *arr, const char *key)
{
	size_t i;
	json_t *it;
	if (json_array_size(arr) == 0) {
		row(label, "(none)", NULL);
		return;
	}
	EACH(arr, i, it)
	{
		char v[600];
		const char *spec = str(it, "spec");
		const char *val = str(it, key);
		if (*spec && spec[0] != '/' && spec[0] != '~' && strcmp(spec, val) != 0)
			snprintf(v, sizeof v, "%s (%s)", spec, val); /* relative: say where */
		else if (*spec)
			snprintf(v, sizeof v, "%s", spec);
		else
			snprintf(v, sizeof v, "%s", val);
		row(i == 0 ? label : "", v, str(it, "source"));
	}
}

static void limit_row(const char *label, json_t *l)
{
	json_t *v = json_object_get(l, "value");
	char buf[80];
	if (json_is_null(v))
		snprintf(buf, sizeof buf, "none");
	else
		snprintf(buf, sizeof buf, "%g %s", json_number_value(v), str(l, "unit"));
	row(label, buf, str(l, "source"));
}

static void tools_row(const char *label, json_t *m)
{
	json_t *t = json_object_get(m, "tools");
	char buf[4096];
	size_t o = 0, i;
	json_t *it;
	buf[0] = '\0';
	EACH(t, i, it)
	{
		if (o < sizeof buf - 2)
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", str(it, "tool"));
	}
	row(label, "", str(m, "source"));
	/* wrapped, indented */
	const char *c = buf;
	while (*c) {
		size_t n = strlen(c);
		if (n > 76) {
			n = 76;
			while (n > 0 && c[n] != ' ')
				n--;
			if (n == 0)
				n = 76;
		}
		printf("      %.*s\n", (int)n, c);
		c += n;
		while (*c == ' ')
			c++;
	}
}

static void print_text(json_t *st)
{
	json_t *ws = json_object_get(st, "workspace");
	printf("ringfence %s status\n\n", str(st, "version"));
	printf("workspace\n");
	row("path", str(ws, "path"), str(ws, "source"));

	json_t *files = json_object_get(st, "config_files");
	printf("\nconfig files\n");
	json_t *g = json_object_get(files, "global"), *w = json_object_get(files, "workspace");
	row("global", str(g, "path"), str(g, "state"));
	char wstate[400];
	snprintf(wstate, sizeof wstate, "%s%s%s%s%s", str(w, "state"), *str(w, "rule") ? ", " : "", str(w, "rule"),
		 *str(w, "trusted_by") ? " (trusted_workspaces, " : "", *str(w, "trusted_by") ? str(w, "trusted_by") : "");
	if (*str(w, "trusted_by"))
		strncat(wstate, ")", sizeof wstate - strlen(wstate) - 1);
	row("workspace", str(w, "path"), wstate);

	json_t *be = json_object_get(st, "backend");
	printf("\nbackend\n");
	setting_row("configured", json_object_get(be, "configured"));
	row("effective", str(be, "effective"), NULL);
	if (*str(be, "reason"))
		row("reason", str(be, "reason"), NULL);
	json_t *af = json_object_get(be, "allow_fallback");
	row("allow_fallback", json_is_true(json_object_get(af, "value")) ? "true" : "false", str(af, "source"));

	json_t *k = json_object_get(st, "kernel");
	printf("\nkernel\n");
	char buf[600];
	if (json_is_true(json_object_get(k, "user_namespaces")))
		snprintf(buf, sizeof buf, "yes");
	else
		snprintf(buf, sizeof buf, "no: %s", str(k, "user_namespaces_reason"));
	row("user namespaces", buf, NULL);
	long long abi = json_integer_value(json_object_get(k, "landlock_abi"));
	if (abi > 0)
		snprintf(buf, sizeof buf, "ABI %lld (ringfence uses %lld)", abi,
			 json_integer_value(json_object_get(k, "landlock_abi_used")));
	else
		snprintf(buf, sizeof buf, "not available");
	row("landlock", buf, NULL);
	snprintf(buf, sizeof buf, "%s, user notification %s", json_is_true(json_object_get(k, "seccomp")) ? "yes" : "no",
		 json_is_true(json_object_get(k, "seccomp_user_notification")) ? "yes" : "no");
	row("seccomp", buf, NULL);

	printf("\nin use\n");
	size_t i;
	json_t *it;
	json_t *feat = json_object_get(st, "features_in_use");
	if (json_array_size(feat) == 0)
		printf("  nothing: %s\n", str(be, "effective"));
	EACH(feat, i, it)
		printf("  - %s\n", json_string_value(it));

	json_t *p = json_object_get(st, "policy");
	printf("\npolicy %*s source\n", 59, "");
	json_t *sm = json_object_get(p, "sandbox_mode");
	setting_row("sandbox_mode", sm);
	if (json_object_get(sm, "configured")) {
		json_t *c = json_object_get(sm, "configured");
		snprintf(buf, sizeof buf, "(configured: %s)", str(c, "value"));
		row("", buf, str(c, "source"));
	}
	setting_row("network", json_object_get(p, "network"));
	setting_row("mode (conversation)", json_object_get(p, "conversation_mode"));
	json_t *ag = json_object_get(p, "agent");
	row("agent", json_is_null(json_object_get(ag, "name")) ? "(none)" : str(ag, "name"), str(ag, "source"));
	json_t *caps = json_object_get(ag, "capabilities");
	EACH(caps, i, it)
	{
		snprintf(buf, sizeof buf, "%s: %s (%s)", str(it, "name"),
			 json_is_true(json_object_get(it, "granted")) ? "granted" : "withheld", str(it, "how"));
		row(i == 0 ? "capabilities" : "", buf, i == 0 ? str(ag, "capabilities_source") : NULL);
	}
	list_rows("writable roots", json_object_get(p, "writable_roots"), "path");
	list_rows("read-only grants", json_object_get(p, "read_only"), "path");
	list_rows("hidden", json_object_get(p, "hidden"), "path");
	list_rows("protected", json_object_get(p, "protected"), "path");
	list_rows("allowed domains", json_object_get(p, "allowed_domains"), "rule");
	list_rows("denied domains", json_object_get(p, "denied_domains"), "rule");
	list_rows("host ports", json_object_get(p, "host_ports"), "port");
	json_t *lim = json_object_get(p, "limits");
	limit_row("limits.timeout", json_object_get(lim, "timeout"));
	limit_row("limits.memory", json_object_get(lim, "memory"));
	limit_row("limits.pids", json_object_get(lim, "pids"));
	limit_row("limits.cpu", json_object_get(lim, "cpu"));
	json_t *md = json_object_get(p, "modes");
	tools_row("plan tools", json_object_get(md, "plan"));
	tools_row("review tools", json_object_get(md, "review"));
	json_t *cf = json_object_get(p, "confirmations");
	for (int ci = 0; ci < RF_CONFIRM_COUNT; ci++) {
		json_t *val = json_object_get(cf, rf_confirmation_names[ci]);
		char label[64];
		snprintf(label, sizeof label, "confirmations.%s", rf_confirmation_names[ci]);
		row(label, json_is_true(json_object_get(val, "enabled")) ? "on (NOT implemented yet)" : "off",
		    str(val, "source"));
	}
	json_t *win = json_object_get(p, "windows");
	setting_row("windows.sandbox", json_object_get(win, "sandbox"));
	row("windows.sandbox_initialized", json_is_true(json_object_get(json_object_get(win, "sandbox_initialized"), "value")) ? "true" : "false",
	    str(json_object_get(win, "sandbox_initialized"), "source"));
	row("windows.sandbox_private_desktop",
	    json_is_true(json_object_get(json_object_get(win, "sandbox_private_desktop"), "value")) ? "true" : "false",
	    str(json_object_get(win, "sandbox_private_desktop"), "source"));
	printf("  (the [windows] settings are used by the Windows backend only)\n");

	json_t *agents = json_object_get(st, "agents");
	if (json_array_size(agents)) {
		printf("\nagents defined\n");
		EACH(agents, i, it)
		{
			char caps_s[200] = "";
			size_t o = 0, j;
			json_t *c;
			EACH(json_object_get(it, "capabilities"), j, c)
				if (json_is_true(json_object_get(c, "granted")) && o < sizeof caps_s)
					o += (size_t)snprintf(caps_s + o, sizeof caps_s - o, "%s%s", o ? " " : "", str(c, "name"));
			row(str(it, "name"), caps_s[0] ? caps_s : "(no capabilities)", str(it, "source"));
			json_t *m = json_object_get(it, "mode"), *sbm = json_object_get(it, "sandbox_mode"),
			       *tc = json_object_get(it, "test_command");
			if (!json_is_null(m))
				row("  mode", str(m, "value"), str(m, "source"));
			if (!json_is_null(sbm))
				row("  sandbox_mode", str(sbm, "value"), str(sbm, "source"));
			if (!json_is_null(tc))
				row("  test_command", str(tc, "value"), str(tc, "source"));
		}
	}
	json_t *warn = json_object_get(st, "warnings");
	if (json_array_size(warn)) {
		printf("\nwarnings\n");
		EACH(warn, i, it)
			printf("  - %s\n", json_string_value(it));
	}
}

int rf_cli_status(const rf_policy *p, bool json)
{
	struct rf_probe pr;
	rf_probe_kernel(&pr, p->network != RF_NET_ONLINE);
	json_t *st = rf_status_build(p, &pr);
	if (json) {
		char *s = json_dumps(st, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		print_text(st);
	}
	json_decref(st);
	return 0;
}
