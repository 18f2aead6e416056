/* The policy model: what the user asked for, before any platform decides how
 * to enforce it. Built from defaults, config files and command-line flags;
 * every path rule remembers where it came from (`source`) so that denials
 * and `explain` can name the rule and its origin. */
#ifndef RF_POLICY_H
#define RF_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "ringfence.h"

struct rf_path_rule {
	char *path;   /* absolute, lexically normalised, ~ expanded */
	char *spec;   /* as the user wrote it, e.g. "~/.ssh" or ".git/hooks" */
	char *source; /* "default", "--hide", "config.toml:12" */
};

struct rf_path_rules {
	struct rf_path_rule *v;
	size_t n, cap;
};

/* A rule that is not a path: a domain pattern, a port. Kept as written;
 * the code that enforces it (net/) parses and validates it. */
struct rf_rule {
	char *spec;   /* "registry.npmjs.org", "*.example.com:443", "5432" */
	char *source; /* "default", "--allow-domain", "config.toml:12" */
};

struct rf_rules {
	struct rf_rule *v;
	size_t n, cap;
};

/* Resource limits; 0 = no limit. */
struct rf_limits {
	double timeout_s;                 /* wall clock: the whole sandbox dies */
	unsigned long long memory_bytes;  /* the sandbox's memory */
	unsigned long pids;               /* processes/threads at once */
	double cpus;                      /* CPU time share, in cores (1.5 = one and a half) */
	unsigned long long memory_per_process_bytes; /* RLIMIT_DATA of each process */
	unsigned long long tmpfs_bytes;   /* /tmp, /run, /dev/shm, cache layers together; 0 = default */
	bool pids_default;                /* pids is the built-in default, not asked for: where it
					   * cannot be enforced that is a warning, not a refusal */
};

/* The default process limit: a fork bomb stops here (see src/linux/limits.c). */
#define RF_DEFAULT_PIDS 4096

struct rf_policy {
	enum rf_sandbox_mode sandbox_mode;
	enum rf_network_mode network;
	enum rf_backend backend;
	char *workspace;                     /* absolute; NULL = cwd */
	struct rf_path_rules writable_roots; /* beyond the workspace */
	struct rf_path_rules read_only;      /* extra read-only grants */
	struct rf_path_rules hidden;         /* absolute paths */
	/* Protected names are relative to each writable root (".git/hooks"). */
	struct rf_path_rules protected_paths;
	/* network = allowlist: egress through the proxy to these; deny wins */
	struct rf_rules allowed_domains;
	struct rf_rules denied_domains;
	/* host loopback ports reachable as 127.0.0.1:PORT inside */
	struct rf_rules host_ports;
	/* NAME=IP answers for the proxy's resolver (tests; checked like DNS answers) */
	struct rf_rules proxy_resolve;
	struct rf_limits limits;
	char *home; /* $HOME used to expand ~; NULL = from environment */
	/* everything else: conversation mode, agent, sources of the scalars
	 * above, confirmations, config files (config.h); NULL = all defaults */
	struct rf_settings *settings;
};

void rf_path_rules_add(struct rf_path_rules *r, const char *path, const char *spec, const char *source);
void rf_path_rules_free(struct rf_path_rules *r);
void rf_rules_add(struct rf_rules *r, const char *spec, const char *source);
void rf_rules_free(struct rf_rules *r);

/* Expand a leading "~/" against home and normalise. Returns NULL (with *e)
 * when the result is not absolute. */
char *rf_policy_expand_path(const char *spec, const char *home, const char *cwd, struct rf_error *e);

/* The built-in defaults (DESIGN.md §1). */
extern const char *const rf_default_hidden_home[];     /* relative to $HOME */
extern const char *const rf_default_hidden_system[];   /* absolute */
extern const char *const rf_default_protected[];       /* relative to writable roots */

#endif
