/* The config file schema: TOML text -> struct rf_config_layer. See config.h
 * and docs/config.md.
 *
 * Every key is known or an error, every value has its type or it is an
 * error, and every error names FILE:LINE:COL: a config that ringfence
 * misread would be a policy nobody chose. Nothing here touches the policy or
 * the filesystem; rf_config_apply() (config_apply.c) does. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "units.h"
#include "util.h"

const char *const rf_capability_names[RF_CAP_COUNT] = {"push_to_repo", "github_api", "ticketing", "network_egress"};
const char *const rf_confirmation_names[RF_CONFIRM_COUNT] = {"force_push", "branch_delete", "large_file_ops",
							     "privileged_api"};

static const char *const sandbox_mode_names[] = {"read-only", "workspace-write", "danger-full-access", NULL};
static const char *const network_mode_names[] = {"offline", "allowlist", "online", NULL};
static const char *const conversation_mode_names[] = {"chat", "plan", "review", NULL};
static const char *const backend_names[] = {"native", "none", NULL};
static const char *const win_sandbox_names[] = {"unelevated", "elevated", NULL};

struct ctx {
	const char *file;
	enum rf_config_origin origin;
	struct rf_config_layer *l;
	struct rf_error *e;
};

static int fail_at(const struct ctx *c, struct rf_cfg_pos at, const char *fmt, ...) RF_PRINTF(3, 4);
static int fail_at(const struct ctx *c, struct rf_cfg_pos at, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rf_fail(c->e, 0, "%s:%u:%u: %s", c->file, at.line, at.col, msg);
}

static struct rf_cfg_pos key_pos(const struct rf_toml_entry *en)
{
	return (struct rf_cfg_pos){en->line, en->column};
}

static struct rf_cfg_pos value_pos(const struct rf_toml_value *v)
{
	return (struct rf_cfg_pos){rf_toml_line(v), rf_toml_column(v)};
}

char *rf_config_source(const char *file, struct rf_cfg_pos at)
{
	return rf_xasprintf("%s:%u", file, at.line);
}

/* A key as text for messages (keys may hold anything, NULs included). */
static void key_text(const struct rf_toml_entry *en, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < en->key_len && o + 5 < cap; i++) {
		unsigned char ch = (unsigned char)en->key[i];
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
}

static bool key_is(const struct rf_toml_entry *en, const char *name)
{
	return en->key_len == strlen(name) && memcmp(en->key, name, en->key_len) == 0;
}

static int unknown_key(const struct ctx *c, const struct rf_toml_entry *en, const char *where, const char *known)
{
	char k[200];
	key_text(en, k, sizeof k);
	return fail_at(c, key_pos(en), "unknown key '%s'%s%s (known: %s)", k, where[0] ? " in " : "", where, known);
}

static int want_type(const struct ctx *c, const struct rf_toml_value *v, enum rf_toml_type t, const char *name,
		     const char *what)
{
	if (rf_toml_type(v) == t)
		return 0;
	return fail_at(c, value_pos(v), "%s must be %s, not %s", name, what, rf_toml_type_name(rf_toml_type(v)));
}

/* A string without NULs (C consumers would cut it short). */
static int get_string(const struct ctx *c, const struct rf_toml_value *v, const char *name, const char **out)
{
	if (want_type(c, v, RF_TOML_STRING, name, "a string") < 0)
		return -1;
	size_t len;
	const char *s = rf_toml_string(v, &len);
	if (strlen(s) != len)
		return fail_at(c, value_pos(v), "%s must not contain NUL characters", name);
	*out = s;
	return 0;
}

static int get_bool(const struct ctx *c, const struct rf_toml_value *v, const char *name, struct rf_cfg_int *out)
{
	if (want_type(c, v, RF_TOML_BOOL, name, "a boolean (true or false)") < 0)
		return -1;
	out->v = rf_toml_bool(v) ? 1 : 0;
	out->at = value_pos(v);
	return 0;
}

static void join_names(const char *const *names, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; names[i] && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", names[i]);
}

static int get_enum(const struct ctx *c, const struct rf_toml_value *v, const char *name, const char *const *names,
		    struct rf_cfg_int *out)
{
	const char *s;
	if (get_string(c, v, name, &s) < 0)
		return -1;
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			out->v = i;
			out->at = value_pos(v);
			return 0;
		}
	}
	char list[200];
	join_names(names, list, sizeof list);
	return fail_at(c, value_pos(v), "%s = \"%.100s\": expected one of %s", name, s, list);
}

static int get_strings(const struct ctx *c, const struct rf_toml_entry *en, const char *name,
		       struct rf_cfg_strs *out)
{
	const struct rf_toml_value *v = en->value;
	if (want_type(c, v, RF_TOML_ARRAY, name, "an array of strings") < 0)
		return -1;
	size_t n = rf_toml_array_len(v);
	out->set = true;
	out->at = key_pos(en);
	out->v = rf_xcalloc(n + 1, sizeof *out->v);
	out->pos = rf_xcalloc(n + 1, sizeof *out->pos);
	for (size_t i = 0; i < n; i++) {
		const struct rf_toml_value *it = rf_toml_array_at(v, i);
		char iname[160];
		snprintf(iname, sizeof iname, "each element of %s", name);
		const char *s;
		if (get_string(c, it, iname, &s) < 0)
			return -1;
		if (!*s)
			return fail_at(c, value_pos(it), "%s: empty string", name);
		out->v[out->n] = rf_xstrdup(s);
		out->pos[out->n] = value_pos(it);
		out->n++;
	}
	return 0;
}

static void strs_free(struct rf_cfg_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->pos);
	memset(s, 0, sizeof *s);
}

/* ---- value checks shared by several keys ---- */

/* Paths: the global file has no directory of reference, so only absolute
 * paths and ~/...; a workspace file may also use paths relative to the
 * workspace. */
static int check_paths(const struct ctx *c, const struct rf_cfg_strs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *p = s->v[i];
		bool home = p[0] == '~' && (p[1] == '/' || p[1] == '\0');
		if (p[0] == '/' || home)
			continue;
		if (p[0] == '~')
			return fail_at(c, s->pos[i], "%s: '%s': only ~/ is expanded (~user is not)", name, p);
		if (c->origin == RF_CONFIG_GLOBAL)
			return fail_at(c, s->pos[i],
				       "%s: '%s' is relative; in the global file paths must be absolute or start with ~/",
				       name, p);
	}
	return 0;
}

static int check_protected(const struct ctx *c, const struct rf_cfg_strs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *p = s->v[i];
		if (p[0] == '/' || p[0] == '~')
			return fail_at(c, s->pos[i],
				       "filesystem.protected: '%s' must be relative to a writable root (like \".git/hooks\")",
				       p);
		for (const char *k = p; *k;) {
			size_t n = strcspn(k, "/");
			if (n == 2 && k[0] == '.' && k[1] == '.')
				return fail_at(c, s->pos[i], "filesystem.protected: '%s' must not contain '..'", p);
			k += n + (k[n] == '/');
		}
	}
	return 0;
}

/* Domain rules: "name", "*.name", optionally ":PORT"; the proxy (net/)
 * interprets them, this only refuses what cannot be a rule at all. */
static int check_domains(const struct ctx *c, const struct rf_cfg_strs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *d = s->v[i];
		if (strstr(d, "://") || strchr(d, '/'))
			return fail_at(c, s->pos[i], "%s: '%s' is a URL; write the host name only (\"example.com\", \"*.example.com:443\")",
				       name, d);
		for (const char *k = d; *k; k++)
			if ((unsigned char)*k <= 0x20 || *k == 0x7f)
				return fail_at(c, s->pos[i], "%s: '%s' contains blanks or control characters", name, d);
		const char *star = strchr(d, '*');
		if (star && (star != d || d[1] != '.' || strchr(d + 1, '*')))
			return fail_at(c, s->pos[i], "%s: '%s': '*' is only allowed as a leading \"*.\" (subdomains)", name,
				       d);
		/* the port: "host:PORT", "[v6]:PORT"; a bare IPv6 address has none */
		const char *port = NULL;
		if (d[0] == '[') {
			const char *close = strchr(d, ']');
			if (!close || close == d + 1 || (close[1] && close[1] != ':'))
				return fail_at(c, s->pos[i], "%s: '%s': expected [IPv6] or [IPv6]:PORT", name, d);
			port = close[1] ? close + 2 : NULL;
		} else if (strchr(d, ':') && strchr(d, ':') == strrchr(d, ':')) {
			port = strchr(d, ':') + 1;
			if (port == d + 1)
				return fail_at(c, s->pos[i], "%s: '%s' has no host name", name, d);
		}
		if (port) {
			char *end;
			long v = strtol(port, &end, 10);
			if (*port < '0' || *port > '9' || *end || v < 1 || v > 65535)
				return fail_at(c, s->pos[i], "%s: '%s': the port must be 1-65535", name, d);
		}
	}
	return 0;
}

static int check_tools(const struct ctx *c, const struct rf_cfg_strs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], "@default") == 0)
			continue;
		struct rf_tool t;
		struct rf_error te;
		if (rf_tool_parse(s->v[i], NULL, &t, &te) < 0)
			return fail_at(c, s->pos[i], "%s: %s", name, te.msg);
		rf_tool_free(&t);
	}
	return 0;
}

/* ---- tables ---- */

static int want_table(const struct ctx *c, const struct rf_toml_entry *en, const char *name)
{
	if (rf_toml_type(en->value) == RF_TOML_TABLE)
		return 0;
	return fail_at(c, value_pos(en->value), "%s must be a table ([%s]), not %s", name, name,
		       rf_toml_type_name(rf_toml_type(en->value)));
}

static int parse_sandbox_workspace_write(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		if (key_is(en, "writable_roots")) {
			if (get_strings(c, en, "sandbox_workspace_write.writable_roots", &c->l->writable_roots) < 0 ||
			    check_paths(c, &c->l->writable_roots, "sandbox_workspace_write.writable_roots") < 0)
				return -1;
		} else if (key_is(en, "network_access")) {
			if (get_bool(c, en->value, "sandbox_workspace_write.network_access", &c->l->network_access) < 0)
				return -1;
		} else {
			return unknown_key(c, en, "[sandbox_workspace_write]", "writable_roots, network_access");
		}
	}
	return 0;
}

static int parse_filesystem(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		if (key_is(en, "hidden")) {
			if (get_strings(c, en, "filesystem.hidden", &c->l->hidden) < 0 ||
			    check_paths(c, &c->l->hidden, "filesystem.hidden") < 0)
				return -1;
		} else if (key_is(en, "read_only")) {
			if (get_strings(c, en, "filesystem.read_only", &c->l->read_only) < 0 ||
			    check_paths(c, &c->l->read_only, "filesystem.read_only") < 0)
				return -1;
		} else if (key_is(en, "protected")) {
			if (get_strings(c, en, "filesystem.protected", &c->l->protected_paths) < 0 ||
			    check_protected(c, &c->l->protected_paths) < 0)
				return -1;
		} else {
			return unknown_key(c, en, "[filesystem]", "hidden, read_only, protected");
		}
	}
	return 0;
}

static int parse_host_ports(const struct ctx *c, const struct rf_toml_entry *en)
{
	const struct rf_toml_value *v = en->value;
	if (want_type(c, v, RF_TOML_ARRAY, "network.host_ports", "an array of port numbers") < 0)
		return -1;
	struct rf_cfg_ints *out = &c->l->host_ports;
	size_t n = rf_toml_array_len(v);
	out->set = true;
	out->at = key_pos(en);
	out->v = rf_xcalloc(n + 1, sizeof *out->v);
	out->pos = rf_xcalloc(n + 1, sizeof *out->pos);
	for (size_t i = 0; i < n; i++) {
		const struct rf_toml_value *it = rf_toml_array_at(v, i);
		if (want_type(c, it, RF_TOML_INTEGER, "each element of network.host_ports", "an integer") < 0)
			return -1;
		int64_t port = rf_toml_int(it);
		if (port < 1 || port > 65535)
			return fail_at(c, value_pos(it), "network.host_ports: %lld is not a TCP port (1-65535)",
				       (long long)port);
		out->v[out->n] = port;
		out->pos[out->n] = value_pos(it);
		out->n++;
	}
	return 0;
}

static int parse_network(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		if (key_is(en, "mode")) {
			if (get_enum(c, en->value, "network.mode", network_mode_names, &c->l->network_mode) < 0)
				return -1;
		} else if (key_is(en, "allowed_domains")) {
			if (get_strings(c, en, "network.allowed_domains", &c->l->allowed_domains) < 0 ||
			    check_domains(c, &c->l->allowed_domains, "network.allowed_domains") < 0)
				return -1;
		} else if (key_is(en, "denied_domains")) {
			if (get_strings(c, en, "network.denied_domains", &c->l->denied_domains) < 0 ||
			    check_domains(c, &c->l->denied_domains, "network.denied_domains") < 0)
				return -1;
		} else if (key_is(en, "host_ports")) {
			if (parse_host_ports(c, en) < 0)
				return -1;
		} else {
			return unknown_key(c, en, "[network]", "mode, allowed_domains, denied_domains, host_ports");
		}
	}
	return 0;
}

static bool valid_agent_name(const struct rf_toml_entry *en)
{
	if (en->key_len == 0 || en->key_len > 64)
		return false;
	for (size_t i = 0; i < en->key_len; i++) {
		char ch = en->key[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

static int parse_capabilities(const struct ctx *c, const struct rf_toml_entry *en, struct rf_cfg_agent *a,
			      const char *name)
{
	if (get_strings(c, en, name, &a->capabilities) < 0)
		return -1;
	a->caps = 0;
	for (size_t i = 0; i < a->capabilities.n; i++) {
		unsigned bit = 0;
		for (unsigned k = 0; k < RF_CAP_COUNT; k++)
			if (strcmp(a->capabilities.v[i], rf_capability_names[k]) == 0)
				bit = 1u << k;
		if (!bit)
			return fail_at(c, a->capabilities.pos[i],
				       "%s: unknown capability '%s' (known: push_to_repo, github_api, ticketing, network_egress)",
				       name, a->capabilities.v[i]);
		if (a->caps & bit)
			return fail_at(c, a->capabilities.pos[i], "%s: '%s' is listed twice", name, a->capabilities.v[i]);
		a->caps |= bit;
	}
	return 0;
}

static int parse_agent(const struct ctx *c, const struct rf_toml_entry *agent_en)
{
	char aname[80];
	key_text(agent_en, aname, sizeof aname);
	if (!valid_agent_name(agent_en))
		return fail_at(c, key_pos(agent_en), "agents.%s: an agent name is 1-64 letters, digits, '-', '_' or '.'",
			       aname);
	char tname[120];
	snprintf(tname, sizeof tname, "agents.%s", aname);
	if (want_table(c, agent_en, tname) < 0)
		return -1;
	struct rf_config_layer *l = c->l;
	l->agents = rf_xrealloc(l->agents, (l->n_agents + 1) * sizeof *l->agents);
	struct rf_cfg_agent *a = &l->agents[l->n_agents++];
	*a = (struct rf_cfg_agent){
		.name = rf_xstrdup(aname),
		.at = key_pos(agent_en),
		.mode = {-1, {0, 0}},
		.sandbox_mode = {-1, {0, 0}},
	};
	const struct rf_toml_value *t = agent_en->value;
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		char name[200];
		char k[80];
		key_text(en, k, sizeof k);
		snprintf(name, sizeof name, "agents.%s.%s", aname, k);
		if (key_is(en, "capabilities")) {
			if (parse_capabilities(c, en, a, name) < 0)
				return -1;
		} else if (key_is(en, "mode")) {
			if (get_enum(c, en->value, name, conversation_mode_names, &a->mode) < 0)
				return -1;
		} else if (key_is(en, "sandbox_mode")) {
			if (get_enum(c, en->value, name, sandbox_mode_names, &a->sandbox_mode) < 0)
				return -1;
		} else if (key_is(en, "test_command")) {
			const char *s;
			if (get_string(c, en->value, name, &s) < 0)
				return -1;
			struct rf_tool tool;
			struct rf_error te;
			if (rf_tool_parse(s, NULL, &tool, &te) < 0)
				return fail_at(c, value_pos(en->value), "%s: %s", name, te.msg);
			rf_tool_free(&tool);
			a->test_command = rf_xstrdup(s);
			a->test_command_at = value_pos(en->value);
		} else {
			char where[120];
			snprintf(where, sizeof where, "[agents.%s]", aname);
			return unknown_key(c, en, where, "capabilities, mode, sandbox_mode, test_command");
		}
	}
	return 0;
}

static int parse_agents(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++)
		if (parse_agent(c, rf_toml_table_at(t, i)) < 0)
			return -1;
	return 0;
}

static int parse_confirmations(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		int k = -1;
		for (int j = 0; j < RF_CONFIRM_COUNT; j++)
			if (key_is(en, rf_confirmation_names[j]))
				k = j;
		if (k < 0)
			return unknown_key(c, en, "[confirmations]", "force_push, branch_delete, large_file_ops, privileged_api");
		char name[80];
		snprintf(name, sizeof name, "confirmations.%s", rf_confirmation_names[k]);
		if (get_bool(c, en->value, name, &c->l->confirm[k]) < 0)
			return -1;
	}
	return 0;
}

static int parse_windows(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		if (key_is(en, "sandbox")) {
			if (get_enum(c, en->value, "windows.sandbox", win_sandbox_names, &c->l->win_sandbox) < 0)
				return -1;
		} else if (key_is(en, "sandbox_initialized")) {
			if (c->origin == RF_CONFIG_WORKSPACE)
				return fail_at(c, key_pos(en),
					       "windows.sandbox_initialized records this machine's setup; it is read only from the global file");
			if (get_bool(c, en->value, "windows.sandbox_initialized", &c->l->win_initialized) < 0)
				return -1;
		} else if (key_is(en, "sandbox_private_desktop")) {
			if (get_bool(c, en->value, "windows.sandbox_private_desktop", &c->l->win_private_desktop) < 0)
				return -1;
		} else {
			return unknown_key(c, en, "[windows]", "sandbox, sandbox_initialized, sandbox_private_desktop");
		}
	}
	return 0;
}

static int parse_backend(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		if (key_is(en, "type")) {
			if (get_enum(c, en->value, "backend.type", backend_names, &c->l->backend) < 0)
				return -1;
		} else if (key_is(en, "allow_fallback")) {
			if (get_bool(c, en->value, "backend.allow_fallback", &c->l->allow_fallback) < 0)
				return -1;
		} else {
			return unknown_key(c, en, "[backend]", "type, allow_fallback");
		}
	}
	return 0;
}

static int parse_limit(const struct ctx *c, const struct rf_toml_entry *en, const char *name, struct rf_cfg_limit *out)
{
	const struct rf_toml_value *v = en->value;
	enum rf_toml_type t = rf_toml_type(v);
	struct rf_error ue;
	out->set = true;
	out->at = value_pos(v);
	if (strcmp(name, "limits.timeout") == 0) {
		if (t == RF_TOML_INTEGER || t == RF_TOML_FLOAT) {
			out->seconds = t == RF_TOML_INTEGER ? (double)rf_toml_int(v) : rf_toml_float(v);
			if (!(out->seconds >= 0))
				return fail_at(c, out->at, "%s must not be negative", name);
		} else if (t == RF_TOML_STRING) {
			const char *s;
			if (get_string(c, v, name, &s) < 0)
				return -1;
			if (rf_parse_duration(s, &out->seconds, &ue) < 0)
				return fail_at(c, out->at, "%s: %s", name, ue.msg);
		} else {
			return fail_at(c, out->at, "%s must be a number of seconds or a string like \"10m\", not %s", name,
				       rf_toml_type_name(t));
		}
		if (out->seconds > 365.0 * 24 * 3600)
			return fail_at(c, out->at, "%s: more than a year", name);
	} else if (strcmp(name, "limits.memory") == 0) {
		if (t == RF_TOML_INTEGER) {
			if (rf_toml_int(v) < 0)
				return fail_at(c, out->at, "%s must not be negative", name);
			out->amount = (unsigned long long)rf_toml_int(v);
		} else if (t == RF_TOML_STRING) {
			const char *s;
			if (get_string(c, v, name, &s) < 0)
				return -1;
			if (rf_parse_size(s, &out->amount, &ue) < 0)
				return fail_at(c, out->at, "%s: %s", name, ue.msg);
		} else {
			return fail_at(c, out->at, "%s must be a number of bytes or a string like \"2GiB\", not %s", name,
				       rf_toml_type_name(t));
		}
		if (out->amount != 0 && out->amount < (1ULL << 20))
			return fail_at(c, out->at, "%s: %llu bytes is below 1 MiB", name, out->amount);
	} else if (strcmp(name, "limits.pids") == 0) {
		if (want_type(c, v, RF_TOML_INTEGER, name, "an integer") < 0)
			return -1;
		if (rf_toml_int(v) < 0 || rf_toml_int(v) > 4194304)
			return fail_at(c, out->at, "%s must be 0 (no limit) to 4194304", name);
		if (rf_toml_int(v) == 1)
			return fail_at(c, out->at, "%s = 1 leaves no room for the command (the sandbox's init counts)", name);
		out->amount = (unsigned long long)rf_toml_int(v);
	} else { /* cpu */
		if (t == RF_TOML_INTEGER)
			out->cpus = (double)rf_toml_int(v);
		else if (t == RF_TOML_FLOAT)
			out->cpus = rf_toml_float(v);
		else
			return fail_at(c, out->at, "%s must be a number of CPUs (like 1.5), not %s", name, rf_toml_type_name(t));
		if (!(out->cpus >= 0) || out->cpus > 4096)
			return fail_at(c, out->at, "%s must be 0 (no limit) to 4096", name);
	}
	return 0;
}

static int parse_limits(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		int rc;
		if (key_is(en, "timeout"))
			rc = parse_limit(c, en, "limits.timeout", &c->l->timeout);
		else if (key_is(en, "memory"))
			rc = parse_limit(c, en, "limits.memory", &c->l->memory);
		else if (key_is(en, "pids"))
			rc = parse_limit(c, en, "limits.pids", &c->l->pids);
		else if (key_is(en, "cpu"))
			rc = parse_limit(c, en, "limits.cpu", &c->l->cpu);
		else
			return unknown_key(c, en, "[limits]", "timeout, memory, pids, cpu");
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_mode_table(const struct ctx *c, const struct rf_toml_entry *mode_en, struct rf_cfg_strs *tools,
			    const char *mname)
{
	char tname[40];
	snprintf(tname, sizeof tname, "modes.%s", mname);
	if (want_table(c, mode_en, tname) < 0)
		return -1;
	const struct rf_toml_value *t = mode_en->value;
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		char name[60];
		snprintf(name, sizeof name, "modes.%s.tools", mname);
		if (!key_is(en, "tools")) {
			char where[40];
			snprintf(where, sizeof where, "[modes.%s]", mname);
			return unknown_key(c, en, where, "tools");
		}
		if (get_strings(c, en, name, tools) < 0 || check_tools(c, tools, name) < 0)
			return -1;
	}
	return 0;
}

static int parse_modes(const struct ctx *c, const struct rf_toml_value *t)
{
	for (size_t i = 0; i < rf_toml_table_len(t); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(t, i);
		int rc;
		if (key_is(en, "plan"))
			rc = parse_mode_table(c, en, &c->l->plan_tools, "plan");
		else if (key_is(en, "review"))
			rc = parse_mode_table(c, en, &c->l->review_tools, "review");
		else
			return unknown_key(c, en, "[modes]", "plan, review (chat mode has no settings)");
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_root(const struct ctx *c, const struct rf_toml_value *root)
{
	static const struct {
		const char *name;
		int (*parse)(const struct ctx *, const struct rf_toml_value *);
	} tables[] = {
		{"sandbox_workspace_write", parse_sandbox_workspace_write},
		{"filesystem", parse_filesystem},
		{"network", parse_network},
		{"agents", parse_agents},
		{"confirmations", parse_confirmations},
		{"windows", parse_windows},
		{"backend", parse_backend},
		{"limits", parse_limits},
		{"modes", parse_modes},
	};
	for (size_t i = 0; i < rf_toml_table_len(root); i++) {
		const struct rf_toml_entry *en = rf_toml_table_at(root, i);
		if (key_is(en, "sandbox_mode")) {
			if (get_enum(c, en->value, "sandbox_mode", sandbox_mode_names, &c->l->sandbox_mode) < 0)
				return -1;
			continue;
		}
		if (key_is(en, "trusted_workspaces")) {
			if (c->origin == RF_CONFIG_WORKSPACE)
				return fail_at(c, key_pos(en),
					       "trusted_workspaces is read only from the global file (a workspace cannot trust itself)");
			if (get_strings(c, en, "trusted_workspaces", &c->l->trusted_workspaces) < 0 ||
			    check_paths(c, &c->l->trusted_workspaces, "trusted_workspaces") < 0)
				return -1;
			continue;
		}
		bool found = false;
		for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
			if (!key_is(en, tables[k].name))
				continue;
			found = true;
			if (want_table(c, en, tables[k].name) < 0 || tables[k].parse(c, en->value) < 0)
				return -1;
		}
		if (!found)
			return unknown_key(c, en, "",
					   "sandbox_mode, trusted_workspaces, [sandbox_workspace_write], [filesystem], "
					   "[network], [agents.NAME], [confirmations], [windows], [backend], [limits], [modes]");
	}
	if (c->l->network_access.v >= 0 && c->l->network_mode.v >= 0)
		return fail_at(c, c->l->network_access.at,
			       "sandbox_workspace_write.network_access and network.mode (line %u) both set the network; keep one",
			       c->l->network_mode.at.line);
	return 0;
}

static void layer_init(struct rf_config_layer *l, const char *file, enum rf_config_origin origin, const char *base_dir)
{
	memset(l, 0, sizeof *l);
	l->file = rf_xstrdup(file);
	l->origin = origin;
	l->base_dir = base_dir ? rf_xstrdup(base_dir) : NULL;
	struct rf_cfg_int *ints[] = {&l->sandbox_mode, &l->network_access, &l->network_mode, &l->win_sandbox,
				     &l->win_initialized, &l->win_private_desktop, &l->backend, &l->allow_fallback};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		ints[i]->v = -1;
	for (int i = 0; i < RF_CONFIRM_COUNT; i++)
		l->confirm[i].v = -1;
}

int rf_config_parse(const char *text, size_t len, const char *file, enum rf_config_origin origin,
		    const char *base_dir, struct rf_config_layer *out, struct rf_error *e)
{
	layer_init(out, file, origin, base_dir);
	struct rf_toml_value *root = rf_toml_parse(text, len, file, e);
	if (!root) {
		rf_config_layer_free(out);
		return -1; /* the reader's message is already "FILE:LINE:COL: reason" */
	}
	struct ctx c = {.file = file, .origin = origin, .l = out, .e = e};
	int rc = parse_root(&c, root);
	rf_toml_free(root);
	if (rc < 0)
		rf_config_layer_free(out);
	return rc;
}

void rf_config_layer_free(struct rf_config_layer *l)
{
	free(l->file);
	free(l->base_dir);
	strs_free(&l->writable_roots);
	strs_free(&l->hidden);
	strs_free(&l->read_only);
	strs_free(&l->protected_paths);
	strs_free(&l->allowed_domains);
	strs_free(&l->denied_domains);
	free(l->host_ports.v);
	free(l->host_ports.pos);
	for (size_t i = 0; i < l->n_agents; i++) {
		free(l->agents[i].name);
		strs_free(&l->agents[i].capabilities);
		free(l->agents[i].test_command);
	}
	free(l->agents);
	strs_free(&l->trusted_workspaces);
	strs_free(&l->plan_tools);
	strs_free(&l->review_tools);
	memset(l, 0, sizeof *l);
}
