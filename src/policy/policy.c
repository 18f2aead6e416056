/* The policy model and its built-in defaults (DESIGN.md §1). */
#include "policy.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "rules.h"

/* Secrets under $HOME that no agent command should read. */
const char *const rf_default_hidden_home[] = {
	".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".kube", ".docker",
	".netrc", ".git-credentials", ".config/git/credentials",
	".config/gh", ".config/hub", ".npmrc", ".pypirc", ".cargo/credentials",
	".cargo/credentials.toml", ".vault-token", ".password-store",
	".local/share/keyrings", ".pgpass", ".my.cnf", ".terraform.d/credentials.tfrc.json",
	".mozilla", ".config/google-chrome", ".config/chromium",
	".config/ringfence/secrets", /* the credential broker's store */
	/* the agents' own credentials: a prompt-injected agent must not walk
	 * off with the API keys it runs on */
	".codex/auth.json", ".claude/.credentials.json", ".config/github-copilot", ".gemini/oauth_creds.json",
	NULL,
};

/* Sensitive system files: readable by root, and a root caller maps to uid 0
 * inside the sandbox, so they must be covered explicitly. */
const char *const rf_default_hidden_system[] = {
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
	"/etc/sudoers", "/etc/sudoers.d", "/etc/ssl/private", "/etc/ssh/ssh_host_rsa_key",
	"/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key",
	"/etc/ssh/ssh_host_dsa_key", "/etc/security/opasswd",
	/* root-only copies and stores of credentials elsewhere in /etc, /var */
	"/var/backups/shadow.bak", "/var/backups/gshadow.bak", "/var/cache/debconf/passwords.dat",
	"/etc/krb5.keytab", "/etc/NetworkManager/system-connections",
	NULL,
};

/* Inside every writable root: things that something outside the sandbox
 * later runs or trusts. .git/objects, refs, index and logs stay writable so
 * commits work. */
const char *const rf_default_protected[] = {
	".git/hooks", ".git/config", ".git/info",
	/* git follows these to another config (core.fsmonitor, core.hooksPath) */
	".git/commondir", ".git/config.worktree",
	".ringfence", NULL,
};

void rf_path_rules_add(struct rf_path_rules *r, const char *path, const char *spec, const char *source)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = rf_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = (struct rf_path_rule){
		.path = rf_xstrdup(path),
		.spec = rf_xstrdup(spec ? spec : path),
		.source = rf_xstrdup(source ? source : "default"),
	};
}

void rf_path_rules_free(struct rf_path_rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].spec);
		free(r->v[i].source);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

void rf_rules_add(struct rf_rules *r, const char *spec, const char *source)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->v = rf_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = (struct rf_rule){
		.spec = rf_xstrdup(spec),
		.source = rf_xstrdup(source ? source : "default"),
	};
}

void rf_rules_free(struct rf_rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].spec);
		free(r->v[i].source);
	}
	free(r->v);
	memset(r, 0, sizeof *r);
}

char *rf_policy_expand_path(const char *spec, const char *home, const char *cwd, struct rf_error *e)
{
	cleanup_free char *joined = NULL;
	if (!spec || !*spec) {
		rf_fail(e, 0, "empty path");
		return NULL;
	}
	if (spec[0] == '~' && (spec[1] == '/' || spec[1] == '\0')) {
		if (!home || home[0] != '/') {
			rf_fail(e, 0, "cannot expand %s: HOME is not set to an absolute path", spec);
			return NULL;
		}
		joined = rf_path_join(home, spec + 1);
	} else if (spec[0] == '/') {
		joined = rf_xstrdup(spec);
	} else if (cwd && cwd[0] == '/') {
		joined = rf_path_join(cwd, spec);
	} else {
		rf_fail(e, 0, "path %s is not absolute", spec);
		return NULL;
	}
	return rf_path_normalize(joined);
}

rf_policy *rf_policy_new(void)
{
	rf_policy *p = rf_xcalloc(1, sizeof *p);
	p->sandbox_mode = RF_SANDBOX_WORKSPACE_WRITE;
	p->network = RF_NET_OFFLINE;
	p->backend = RF_BACKEND_NATIVE;
	p->limits.pids = RF_DEFAULT_PIDS;
	p->limits.pids_default = true;
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		p->home = rf_path_normalize(home);
	/* With HOME unset or relative, the secrets of the caller's home as the
	 * password database names it are still hidden: a workspace or a
	 * --read-only grant may contain it (an agent started in ~ from a
	 * cleared environment). That home itself is not made visible. */
	cleanup_free char *pw_home = NULL;
	if (!p->home) {
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_dir && pw->pw_dir[0] == '/' && strcmp(pw->pw_dir, "/") != 0)
			pw_home = rf_path_normalize(pw->pw_dir);
	}
	const char *secrets_home = p->home ? p->home : pw_home;
	for (size_t i = 0; rf_default_hidden_home[i]; i++) {
		if (!secrets_home)
			break;
		cleanup_free char *path = rf_path_join(secrets_home, rf_default_hidden_home[i]);
		cleanup_free char *spec = rf_xasprintf("~/%s", rf_default_hidden_home[i]);
		rf_path_rules_add(&p->hidden, path, spec, "default");
	}
	for (size_t i = 0; rf_default_hidden_system[i]; i++)
		rf_path_rules_add(&p->hidden, rf_default_hidden_system[i], NULL, "default");
	for (size_t i = 0; rf_default_protected[i]; i++)
		rf_path_rules_add(&p->protected_paths, rf_default_protected[i], NULL, "default");
	return p;
}

void rf_policy_free(rf_policy *p)
{
	if (!p)
		return;
	free(p->workspace);
	free(p->home);
	rf_path_rules_free(&p->writable_roots);
	rf_path_rules_free(&p->read_only);
	rf_path_rules_free(&p->hidden);
	rf_path_rules_free(&p->protected_paths);
	rf_rules_free(&p->allowed_domains);
	rf_rules_free(&p->denied_domains);
	rf_rules_free(&p->host_ports);
	rf_rules_free(&p->proxy_resolve);
	rf_settings_free(p->settings);
	free(p);
}

int rf_policy_set_sandbox_mode(rf_policy *p, enum rf_sandbox_mode m)
{
	if (p->settings && p->settings->mode != RF_MODE_CHAT) {
		/* plan/review: read-only stays; remember what was asked */
		p->settings->configured_sandbox_mode = m;
		return 0;
	}
	p->sandbox_mode = m;
	return 0;
}

int rf_policy_set_network(rf_policy *p, enum rf_network_mode m)
{
	p->network = m;
	return 0;
}

int rf_policy_set_backend(rf_policy *p, enum rf_backend b)
{
	p->backend = b;
	return 0;
}

static char *cwd_or_null(void)
{
	return getcwd(NULL, 0);
}

int rf_policy_set_workspace(rf_policy *p, const char *dir, struct rf_error *e)
{
	cleanup_free char *cwd = cwd_or_null();
	char *path = rf_policy_expand_path(dir, p->home, cwd, e);
	if (!path)
		return rf_fail_wrap(e, "invalid workspace");
	free(p->workspace);
	p->workspace = path;
	return 0;
}

static int add_rule(rf_policy *p, struct rf_path_rules *r, const char *spec, const char *source,
		    const char *what, struct rf_error *e)
{
	cleanup_free char *cwd = cwd_or_null();
	cleanup_free char *path = rf_policy_expand_path(spec, p->home, cwd, e);
	if (!path)
		return rf_fail_wrap(e, "invalid %s", what);
	rf_path_rules_add(r, path, spec, source);
	return 0;
}

int rf_policy_add_writable_root(rf_policy *p, const char *dir, const char *source, struct rf_error *e)
{
	return add_rule(p, &p->writable_roots, dir, source, "writable root", e);
}

int rf_policy_add_read_only(rf_policy *p, const char *path, const char *source, struct rf_error *e)
{
	return add_rule(p, &p->read_only, path, source, "read-only path", e);
}

int rf_policy_add_hidden(rf_policy *p, const char *path, const char *source, struct rf_error *e)
{
	return add_rule(p, &p->hidden, path, source, "hidden path", e);
}

int rf_policy_add_protected(rf_policy *p, const char *relpath, const char *source, struct rf_error *e)
{
	if (!relpath || !*relpath || relpath[0] == '/')
		return rf_fail(e, 0, "protected path '%s' must be relative to a writable root",
			       relpath ? relpath : "");
	/* No ".." anywhere: a protected path names something inside each
	 * writable root, never above it. */
	for (const char *c = relpath; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return rf_fail(e, 0, "protected path '%s' must not contain '..'", relpath);
		c += n + (c[n] == '/');
	}
	cleanup_free char *abs = rf_path_join("/", relpath);
	cleanup_free char *norm = rf_path_normalize(abs);
	if (!norm || strcmp(norm, "/") == 0 || strncmp(norm, "/..", 3) == 0)
		return rf_fail(e, 0, "invalid protected path '%s'", relpath);
	rf_path_rules_add(&p->protected_paths, norm + 1, relpath, source);
	return 0;
}

static int add_domain_rule(struct rf_rules *r, const char *rule, const char *source, const char *what,
			   struct rf_error *e)
{
	if (!rule || !*rule)
		return rf_fail(e, 0, "empty %s rule", what);
	struct rf_net_rule parsed; /* the syntax: src/net/rules.h */
	if (rf_net_rule_parse(rule, &parsed, e) < 0)
		return -1;
	rf_rules_add(r, rule, source);
	return 0;
}

int rf_policy_add_allowed_domain(rf_policy *p, const char *rule, const char *source, struct rf_error *e)
{
	return add_domain_rule(&p->allowed_domains, rule, source, "allowed domain", e);
}

int rf_policy_add_denied_domain(rf_policy *p, const char *rule, const char *source, struct rf_error *e)
{
	return add_domain_rule(&p->denied_domains, rule, source, "denied domain", e);
}

int rf_policy_add_host_port(rf_policy *p, int port, const char *source, struct rf_error *e)
{
	if (port < 1 || port > 65535)
		return rf_fail(e, 0, "host port %d is not a TCP port (1-65535)", port);
	char spec[16];
	snprintf(spec, sizeof spec, "%d", port);
	for (size_t i = 0; i < p->host_ports.n; i++)
		if (strcmp(p->host_ports.v[i].spec, spec) == 0)
			return 0;
	if (p->host_ports.n >= RF_MAX_HOST_PORTS)
		return rf_fail(e, 0, "more than %d host ports", RF_MAX_HOST_PORTS);
	rf_rules_add(&p->host_ports, spec, source);
	return 0;
}

int rf_policy_add_proxy_resolve(rf_policy *p, const char *spec, const char *source, struct rf_error *e)
{
	struct rf_net_override o;
	if (rf_net_override_parse(spec, &o, e) < 0)
		return -1;
	rf_rules_add(&p->proxy_resolve, spec, source);
	return 0;
}

int rf_policy_set_timeout(rf_policy *p, double seconds, struct rf_error *e)
{
	if (!(seconds >= 0) || seconds > 365.0 * 24 * 3600)
		return rf_fail(e, 0, "timeout %g s is out of range", seconds);
	p->limits.timeout_s = seconds;
	return 0;
}

int rf_policy_set_memory_limit(rf_policy *p, unsigned long long bytes, struct rf_error *e)
{
	if (bytes != 0 && bytes < (1ULL << 20))
		return rf_fail(e, 0, "memory limit %llu bytes is below 1 MiB", bytes);
	p->limits.memory_bytes = bytes;
	return 0;
}

int rf_policy_set_pids_limit(rf_policy *p, unsigned long pids, struct rf_error *e)
{
	if (pids == 1)
		return rf_fail(e, 0, "a pids limit of 1 leaves no room for the command (the sandbox's init counts)");
	p->limits.pids = pids;
	p->limits.pids_default = false;
	return 0;
}

int rf_policy_set_cpu_limit(rf_policy *p, double cpus, struct rf_error *e)
{
	if (!(cpus >= 0) || cpus > 4096)
		return rf_fail(e, 0, "cpu limit %g is out of range", cpus);
	p->limits.cpus = cpus;
	return 0;
}

int rf_policy_set_memory_per_process(rf_policy *p, unsigned long long bytes, struct rf_error *e)
{
	if (bytes != 0 && bytes < (1ULL << 20))
		return rf_fail(e, 0, "per-process memory limit %llu bytes is below 1 MiB", bytes);
	p->limits.memory_per_process_bytes = bytes;
	return 0;
}

int rf_policy_set_tmpfs_size(rf_policy *p, unsigned long long bytes, struct rf_error *e)
{
	if (bytes != 0 && bytes < (1ULL << 20))
		return rf_fail(e, 0, "tmpfs size %llu bytes is below 1 MiB", bytes);
	p->limits.tmpfs_bytes = bytes;
	return 0;
}

static const char *const mode_names[] = {"read-only", "workspace-write", "danger-full-access"};
static const char *const net_names[] = {"offline", "allowlist", "online"};
static const char *const backend_names[] = {"native", "none"};
static const char *const effective_names[] = {"namespaces", "landlock-only", "none"};

const char *rf_sandbox_mode_name(enum rf_sandbox_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}
const char *rf_network_mode_name(enum rf_network_mode m)
{
	return (unsigned)m < 3 ? net_names[m] : "?";
}
const char *rf_backend_name(enum rf_backend b)
{
	return (unsigned)b < 2 ? backend_names[b] : "?";
}
const char *rf_effective_backend_name(enum rf_effective_backend b)
{
	return (unsigned)b < 3 ? effective_names[b] : "?";
}

static int parse_name(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int rf_sandbox_mode_parse(const char *s, enum rf_sandbox_mode *out)
{
	int i = parse_name(s, mode_names, 3);
	if (i < 0)
		return -1;
	*out = (enum rf_sandbox_mode)i;
	return 0;
}

int rf_network_mode_parse(const char *s, enum rf_network_mode *out)
{
	int i = parse_name(s, net_names, 3);
	if (i < 0)
		return -1;
	*out = (enum rf_network_mode)i;
	return 0;
}

int rf_backend_parse(const char *s, enum rf_backend *out)
{
	int i = parse_name(s, backend_names, 2);
	if (i < 0)
		return -1;
	*out = (enum rf_backend)i;
	return 0;
}
