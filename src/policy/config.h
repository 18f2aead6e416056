/* Configuration files (docs/config.md): the schema, the merge of the layers
 * (built-in defaults < global file < workspace file < command-line flags),
 * the narrow-only rule for workspace files, and everything of the policy
 * that is not a path rule: conversation mode, agents and their
 * capabilities, confirmations, [windows], and the source (FILE:LINE, a flag,
 * "default") of every setting, for `status` and `explain`.
 *
 * Three steps:
 *   rf_config_parse()  TOML text -> struct rf_config_layer (pure: every key
 *                      and type checked, values validated, positions kept);
 *   rf_config_apply()  a layer onto the policy; for an untrusted workspace
 *                      file, first proves it only narrows (else an error
 *                      naming the key and FILE:LINE:COL);
 *   rf_policy_finish() after the flags: the agent's capabilities and the
 *                      conversation mode take effect.
 * rf_policy_load_config() (ringfence.h) reads the two files and does the
 * first two steps. */
#ifndef RF_CONFIG_H
#define RF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modes.h"
#include "plan.h"
#include "policy.h"
#include "util.h"

struct rf_error;

/* ---- the settings that are not path rules (rf_policy.settings) ---- */

enum rf_setting_id {
	RF_SET_SANDBOX_MODE,
	RF_SET_NETWORK,
	RF_SET_BACKEND,
	RF_SET_ALLOW_FALLBACK,
	RF_SET_TIMEOUT,
	RF_SET_MEMORY,
	RF_SET_PIDS,
	RF_SET_CPU,
	RF_SET_MODE,
	RF_SET_AGENT,
	RF_SET_WORKSPACE,
	RF_SET_CAPABILITIES,
	RF_SET_CONFIRM_FORCE_PUSH,
	RF_SET_CONFIRM_BRANCH_DELETE,
	RF_SET_CONFIRM_LARGE_FILE_OPS,
	RF_SET_CONFIRM_PRIVILEGED_API,
	RF_SET_WIN_SANDBOX,
	RF_SET_WIN_INITIALIZED,
	RF_SET_WIN_PRIVATE_DESKTOP,
	RF_SET_PLAN_TOOLS,
	RF_SET_REVIEW_TOOLS,
	RF_SET_TEST_COMMAND,
	RF_SET_COUNT
};

/* Agent capabilities (DESIGN.md §1): what the credential broker would hand out. */
enum {
	RF_CAP_PUSH_TO_REPO = 1u << 0,
	RF_CAP_GITHUB_API = 1u << 1,
	RF_CAP_TICKETING = 1u << 2,
	RF_CAP_NETWORK_EGRESS = 1u << 3,
	RF_CAP_ALL = 0xfu,
};
#define RF_CAP_COUNT 4
extern const char *const rf_capability_names[RF_CAP_COUNT];

#define RF_CONFIRM_COUNT 4
extern const char *const rf_confirmation_names[RF_CONFIRM_COUNT]; /* force_push, ... */

enum rf_win_sandbox {
	RF_WIN_UNELEVATED, /* default: restricted token, no setup */
	RF_WIN_ELEVATED,   /* dedicated sandbox users, set up once under UAC */
};

struct rf_agent {
	char *name;
	char *source;          /* where [agents.NAME] first appears */
	unsigned caps;         /* RF_CAP_* */
	char *caps_source;     /* NULL: not configured (all granted) */
	int mode;              /* enum rf_conversation_mode, -1 = not set */
	char *mode_source;
	int sandbox_mode;      /* enum rf_sandbox_mode, -1 = not set */
	char *sandbox_mode_source;
	char *test_command;    /* a tool string, NULL = none */
	char *test_command_source;
};

enum rf_file_state {
	RF_FILE_NOT_LOOKED, /* --no-config and friends */
	RF_FILE_ABSENT,
	RF_FILE_LOADED,
};

struct rf_settings {
	char *source[RF_SET_COUNT];   /* NULL = "default" */
	bool allow_fallback;          /* [backend] allow_fallback (default true) */

	enum rf_conversation_mode mode;
	bool mode_explicit;           /* set by the caller (--mode), not by the agent */
	/* plan/review force read-only: what sandbox_mode said before */
	enum rf_sandbox_mode configured_sandbox_mode;

	char *agent;                  /* selected agent, NULL = none */
	unsigned capabilities;        /* the selected agent's (RF_CAP_ALL without one) */
	bool network_forced_offline;  /* the agent lacks network_egress */

	struct rf_agent *agents;      /* every agent defined, for status */
	size_t n_agents;

	bool confirm[RF_CONFIRM_COUNT];
	enum rf_win_sandbox win_sandbox;
	bool win_initialized;
	bool win_private_desktop;

	struct rf_tool_list plan_tools;   /* built-in list unless configured */
	struct rf_tool_list review_tools; /* the plan list unless configured (plus test_command) */
	bool review_tools_set;

	/* An untrusted workspace file's caps on what an agent may override:
	 * its top-level sandbox_mode (-1 none) and whether it set review tools. */
	int ws_sandbox_cap;
	bool ws_review_tools_set;

	/* the files */
	char *global_file;
	enum rf_file_state global_state;
	char *workspace_file;
	enum rf_file_state workspace_state;
	bool workspace_trusted;
	char *trusted_source;         /* the trusted_workspaces entry that trusts it */

	/* What the trusted layers granted, before an untrusted workspace file
	 * replaced the lists: the baseline its plan is checked against (see
	 * rf_config_check_plan). */
	bool untrusted_grants;
	struct rf_path_rules base_writable_roots;
	struct rf_path_rules base_read_only;

	bool finished;
	struct rf_strv flags;         /* long options given on the command line */
	struct rf_strv warnings;      /* configured but not enforced: said on every run */
};

/* The settings of p (created on first use). */
struct rf_settings *rf_settings(rf_policy *p);
const struct rf_settings *rf_settings_get(const rf_policy *p); /* NULL-safe: may be NULL */
void rf_settings_free(struct rf_settings *s);
/* "default" when unset. */
const char *rf_setting_source(const rf_policy *p, enum rf_setting_id id);
void rf_setting_set_source(rf_policy *p, enum rf_setting_id id, const char *source);

enum rf_conversation_mode rf_policy_conversation_mode(const rf_policy *p);
/* The tools of the current mode, NULL in chat mode. */
const struct rf_tool_list *rf_policy_tools(const rf_policy *p);
bool rf_policy_allow_fallback(const rf_policy *p);

/* Durations and sizes: rf_parse_duration, rf_parse_size (src/common/units.h,
 * shared with the command-line flags). */

/* ---- a parsed file ---- */

enum rf_config_origin {
	RF_CONFIG_GLOBAL,
	RF_CONFIG_WORKSPACE,
};

struct rf_cfg_pos {
	unsigned line, col; /* 0 = not set */
};

struct rf_cfg_strs {
	bool set;
	struct rf_cfg_pos at;  /* the key */
	char **v;
	struct rf_cfg_pos *pos; /* each element */
	size_t n;
};

struct rf_cfg_ints {
	bool set;
	struct rf_cfg_pos at;
	int64_t *v;
	struct rf_cfg_pos *pos;
	size_t n;
};

struct rf_cfg_int {     /* enums and booleans: -1 = not set */
	int v;
	struct rf_cfg_pos at;
};

struct rf_cfg_limit {
	bool set;
	struct rf_cfg_pos at;
	double seconds;                /* timeout */
	unsigned long long amount;     /* memory bytes, pids */
	double cpus;                   /* cpu */
};

struct rf_cfg_agent {
	char *name;
	struct rf_cfg_pos at;
	struct rf_cfg_strs capabilities;
	unsigned caps;                 /* parsed from capabilities */
	struct rf_cfg_int mode;
	struct rf_cfg_int sandbox_mode;
	char *test_command;
	struct rf_cfg_pos test_command_at;
};

struct rf_config_layer {
	char *file;                    /* as named in messages and sources */
	enum rf_config_origin origin;
	char *base_dir;                /* workspace files: relative paths are taken from here */

	struct rf_cfg_int sandbox_mode;
	struct rf_cfg_strs writable_roots;
	struct rf_cfg_int network_access;     /* [sandbox_workspace_write], bool */
	struct rf_cfg_strs hidden, read_only, protected_paths;
	struct rf_cfg_int network_mode;
	struct rf_cfg_strs allowed_domains, denied_domains;
	struct rf_cfg_ints host_ports;
	struct rf_cfg_agent *agents;
	size_t n_agents;
	struct rf_cfg_int confirm[RF_CONFIRM_COUNT];
	struct rf_cfg_int win_sandbox, win_initialized, win_private_desktop;
	struct rf_cfg_int backend, allow_fallback;
	struct rf_cfg_strs trusted_workspaces;
	struct rf_cfg_limit timeout, memory, pids, cpu;
	struct rf_cfg_strs plan_tools, review_tools;
};

/* Parse and validate one file's text. `file` names it in messages;
 * `base_dir` (workspace files) resolves relative paths. */
int rf_config_parse(const char *text, size_t len, const char *file, enum rf_config_origin origin,
		    const char *base_dir, struct rf_config_layer *out, struct rf_error *e);
void rf_config_layer_free(struct rf_config_layer *l);

/* Apply a layer to p. A workspace layer is checked first unless `trusted`;
 * the first widening found is the error. */
int rf_config_apply(rf_policy *p, const struct rf_config_layer *l, bool trusted, struct rf_error *e);

/* Would the global layer trust this workspace (resolved path)? Sets the
 * trusted_workspaces entry's source. */
bool rf_config_trusts(const struct rf_config_layer *global, const char *workspace, char **source);

/* The plan of a policy whose untrusted workspace file granted paths must not
 * allow more, anywhere, than the plan of the policy without those grants:
 * this catches what the lexical checks of rf_config_apply cannot see (a
 * granted directory that is a linked worktree whose git dir lies elsewhere,
 * a component swapped for a symlink since). 0 when fine, or when there is
 * nothing to check. */
int rf_config_check_plan(const rf_policy *p, const struct rf_plan *plan, struct rf_error *e);

/* "FILE:LINE" for messages and sources. */
char *rf_config_source(const char *file, struct rf_cfg_pos at);

/* The settings' warnings about what is configured but not enforced, one a
 * line, for the run result and stderr. */
const struct rf_strv *rf_config_warnings(const rf_policy *p);

/* The global config file's path for this environment, NULL when neither
 * XDG_CONFIG_HOME nor HOME is an absolute path. */
char *rf_config_global_path(void);

#endif
