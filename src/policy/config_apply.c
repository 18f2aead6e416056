/* A parsed config layer applied to the policy, and the narrow-only rule for
 * workspace files (DESIGN.md §1: a cloned repository must not be able to
 * widen its own sandbox).
 *
 * Merge semantics (the same for every file, trusted or not):
 *  - scalars replace what came before;
 *  - lists that restrict (filesystem.hidden, .protected, .read_only,
 *    network.denied_domains) add to what came before;
 *  - lists that grant (writable_roots, network.allowed_domains,
 *    network.host_ports, modes.*.tools, an agent's capabilities) replace:
 *    in a workspace file they say what this workspace needs.
 *
 * An untrusted workspace file is proven narrow before anything of it is
 * applied: each value is compared with what the defaults and the global
 * file made of the policy, in the direction that matters for that key (see
 * the table in docs/config.md). The first widening is the error, naming the
 * key and FILE:LINE:COL. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

struct actx {
	rf_policy *p;
	struct rf_settings *s;
	const struct rf_config_layer *l;
	struct rf_error *e;
};

static int fail_at(const struct actx *c, struct rf_cfg_pos at, const char *fmt, ...) RF_PRINTF(3, 4);
static int fail_at(const struct actx *c, struct rf_cfg_pos at, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rf_fail(c->e, 0, "%s:%u:%u: %s", c->l->file, at.line, at.col, msg);
}

/* The message every widening ends with. */
static int widening(const struct actx *c, struct rf_cfg_pos at, const char *what, const char *global_says)
{
	return fail_at(c, at,
		       "%s would widen the policy (%s); a workspace file can only narrow it. To allow this, "
		       "list %s in trusted_workspaces of the global config file",
		       what, global_says, c->l->base_dir ? c->l->base_dir : "the workspace");
}

static char *src_of(const struct actx *c, struct rf_cfg_pos at)
{
	return rf_config_source(c->l->file, at);
}

static const char *src_or_default(const char *s)
{
	return s ? s : "default";
}

/* A path of a config file as an absolute path, symlinks resolved where the
 * path exists (a symlink inside the workspace pointing out of it is judged
 * by where it points). */
static char *resolve_config_path(const struct actx *c, const char *spec, bool resolve_links)
{
	struct rf_error ignored;
	char *abs = rf_policy_expand_path(spec, c->p->home, c->l->base_dir, &ignored);
	if (!abs || !resolve_links)
		return abs;
	char *real = rf_realpath(abs);
	if (real) {
		free(abs);
		return real;
	}
	return abs;
}

static bool within_any(const char *path, const struct rf_path_rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		cleanup_free char *real = rf_realpath(r->v[i].path);
		if (rf_path_is_within(path, real ? real : r->v[i].path))
			return true;
	}
	return false;
}

/* ---- domains: does rule `wide` allow every connection rule `narrow` allows? ---- */

struct domain {
	char host[300];
	int port; /* 0 = any */
	bool wildcard; /* "*.host": subdomains of host only */
};

static void parse_domain(const char *rule, struct domain *d)
{
	memset(d, 0, sizeof *d);
	const char *h = rule;
	if (h[0] == '*' && h[1] == '.') {
		d->wildcard = true;
		h += 2;
	}
	const char *port = NULL;
	size_t hl = strlen(h);
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		if (close) {
			hl = (size_t)(close - h + 1);
			if (close[1] == ':')
				port = close + 2;
		}
	} else if (strchr(h, ':') && strchr(h, ':') == strrchr(h, ':')) {
		port = strchr(h, ':') + 1;
		hl = (size_t)(port - 1 - h);
	}
	if (hl >= sizeof d->host)
		hl = sizeof d->host - 1;
	for (size_t i = 0; i < hl; i++)
		d->host[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
	d->host[hl] = '\0';
	size_t n = strlen(d->host);
	if (n > 1 && d->host[n - 1] == '.')
		d->host[n - 1] = '\0';
	d->port = port ? atoi(port) : 0;
}

/* Is `name` a strict subdomain of `parent`? */
static bool is_subdomain(const char *name, const char *parent)
{
	size_t n = strlen(name), p = strlen(parent);
	return n > p + 1 && name[n - p - 1] == '.' && strcmp(name + n - p, parent) == 0;
}

static bool domain_covers(const char *wide_rule, const char *narrow_rule)
{
	struct domain w, n;
	parse_domain(wide_rule, &w);
	parse_domain(narrow_rule, &n);
	if (w.port && w.port != n.port)
		return false;
	if (!w.wildcard)
		return !n.wildcard && strcmp(w.host, n.host) == 0;
	/* *.x covers a.x, *.a.x and *.x itself, never x */
	if (n.wildcard)
		return strcmp(n.host, w.host) == 0 || is_subdomain(n.host, w.host);
	return is_subdomain(n.host, w.host);
}

/* ---- tools ---- */

/* A layer's tool strings as a list, "@default" expanded. */
static int tools_from(const struct actx *c, const struct rf_cfg_strs *strs, struct rf_tool_list *out)
{
	for (size_t i = 0; i < strs->n; i++) {
		if (strcmp(strs->v[i], "@default") == 0) {
			rf_tools_add_defaults(out);
			continue;
		}
		cleanup_free char *src = src_of(c, strs->pos[i]);
		if (rf_tools_add(out, strs->v[i], src, c->e) < 0)
			return fail_at(c, strs->pos[i], "%s", c->e->msg);
	}
	return 0;
}

static const struct rf_tool_list *current_review_tools(const struct rf_settings *s)
{
	return s->review_tools_set ? &s->review_tools : &s->plan_tools;
}

static int check_tools_narrow(const struct actx *c, const struct rf_cfg_strs *strs, const struct rf_tool_list *cur,
			      const char *key)
{
	struct rf_tool_list mine = {0};
	if (tools_from(c, strs, &mine) < 0) {
		rf_tools_free(&mine);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < mine.n && rc == 0; i++) {
		if (rf_tools_covering(cur, &mine.v[i]))
			continue;
		/* find the element it came from ("@default" entries are always covered
		 * by a default list, or not: then point at the key) */
		struct rf_cfg_pos at = strs->at;
		for (size_t k = 0; k < strs->n; k++)
			if (strcmp(strs->v[k], mine.v[i].spec) == 0)
				at = strs->pos[k];
		char what[300];
		snprintf(what, sizeof what, "%s: adding \"%s\"", key, mine.v[i].spec);
		rc = widening(c, at, what, "the global tool list does not allow it");
	}
	rf_tools_free(&mine);
	return rc;
}

/* ---- conversation modes: plan is the narrowest, chat the widest ---- */

static int mode_rank(int m)
{
	return m == RF_MODE_PLAN ? 0 : m == RF_MODE_REVIEW ? 1 : 2;
}

static const char *const sandbox_names[] = {"read-only", "workspace-write", "danger-full-access"};
static const char *const net_names[] = {"offline", "allowlist", "online"};

static struct rf_agent *find_agent(struct rf_settings *s, const char *name)
{
	for (size_t i = 0; i < s->n_agents; i++)
		if (strcmp(s->agents[i].name, name) == 0)
			return &s->agents[i];
	return NULL;
}

/* ---- the narrow-only proof ---- */

static int check_limit(const struct actx *c, const struct rf_cfg_limit *l, double mine, double cur, const char *key,
		       const char *unit, enum rf_setting_id id)
{
	if (!l->set)
		return 0;
	if (cur == 0 ? true : (mine > 0 && mine <= cur))
		return 0;
	char what[160], global[200];
	if (mine == 0)
		snprintf(what, sizeof what, "%s = 0 (no limit)", key);
	else
		snprintf(what, sizeof what, "%s = %g%s", key, mine, unit);
	snprintf(global, sizeof global, "the global policy says %g%s, %s", cur, unit,
		 rf_setting_source(c->p, id));
	return widening(c, l->at, what, global);
}

static int check_paths_narrow(const struct actx *c, const struct rf_cfg_strs *strs, const char *key, bool read_only)
{
	const rf_policy *p = c->p;
	cleanup_free char *ws = c->l->base_dir ? rf_realpath(c->l->base_dir) : NULL;
	for (size_t i = 0; i < strs->n; i++) {
		cleanup_free char *path = resolve_config_path(c, strs->v[i], true);
		if (!path)
			return fail_at(c, strs->pos[i], "%s: cannot resolve '%s'", key, strs->v[i]);
		bool inside = (ws && rf_path_is_within(path, ws)) || within_any(path, &p->writable_roots);
		char what[600];
		snprintf(what, sizeof what, "%s: '%s' (%s)", key, strs->v[i], path);
		if (!inside)
			return widening(c, strs->pos[i], what,
					read_only ? "a read-only grant outside the workspace and the writable roots can make hidden or invisible paths readable"
						  : "it lies outside the workspace and the global writable roots");
		if (read_only) {
			for (size_t k = 0; k < p->hidden.n; k++) {
				cleanup_free char *h = rf_realpath(p->hidden.v[k].path);
				if (rf_path_is_within(path, h ? h : p->hidden.v[k].path)) {
					char global[600];
					snprintf(global, sizeof global, "it lies in hidden path %s, %s", p->hidden.v[k].spec,
						 p->hidden.v[k].source);
					return widening(c, strs->pos[i], what, global);
				}
			}
		}
	}
	return 0;
}

static int check_narrow(const struct actx *c)
{
	const struct rf_config_layer *l = c->l;
	rf_policy *p = c->p;
	struct rf_settings *s = c->s;
	char what[300], global[600];

	if (l->sandbox_mode.v >= 0 && l->sandbox_mode.v > (int)p->sandbox_mode) {
		snprintf(what, sizeof what, "sandbox_mode = \"%s\"", sandbox_names[l->sandbox_mode.v]);
		snprintf(global, sizeof global, "the global policy says \"%s\", %s", sandbox_names[p->sandbox_mode],
			 rf_setting_source(p, RF_SET_SANDBOX_MODE));
		return widening(c, l->sandbox_mode.at, what, global);
	}
	if (l->writable_roots.set && check_paths_narrow(c, &l->writable_roots, "sandbox_workspace_write.writable_roots", false) < 0)
		return -1;
	int net = l->network_mode.v >= 0 ? l->network_mode.v : l->network_access.v >= 0 ? (l->network_access.v ? RF_NET_ONLINE : RF_NET_OFFLINE) : -1;
	if (net > (int)p->network) {
		struct rf_cfg_pos at = l->network_mode.v >= 0 ? l->network_mode.at : l->network_access.at;
		if (l->network_mode.v >= 0)
			snprintf(what, sizeof what, "network.mode = \"%s\"", net_names[net]);
		else
			snprintf(what, sizeof what, "sandbox_workspace_write.network_access = true");
		snprintf(global, sizeof global, "the global policy says network \"%s\", %s", net_names[p->network],
			 rf_setting_source(p, RF_SET_NETWORK));
		return widening(c, at, what, global);
	}
	if (l->read_only.set && check_paths_narrow(c, &l->read_only, "filesystem.read_only", true) < 0)
		return -1;
	if (l->allowed_domains.set && p->network != RF_NET_ONLINE) {
		for (size_t i = 0; i < l->allowed_domains.n; i++) {
			bool ok = false;
			for (size_t k = 0; k < p->allowed_domains.n && !ok; k++)
				ok = domain_covers(p->allowed_domains.v[k].spec, l->allowed_domains.v[i]);
			if (!ok) {
				snprintf(what, sizeof what, "network.allowed_domains: adding \"%s\"", l->allowed_domains.v[i]);
				return widening(c, l->allowed_domains.pos[i], what,
						"no allowed domain of the global policy covers it");
			}
		}
	}
	if (l->host_ports.set && p->network != RF_NET_ONLINE) {
		for (size_t i = 0; i < l->host_ports.n; i++) {
			char spec[16];
			snprintf(spec, sizeof spec, "%lld", (long long)l->host_ports.v[i]);
			bool ok = false;
			for (size_t k = 0; k < p->host_ports.n && !ok; k++)
				ok = strcmp(p->host_ports.v[k].spec, spec) == 0;
			if (!ok) {
				snprintf(what, sizeof what, "network.host_ports: adding %s", spec);
				return widening(c, l->host_ports.pos[i], what, "the global policy does not forward that port");
			}
		}
	}
	for (int k = 0; k < RF_CONFIRM_COUNT; k++) {
		if (l->confirm[k].v == 0 && s->confirm[k]) {
			snprintf(what, sizeof what, "confirmations.%s = false", rf_confirmation_names[k]);
			snprintf(global, sizeof global, "the global policy asks for it, %s",
				 rf_setting_source(p, (enum rf_setting_id)(RF_SET_CONFIRM_FORCE_PUSH + k)));
			return widening(c, l->confirm[k].at, what, global);
		}
	}
	if (l->win_sandbox.v == RF_WIN_UNELEVATED && s->win_sandbox == RF_WIN_ELEVATED) {
		snprintf(global, sizeof global, "the global policy says \"elevated\", %s",
			 rf_setting_source(p, RF_SET_WIN_SANDBOX));
		return widening(c, l->win_sandbox.at, "windows.sandbox = \"unelevated\"", global);
	}
	if (l->win_private_desktop.v == 0 && s->win_private_desktop) {
		snprintf(global, sizeof global, "the global policy says true, %s",
			 rf_setting_source(p, RF_SET_WIN_PRIVATE_DESKTOP));
		return widening(c, l->win_private_desktop.at, "windows.sandbox_private_desktop = false", global);
	}
	if (l->backend.v == RF_BACKEND_NONE && p->backend != RF_BACKEND_NONE) {
		snprintf(global, sizeof global, "the global policy says \"native\", %s",
			 rf_setting_source(p, RF_SET_BACKEND));
		return widening(c, l->backend.at, "backend.type = \"none\" (no sandbox at all)", global);
	}
	if (l->protect_submodules.v == 0 && s->protect_submodules) {
		snprintf(global, sizeof global, "the global policy says true, %s",
			 rf_setting_source(p, RF_SET_PROTECT_SUBMODULES));
		return widening(c, l->protect_submodules.at, "filesystem.protect_submodules = false", global);
	}
	if (l->allow_fallback.v == 1 && !s->allow_fallback) {
		snprintf(global, sizeof global, "the global policy says false, %s",
			 rf_setting_source(p, RF_SET_ALLOW_FALLBACK));
		return widening(c, l->allow_fallback.at, "backend.allow_fallback = true", global);
	}
	if (check_limit(c, &l->timeout, l->timeout.seconds, p->limits.timeout_s, "limits.timeout", " s", RF_SET_TIMEOUT) < 0 ||
	    check_limit(c, &l->memory, (double)l->memory.amount, (double)p->limits.memory_bytes, "limits.memory",
			" bytes", RF_SET_MEMORY) < 0 ||
	    check_limit(c, &l->pids, (double)l->pids.amount, (double)p->limits.pids, "limits.pids", "", RF_SET_PIDS) < 0 ||
	    check_limit(c, &l->cpu, l->cpu.cpus, p->limits.cpus, "limits.cpu", " CPUs", RF_SET_CPU) < 0)
		return -1;
	if (l->plan_tools.set && check_tools_narrow(c, &l->plan_tools, &s->plan_tools, "modes.plan.tools") < 0)
		return -1;
	if (l->review_tools.set &&
	    check_tools_narrow(c, &l->review_tools, current_review_tools(s), "modes.review.tools") < 0)
		return -1;

	for (size_t i = 0; i < l->n_agents; i++) {
		const struct rf_cfg_agent *a = &l->agents[i];
		struct rf_agent *g = find_agent(s, a->name);
		if (!g) {
			snprintf(what, sizeof what, "[agents.%s]", a->name);
			return widening(c, a->at, what, "the global file does not define this agent");
		}
		unsigned gcaps = g->caps_source ? g->caps : RF_CAP_ALL;
		if (a->capabilities.set && (a->caps & ~gcaps)) {
			for (size_t k = 0; k < a->capabilities.n; k++) {
				unsigned bit = 0;
				for (unsigned j = 0; j < RF_CAP_COUNT; j++)
					if (strcmp(a->capabilities.v[k], rf_capability_names[j]) == 0)
						bit = 1u << j;
				if (bit & ~gcaps) {
					snprintf(what, sizeof what, "agents.%s.capabilities: adding \"%s\"", a->name,
						 a->capabilities.v[k]);
					snprintf(global, sizeof global, "the global file does not grant it, %s",
						 src_or_default(g->caps_source));
					return widening(c, a->capabilities.pos[k], what, global);
				}
			}
		}
		int gmode = g->mode >= 0 ? g->mode : RF_MODE_CHAT;
		if (a->mode.v >= 0 && mode_rank(a->mode.v) > mode_rank(gmode)) {
			snprintf(what, sizeof what, "agents.%s.mode = \"%s\"", a->name,
				 rf_conversation_mode_name((enum rf_conversation_mode)a->mode.v));
			snprintf(global, sizeof global, "the global policy says \"%s\", %s",
				 rf_conversation_mode_name((enum rf_conversation_mode)gmode), src_or_default(g->mode_source));
			return widening(c, a->mode.at, what, global);
		}
		int gsb = g->sandbox_mode >= 0 ? g->sandbox_mode : (int)p->sandbox_mode;
		if (a->sandbox_mode.v >= 0 && a->sandbox_mode.v > gsb) {
			snprintf(what, sizeof what, "agents.%s.sandbox_mode = \"%s\"", a->name,
				 sandbox_names[a->sandbox_mode.v]);
			snprintf(global, sizeof global, "the global policy says \"%s\", %s", sandbox_names[gsb],
				 g->sandbox_mode >= 0 ? g->sandbox_mode_source : rf_setting_source(p, RF_SET_SANDBOX_MODE));
			return widening(c, a->sandbox_mode.at, what, global);
		}
		if (a->test_command && !(g->test_command && strcmp(g->test_command, a->test_command) == 0)) {
			struct rf_tool t;
			if (rf_tool_parse(a->test_command, NULL, &t, c->e) < 0)
				return fail_at(c, a->test_command_at, "%s", c->e->msg);
			bool ok = rf_tools_covering(current_review_tools(s), &t) != NULL;
			rf_tool_free(&t);
			if (!ok) {
				snprintf(what, sizeof what, "agents.%s.test_command = \"%s\"", a->name, a->test_command);
				return widening(c, a->test_command_at, what,
						"a test runner runs the repository's code; the global review tools do not include it");
			}
		}
	}
	return 0;
}

/* ---- applying ---- */

static void set_src(const struct actx *c, enum rf_setting_id id, struct rf_cfg_pos at)
{
	cleanup_free char *src = src_of(c, at);
	rf_setting_set_source(c->p, id, src);
}

static void copy_rules(struct rf_path_rules *dst, const struct rf_path_rules *src)
{
	for (size_t i = 0; i < src->n; i++)
		rf_path_rules_add(dst, src->v[i].path, src->v[i].spec, src->v[i].source);
}

typedef int (*add_path_fn)(rf_policy *, const char *, const char *, struct rf_error *);

static int add_paths(const struct actx *c, const struct rf_cfg_strs *strs, add_path_fn add, bool expand)
{
	for (size_t i = 0; i < strs->n; i++) {
		cleanup_free char *src = src_of(c, strs->pos[i]);
		/* workspace files: relative paths are the workspace's */
		cleanup_free char *path = expand ? resolve_config_path(c, strs->v[i], false) : rf_xstrdup(strs->v[i]);
		if (!path)
			return fail_at(c, strs->pos[i], "cannot resolve '%s'", strs->v[i]);
		if (add(c->p, path, src, c->e) < 0)
			return fail_at(c, strs->pos[i], "%s", c->e->msg);
		/* keep the spelling of the file for status */
		struct rf_path_rules *r = add == rf_policy_add_writable_root ? &c->p->writable_roots
					  : add == rf_policy_add_read_only    ? &c->p->read_only
					  : add == rf_policy_add_hidden       ? &c->p->hidden
									      : &c->p->protected_paths;
		if (add != rf_policy_add_protected) {
			free(r->v[r->n - 1].spec);
			r->v[r->n - 1].spec = rf_xstrdup(strs->v[i]);
		}
	}
	return 0;
}

static int apply_agents(const struct actx *c)
{
	struct rf_settings *s = c->s;
	for (size_t i = 0; i < c->l->n_agents; i++) {
		const struct rf_cfg_agent *a = &c->l->agents[i];
		struct rf_agent *g = find_agent(s, a->name);
		if (!g) {
			s->agents = rf_xrealloc(s->agents, (s->n_agents + 1) * sizeof *s->agents);
			g = &s->agents[s->n_agents++];
			*g = (struct rf_agent){.name = rf_xstrdup(a->name), .source = src_of(c, a->at), .caps = RF_CAP_ALL,
					       .mode = -1, .sandbox_mode = -1};
		}
		if (a->capabilities.set) {
			g->caps = a->caps;
			free(g->caps_source);
			g->caps_source = src_of(c, a->capabilities.at);
		}
		if (a->mode.v >= 0) {
			g->mode = a->mode.v;
			free(g->mode_source);
			g->mode_source = src_of(c, a->mode.at);
		}
		if (a->sandbox_mode.v >= 0) {
			g->sandbox_mode = a->sandbox_mode.v;
			free(g->sandbox_mode_source);
			g->sandbox_mode_source = src_of(c, a->sandbox_mode.at);
		}
		if (a->test_command) {
			free(g->test_command);
			free(g->test_command_source);
			g->test_command = rf_xstrdup(a->test_command);
			g->test_command_source = src_of(c, a->test_command_at);
		}
	}
	return 0;
}

static int apply_limits(const struct actx *c)
{
	const struct rf_config_layer *l = c->l;
	rf_policy *p = c->p;
	struct rf_error le;
	if (l->timeout.set) {
		if (rf_policy_set_timeout(p, l->timeout.seconds, &le) < 0)
			return fail_at(c, l->timeout.at, "limits.timeout: %s", le.msg);
		set_src(c, RF_SET_TIMEOUT, l->timeout.at);
	}
	if (l->memory.set) {
		if (rf_policy_set_memory_limit(p, l->memory.amount, &le) < 0)
			return fail_at(c, l->memory.at, "limits.memory: %s", le.msg);
		set_src(c, RF_SET_MEMORY, l->memory.at);
	}
	if (l->pids.set) {
		if (rf_policy_set_pids_limit(p, (unsigned long)l->pids.amount, &le) < 0)
			return fail_at(c, l->pids.at, "limits.pids: %s", le.msg);
		set_src(c, RF_SET_PIDS, l->pids.at);
	}
	if (l->cpu.set) {
		if (rf_policy_set_cpu_limit(p, l->cpu.cpus, &le) < 0)
			return fail_at(c, l->cpu.at, "limits.cpu: %s", le.msg);
		set_src(c, RF_SET_CPU, l->cpu.at);
	}
	return 0;
}

static int apply(const struct actx *c, bool untrusted)
{
	const struct rf_config_layer *l = c->l;
	rf_policy *p = c->p;
	struct rf_settings *s = c->s;
	bool ws = l->origin == RF_CONFIG_WORKSPACE;

	if (l->sandbox_mode.v >= 0) {
		rf_policy_set_sandbox_mode(p, (enum rf_sandbox_mode)l->sandbox_mode.v);
		set_src(c, RF_SET_SANDBOX_MODE, l->sandbox_mode.at);
		if (untrusted)
			s->ws_sandbox_cap = l->sandbox_mode.v;
	}
	if (l->writable_roots.set) {
		if (ws) { /* the workspace's list replaces the global one */
			if (untrusted)
				copy_rules(&s->base_writable_roots, &p->writable_roots);
			rf_path_rules_free(&p->writable_roots);
		}
		if (add_paths(c, &l->writable_roots, rf_policy_add_writable_root, true) < 0)
			return -1;
		if (untrusted)
			s->untrusted_grants = true;
	}
	if (l->network_access.v >= 0) {
		rf_policy_set_network(p, l->network_access.v ? RF_NET_ONLINE : RF_NET_OFFLINE);
		set_src(c, RF_SET_NETWORK, l->network_access.at);
	}
	if (l->network_mode.v >= 0) {
		rf_policy_set_network(p, (enum rf_network_mode)l->network_mode.v);
		set_src(c, RF_SET_NETWORK, l->network_mode.at);
	}
	if (l->hidden.set && add_paths(c, &l->hidden, rf_policy_add_hidden, true) < 0)
		return -1;
	if (l->read_only.set) {
		if (untrusted) {
			copy_rules(&s->base_read_only, &p->read_only);
			s->untrusted_grants = true;
		}
		if (add_paths(c, &l->read_only, rf_policy_add_read_only, true) < 0)
			return -1;
	}
	if (l->protected_paths.set && add_paths(c, &l->protected_paths, rf_policy_add_protected, false) < 0)
		return -1;
	if (l->allowed_domains.set) {
		if (ws)
			rf_rules_free(&p->allowed_domains);
		for (size_t i = 0; i < l->allowed_domains.n; i++) {
			cleanup_free char *src = src_of(c, l->allowed_domains.pos[i]);
			if (rf_policy_add_allowed_domain(p, l->allowed_domains.v[i], src, c->e) < 0)
				return fail_at(c, l->allowed_domains.pos[i], "%s", c->e->msg);
		}
	}
	for (size_t i = 0; i < l->denied_domains.n; i++) {
		cleanup_free char *src = src_of(c, l->denied_domains.pos[i]);
		if (rf_policy_add_denied_domain(p, l->denied_domains.v[i], src, c->e) < 0)
			return fail_at(c, l->denied_domains.pos[i], "%s", c->e->msg);
	}
	if (l->host_ports.set) {
		if (ws)
			rf_rules_free(&p->host_ports);
		for (size_t i = 0; i < l->host_ports.n; i++) {
			cleanup_free char *src = src_of(c, l->host_ports.pos[i]);
			if (rf_policy_add_host_port(p, (int)l->host_ports.v[i], src, c->e) < 0)
				return fail_at(c, l->host_ports.pos[i], "%s", c->e->msg);
		}
	}
	for (int k = 0; k < RF_CONFIRM_COUNT; k++) {
		if (l->confirm[k].v < 0)
			continue;
		s->confirm[k] = l->confirm[k].v == 1;
		set_src(c, (enum rf_setting_id)(RF_SET_CONFIRM_FORCE_PUSH + k), l->confirm[k].at);
	}
	if (l->win_sandbox.v >= 0) {
		s->win_sandbox = (enum rf_win_sandbox)l->win_sandbox.v;
		set_src(c, RF_SET_WIN_SANDBOX, l->win_sandbox.at);
	}
	if (l->win_initialized.v >= 0) {
		s->win_initialized = l->win_initialized.v == 1;
		set_src(c, RF_SET_WIN_INITIALIZED, l->win_initialized.at);
	}
	if (l->win_private_desktop.v >= 0) {
		s->win_private_desktop = l->win_private_desktop.v == 1;
		set_src(c, RF_SET_WIN_PRIVATE_DESKTOP, l->win_private_desktop.at);
	}
	if (l->backend.v >= 0) {
		rf_policy_set_backend(p, (enum rf_backend)l->backend.v);
		set_src(c, RF_SET_BACKEND, l->backend.at);
	}
	if (l->allow_fallback.v >= 0) {
		s->allow_fallback = l->allow_fallback.v == 1;
		set_src(c, RF_SET_ALLOW_FALLBACK, l->allow_fallback.at);
	}
	if (l->protect_submodules.v >= 0) {
		s->protect_submodules = l->protect_submodules.v == 1;
		set_src(c, RF_SET_PROTECT_SUBMODULES, l->protect_submodules.at);
	}
	if (apply_limits(c) < 0)
		return -1;
	if (l->plan_tools.set) {
		struct rf_tool_list t = {0};
		if (tools_from(c, &l->plan_tools, &t) < 0) {
			rf_tools_free(&t);
			return -1;
		}
		rf_tools_free(&s->plan_tools);
		s->plan_tools = t;
		set_src(c, RF_SET_PLAN_TOOLS, l->plan_tools.at);
	}
	if (l->review_tools.set) {
		struct rf_tool_list t = {0};
		if (tools_from(c, &l->review_tools, &t) < 0) {
			rf_tools_free(&t);
			return -1;
		}
		rf_tools_free(&s->review_tools);
		s->review_tools = t;
		s->review_tools_set = true;
		set_src(c, RF_SET_REVIEW_TOOLS, l->review_tools.at);
		if (untrusted)
			s->ws_review_tools_set = true;
	}
	return apply_agents(c);
}

int rf_config_apply(rf_policy *p, const struct rf_config_layer *l, bool trusted, struct rf_error *e)
{
	struct actx c = {.p = p, .s = rf_settings(p), .l = l, .e = e};
	bool untrusted = l->origin == RF_CONFIG_WORKSPACE && !trusted;
	if (untrusted && check_narrow(&c) < 0)
		return -1;
	return apply(&c, untrusted);
}

bool rf_config_trusts(const struct rf_config_layer *global, const char *workspace, char **source)
{
	*source = NULL;
	if (!global || !workspace)
		return false;
	const char *home = getenv("HOME");
	for (size_t i = 0; i < global->trusted_workspaces.n; i++) {
		struct rf_error ignored;
		cleanup_free char *abs = rf_policy_expand_path(global->trusted_workspaces.v[i], home, NULL, &ignored);
		if (!abs)
			continue;
		cleanup_free char *real = rf_realpath(abs);
		if (strcmp(real ? real : abs, workspace) == 0) {
			*source = rf_config_source(global->file, global->trusted_workspaces.pos[i]);
			return true;
		}
	}
	return false;
}

/* ---- the plan check ---- */

/* How much of the host's own files a verdict exposes: a private tmpfs
 * (/tmp) is writable but holds nothing of the host, a cache is the host's
 * files read-only under a private layer. */
static enum rf_access host_exposure(struct rf_plan_verdict v)
{
	if (!v.entry)
		return RF_ACCESS_NONE;
	switch (v.entry->kind) {
	case RF_PLAN_BIND_RW:
		return RF_ACCESS_WRITE;
	case RF_PLAN_BIND_RO:
	case RF_PLAN_PROTECT:
	case RF_PLAN_CACHE:
		return RF_ACCESS_READ;
	default:
		return RF_ACCESS_NONE;
	}
}

static bool from_untrusted(const struct rf_settings *s, const char *source)
{
	size_t n = strlen(s->workspace_file);
	return strncmp(source, s->workspace_file, n) == 0 && source[n] == ':';
}

int rf_config_check_plan(const rf_policy *p, const struct rf_plan *plan, struct rf_error *e)
{
	const struct rf_settings *s = rf_settings_get(p);
	if (!s || !s->untrusted_grants || s->workspace_trusted || !s->workspace_file)
		return 0;
	/* The baseline: the same policy with the trusted layers' grants instead
	 * of the workspace file's. */
	rf_policy *base = rf_policy_new();
	int rc = 0;
	base->sandbox_mode = p->sandbox_mode;
	base->network = p->network;
	base->backend = p->backend;
	free(base->home);
	base->home = p->home ? rf_xstrdup(p->home) : NULL;
	base->workspace = p->workspace ? rf_xstrdup(p->workspace) : NULL;
	rf_path_rules_free(&base->hidden);
	rf_path_rules_free(&base->protected_paths);
	copy_rules(&base->hidden, &p->hidden);
	copy_rules(&base->protected_paths, &p->protected_paths);
	for (size_t i = 0; i < p->writable_roots.n; i++)
		if (!from_untrusted(s, p->writable_roots.v[i].source))
			rf_path_rules_add(&base->writable_roots, p->writable_roots.v[i].path, p->writable_roots.v[i].spec,
					  p->writable_roots.v[i].source);
	for (size_t i = 0; i < p->read_only.n; i++)
		if (!from_untrusted(s, p->read_only.v[i].source))
			rf_path_rules_add(&base->read_only, p->read_only.v[i].path, p->read_only.v[i].spec,
					  p->read_only.v[i].source);
	copy_rules(&base->writable_roots, &s->base_writable_roots);
	copy_rules(&base->read_only, &s->base_read_only);

	struct rf_plan bp;
	struct rf_plan_host h = {.cwd = plan->workspace};
	if (rf_plan_build(base, &h, &bp, e) < 0) {
		rf_policy_free(base);
		return rf_fail_wrap(e, "cannot check the workspace config against the global policy");
	}
	/* Access is piecewise constant between entry paths: comparing at every
	 * entry path of both plans compares everywhere. */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		const struct rf_plan *src = pass == 0 ? plan : &bp;
		for (size_t i = 0; i < src->n && rc == 0; i++) {
			if (src->v[i].kind == RF_PLAN_SYMLINK)
				continue;
			const char *path = src->v[i].path;
			struct rf_plan_verdict mine = rf_plan_lookup(plan, path);
			struct rf_plan_verdict theirs = rf_plan_lookup(&bp, path);
			enum rf_access m = host_exposure(mine), t = host_exposure(theirs);
			if (m > t)
				rc = rf_fail(e, 0,
					     "%s would widen the policy: it makes %s %s (rule %s, %s) where the global "
					     "policy allows %s; a workspace file can only narrow it. To allow this, list "
					     "%s in trusted_workspaces of the global config file",
					     s->workspace_file, path, m == RF_ACCESS_WRITE ? "writable" : "readable",
					     mine.entry ? mine.entry->rule : "?", mine.entry ? mine.entry->source : "?",
					     t == RF_ACCESS_NONE ? "nothing" : "reading only", plan->workspace);
		}
	}
	rf_plan_free(&bp);
	rf_policy_free(base);
	return rc;
}
