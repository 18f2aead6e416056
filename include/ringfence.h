/* ringfence — run commands of AI coding agents in an OS-enforced sandbox.
 *
 * The library does the work; the `ringfence` CLI is a thin shell over it.
 *
 *   rf_policy *p = rf_policy_new();
 *   rf_policy_set_workspace(p, "/home/me/project", &err);
 *   rf_policy_add_hidden(p, "~/.ssh", "my-harness", &err);
 *   struct rf_run_options o = { .argv = argv };
 *   struct rf_run_result r;
 *   if (rf_run(p, &o, &r, &err) < 0) { fprintf(stderr, "%s\n", err.msg); exit(125); }
 *   exit(r.exit_status);
 *
 * Every function that can fail returns -1 and fills a struct rf_error with a
 * one-line reason; none of them exits the process.
 */
#ifndef RINGFENCE_H
#define RINGFENCE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rf_error;

enum rf_sandbox_mode {
	RF_SANDBOX_READ_ONLY,
	RF_SANDBOX_WORKSPACE_WRITE, /* default */
	RF_SANDBOX_DANGER_FULL_ACCESS,
};

enum rf_network_mode {
	RF_NET_OFFLINE, /* default: the sandbox's own loopback only */
	RF_NET_ALLOWLIST,
	RF_NET_ONLINE,
};

enum rf_backend {
	RF_BACKEND_NATIVE, /* default: the OS mechanisms */
	RF_BACKEND_NONE,   /* no isolation at all: development only */
};

/* The rung of the fallback ladder actually in force. */
enum rf_effective_backend {
	RF_EFFECTIVE_NAMESPACES,   /* user/mount/pid/net/... namespaces + Landlock + seccomp */
	RF_EFFECTIVE_LANDLOCK,     /* no user namespaces: Landlock + seccomp only */
	RF_EFFECTIVE_NONE,         /* backend = none: nothing enforced */
};

typedef struct rf_policy rf_policy;

rf_policy *rf_policy_new(void); /* defaults: workspace-write, offline, native, default hidden/protected */
void rf_policy_free(rf_policy *p);
int rf_policy_set_sandbox_mode(rf_policy *p, enum rf_sandbox_mode m);
int rf_policy_set_network(rf_policy *p, enum rf_network_mode m);
int rf_policy_set_backend(rf_policy *p, enum rf_backend b);
int rf_policy_set_workspace(rf_policy *p, const char *dir, struct rf_error *e);
/* `source` names where the rule came from ("--hide", "config.toml:12"). */
int rf_policy_add_writable_root(rf_policy *p, const char *dir, const char *source, struct rf_error *e);
int rf_policy_add_read_only(rf_policy *p, const char *path, const char *source, struct rf_error *e);
int rf_policy_add_hidden(rf_policy *p, const char *path, const char *source, struct rf_error *e);
int rf_policy_add_protected(rf_policy *p, const char *relpath, const char *source, struct rf_error *e);

/* Network rules, used with network = allowlist (and host ports in every
 * mode that has its own network namespace). A domain rule is an exact name
 * or "*.example.com" (subdomains only), optionally ":PORT"; deny rules win. */
int rf_policy_add_allowed_domain(rf_policy *p, const char *rule, const char *source, struct rf_error *e);
int rf_policy_add_denied_domain(rf_policy *p, const char *rule, const char *source, struct rf_error *e);
/* 127.0.0.1:port inside reaches the host's 127.0.0.1:port, nothing else of the host.
 * At most RF_MAX_HOST_PORTS. */
#define RF_MAX_HOST_PORTS 64
int rf_policy_add_host_port(rf_policy *p, int port, const char *source, struct rf_error *e);
/* "NAME=IP[,IP...]": the allowlist proxy answers NAME with these addresses
 * instead of asking DNS (like curl --resolve; meant for tests). The answer
 * is checked like a DNS answer: a loopback or private address still needs
 * an IP rule. */
int rf_policy_add_proxy_resolve(rf_policy *p, const char *spec, const char *source, struct rf_error *e);

/* Resource limits (0 = none). */
int rf_policy_set_timeout(rf_policy *p, double seconds, struct rf_error *e);
int rf_policy_set_memory_limit(rf_policy *p, unsigned long long bytes, struct rf_error *e);
int rf_policy_set_pids_limit(rf_policy *p, unsigned long pids, struct rf_error *e);
int rf_policy_set_cpu_limit(rf_policy *p, double cpus, struct rf_error *e);
/* RLIMIT_DATA of every process in the sandbox: per process, not the
 * sandbox's total (that is set_memory_limit, which needs a cgroup). */
int rf_policy_set_memory_per_process(rf_policy *p, unsigned long long bytes, struct rf_error *e);
/* What the sandbox's private /tmp, /run, /dev/shm and cache layers may hold
 * together (0 = the default: half the RAM, or the memory limit if lower). */
int rf_policy_set_tmpfs_size(rf_policy *p, unsigned long long bytes, struct rf_error *e);

const char *rf_sandbox_mode_name(enum rf_sandbox_mode m);
const char *rf_network_mode_name(enum rf_network_mode m);
const char *rf_backend_name(enum rf_backend b);
const char *rf_effective_backend_name(enum rf_effective_backend b);
int rf_sandbox_mode_parse(const char *s, enum rf_sandbox_mode *out);
int rf_network_mode_parse(const char *s, enum rf_network_mode *out);
int rf_backend_parse(const char *s, enum rf_backend *out);

/* What the supervisor watches to report denials (docs/events.md). */
enum rf_audit {
	RF_AUDIT_WRITES = 0, /* default: every write-intent file call (costs nothing measurable) */
	RF_AUDIT_OFF,        /* none (unix sockets are still mediated: that is enforcement) */
	RF_AUDIT_READS,      /* writes, and every open: reads of hidden paths are reported too */
};

struct rf_events; /* the event stream: src/events/events.h */
/* ---- conversation modes (DESIGN.md §1) ---- */
enum rf_conversation_mode {
	RF_MODE_CHAT,   /* default: the policy as configured, any program */
	RF_MODE_PLAN,   /* the workspace and writable roots read-only; only the plan tools run */
	RF_MODE_REVIEW, /* the same, with the review tools (plan's plus the test runner) */
};
/* Plan and review make the filesystem read-only whatever the sandbox mode
 * says (a later rf_policy_set_sandbox_mode is remembered as the configured
 * mode, not applied) and restrict execution to the mode's tool list, in the
 * kernel (Landlock execute right, noexec mounts) and in the supervisor
 * (arguments, e.g. git subcommands). */
int rf_policy_set_conversation_mode(rf_policy *p, enum rf_conversation_mode m, const char *source,
				    struct rf_error *e);
const char *rf_conversation_mode_name(enum rf_conversation_mode m);
int rf_conversation_mode_parse(const char *s, enum rf_conversation_mode *out);

/* ---- configuration files (docs/config.md) ----
 * Order: built-in defaults < global file < workspace file < the caller's own
 * settings (command-line flags). So:
 *   rf_policy_set_workspace(p, dir, &e);          // where the workspace file is
 *   rf_policy_load_config(p, &(struct rf_config_options){.agent = "claude"}, &e);
 *   ... the flags: rf_policy_set_*, rf_policy_add_*, then for each flag given
 *   rf_policy_note_flag(p, "network");            // status names it as the source
 *   rf_policy_finish(p, &e);                      // agent capabilities, conversation mode
 * A workspace file may only narrow the policy unless the global file lists
 * the workspace in trusted_workspaces; a widening attempt, an unknown key or
 * a wrong type is an error "FILE:LINE:COL: reason". */
struct rf_config_options {
	const char *agent;       /* [agents.NAME] to apply; NULL = none */
	const char *global_file; /* NULL = $XDG_CONFIG_HOME/ringfence/config.toml (~/.config/...) */
	bool no_global_file;     /* read no global file */
	bool no_workspace_file;  /* read no <workspace>/.ringfence/config.toml */
};
int rf_policy_load_config(rf_policy *p, const struct rf_config_options *o, struct rf_error *e);
/* `flag` is the long option name without dashes ("sandbox-mode", "network",
 * "timeout"): the settings it governs now come from "--flag". */
void rf_policy_note_flag(rf_policy *p, const char *flag);
int rf_policy_finish(rf_policy *p, struct rf_error *e);

/* ---- explain: what the sandbox would allow, and which rule decides ---- */
struct rf_explanation {
	bool is_host;          /* a HOST[:PORT] question, else a path */
	char target[4200];     /* the path as the sandbox resolves it, or host:port */
	bool exists;           /* paths: it is there in the sandbox when the command starts */
	bool read, write;      /* paths: may it be read; may it be created or changed */
	bool exec;             /* paths: may it be executed (plan/review: only the mode's tools) */
	bool connect;          /* hosts */
	char rule[512];        /* "hidden:~/.ssh", "workspace", "network:offline" */
	char source[512];      /* "default", "--hide", "/home/u/.config/ringfence/config.toml:12" */
	char detail[1024];     /* one more line of why, "" if none */
};
/* Built from the same plan `rf_run` applies (rf_plan_build + rf_plan_lookup). */
int rf_explain_path(const rf_policy *p, const char *path, struct rf_explanation *out, struct rf_error *e);
/* host, "host:port", "[v6]:port"; no port = any */
int rf_explain_host(const rf_policy *p, const char *target, struct rf_explanation *out, struct rf_error *e);

struct rf_run_options {
	char *const *argv;   /* command and arguments; argv[0] looked up in PATH */
	char *const *envp;   /* environment for the command; NULL = environ */
	const char *cwd;     /* working directory inside; NULL = caller's cwd if visible, else workspace */
	FILE *verbose;       /* when set, the mount plan and each enforcement step are described here */
	int pty;             /* -1 auto (when stdin is a terminal), 0 never, 1 always */
	/* the events work */
	struct rf_events *events; /* where violations and the run's events go; NULL = counted only */
	enum rf_audit audit;
};

/* The resource limits of a run and what enforced each (NULL: not enforced,
 * or not asked for). Values are 0 when there is no such limit. */
struct rf_limits_report {
	double timeout_s;
	unsigned long pids;
	const char *pids_by;   /* "cgroup-v2", "cgroup-v1", "rlimit" (RLIMIT_NPROC in the sandbox's user ns) */
	unsigned long long memory_bytes;
	const char *memory_by; /* "cgroup-v2", "cgroup-v1" */
	double cpus;
	const char *cpu_by;    /* "cgroup-v2", "cgroup-v1" */
	unsigned long long memory_per_process_bytes;
	const char *memory_per_process_by; /* "rlimit" (RLIMIT_DATA) */
	unsigned long long tmpfs_bytes;    /* the cap on the sandbox's writable tmpfs, together */
};

struct rf_run_result {
	int exit_status;      /* what `ringfence run` exits with: code, 128+signal, 124 timeout, 125 setup failure */
	int exit_code;        /* the command's exit code, -1 if killed by a signal */
	int signal;           /* the signal that killed it, 0 if none */
	double duration;      /* seconds, wall clock */
	bool sandbox_enforced;
	enum rf_backend configured_backend;
	enum rf_effective_backend effective_backend;
	char fallback_reason[256]; /* why the effective backend differs, "" if it does not */
	int landlock_abi;          /* 0 when Landlock is not in use */
	char warnings[4096];       /* newline-separated limitations of this run, "" if none */
	bool timed_out;            /* the timeout expired: the sandbox was killed, exit_status 124 */
	struct rf_limits_report limits;
	/* the events work */
	unsigned long violations;  /* denials reported (duplicates included) */
	struct rf_events *events;  /* options.events, for the summary in the JSON result */
};

/* Run a command under the policy. Returns 0 when the command ran (whatever its
 * exit status: see result->exit_status), -1 when the sandbox could not be set
 * up (then result->exit_status is 125 and *e says why). */
int rf_run(const rf_policy *p, const struct rf_run_options *o, struct rf_run_result *result,
	   struct rf_error *e);

/* Write the result as one JSON object (and a newline) to fd. */
int rf_run_result_write_json(const struct rf_run_result *r, const rf_policy *p, int fd);

#ifdef __cplusplus
}
#endif
#endif
