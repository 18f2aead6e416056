/* ringfence explain [--json] PATH|HOST[:PORT]...: the library's answer
 * (rf_explain_path / rf_explain_host), printed. With --json, one object a
 * line per target. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "policy.h"
#include "config.h"

/* A path unless it looks like a host: absolute, ~, ./, a '/' anywhere, or
 * something that exists in the current directory. */
static bool looks_like_path(const char *t)
{
	struct stat st;
	return t[0] == '/' || t[0] == '~' || t[0] == '.' || strchr(t, '/') || lstat(t, &st) == 0;
}

static void print_json(const struct rf_explanation *x, const char *asked)
{
	json_t *o = json_object();
	json_object_set_new(o, "asked", json_string(asked));
	json_object_set_new(o, "kind", json_string(x->is_host ? "host" : "path"));
	json_object_set_new(o, "target", json_string(x->target));
	if (x->is_host) {
		json_object_set_new(o, "connect", json_boolean(x->connect));
	} else {
		json_object_set_new(o, "exists", json_boolean(x->exists));
		json_object_set_new(o, "read", json_boolean(x->read));
		json_object_set_new(o, "write", json_boolean(x->write));
		json_object_set_new(o, "exec", json_boolean(x->exec));
	}
	json_object_set_new(o, "rule", json_string(x->rule));
	json_object_set_new(o, "source", json_string(x->source));
	json_object_set_new(o, "detail", json_string(x->detail));
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

static void print_text(const rf_policy *p, const struct rf_explanation *x)
{
	printf("%s\n", x->target);
	if (x->is_host) {
		printf("  connect  %s\n", x->connect ? "allowed" : "denied");
	} else {
		if (!x->exists)
			printf("  exists   no (when the command starts)\n");
		printf("  read     %s\n", x->read ? "allowed" : "denied");
		printf("  write    %s\n", x->write ? "allowed" : "denied");
		if (rf_policy_conversation_mode(p) != RF_MODE_CHAT)
			printf("  execute  %s (%s mode: only its tools run)\n", x->exec ? "allowed" : "denied",
			       rf_conversation_mode_name(rf_policy_conversation_mode(p)));
	}
	printf("  rule     %s\n", x->rule);
	printf("  source   %s\n", x->source);
	if (x->detail[0])
		printf("  why      %s\n", x->detail);
}

int rf_cli_explain(const rf_policy *p, bool json, int argc, char **argv)
{
	if (argc < 1)
		die("explain needs a PATH or HOST[:PORT] (usage: ringfence explain [OPTIONS] [--json] PATH|HOST[:PORT]...)");
	for (int i = 0; i < argc; i++) {
		struct rf_explanation x;
		struct rf_error e = {0};
		int rc = looks_like_path(argv[i]) ? rf_explain_path(p, argv[i], &x, &e) : rf_explain_host(p, argv[i], &x, &e);
		if (rc < 0)
			die("cannot explain %s: %s", argv[i], e.msg);
		if (json)
			print_json(&x, argv[i]);
		else
			print_text(p, &x);
		if (!json && i + 1 < argc)
			printf("\n");
	}
	return 0;
}
