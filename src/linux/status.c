/* The status document. See status.h; the schema is in docs/config.md
 * ("ringfence status"). */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "landlock.h"
#include "policy.h"
#include "util.h"

void rf_predict_backend(const rf_policy *p, const struct rf_probe *pr, struct rf_backend_prediction *out)
{
	memset(out, 0, sizeof *out);
	const char *mode = rf_conversation_mode_name(rf_policy_conversation_mode(p));
	bool restricted = rf_policy_conversation_mode(p) != RF_MODE_CHAT;
	if (p->backend == RF_BACKEND_NONE) {
		out->effective = RF_EFFECTIVE_NONE;
		snprintf(out->reason, sizeof out->reason, "backend = none (%s): no sandbox at all",
			 rf_setting_source(p, RF_SET_BACKEND));
		if (restricted) {
			out->refuse = true;
			snprintf(out->reason, sizeof out->reason, "%s mode cannot be enforced with backend = none", mode);
		}
		return;
	}
	if (restricted && pr->landlock_abi < 1) {
		out->effective = RF_EFFECTIVE_NONE;
		out->refuse = true;
		snprintf(out->reason, sizeof out->reason, "%s mode needs Landlock to limit execution to its tool list", mode);
		return;
	}
	if (pr->userns) {
		out->effective = RF_EFFECTIVE_NAMESPACES;
		return;
	}
	out->effective = RF_EFFECTIVE_LANDLOCK;
	snprintf(out->reason, sizeof out->reason, "%s", pr->userns_reason);
	if (pr->landlock_abi < 3) {
		out->refuse = true;
		snprintf(out->reason, sizeof out->reason, "%s, and Landlock ABI %d is too old for the fallback (need 3)",
			 pr->userns_reason, pr->landlock_abi);
	} else if (!rf_policy_allow_fallback(p)) {
		out->refuse = true;
		snprintf(out->reason, sizeof out->reason, "%s, and the fallback is turned off (backend.allow_fallback, %s)",
			 pr->userns_reason, rf_setting_source(p, RF_SET_ALLOW_FALLBACK));
	} else if (restricted) {
		out->refuse = true;
		snprintf(out->reason, sizeof out->reason, "%s, and %s mode needs the mount namespace (noexec mounts)",
			 pr->userns_reason, mode);
	}
	if (out->refuse)
		out->effective = RF_EFFECTIVE_NONE;
}

/* The ABI ringfence uses on a kernel offering `kernel`. */
static int used_landlock_abi(int kernel)
{
	return kernel > RF_LANDLOCK_ABI_KNOWN ? RF_LANDLOCK_ABI_KNOWN : kernel;
}

static json_t *setting(const char *value, const char *source)
{
	return json_pack("{s:s, s:s}", "value", value, "source", source ? source : "default");
}

static json_t *path_rules(const struct rf_path_rules *r)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "path", r->v[i].path, "spec", r->v[i].spec,
						   "source", r->v[i].source));
	return a;
}

static json_t *rules(const struct rf_rules *r, const char *key)
{
	json_t *a = json_array();
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", key, r->v[i].spec, "source", r->v[i].source));
	return a;
}

static json_t *tools(const struct rf_tool_list *l)
{
	json_t *a = json_array();
	for (size_t i = 0; l && i < l->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "tool", l->v[i].spec, "source", l->v[i].source));
	return a;
}

static json_t *capabilities(unsigned caps, bool with_enforcement)
{
	json_t *a = json_array();
	for (unsigned k = 0; k < RF_CAP_COUNT; k++) {
		json_t *c = json_pack("{s:s, s:b}", "name", rf_capability_names[k], "granted", (caps >> k) & 1u);
		if (with_enforcement) {
			bool egress = (1u << k) == RF_CAP_NETWORK_EGRESS;
			json_object_set_new(c, "enforced", json_boolean(egress));
			json_object_set_new(c, "how", json_string(egress ? "without it the sandbox is offline"
									  : "not enforced: no credential broker yet"));
		}
		json_array_append_new(a, c);
	}
	return a;
}

static json_t *limit(double v, const char *unit, const char *source)
{
	json_t *o = json_object();
	json_object_set_new(o, "value", v > 0 ? json_real(v) : json_null());
	json_object_set_new(o, "unit", json_string(unit));
	json_object_set_new(o, "source", json_string(source));
	return o;
}

static const char *file_state(enum rf_file_state s)
{
	return s == RF_FILE_LOADED ? "loaded" : s == RF_FILE_ABSENT ? "absent" : "not read";
}

static json_t *kernel(const struct rf_probe *pr)
{
	json_t *k = json_object();
	json_object_set_new(k, "user_namespaces", json_boolean(pr->userns));
	json_object_set_new(k, "user_namespaces_reason", pr->userns ? json_null() : json_string(pr->userns_reason));
	json_object_set_new(k, "landlock_abi", json_integer(pr->landlock_abi));
	json_object_set_new(k, "landlock_abi_used", json_integer(used_landlock_abi(pr->landlock_abi)));
	json_object_set_new(k, "seccomp", json_boolean(pr->seccomp));
	json_object_set_new(k, "seccomp_user_notification", json_boolean(pr->seccomp_notify));
	return k;
}

/* What run would switch on, rung by rung. */
static json_t *features(const rf_policy *p, const struct rf_probe *pr, const struct rf_backend_prediction *b)
{
	json_t *a = json_array();
	if (b->refuse || b->effective == RF_EFFECTIVE_NONE)
		return a;
	int abi = used_landlock_abi(pr->landlock_abi);
	bool restricted = rf_policy_conversation_mode(p) != RF_MODE_CHAT;
	if (b->effective == RF_EFFECTIVE_NAMESPACES) {
		json_array_append_new(a, json_string(p->network == RF_NET_ONLINE
							     ? "namespaces: user mount pid ipc uts cgroup (host network)"
							     : "namespaces: user mount pid net ipc uts cgroup"));
		json_array_append_new(a, json_string("mount plan: tmpfs root, read-only binds, pivot_root"));
		// cppcheck-suppress knownConditionTrueFalse ; a whole-program guess from one caller's zeroed probe
		if (abi > 0)
			json_array_append_new(a, json_sprintf("landlock ABI %d: filesystem rules mirroring the mount plan", abi));
		else
			json_array_append_new(a, json_string("landlock: unavailable (the mount namespace alone holds the filesystem policy)"));
	} else {
		json_array_append_new(a, json_sprintf("landlock ABI %d: the only filesystem layer (fallback)", abi));
	}
	if (abi >= 6)
		json_array_append_new(a, json_string("landlock scopes: abstract unix sockets, signals"));
	json_array_append_new(a, json_string("seccomp filter (libseccomp, x86_64 only)"));
	if (b->effective == RF_EFFECTIVE_NAMESPACES && pr->seccomp_notify)
		json_array_append_new(a, json_string(restricted ? "seccomp user notification: unix socket connect, execve"
								: "seccomp user notification: unix socket connect"));
	if (restricted)
		json_array_append_new(a, json_sprintf("%s mode: landlock execute right only for the tool list, noexec writable places",
						      rf_conversation_mode_name(rf_policy_conversation_mode(p))));
	json_array_append_new(a, json_string("capabilities dropped, no_new_privs"));
	return a;
}

static json_t *agents(const struct rf_settings *s)
{
	json_t *a = json_array();
	for (size_t i = 0; s && i < s->n_agents; i++) {
		const struct rf_agent *ag = &s->agents[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(ag->name));
		json_object_set_new(o, "source", json_string(ag->source));
		json_object_set_new(o, "capabilities", capabilities(ag->caps_source ? ag->caps : RF_CAP_ALL, false));
		json_object_set_new(o, "capabilities_source", json_string(ag->caps_source ? ag->caps_source : "default"));
		json_object_set_new(o, "mode", ag->mode >= 0 ? setting(rf_conversation_mode_name((enum rf_conversation_mode)ag->mode),
								       ag->mode_source)
							     : json_null());
		json_object_set_new(o, "sandbox_mode",
				    ag->sandbox_mode >= 0
					    ? setting(rf_sandbox_mode_name((enum rf_sandbox_mode)ag->sandbox_mode), ag->sandbox_mode_source)
					    : json_null());
		json_object_set_new(o, "test_command",
				    ag->test_command ? setting(ag->test_command, ag->test_command_source) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *policy_json(const rf_policy *p)
{
	const struct rf_settings *s = rf_settings_get(p);
	enum rf_conversation_mode mode = rf_policy_conversation_mode(p);
	json_t *o = json_object();

	json_t *sm = setting(rf_sandbox_mode_name(p->sandbox_mode), rf_setting_source(p, RF_SET_SANDBOX_MODE));
	if (mode != RF_MODE_CHAT) {
		json_object_set_new(sm, "source", json_sprintf("mode:%s (%s)", rf_conversation_mode_name(mode),
							      rf_setting_source(p, RF_SET_MODE)));
		json_object_set_new(sm, "configured", setting(rf_sandbox_mode_name(s->configured_sandbox_mode),
							     rf_setting_source(p, RF_SET_SANDBOX_MODE)));
	}
	json_object_set_new(o, "sandbox_mode", sm);
	json_object_set_new(o, "network", setting(rf_network_mode_name(p->network), rf_setting_source(p, RF_SET_NETWORK)));
	json_object_set_new(o, "conversation_mode", setting(rf_conversation_mode_name(mode), rf_setting_source(p, RF_SET_MODE)));

	json_t *ag = json_object();
	json_object_set_new(ag, "name", s && s->agent ? json_string(s->agent) : json_null());
	json_object_set_new(ag, "source", json_string(rf_setting_source(p, RF_SET_AGENT)));
	json_object_set_new(ag, "capabilities", capabilities(s ? s->capabilities : RF_CAP_ALL, true));
	json_object_set_new(ag, "capabilities_source", json_string(rf_setting_source(p, RF_SET_CAPABILITIES)));
	json_object_set_new(o, "agent", ag);

	json_object_set_new(o, "writable_roots", path_rules(&p->writable_roots));
	json_object_set_new(o, "read_only", path_rules(&p->read_only));
	json_object_set_new(o, "hidden", path_rules(&p->hidden));
	json_object_set_new(o, "protected", path_rules(&p->protected_paths));
	json_object_set_new(o, "protect_submodules",
			    json_pack("{s:b, s:s}", "value", rf_policy_protect_submodules(p), "source",
				      rf_setting_source(p, RF_SET_PROTECT_SUBMODULES)));
	json_object_set_new(o, "allowed_domains", rules(&p->allowed_domains, "rule"));
	json_object_set_new(o, "denied_domains", rules(&p->denied_domains, "rule"));
	json_object_set_new(o, "host_ports", rules(&p->host_ports, "port"));

	json_t *lim = json_object();
	json_object_set_new(lim, "timeout", limit(p->limits.timeout_s, "s", rf_setting_source(p, RF_SET_TIMEOUT)));
	json_object_set_new(lim, "memory", limit((double)p->limits.memory_bytes, "bytes", rf_setting_source(p, RF_SET_MEMORY)));
	json_object_set_new(lim, "pids", limit((double)p->limits.pids, "processes", rf_setting_source(p, RF_SET_PIDS)));
	json_object_set_new(lim, "cpu", limit(p->limits.cpus, "CPUs", rf_setting_source(p, RF_SET_CPU)));
	json_object_set_new(o, "limits", lim);

	const struct rf_tool_list *pt = s ? &s->plan_tools : NULL;
	const struct rf_tool_list *rt = s && s->review_tools_set ? &s->review_tools : pt;
	json_t *md = json_object();
	json_object_set_new(md, "plan", json_pack("{s:s, s:o}", "source", rf_setting_source(p, RF_SET_PLAN_TOOLS), "tools", tools(pt)));
	json_object_set_new(md, "review", json_pack("{s:s, s:o}", "source",
						    s && s->review_tools_set && !s->source[RF_SET_REVIEW_TOOLS]
							    ? rf_setting_source(p, RF_SET_TEST_COMMAND)
							    : rf_setting_source(p, RF_SET_REVIEW_TOOLS),
						    "tools", tools(rt)));
	json_object_set_new(o, "modes", md);

	json_t *cf = json_object();
	for (int k = 0; k < RF_CONFIRM_COUNT; k++)
		json_object_set_new(cf, rf_confirmation_names[k],
				    json_pack("{s:b, s:s, s:b}", "enabled", s ? s->confirm[k] : false, "source",
					      rf_setting_source(p, (enum rf_setting_id)(RF_SET_CONFIRM_FORCE_PUSH + k)),
					      "implemented", 0));
	json_object_set_new(o, "confirmations", cf);

	json_t *w = json_object();
	json_object_set_new(w, "sandbox", setting(s && s->win_sandbox == RF_WIN_ELEVATED ? "elevated" : "unelevated",
						  rf_setting_source(p, RF_SET_WIN_SANDBOX)));
	json_object_set_new(w, "sandbox_initialized", json_pack("{s:b, s:s}", "value", s ? s->win_initialized : false,
								"source", rf_setting_source(p, RF_SET_WIN_INITIALIZED)));
	json_object_set_new(w, "sandbox_private_desktop",
			    json_pack("{s:b, s:s}", "value", s ? s->win_private_desktop : false, "source",
				      rf_setting_source(p, RF_SET_WIN_PRIVATE_DESKTOP)));
	json_object_set_new(w, "applies_here", json_false());
	json_object_set_new(o, "windows", w);
	return o;
}

json_t *rf_status_build(const rf_policy *p, const struct rf_probe *pr)
{
	const struct rf_settings *s = rf_settings_get(p);
	json_t *o = json_object();
	json_object_set_new(o, "version", json_string("0.1.0"));

	cleanup_free char *cwd = getcwd(NULL, 0);
	const char *ws = p->workspace ? p->workspace : cwd;
	cleanup_free char *wsreal = ws ? rf_realpath(ws) : NULL;
	json_object_set_new(o, "workspace", json_pack("{s:s, s:s}", "path", wsreal ? wsreal : ws ? ws : "?", "source",
						      p->workspace ? rf_setting_source(p, RF_SET_WORKSPACE) : "current directory"));

	json_t *files = json_object();
	json_object_set_new(files, "global", json_pack("{s:s?, s:s}", "path", s ? s->global_file : NULL, "state",
						       file_state(s ? s->global_state : RF_FILE_NOT_LOOKED)));
	json_t *wf = json_pack("{s:s?, s:s}", "path", s ? s->workspace_file : NULL, "state",
			       file_state(s ? s->workspace_state : RF_FILE_NOT_LOOKED));
	if (s && s->workspace_state == RF_FILE_LOADED) {
		json_object_set_new(wf, "trusted", json_boolean(s->workspace_trusted));
		json_object_set_new(wf, "rule", json_string(s->workspace_trusted ? "trusted: may widen the global policy"
										 : "narrow-only: may only narrow the global policy"));
		json_object_set_new(wf, "trusted_by", s->trusted_source ? json_string(s->trusted_source) : json_null());
	}
	json_object_set_new(files, "workspace", wf);
	json_object_set_new(o, "config_files", files);

	struct rf_backend_prediction b;
	rf_predict_backend(p, pr, &b);
	json_t *be = json_object();
	json_object_set_new(be, "configured", setting(rf_backend_name(p->backend), rf_setting_source(p, RF_SET_BACKEND)));
	json_object_set_new(be, "effective", json_string(b.refuse ? "refused" : rf_effective_backend_name(b.effective)));
	json_object_set_new(be, "reason", b.reason[0] ? json_string(b.reason) : json_null());
	json_object_set_new(be, "allow_fallback",
			    json_pack("{s:b, s:s}", "value", rf_policy_allow_fallback(p), "source",
				      rf_setting_source(p, RF_SET_ALLOW_FALLBACK)));
	json_object_set_new(o, "backend", be);
	json_object_set_new(o, "kernel", kernel(pr));
	json_object_set_new(o, "features_in_use", features(p, pr, &b));
	json_object_set_new(o, "policy", policy_json(p));
	json_object_set_new(o, "agents", agents(s));

	json_t *warn = json_array();
	const struct rf_strv *cw = rf_config_warnings(p);
	for (size_t i = 0; cw && i < cw->n; i++)
		json_array_append_new(warn, json_string(cw->v[i]));
	json_object_set_new(o, "warnings", warn);
	return o;
}
