/* The settings that are not path rules, their sources, and the steps around
 * the config layers: reading the two files, selecting the agent, recording
 * the command-line flags, and finishing (conversation mode, capabilities).
 * See config.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "toml.h"
#include "util.h"

struct rf_settings *rf_settings(rf_policy *p)
{
	if (!p->settings) {
		struct rf_settings *s = rf_xcalloc(1, sizeof *s);
		s->allow_fallback = true;
		s->mode = RF_MODE_CHAT;
		s->capabilities = RF_CAP_ALL;
		s->win_sandbox = RF_WIN_UNELEVATED;
		s->ws_sandbox_cap = -1;
		rf_tools_add_defaults(&s->plan_tools);
		p->settings = s;
	}
	return p->settings;
}

const struct rf_settings *rf_settings_get(const rf_policy *p)
{
	return p ? p->settings : NULL;
}

void rf_settings_free(struct rf_settings *s)
{
	if (!s)
		return;
	for (int i = 0; i < RF_SET_COUNT; i++)
		free(s->source[i]);
	free(s->agent);
	for (size_t i = 0; i < s->n_agents; i++) {
		struct rf_agent *a = &s->agents[i];
		free(a->name);
		free(a->source);
		free(a->caps_source);
		free(a->mode_source);
		free(a->sandbox_mode_source);
		free(a->test_command);
		free(a->test_command_source);
	}
	free(s->agents);
	rf_tools_free(&s->plan_tools);
	rf_tools_free(&s->review_tools);
	free(s->global_file);
	free(s->workspace_file);
	free(s->trusted_source);
	rf_path_rules_free(&s->base_writable_roots);
	rf_path_rules_free(&s->base_read_only);
	rf_strv_free(&s->flags);
	rf_strv_free(&s->warnings);
	free(s);
}

const char *rf_setting_source(const rf_policy *p, enum rf_setting_id id)
{
	const struct rf_settings *s = rf_settings_get(p);
	return s && s->source[id] ? s->source[id] : "default";
}

void rf_setting_set_source(rf_policy *p, enum rf_setting_id id, const char *source)
{
	struct rf_settings *s = rf_settings(p);
	free(s->source[id]);
	s->source[id] = source ? rf_xstrdup(source) : NULL;
}

enum rf_conversation_mode rf_policy_conversation_mode(const rf_policy *p)
{
	const struct rf_settings *s = rf_settings_get(p);
	return s ? s->mode : RF_MODE_CHAT;
}

const struct rf_tool_list *rf_policy_tools(const rf_policy *p)
{
	const struct rf_settings *s = rf_settings_get(p);
	if (!s || s->mode == RF_MODE_CHAT)
		return NULL;
	if (s->mode == RF_MODE_REVIEW && s->review_tools_set)
		return &s->review_tools;
	return &s->plan_tools;
}

bool rf_policy_protect_submodules(const rf_policy *p)
{
	const struct rf_settings *s = rf_settings_get(p);
	return s && s->protect_submodules;
}

void rf_policy_set_protect_submodules(rf_policy *p, bool on, const char *source)
{
	rf_settings(p)->protect_submodules = on;
	rf_setting_set_source(p, RF_SET_PROTECT_SUBMODULES, source);
}

bool rf_policy_allow_fallback(const rf_policy *p)
{
	const struct rf_settings *s = rf_settings_get(p);
	return s ? s->allow_fallback : true;
}

const struct rf_strv *rf_config_warnings(const rf_policy *p)
{
	const struct rf_settings *s = rf_settings_get(p);
	return s ? &s->warnings : NULL;
}

static const char *const conv_names[] = {"chat", "plan", "review"};

const char *rf_conversation_mode_name(enum rf_conversation_mode m)
{
	return (unsigned)m < 3 ? conv_names[m] : "?";
}

int rf_conversation_mode_parse(const char *s, enum rf_conversation_mode *out)
{
	for (int i = 0; i < 3; i++) {
		if (s && strcmp(s, conv_names[i]) == 0) {
			*out = (enum rf_conversation_mode)i;
			return 0;
		}
	}
	return -1;
}

/* Plan and review: read-only whatever sandbox_mode says (DESIGN.md §1). */
static void set_mode(rf_policy *p, enum rf_conversation_mode m, const char *source)
{
	struct rf_settings *s = rf_settings(p);
	if (m != RF_MODE_CHAT && s->mode == RF_MODE_CHAT) {
		s->configured_sandbox_mode = p->sandbox_mode;
		p->sandbox_mode = RF_SANDBOX_READ_ONLY;
	} else if (m == RF_MODE_CHAT && s->mode != RF_MODE_CHAT) {
		p->sandbox_mode = s->configured_sandbox_mode;
	}
	s->mode = m;
	rf_setting_set_source(p, RF_SET_MODE, source);
}

int rf_policy_set_conversation_mode(rf_policy *p, enum rf_conversation_mode m, const char *source,
				    struct rf_error *e)
{
	if ((unsigned)m > RF_MODE_REVIEW)
		return rf_fail(e, EINVAL, "invalid conversation mode %d", (int)m);
	set_mode(p, m, source);
	rf_settings(p)->mode_explicit = true;
	return 0;
}

void rf_policy_note_flag(rf_policy *p, const char *flag)
{
	static const struct {
		const char *flag;
		enum rf_setting_id id;
	} map[] = {
		{"sandbox-mode", RF_SET_SANDBOX_MODE}, {"network", RF_SET_NETWORK}, {"backend", RF_SET_BACKEND},
		{"timeout", RF_SET_TIMEOUT}, {"memory", RF_SET_MEMORY}, {"pids", RF_SET_PIDS}, {"cpu", RF_SET_CPU},
		{"mode", RF_SET_MODE}, {"agent", RF_SET_AGENT}, {"workspace", RF_SET_WORKSPACE},
	};
	struct rf_settings *s = rf_settings(p);
	rf_strv_push(&s->flags, flag);
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(map[i].flag, flag) != 0)
			continue;
		/* (in plan/review the sandbox mode's source is that of the
		 * configured mode: status names the mode for the effective one) */
		cleanup_free char *src = rf_xasprintf("--%s", flag);
		rf_setting_set_source(p, map[i].id, src);
	}
}

char *rf_config_global_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		return rf_path_join(xdg, "ringfence/config.toml");
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return rf_path_join(home, ".config/ringfence/config.toml");
	return NULL;
}

/* Read a whole config file from an open fd. */
static char *read_all(int fd, const char *path, size_t *len, struct rf_error *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return rf_fail(e, errno, "cannot read %s", path), NULL;
	if (!S_ISREG(st.st_mode))
		return rf_fail(e, 0, "cannot read %s: not a regular file", path), NULL;
	size_t cap = 4096, n = 0;
	char *buf = rf_xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > RF_TOML_MAX_INPUT) {
				free(buf);
				return rf_fail(e, 0, "cannot read %s: larger than %zu bytes", path, RF_TOML_MAX_INPUT), NULL;
			}
			cap *= 2;
			buf = rf_xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;
			free(buf);
			return rf_fail(e, err, "cannot read %s", path), NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/* Opens the workspace's .ringfence/config.toml without following symlinks:
 * the repository owns that path, the supervisor reads it on the host. */
static int open_workspace_file(const char *ws, struct rf_error *e)
{
	cleanup_fd int dir = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return rf_fail(e, errno, "cannot open workspace %s", ws);
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dir, ".ringfence/config.toml", &how, sizeof how);
	if (fd < 0 && errno == ENOENT)
		return -2;
	if (fd < 0 && (errno == ELOOP || errno == EXDEV))
		return rf_fail(e, 0, "cannot read %s/.ringfence/config.toml: a symlink is in the way (ringfence does not follow symlinks there)",
			       ws);
	if (fd < 0)
		return rf_fail(e, errno, "cannot read %s/.ringfence/config.toml", ws);
	return fd;
}

/* Parse the file behind fd into *l. */
static int parse_fd(int fd, const char *path, enum rf_config_origin origin, const char *base,
		    struct rf_config_layer *l, struct rf_error *e)
{
	size_t len = 0;
	cleanup_free char *text = read_all(fd, path, &len, e);
	if (!text)
		return -1;
	return rf_config_parse(text, len, path, origin, base, l, e);
}

static int select_agent(rf_policy *p, const char *name, struct rf_error *e)
{
	struct rf_settings *s = rf_settings(p);
	struct rf_agent *a = NULL;
	for (size_t i = 0; i < s->n_agents; i++)
		if (strcmp(s->agents[i].name, name) == 0)
			a = &s->agents[i];
	if (!a) {
		char list[400] = "";
		size_t o = 0;
		for (size_t i = 0; i < s->n_agents && o < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", s->agents[i].name);
		return rf_fail(e, 0, "no agent '%s' in the config files (%s%s)", name, s->n_agents ? "defined: " : "none defined",
			       list);
	}
	free(s->agent);
	s->agent = rf_xstrdup(name);
	rf_setting_set_source(p, RF_SET_AGENT, "--agent");
	s->capabilities = a->caps_source ? a->caps : RF_CAP_ALL;
	rf_setting_set_source(p, RF_SET_CAPABILITIES, a->caps_source);
	if (a->sandbox_mode >= 0) {
		if (s->ws_sandbox_cap >= 0 && s->ws_sandbox_cap < a->sandbox_mode) {
			/* the workspace file narrowed sandbox_mode: it caps the agent too */
		} else {
			rf_policy_set_sandbox_mode(p, (enum rf_sandbox_mode)a->sandbox_mode);
			rf_setting_set_source(p, RF_SET_SANDBOX_MODE, a->sandbox_mode_source);
		}
	}
	if (a->test_command) {
		struct rf_tool t;
		if (rf_tool_parse(a->test_command, a->test_command_source, &t, e) < 0)
			return -1;
		bool covered = rf_tools_covering(s->review_tools_set ? &s->review_tools : &s->plan_tools, &t) != NULL;
		rf_tool_free(&t);
		if (s->ws_review_tools_set && !covered) {
			rf_strv_push_take(&s->warnings,
					  rf_xasprintf("agent %s: test_command \"%s\" (%s) is not in the workspace file's "
						       "[modes.review] tools, so review mode does not allow it",
						       name, a->test_command, a->test_command_source));
		} else {
			if (!s->review_tools_set) {
				rf_tools_copy(&s->review_tools, &s->plan_tools);
				s->review_tools_set = true;
			}
			if (rf_tools_add(&s->review_tools, a->test_command, a->test_command_source, e) < 0)
				return -1;
		}
		rf_setting_set_source(p, RF_SET_TEST_COMMAND, a->test_command_source);
	}
	return 0;
}

int rf_policy_load_config(rf_policy *p, const struct rf_config_options *o, struct rf_error *e)
{
	struct rf_settings *s = rf_settings(p);
	static const struct rf_config_options none = {0};
	if (!o)
		o = &none;
	cleanup_free char *cwd = getcwd(NULL, 0);
	const char *ws_spec = p->workspace ? p->workspace : cwd;
	if (!ws_spec)
		return rf_fail(e, errno, "cannot determine the workspace (current directory)");
	cleanup_free char *ws = rf_realpath(ws_spec);
	if (!ws)
		return rf_fail(e, errno, "cannot use workspace %s", ws_spec);

	/* the global file: trusted, it is the user's own */
	struct rf_config_layer global = {0};
	bool have_global = false;
	free(s->global_file);
	s->global_file = o->global_file ? rf_xstrdup(o->global_file) : rf_config_global_path();
	s->global_state = RF_FILE_NOT_LOOKED;
	if (!o->no_global_file && s->global_file) {
		cleanup_fd int fd = open(s->global_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		/* the default file may well not exist; one named explicitly must */
		if (fd < 0 && (o->global_file || (errno != ENOENT && errno != ENOTDIR)))
			return rf_fail(e, errno, "cannot read config file %s", s->global_file);
		s->global_state = RF_FILE_ABSENT;
		if (fd >= 0) {
			if (parse_fd(fd, s->global_file, RF_CONFIG_GLOBAL, NULL, &global, e) < 0)
				return -1;
			have_global = true;
			s->global_state = RF_FILE_LOADED;
			if (rf_config_apply(p, &global, true, e) < 0) {
				rf_config_layer_free(&global);
				return -1;
			}
		}
	}

	/* the workspace file: narrow-only unless the global file trusts it */
	free(s->workspace_file);
	s->workspace_file = rf_path_join(ws, ".ringfence/config.toml");
	s->workspace_state = RF_FILE_NOT_LOOKED;
	int rc = 0;
	if (!o->no_workspace_file) {
		int fd = open_workspace_file(ws, e);
		s->workspace_state = RF_FILE_ABSENT;
		if (fd == -1)
			rc = -1;
		if (fd >= 0) {
			struct rf_config_layer wl;
			rc = parse_fd(fd, s->workspace_file, RF_CONFIG_WORKSPACE, ws, &wl, e);
			close(fd);
			if (rc == 0) {
				s->workspace_state = RF_FILE_LOADED;
				free(s->trusted_source);
				s->workspace_trusted = rf_config_trusts(have_global ? &global : NULL, ws, &s->trusted_source);
				rc = rf_config_apply(p, &wl, s->workspace_trusted, e);
				rf_config_layer_free(&wl);
			}
		}
	}
	if (have_global)
		rf_config_layer_free(&global);
	if (rc == 0 && o->agent)
		rc = select_agent(p, o->agent, e);
	return rc;
}

static void capability_list(unsigned caps, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned k = 0; k < RF_CAP_COUNT && o < cap; k++)
		if (caps & (1u << k))
			o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? ", " : "", rf_capability_names[k]);
}

int rf_policy_finish(rf_policy *p, struct rf_error *e)
{
	(void)e;
	struct rf_settings *s = rf_settings(p);
	if (s->finished)
		return 0;
	s->finished = true;
	const struct rf_agent *a = NULL;
	for (size_t i = 0; s->agent && i < s->n_agents; i++)
		if (strcmp(s->agents[i].name, s->agent) == 0)
			a = &s->agents[i];

	if (a && !s->mode_explicit && a->mode >= 0)
		set_mode(p, (enum rf_conversation_mode)a->mode, a->mode_source);

	/* network_egress withheld: offline, whatever else asked for more */
	if (a && !(s->capabilities & RF_CAP_NETWORK_EGRESS)) {
		if (p->network != RF_NET_OFFLINE)
			rf_strv_push_take(&s->warnings,
					  rf_xasprintf("network %s (%s) overridden: agent %s lacks the network_egress "
						       "capability, so the sandbox is offline",
						       rf_network_mode_name(p->network), rf_setting_source(p, RF_SET_NETWORK),
						       s->agent));
		p->network = RF_NET_OFFLINE;
		s->network_forced_offline = true;
		cleanup_free char *src = rf_xasprintf("agents.%s.capabilities without network_egress, %s", s->agent,
						      a->caps_source ? a->caps_source : "?");
		rf_setting_set_source(p, RF_SET_NETWORK, src);
	}
	unsigned withheld = (RF_CAP_ALL & ~RF_CAP_NETWORK_EGRESS) & ~s->capabilities;
	if (a && withheld) {
		char list[200];
		capability_list(withheld, list, sizeof list);
		rf_strv_push_take(&s->warnings,
				  rf_xasprintf("agent %s: withholding %s is NOT enforced yet (there is no credential broker: "
					       "the command gets the caller's environment, tokens included)",
					       s->agent, list));
	}
	for (int k = 0; k < RF_CONFIRM_COUNT; k++)
		if (s->confirm[k])
			rf_strv_push_take(&s->warnings,
					  rf_xasprintf("confirmations.%s is enabled (%s) but confirmations are not implemented "
						       "yet: the action is NOT paused for approval",
						       rf_confirmation_names[k],
						       rf_setting_source(p, (enum rf_setting_id)(RF_SET_CONFIRM_FORCE_PUSH + k))));
	return 0;
}
