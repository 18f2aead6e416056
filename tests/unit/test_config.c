/* Unit tests: the config schema (every key, wrong types, unknown keys, error
 * positions), the merge of global and workspace files, and the narrow-only
 * rule (a table of widening attempts, each refused naming its key, each
 * accepted when the global file trusts the workspace). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "plan.h"
#include "policy.h"
#include "util.h"

static char root[256];
static char ws[300];

static char *P(const char *rel)
{
	static char buf[8][512];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
	return buf[k];
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/rf-config-test.XXXXXX");
	assert_non_null(mkdtemp(root));
	char cmd[2000]; /* five roots of up to 256 bytes: room for all (-Wformat-truncation at -O0) */
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/ws/sub' '%s/cache/x' '%s/other' '%s/secret/x' '%s/home'", root, root, root,
		 root, root);
	assert_int_equal(system(cmd), 0);
	snprintf(ws, sizeof ws, "%s/ws", root);
	setenv("HOME", P("home"), 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd);
}

/* ---- the schema ---- */

static void parse_ok(const char *text, enum rf_config_origin o, struct rf_config_layer *l)
{
	struct rf_error e = {0};
	if (rf_config_parse(text, strlen(text), "c.toml", o, ws, l, &e) < 0)
		fail_msg("unexpected error: %s", e.msg);
}

static void expect_parse_error(const char *text, enum rf_config_origin o, const char *msg)
{
	struct rf_error e = {0};
	struct rf_config_layer l;
	if (rf_config_parse(text, strlen(text), "c.toml", o, ws, &l, &e) == 0) {
		rf_config_layer_free(&l);
		fail_msg("parsed, expected: %s", msg);
	}
	if (strncmp(e.msg, msg, strlen(msg)) != 0)
		fail_msg("got      '%s'\nexpected '%s...'", e.msg, msg);
}

static void test_every_key(void **state)
{
	(void)state;
	const char *text = "sandbox_mode = \"read-only\"\n"
			   "trusted_workspaces = [\"/srv/a\", \"~/b\"]\n"
			   "[sandbox_workspace_write]\n"
			   "writable_roots = [\"/var/cache/x\"]\n"
			   "network_access = false\n"
			   "[filesystem]\n"
			   "hidden = [\"~/.secret\"]\n"
			   "read_only = [\"/opt/data\"]\n"
			   "protected = [\".vscode\", \"Makefile\"]\n"
			   "[network]\n"
			   "allowed_domains = [\"registry.npmjs.org\", \"*.example.com:443\", \"[::1]:8080\"]\n"
			   "denied_domains = [\"evil.example.com\"]\n"
			   "host_ports = [5432, 6379]\n"
			   "[agents.claude]\n"
			   "capabilities = [\"push_to_repo\", \"network_egress\"]\n"
			   "mode = \"review\"\n"
			   "sandbox_mode = \"workspace-write\"\n"
			   "test_command = \"make test\"\n"
			   "[confirmations]\n"
			   "force_push = true\nbranch_delete = false\nlarge_file_ops = true\nprivileged_api = false\n"
			   "[windows]\n"
			   "sandbox = \"elevated\"\nsandbox_initialized = true\nsandbox_private_desktop = true\n"
			   "[backend]\n"
			   "type = \"native\"\nallow_fallback = false\n"
			   "[limits]\n"
			   "timeout = \"10m\"\nmemory = \"2GiB\"\npids = 256\ncpu = 1.5\n"
			   "[modes.plan]\n"
			   "tools = [\"@default\", \"jq\"]\n"
			   "[modes.review]\n"
			   "tools = [\"cat\", \"cargo test\"]\n";
	struct rf_config_layer l;
	parse_ok(text, RF_CONFIG_GLOBAL, &l);
	assert_int_equal(l.sandbox_mode.v, RF_SANDBOX_READ_ONLY);
	assert_int_equal(l.sandbox_mode.at.line, 1);
	assert_int_equal(l.sandbox_mode.at.col, 16);
	assert_int_equal(l.trusted_workspaces.n, 2);
	assert_int_equal(l.writable_roots.n, 1);
	assert_int_equal(l.network_access.v, 0);
	assert_int_equal(l.hidden.n, 1);
	assert_int_equal(l.read_only.n, 1);
	assert_int_equal(l.protected_paths.n, 2);
	assert_int_equal(l.allowed_domains.n, 3);
	assert_int_equal(l.allowed_domains.pos[1].line, 11);
	assert_int_equal(l.denied_domains.n, 1);
	assert_int_equal(l.host_ports.n, 2);
	assert_int_equal(l.host_ports.v[1], 6379);
	assert_int_equal(l.n_agents, 1);
	assert_string_equal(l.agents[0].name, "claude");
	assert_int_equal(l.agents[0].caps, RF_CAP_PUSH_TO_REPO | RF_CAP_NETWORK_EGRESS);
	assert_int_equal(l.agents[0].mode.v, RF_MODE_REVIEW);
	assert_int_equal(l.agents[0].sandbox_mode.v, RF_SANDBOX_WORKSPACE_WRITE);
	assert_string_equal(l.agents[0].test_command, "make test");
	assert_int_equal(l.confirm[0].v, 1);
	assert_int_equal(l.confirm[1].v, 0);
	assert_int_equal(l.confirm[2].v, 1);
	assert_int_equal(l.confirm[3].v, 0);
	assert_int_equal(l.win_sandbox.v, RF_WIN_ELEVATED);
	assert_int_equal(l.win_initialized.v, 1);
	assert_int_equal(l.win_private_desktop.v, 1);
	assert_int_equal(l.backend.v, RF_BACKEND_NATIVE);
	assert_int_equal(l.allow_fallback.v, 0);
	assert_true(l.timeout.set);
	assert_true(l.timeout.seconds == 600);
	assert_true(l.memory.amount == 2ULL << 30);
	assert_true(l.pids.amount == 256);
	assert_true(l.cpu.cpus == 1.5);
	assert_int_equal(l.plan_tools.n, 2);
	assert_int_equal(l.review_tools.n, 2);
	rf_config_layer_free(&l);

	/* every key absent: nothing set */
	parse_ok("", RF_CONFIG_WORKSPACE, &l);
	assert_int_equal(l.sandbox_mode.v, -1);
	assert_false(l.writable_roots.set);
	assert_int_equal(l.network_mode.v, -1);
	assert_false(l.timeout.set);
	rf_config_layer_free(&l);

	/* dotted keys and inline tables are TOML, and just as good */
	parse_ok("network.mode = \"online\"\nagents.x = {mode = \"plan\"}\nlimits = {timeout = 90}\n", RF_CONFIG_GLOBAL,
		 &l);
	assert_int_equal(l.network_mode.v, RF_NET_ONLINE);
	assert_int_equal(l.agents[0].mode.v, RF_MODE_PLAN);
	assert_true(l.timeout.seconds == 90);
	rf_config_layer_free(&l);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_parse_error("sandbox = 1\n", RF_CONFIG_GLOBAL, "c.toml:1:1: unknown key 'sandbox' (known: sandbox_mode,");
	expect_parse_error("\n\n  [netwrok]\n", RF_CONFIG_GLOBAL, "c.toml:3:4: unknown key 'netwrok' (known:");
	expect_parse_error("[network]\nmode = \"offline\"\nallow = []\n", RF_CONFIG_GLOBAL,
			   "c.toml:3:1: unknown key 'allow' in [network] (known: mode, allowed_domains, denied_domains, host_ports)");
	expect_parse_error("[filesystem]\nhide = []\n", RF_CONFIG_GLOBAL, "c.toml:2:1: unknown key 'hide' in [filesystem]");
	expect_parse_error("[sandbox_workspace_write]\nexclude_tmpdir_env_var = true\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:1: unknown key 'exclude_tmpdir_env_var' in [sandbox_workspace_write]");
	expect_parse_error("[agents.a]\ncapability = []\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:1: unknown key 'capability' in [agents.a] (known: capabilities, mode, sandbox_mode, test_command)");
	expect_parse_error("[confirmations]\nforce_pushes = true\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:1: unknown key 'force_pushes' in [confirmations]");
	expect_parse_error("[windows]\nsandboxed = true\n", RF_CONFIG_GLOBAL, "c.toml:2:1: unknown key 'sandboxed' in [windows]");
	expect_parse_error("[backend]\nname = \"native\"\n", RF_CONFIG_GLOBAL, "c.toml:2:1: unknown key 'name' in [backend]");
	expect_parse_error("[limits]\nmem = 1\n", RF_CONFIG_GLOBAL, "c.toml:2:1: unknown key 'mem' in [limits]");
	expect_parse_error("[modes.chat]\n", RF_CONFIG_GLOBAL, "c.toml:1:8: unknown key 'chat' in [modes]");
	expect_parse_error("[modes.plan]\ntool = []\n", RF_CONFIG_GLOBAL, "c.toml:2:1: unknown key 'tool' in [modes.plan]");
	/* a key made of odd bytes is shown escaped */
	expect_parse_error("\"a\\u0001b\" = 1\n", RF_CONFIG_GLOBAL, "c.toml:1:1: unknown key 'a\\x01b'");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_parse_error("sandbox_mode = 1\n", RF_CONFIG_GLOBAL, "c.toml:1:16: sandbox_mode must be a string, not integer");
	expect_parse_error("sandbox_mode = \"full\"\n", RF_CONFIG_GLOBAL,
			   "c.toml:1:16: sandbox_mode = \"full\": expected one of read-only, workspace-write, danger-full-access");
	expect_parse_error("network = \"online\"\n", RF_CONFIG_GLOBAL, "c.toml:1:11: network must be a table ([network]), not string");
	expect_parse_error("[network]\nmode = true\n", RF_CONFIG_GLOBAL, "c.toml:2:8: network.mode must be a string, not boolean");
	expect_parse_error("[network]\nmode = \"allow\"\n", RF_CONFIG_GLOBAL, "c.toml:2:8: network.mode = \"allow\": expected one of offline, allowlist, online");
	expect_parse_error("[network]\nallowed_domains = \"a.com\"\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:19: network.allowed_domains must be an array of strings, not string");
	expect_parse_error("[network]\nallowed_domains = [\"a.com\", 3]\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:29: each element of network.allowed_domains must be a string, not integer");
	expect_parse_error("[network]\nhost_ports = [\"5432\"]\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:15: each element of network.host_ports must be an integer, not string");
	expect_parse_error("[network]\nhost_ports = [70000]\n", RF_CONFIG_GLOBAL, "c.toml:2:15: network.host_ports: 70000 is not a TCP port");
	expect_parse_error("[network]\nallowed_domains = [\"https://a.com\"]\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:20: network.allowed_domains: 'https://a.com' is a URL");
	expect_parse_error("[network]\nallowed_domains = [\"a.*.com\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:20: network.allowed_domains: 'a.*.com': '*' is only allowed");
	expect_parse_error("[network]\ndenied_domains = [\"a.com:0\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:19: network.denied_domains: 'a.com:0': the port must be 1-65535");
	expect_parse_error("[network]\nallowed_domains = [\"\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:20: network.allowed_domains: empty string");
	expect_parse_error("[sandbox_workspace_write]\nnetwork_access = \"yes\"\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:18: sandbox_workspace_write.network_access must be a boolean (true or false), not string");
	expect_parse_error("[sandbox_workspace_write]\nnetwork_access = true\n[network]\nmode = \"online\"\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:18: sandbox_workspace_write.network_access and network.mode (line 4) both set the network");
	expect_parse_error("[sandbox_workspace_write]\nwritable_roots = [\"rel/dir\"]\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:19: sandbox_workspace_write.writable_roots: 'rel/dir' is relative; in the global file");
	expect_parse_error("[filesystem]\nhidden = [\"~root/x\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:11: filesystem.hidden: '~root/x': only ~/ is expanded");
	expect_parse_error("[filesystem]\nprotected = [\"/abs\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:14: filesystem.protected: '/abs' must be relative");
	expect_parse_error("[filesystem]\nprotected = [\"a/../../b\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:14: filesystem.protected: 'a/../../b' must not contain '..'");
	expect_parse_error("[filesystem]\nread_only = [\"a\\u0000b\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:14: each element of filesystem.read_only must not contain NUL");
	expect_parse_error("[agents]\nx = 1\n", RF_CONFIG_GLOBAL, "c.toml:2:5: agents.x must be a table ([agents.x]), not integer");
	expect_parse_error("[agents.\"a b\"]\n", RF_CONFIG_GLOBAL, "c.toml:1:9: agents.a b: an agent name is");
	expect_parse_error("[agents.a]\ncapabilities = [\"root\"]\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:17: agents.a.capabilities: unknown capability 'root' (known: push_to_repo, github_api, ticketing, network_egress)");
	expect_parse_error("[agents.a]\ncapabilities = [\"ticketing\", \"ticketing\"]\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:30: agents.a.capabilities: 'ticketing' is listed twice");
	expect_parse_error("[agents.a]\nmode = \"auto\"\n", RF_CONFIG_GLOBAL, "c.toml:2:8: agents.a.mode = \"auto\": expected one of chat, plan, review");
	expect_parse_error("[agents.a]\nsandbox_mode = 2\n", RF_CONFIG_GLOBAL, "c.toml:2:16: agents.a.sandbox_mode must be a string, not integer");
	expect_parse_error("[agents.a]\ntest_command = \"./run-tests\"\n", RF_CONFIG_GLOBAL,
			   "c.toml:2:16: agents.a.test_command: tool './run-tests': the program must be a name");
	expect_parse_error("[confirmations]\nforce_push = \"yes\"\n", RF_CONFIG_GLOBAL, "c.toml:2:14: confirmations.force_push must be a boolean");
	expect_parse_error("[windows]\nsandbox = \"admin\"\n", RF_CONFIG_GLOBAL, "c.toml:2:11: windows.sandbox = \"admin\": expected one of unelevated, elevated");
	expect_parse_error("[windows]\nsandbox_private_desktop = 1\n", RF_CONFIG_GLOBAL, "c.toml:2:27: windows.sandbox_private_desktop must be a boolean");
	expect_parse_error("[backend]\ntype = \"remote\"\n", RF_CONFIG_GLOBAL, "c.toml:2:8: backend.type = \"remote\": expected one of native, none");
	expect_parse_error("[backend]\nallow_fallback = \"no\"\n", RF_CONFIG_GLOBAL, "c.toml:2:18: backend.allow_fallback must be a boolean");
	expect_parse_error("[limits]\ntimeout = \"10 minutes\"\n", RF_CONFIG_GLOBAL, "c.toml:2:11: limits.timeout: ");
	expect_parse_error("[limits]\ntimeout = -1\n", RF_CONFIG_GLOBAL, "c.toml:2:11: limits.timeout must not be negative");
	expect_parse_error("[limits]\ntimeout = true\n", RF_CONFIG_GLOBAL, "c.toml:2:11: limits.timeout must be a number of seconds or a string");
	expect_parse_error("[limits]\nmemory = \"2 GB\"\n", RF_CONFIG_GLOBAL, "c.toml:2:10: limits.memory: invalid size");
	expect_parse_error("[limits]\nmemory = 1000\n", RF_CONFIG_GLOBAL, "c.toml:2:10: limits.memory: 1000 bytes is below 1 MiB");
	expect_parse_error("[limits]\nmemory = 1.5\n", RF_CONFIG_GLOBAL, "c.toml:2:10: limits.memory must be a number of bytes or a string");
	expect_parse_error("[limits]\npids = 1\n", RF_CONFIG_GLOBAL, "c.toml:2:8: limits.pids = 1 leaves no room");
	expect_parse_error("[limits]\npids = \"10\"\n", RF_CONFIG_GLOBAL, "c.toml:2:8: limits.pids must be an integer, not string");
	expect_parse_error("[limits]\ncpu = \"2\"\n", RF_CONFIG_GLOBAL, "c.toml:2:7: limits.cpu must be a number of CPUs");
	expect_parse_error("[modes.plan]\ntools = [\"git log\", \"x/y\"]\n", RF_CONFIG_GLOBAL, "c.toml:2:21: modes.plan.tools: tool 'x/y'");
	expect_parse_error("modes = []\n", RF_CONFIG_GLOBAL, "c.toml:1:9: modes must be a table ([modes]), not array");
	/* keys only the global file may hold */
	expect_parse_error("trusted_workspaces = [\"/\"]\n", RF_CONFIG_WORKSPACE,
			   "c.toml:1:1: trusted_workspaces is read only from the global file (a workspace cannot trust itself)");
	expect_parse_error("[windows]\nsandbox_initialized = true\n", RF_CONFIG_WORKSPACE,
			   "c.toml:2:1: windows.sandbox_initialized records this machine's setup; it is read only from the global file");
	/* the TOML reader's own errors keep their position */
	expect_parse_error("[network]\nmode = \"offline\"\nmode = \"online\"\n", RF_CONFIG_GLOBAL,
			   "c.toml:3:1: duplicate key 'mode' (first defined at line 2)");
	/* a workspace file may use relative paths; a global one may not */
	struct rf_config_layer l;
	parse_ok("[sandbox_workspace_write]\nwritable_roots = [\"sub\"]\n", RF_CONFIG_WORKSPACE, &l);
	rf_config_layer_free(&l);
}

/* The config keys use the flags' parsers (src/common/units.c, unit-tested
 * with the limits): what a file may write. */
static void test_units(void **state)
{
	(void)state;
	struct rf_config_layer l;
	parse_ok("[limits]\ntimeout = \"1h30m\"\nmemory = \"512M\"\n", RF_CONFIG_GLOBAL, &l);
	assert_true(l.timeout.seconds == 5400);
	assert_true(l.memory.amount == 512ULL << 20);
	rf_config_layer_free(&l);
	parse_ok("[limits]\ntimeout = \"250ms\"\nmemory = \"2GiB\"\n", RF_CONFIG_GLOBAL, &l);
	assert_true(l.timeout.seconds == 0.25);
	assert_true(l.memory.amount == 2ULL << 30);
	rf_config_layer_free(&l);
	parse_ok("[limits]\ntimeout = 1.5\nmemory = \"100MB\"\n", RF_CONFIG_GLOBAL, &l);
	assert_true(l.timeout.seconds == 1.5);
	assert_true(l.memory.amount == 100000000ULL);
	rf_config_layer_free(&l);
	const char *bad_d[] = {"", "s", "-1", "1 s", "1e3", ".5s", "10 minutes", "0x10", NULL};
	for (size_t i = 0; bad_d[i]; i++) {
		cleanup_free char *t = rf_xasprintf("[limits]\ntimeout = \"%s\"\n", bad_d[i]);
		expect_parse_error(t, RF_CONFIG_GLOBAL, "c.toml:2:11: limits.timeout: ");
	}
	const char *bad_s[] = {"", "G", "-1G", "1 G", "2 GB", "1e9", NULL};
	for (size_t i = 0; bad_s[i]; i++) {
		cleanup_free char *t = rf_xasprintf("[limits]\nmemory = \"%s\"\n", bad_s[i]);
		expect_parse_error(t, RF_CONFIG_GLOBAL, "c.toml:2:10: limits.memory: ");
	}
}

/* ---- merging ---- */

/* The global file of the narrow-only table: something of every kind. */
static char *global_text(void)
{
	return rf_xasprintf("sandbox_mode = \"workspace-write\"\n"
			    "[sandbox_workspace_write]\n"
			    "writable_roots = [\"%s\"]\n"
			    "[network]\n"
			    "mode = \"allowlist\"\n"
			    "allowed_domains = [\"registry.npmjs.org\", \"*.example.com:443\"]\n"
			    "host_ports = [5432]\n"
			    "[filesystem]\n"
			    "hidden = [\"%s\"]\n"
			    "[confirmations]\n"
			    "force_push = true\n"
			    "[windows]\n"
			    "sandbox = \"elevated\"\n"
			    "sandbox_private_desktop = true\n"
			    "[backend]\n"
			    "allow_fallback = false\n"
			    "[limits]\n"
			    "timeout = \"10m\"\nmemory = \"2GiB\"\npids = 100\ncpu = 2\n"
			    "[modes.plan]\n"
			    "tools = [\"cat\", \"git log\", \"git show\"]\n"
			    "[modes.review]\n"
			    "tools = [\"cat\", \"git log\", \"make test\"]\n"
			    "[agents.claude]\n"
			    "capabilities = [\"github_api\", \"network_egress\"]\n"
			    "mode = \"plan\"\n"
			    "sandbox_mode = \"read-only\"\n"
			    "test_command = \"make test\"\n",
			    P("cache"), P("secret"));
}

/* Load global (trusted) then the workspace text into a fresh policy. */
static int merge(const char *gtext, const char *wtext, bool trusted, rf_policy **out, struct rf_error *e)
{
	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, e), 0);
	struct rf_config_layer g, w;
	assert_int_equal(rf_config_parse(gtext, strlen(gtext), "/etc/g.toml", RF_CONFIG_GLOBAL, NULL, &g, e), 0);
	assert_int_equal(rf_config_apply(p, &g, true, e), 0);
	rf_config_layer_free(&g);
	struct rf_settings *s = rf_settings(p);
	free(s->workspace_file);
	s->workspace_file = rf_xstrdup("/ws/w.toml");
	if (rf_config_parse(wtext, strlen(wtext), "/ws/w.toml", RF_CONFIG_WORKSPACE, ws, &w, e) < 0)
		fail_msg("workspace text does not parse: %s", e->msg);
	int rc = rf_config_apply(p, &w, trusted, e);
	rf_config_layer_free(&w);
	s->workspace_trusted = trusted;
	*out = p;
	return rc;
}

struct widening {
	const char *text;    /* the workspace file ("@R" = the test root) */
	const char *key;     /* the message names it */
	unsigned line;       /* and its line */
};

static const struct widening widenings[] = {
	{"sandbox_mode = \"danger-full-access\"\n", "sandbox_mode = \"danger-full-access\"", 1},
	{"\nsandbox_mode = \"workspace-write\"\n[agents.claude]\nsandbox_mode = \"workspace-write\"\n",
	 "agents.claude.sandbox_mode", 4},
	{"[sandbox_workspace_write]\nwritable_roots = [\"@R/other\"]\n", "sandbox_workspace_write.writable_roots", 2},
	{"[sandbox_workspace_write]\nwritable_roots = [\"../other\"]\n", "sandbox_workspace_write.writable_roots", 2},
	{"[sandbox_workspace_write]\nnetwork_access = true\n", "sandbox_workspace_write.network_access = true", 2},
	{"[network]\nmode = \"online\"\n", "network.mode = \"online\"", 2},
	{"[network]\nallowed_domains = [\"registry.npmjs.org\", \"evil.com\"]\n", "network.allowed_domains: adding \"evil.com\"", 2},
	{"[network]\nallowed_domains = [\"example.com:443\"]\n", "network.allowed_domains: adding \"example.com:443\"", 2},
	{"[network]\nallowed_domains = [\"a.example.com\"]\n", "network.allowed_domains: adding \"a.example.com\"", 2},
	{"[network]\nallowed_domains = [\"*.example.com:80\"]\n", "network.allowed_domains: adding \"*.example.com:80\"", 2},
	{"[network]\nhost_ports = [5432, 22]\n", "network.host_ports: adding 22", 2},
	{"[filesystem]\nread_only = [\"@R/secret/x\"]\n", "filesystem.read_only", 2},
	{"[filesystem]\nread_only = [\"@R/other\"]\n", "filesystem.read_only", 2},
	{"[confirmations]\nforce_push = false\n", "confirmations.force_push = false", 2},
	{"[windows]\nsandbox = \"unelevated\"\n", "windows.sandbox = \"unelevated\"", 2},
	{"[windows]\nsandbox_private_desktop = false\n", "windows.sandbox_private_desktop = false", 2},
	{"[backend]\ntype = \"none\"\n", "backend.type = \"none\"", 2},
	{"[backend]\nallow_fallback = true\n", "backend.allow_fallback = true", 2},
	{"[limits]\ntimeout = 0\n", "limits.timeout = 0 (no limit)", 2},
	{"[limits]\ntimeout = \"1h\"\n", "limits.timeout = 3600 s", 2},
	{"[limits]\nmemory = \"4GiB\"\n", "limits.memory", 2},
	{"[limits]\npids = 0\n", "limits.pids = 0 (no limit)", 2},
	{"[limits]\npids = 1000\n", "limits.pids = 1000", 2},
	{"[limits]\ncpu = 4\n", "limits.cpu = 4 CPUs", 2},
	{"[modes.plan]\ntools = [\"cat\", \"python3\"]\n", "modes.plan.tools: adding \"python3\"", 2},
	{"[modes.plan]\ntools = [\"git\"]\n", "modes.plan.tools: adding \"git\"", 2},
	{"[modes.plan]\ntools = [\"@default\"]\n", "modes.plan.tools: adding", 2},
	{"[modes.review]\ntools = [\"make\"]\n", "modes.review.tools: adding \"make\"", 2},
	{"[agents.claude]\ncapabilities = [\"github_api\", \"push_to_repo\"]\n",
	 "agents.claude.capabilities: adding \"push_to_repo\"", 2},
	{"[agents.claude]\nmode = \"chat\"\n", "agents.claude.mode = \"chat\"", 2},
	{"[agents.claude]\nmode = \"review\"\n", "agents.claude.mode = \"review\"", 2},
	{"[agents.claude]\ntest_command = \"python3 -m pytest\"\n", "agents.claude.test_command = \"python3 -m pytest\"", 2},
	{"[agents.codex]\nmode = \"plan\"\n", "[agents.codex]", 1},
};

static char *subst_root(const char *text)
{
	char *out = rf_xmalloc(strlen(text) + 8 * strlen(root) + 1);
	char *o = out;
	for (const char *c = text; *c; c++) {
		if (c[0] == '@' && c[1] == 'R') {
			o = stpcpy(o, root);
			c++;
		} else {
			*o++ = *c;
		}
	}
	*o = '\0';
	return out;
}

static void test_widening_refused(void **state)
{
	(void)state;
	cleanup_free char *g = global_text();
	for (size_t i = 0; i < sizeof widenings / sizeof widenings[0]; i++) {
		cleanup_free char *w = subst_root(widenings[i].text);
		struct rf_error e = {0};
		rf_policy *p;
		if (merge(g, w, false, &p, &e) == 0)
			fail_msg("widening accepted: %s", w);
		char at[64];
		snprintf(at, sizeof at, "/ws/w.toml:%u:", widenings[i].line);
		if (strncmp(e.msg, at, strlen(at)) != 0 || !strstr(e.msg, widenings[i].key) ||
		    !strstr(e.msg, "would widen the policy") || !strstr(e.msg, "trusted_workspaces"))
			fail_msg("case %zu: message '%s' lacks '%s' or the position %s", i, e.msg, widenings[i].key, at);
		rf_policy_free(p);

		/* the same file from a trusted workspace is taken as it is */
		rf_policy *t;
		if (merge(g, w, true, &t, &e) < 0)
			fail_msg("trusted workspace refused: %s: %s", w, e.msg);
		rf_policy_free(t);
	}
}

static void test_narrowing_accepted(void **state)
{
	(void)state;
	cleanup_free char *g = global_text();
	cleanup_free char *w = rf_xasprintf(
		"sandbox_mode = \"read-only\"\n"
		"[sandbox_workspace_write]\n"
		"writable_roots = [\"%s/cache/x\", \"sub\"]\n"
		"[network]\n"
		"mode = \"allowlist\"\n"
		"allowed_domains = [\"registry.npmjs.org\", \"a.example.com:443\", \"*.b.example.com:443\"]\n"
		"denied_domains = [\"x.example.com\"]\n"
		"host_ports = [5432]\n"
		"[filesystem]\n"
		"hidden = [\".env\"]\n"
		"read_only = [\"sub/vendor\"]\n"
		"protected = [\".vscode\"]\n"
		"[confirmations]\n"
		"force_push = true\nbranch_delete = true\n"
		"[windows]\n"
		"sandbox = \"elevated\"\nsandbox_private_desktop = true\n"
		"[backend]\n"
		"type = \"native\"\nallow_fallback = false\n"
		"[limits]\n"
		"timeout = \"5m\"\nmemory = \"1GiB\"\npids = 50\ncpu = 0.5\n"
		"[modes.plan]\n"
		"tools = [\"cat\"]\n"
		"[modes.review]\n"
		"tools = [\"git log\", \"make test\"]\n"
		"[agents.claude]\n"
		"capabilities = [\"github_api\"]\n"
		"mode = \"plan\"\n"
		"sandbox_mode = \"read-only\"\n"
		"test_command = \"make test\"\n",
		root);
	mkdir(P("ws/sub/vendor"), 0755);
	struct rf_error e = {0};
	rf_policy *p;
	if (merge(g, w, false, &p, &e) < 0)
		fail_msg("narrowing refused: %s", e.msg);
	const struct rf_settings *s = rf_settings_get(p);
	assert_int_equal(p->sandbox_mode, RF_SANDBOX_READ_ONLY);
	assert_string_equal(rf_setting_source(p, RF_SET_SANDBOX_MODE), "/ws/w.toml:1");
	assert_int_equal(p->writable_roots.n, 2); /* replaced, not added to */
	assert_string_equal(p->writable_roots.v[1].path, P("ws/sub"));
	assert_string_equal(p->writable_roots.v[1].spec, "sub");
	assert_string_equal(p->writable_roots.v[1].source, "/ws/w.toml:3");
	assert_int_equal(p->allowed_domains.n, 3);
	assert_int_equal(p->denied_domains.n, 1);
	assert_string_equal(p->hidden.v[p->hidden.n - 1].path, P("ws/.env"));
	assert_string_equal(p->hidden.v[p->hidden.n - 2].path, P("secret")); /* restricting lists add up */
	assert_string_equal(p->read_only.v[0].path, P("ws/sub/vendor"));
	assert_string_equal(p->protected_paths.v[p->protected_paths.n - 1].path, ".vscode");
	assert_true(s->confirm[0] && s->confirm[1]);
	assert_int_equal(s->win_sandbox, RF_WIN_ELEVATED);
	assert_false(s->allow_fallback);
	assert_true(p->limits.timeout_s == 300);
	assert_string_equal(rf_setting_source(p, RF_SET_TIMEOUT), "/ws/w.toml:23");
	assert_true(p->limits.memory_bytes == 1ULL << 30);
	assert_true(p->limits.pids == 50);
	assert_true(p->limits.cpus == 0.5);
	assert_int_equal(s->plan_tools.n, 1);
	assert_int_equal(s->review_tools.n, 2);
	assert_int_equal(s->agents[0].caps, RF_CAP_GITHUB_API);
	assert_string_equal(s->agents[0].caps_source, "/ws/w.toml:32");
	rf_policy_free(p);

	/* an empty workspace file changes nothing */
	assert_int_equal(merge(g, "", false, &p, &e), 0);
	assert_int_equal(p->sandbox_mode, RF_SANDBOX_WORKSPACE_WRITE);
	assert_string_equal(rf_setting_source(p, RF_SET_SANDBOX_MODE), "/etc/g.toml:1");
	assert_int_equal(p->network, RF_NET_ALLOWLIST);
	assert_string_equal(rf_setting_source(p, RF_SET_NETWORK), "/etc/g.toml:5");
	rf_policy_free(p);
}

/* Without a global file, the built-in defaults are the baseline. */
static void test_narrow_against_defaults(void **state)
{
	(void)state;
	static const struct widening vs_defaults[] = {
		{"sandbox_mode = \"danger-full-access\"\n", "sandbox_mode", 1},
		{"[network]\nmode = \"allowlist\"\n", "network.mode", 2},
		{"[network]\nallowed_domains = [\"pypi.org\"]\n", "network.allowed_domains", 2},
		{"[network]\nhost_ports = [5432]\n", "network.host_ports", 2},
		{"[modes.plan]\ntools = [\"@default\", \"python3\"]\n", "modes.plan.tools: adding \"python3\"", 2},
		{"[agents.claude]\nmode = \"plan\"\n", "[agents.claude]", 1},
		{"[backend]\ntype = \"none\"\n", "backend.type", 2},
	};
	for (size_t i = 0; i < sizeof vs_defaults / sizeof vs_defaults[0]; i++) {
		struct rf_error e = {0};
		rf_policy *p;
		if (merge("", vs_defaults[i].text, false, &p, &e) == 0)
			fail_msg("widening accepted: %s", vs_defaults[i].text);
		if (!strstr(e.msg, vs_defaults[i].key))
			fail_msg("message '%s' lacks '%s'", e.msg, vs_defaults[i].key);
		rf_policy_free(p);
	}
	/* the built-in plan list, or part of it, is fine */
	rf_policy *p;
	struct rf_error e = {0};
	assert_int_equal(merge("", "[modes.plan]\ntools = [\"@default\"]\n", false, &p, &e), 0);
	rf_policy_free(p);
	assert_int_equal(merge("", "[modes.plan]\ntools = [\"git log\", \"rg\"]\n", false, &p, &e), 0);
	rf_policy_free(p);
}

/* The global file decides who is trusted, by the workspace's real path. */
static void test_trusted_workspaces(void **state)
{
	(void)state;
	cleanup_free char *g = rf_xasprintf("trusted_workspaces = [\"%s/other\", \"%s/ws/\"]\n", root, root);
	struct rf_config_layer l;
	struct rf_error e;
	assert_int_equal(rf_config_parse(g, strlen(g), "/etc/g.toml", RF_CONFIG_GLOBAL, NULL, &l, &e), 0);
	char *src = NULL;
	cleanup_free char *real = realpath(ws, NULL);
	assert_true(rf_config_trusts(&l, real, &src));
	assert_string_equal(src, "/etc/g.toml:1");
	free(src);
	assert_false(rf_config_trusts(&l, P("ws/sub"), &src)); /* not a prefix match */
	assert_false(rf_config_trusts(NULL, real, &src));
	rf_config_layer_free(&l);
}

/* The agent, the conversation mode and the capabilities take effect at
 * rf_policy_finish, after the flags. */
static void test_agent_and_mode(void **state)
{
	(void)state;
	cleanup_free char *gpath = rf_xstrdup(P("home/g.toml"));
	FILE *f = fopen(gpath, "w");
	assert_non_null(f);
	fputs("[agents.claude]\ncapabilities = [\"github_api\"]\nmode = \"plan\"\n"
	      "[agents.codex]\nsandbox_mode = \"read-only\"\ntest_command = \"make check\"\n"
	      "[network]\nmode = \"online\"\n[confirmations]\nlarge_file_ops = true\n",
	      f);
	fclose(f);
	struct rf_error e = {0};

	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, &e), 0);
	struct rf_config_options o = {.agent = "claude", .global_file = gpath};
	assert_int_equal(rf_policy_load_config(p, &o, &e), 0);
	assert_int_equal(rf_policy_finish(p, &e), 0);
	const struct rf_settings *s = rf_settings_get(p);
	assert_int_equal(s->mode, RF_MODE_PLAN);
	assert_int_equal(p->sandbox_mode, RF_SANDBOX_READ_ONLY); /* plan: read-only whatever sandbox_mode says */
	assert_int_equal(s->configured_sandbox_mode, RF_SANDBOX_WORKSPACE_WRITE);
	assert_int_equal(p->network, RF_NET_OFFLINE); /* no network_egress */
	assert_non_null(strstr(rf_setting_source(p, RF_SET_NETWORK), "without network_egress"));
	assert_non_null(rf_policy_tools(p));
	int warned_caps = 0, warned_confirm = 0;
	for (size_t i = 0; i < s->warnings.n; i++) {
		warned_caps += strstr(s->warnings.v[i], "push_to_repo, ticketing is NOT enforced") != NULL;
		warned_confirm += strstr(s->warnings.v[i], "confirmations.large_file_ops is enabled") != NULL;
	}
	assert_int_equal(warned_caps, 1);
	assert_int_equal(warned_confirm, 1);
	rf_policy_free(p);

	/* --mode wins over the agent's mode; --sandbox-mode is remembered, read-only stays */
	p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, &e), 0);
	assert_int_equal(rf_policy_load_config(p, &o, &e), 0);
	assert_int_equal(rf_policy_set_conversation_mode(p, RF_MODE_REVIEW, "--mode", &e), 0);
	rf_policy_set_sandbox_mode(p, RF_SANDBOX_DANGER_FULL_ACCESS);
	assert_int_equal(rf_policy_finish(p, &e), 0);
	assert_int_equal(rf_policy_conversation_mode(p), RF_MODE_REVIEW);
	assert_int_equal(p->sandbox_mode, RF_SANDBOX_READ_ONLY);
	assert_int_equal(rf_settings_get(p)->configured_sandbox_mode, RF_SANDBOX_DANGER_FULL_ACCESS);
	rf_policy_free(p);

	/* codex: its sandbox_mode, and its test command joins review's tools */
	p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, &e), 0);
	o.agent = "codex";
	assert_int_equal(rf_policy_load_config(p, &o, &e), 0);
	assert_int_equal(p->sandbox_mode, RF_SANDBOX_READ_ONLY);
	assert_string_equal(rf_setting_source(p, RF_SET_SANDBOX_MODE), strcat(strcpy((char[600]){0}, gpath), ":5"));
	assert_int_equal(rf_policy_set_conversation_mode(p, RF_MODE_REVIEW, "--mode", &e), 0);
	assert_int_equal(rf_policy_finish(p, &e), 0);
	const struct rf_tool_list *t = rf_policy_tools(p);
	assert_non_null(t);
	assert_string_equal(t->v[t->n - 1].spec, "make check");
	assert_int_equal(p->network, RF_NET_ONLINE); /* no capabilities configured: all granted */
	rf_policy_free(p);

	/* an agent nobody defined */
	p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, &e), 0);
	o.agent = "gemini";
	assert_int_equal(rf_policy_load_config(p, &o, &e), -1);
	assert_string_equal(e.msg, "no agent 'gemini' in the config files (defined: claude, codex)");
	rf_policy_free(p);
}

/* A workspace writable root that is a linked worktree whose git dir lies
 * outside: the lexical check passes (it is inside the workspace), the plan
 * check catches the git dir becoming writable. */
static void test_plan_check(void **state)
{
	(void)state;
	char cmd[2400];
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%s/elsewhere/.git/worktrees/wt' '%s/ws/wt' && "
		 "echo 'gitdir: %s/elsewhere/.git/worktrees/wt' > '%s/ws/wt/.git' && "
		 "echo '../..' > '%s/elsewhere/.git/worktrees/wt/commondir' && "
		 /* a real worktree's admin dir names it back (else the plan does
		  * not grant the git dir at all) */
		 "echo '%s/ws/wt/.git' > '%s/elsewhere/.git/worktrees/wt/gitdir'",
		 root, root, root, root, root, root, root);
	assert_int_equal(system(cmd), 0);
	struct rf_error e = {0};
	rf_policy *p;
	assert_int_equal(merge("", "[sandbox_workspace_write]\nwritable_roots = [\"wt\"]\n", false, &p, &e), 0);
	struct rf_plan plan;
	struct rf_plan_host h = {.home = P("home"), .cwd = ws};
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), 0);
	assert_int_equal(rf_config_check_plan(p, &plan, &e), -1);
	assert_non_null(strstr(e.msg, "/ws/w.toml would widen the policy: it makes"));
	assert_non_null(strstr(e.msg, "elsewhere/.git writable"));
	rf_plan_free(&plan);
	rf_policy_free(p);

	/* a plain subdirectory as writable root is no wider than the workspace */
	assert_int_equal(merge("", "[sandbox_workspace_write]\nwritable_roots = [\"sub\"]\n", false, &p, &e), 0);
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), 0);
	assert_int_equal(rf_config_check_plan(p, &plan, &e), 0);
	rf_plan_free(&plan);
	rf_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_widening_refused),
		cmocka_unit_test(test_narrowing_accepted),
		cmocka_unit_test(test_narrow_against_defaults),
		cmocka_unit_test(test_trusted_workspaces),
		cmocka_unit_test(test_agent_and_mode),
		cmocka_unit_test(test_plan_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
