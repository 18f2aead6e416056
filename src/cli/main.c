/* ringfence: the command-line interface, a thin shell over libringfence. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_events.h"
#include "cli.h"
#include "policy.h"
#include "ringfence.h"
#include "units.h"
#include "util.h"

#define VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("usage: ringfence run [OPTIONS] -- COMMAND [ARG...]\n"
	      "       ringfence events [OPTIONS] FILE   (print a saved event stream)\n"
	      "       ringfence status [OPTIONS] [--json]      what is configured, what is in force, and why\n"
	      "       ringfence explain [OPTIONS] [--json] PATH|HOST[:PORT]\n"
	      "                                                would the sandbox allow it, and which rule decides\n"
	      "       ringfence doctor [--json]                check this machine; exit 0 = full sandbox available\n"
	      "       ringfence --version | --help\n"
	      "\n"
	      "Run COMMAND in a sandbox the kernel enforces. Policy comes from\n"
	      "$XDG_CONFIG_HOME/ringfence/config.toml (default ~/.config/ringfence/config.toml),\n"
	      "then <workspace>/.ringfence/config.toml (narrow-only unless trusted), then these\n"
	      "options (docs/config.md). status and explain take the same options as run.\n"
	      "\n"
	      "  --sandbox-mode MODE   read-only | workspace-write (default) | danger-full-access\n"
	      "  --workspace DIR       the agent's working tree, writable in workspace-write (default: cwd)\n"
	      "  --writable-root DIR   another writable directory (repeatable)\n"
	      "  --read-only PATH      make PATH visible, read-only (repeatable)\n"
	      "  --hide PATH           make PATH unreadable (repeatable; ~ is $HOME)\n"
	      "  --protect REL         keep REL read-only inside every writable root (repeatable)\n"
	      "  --network MODE        offline (default: own loopback only) | allowlist (egress only\n"
	      "                        through ringfence's proxy, to allowed domains) | online\n"
	      "  --allow-domain RULE   allowlist: let RULE through (repeatable): example.com,\n"
	      "                        *.example.com (subdomains only), an IP or CIDR, each\n"
	      "                        optionally :PORT\n"
	      "  --deny-domain RULE    allowlist: refuse RULE even if allowed (repeatable)\n"
	      "  --host-port PORT      127.0.0.1:PORT inside reaches the host's 127.0.0.1:PORT\n"
	      "                        (repeatable; offline and allowlist)\n"
	      "  --proxy-resolve NAME=IP[,IP]  the proxy resolves NAME to IP instead of asking DNS\n"
	      "                        (for tests; still checked: a private IP needs an IP rule)\n"
	      "  --backend NAME        native (default) | none (NO sandbox: development only)\n"
	      "  --json                write the result as one JSON object to fd 3\n"
	      "  --result FILE         write the result as one JSON object to FILE\n"
	      "  --pty / --no-pty      force or forbid a pseudo-terminal (default: when stdin and\n"
	      "                        stdout are terminals)\n"
	      "  --verbose             describe the mount plan and each enforcement step on stderr\n"
	      "  --agent NAME          apply [agents.NAME] of the config (capabilities, mode, sandbox_mode)\n"
	      "  --mode MODE           chat (default) | plan | review: plan and review make the filesystem\n"
	      "                        read-only and let only the mode's tool list run\n"
	      "  --config FILE         read FILE instead of the global config file\n",
	      out);
	rf_cli_events_usage(out);
	fputs("\n"
	      "Resource limits (a cgroup where one is delegated; see the README):\n"
	      "  --timeout DURATION    kill the whole sandbox after DURATION of wall clock (90s, 10m,\n"
	      "                        1h30m; a bare number is seconds); exit status 124\n"
	      "  --memory SIZE         the sandbox's memory, all processes together (512M, 2G);\n"
	      "                        needs a cgroup: refused (125) without one\n"
	      "  --memory-per-process SIZE  RLIMIT_DATA of each process (works everywhere; does not\n"
	      "                        bound the sandbox as a whole)\n"
	      "  --pids N              processes and threads at once (default 4096; 0 = no limit)\n"
	      "  --cpu CORES           CPU time, in cores (0.5, 2); needs a cgroup\n"
	      "  --tmpfs-size SIZE     what /tmp, /run, /dev/shm and cache layers may hold together\n"
	      "                        (default: half the RAM, or --memory if lower)\n"
	      "\n"
	      "Exit status: the command's; 128+N if it died of signal N; 124 if --timeout killed it;\n"
	      "125 if the sandbox could not be set up (the command did not run); 126/127 if it\n"
	      "could not be executed.\n",
	      out);
}

void die(const char *fmt, ...)
{
	va_list ap;
	fputs("ringfence: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(RF_EXIT_SETUP);
}

enum {
	OPT_SANDBOX_MODE = 256,
	OPT_WORKSPACE,
	OPT_WRITABLE_ROOT,
	OPT_READ_ONLY,
	OPT_HIDE,
	OPT_PROTECT,
	OPT_NETWORK,
	OPT_BACKEND,
	OPT_JSON,
	OPT_RESULT,
	OPT_PTY,
	OPT_NO_PTY,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_TIMEOUT,
	OPT_MEMORY,
	OPT_MEMORY_PER_PROCESS,
	OPT_PIDS,
	OPT_CPU,
	OPT_TMPFS_SIZE,
	OPT_ALLOW_DOMAIN,
	OPT_DENY_DOMAIN,
	OPT_HOST_PORT,
	OPT_PROXY_RESOLVE,
	OPT_AGENT,
	OPT_MODE,
	OPT_CONFIG,
};

static const struct option run_options[] = {
	{"sandbox-mode", required_argument, NULL, OPT_SANDBOX_MODE},
	{"workspace", required_argument, NULL, OPT_WORKSPACE},
	{"writable-root", required_argument, NULL, OPT_WRITABLE_ROOT},
	{"read-only", required_argument, NULL, OPT_READ_ONLY},
	{"hide", required_argument, NULL, OPT_HIDE},
	{"protect", required_argument, NULL, OPT_PROTECT},
	{"network", required_argument, NULL, OPT_NETWORK},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"json", no_argument, NULL, OPT_JSON},
	{"result", required_argument, NULL, OPT_RESULT},
	{"pty", no_argument, NULL, OPT_PTY},
	{"no-pty", no_argument, NULL, OPT_NO_PTY},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"help", no_argument, NULL, OPT_HELP},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"memory-per-process", required_argument, NULL, OPT_MEMORY_PER_PROCESS},
	{"pids", required_argument, NULL, OPT_PIDS},
	{"cpu", required_argument, NULL, OPT_CPU},
	{"tmpfs-size", required_argument, NULL, OPT_TMPFS_SIZE},
	{"allow-domain", required_argument, NULL, OPT_ALLOW_DOMAIN},
	{"deny-domain", required_argument, NULL, OPT_DENY_DOMAIN},
	{"host-port", required_argument, NULL, OPT_HOST_PORT},
	{"proxy-resolve", required_argument, NULL, OPT_PROXY_RESOLVE},
	RF_CLI_EVENTS_OPTIONS
	{"agent", required_argument, NULL, OPT_AGENT},
	{"mode", required_argument, NULL, OPT_MODE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{NULL, 0, NULL, 0},
};

/* The resource-limit flags; the parsers are in src/common/units.c. */
static int set_limit(rf_policy *p, int opt, const char *arg, struct rf_error *e)
{
	unsigned long long bytes;
	double d;
	switch (opt) {
	case OPT_TIMEOUT:
		if (rf_parse_duration(arg, &d, e) < 0)
			return rf_fail_wrap(e, "--timeout");
		if (d <= 0)
			return rf_fail(e, 0, "--timeout %s: must be longer than 0", arg);
		return rf_policy_set_timeout(p, d, e);
	case OPT_MEMORY:
		if (rf_parse_size(arg, &bytes, e) < 0)
			return rf_fail_wrap(e, "--memory");
		return rf_policy_set_memory_limit(p, bytes, e);
	case OPT_MEMORY_PER_PROCESS:
		if (rf_parse_size(arg, &bytes, e) < 0)
			return rf_fail_wrap(e, "--memory-per-process");
		return rf_policy_set_memory_per_process(p, bytes, e);
	case OPT_TMPFS_SIZE:
		if (rf_parse_size(arg, &bytes, e) < 0)
			return rf_fail_wrap(e, "--tmpfs-size");
		return rf_policy_set_tmpfs_size(p, bytes, e);
	case OPT_CPU:
		if (rf_parse_cpus(arg, &d, e) < 0)
			return -1;
		if (d > 0 && d < 0.01)
			return rf_fail(e, 0, "--cpu %s: at least 0.01 of a core", arg);
		return rf_policy_set_cpu_limit(p, d, e);
	case OPT_PIDS: {
		char *end;
		errno = 0;
		unsigned long n = strtoul(arg, &end, 10);
		if (!*arg || *end || arg[0] == '-' || errno || n > 4194304)
			return rf_fail(e, 0, "invalid --pids '%s' (a number of processes, 0 = no limit)", arg);
		return rf_policy_set_pids_limit(p, n, e);
	}
	}
	return rf_fail(e, 0, "unknown limit");
}

/* What must be known before the config files are read (where the workspace
 * is, which agent, which global file), and which flags were given at all,
 * so that status can name them as sources. The options themselves are
 * applied by the main pass, after the config files: flags win. */
struct prescan {
	const char *workspace, *agent, *config;
	struct rf_strv flags;
};

static void prescan(int argc, char **argv, struct prescan *ps)
{
	int c, idx = -1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", run_options, &idx)) != -1) {
		if (c == '?' || c == ':' || idx < 0)
			continue; /* the main pass reports it */
		rf_strv_push(&ps->flags, run_options[idx].name);
		if (c == OPT_WORKSPACE)
			ps->workspace = optarg;
		else if (c == OPT_AGENT)
			ps->agent = optarg;
		else if (c == OPT_CONFIG)
			ps->config = optarg;
		idx = -1;
	}
	opterr = 1;
}

/* run, status, explain and doctor share the policy options. */
static int policy_command(int argc, char **argv, enum rf_cli_command cmd)
{
	struct rf_error err = {0};
	rf_policy *p = rf_policy_new();
	struct rf_run_options o = {.pty = -1};
	int result_fd = -1;
	const char *result_file = NULL;
	bool json = false;
	struct rf_cli_events evc = {0};

	struct prescan ps = {0};
	prescan(argc, argv, &ps);
	if (ps.workspace && rf_policy_set_workspace(p, ps.workspace, &err) < 0)
		die("%s", err.msg);
	struct rf_config_options co = {.agent = ps.agent, .global_file = ps.config};
	bool config_ok = rf_policy_load_config(p, &co, &err) == 0;
	if (!config_ok && cmd != RF_CLI_DOCTOR)
		die("%s", err.msg);
	struct rf_error config_err = err;

	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", run_options, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case OPT_SANDBOX_MODE: {
			enum rf_sandbox_mode m;
			if (rf_sandbox_mode_parse(optarg, &m) < 0)
				die("invalid --sandbox-mode '%s' (read-only, workspace-write, danger-full-access)", optarg);
			rf_policy_set_sandbox_mode(p, m);
			break;
		}
		case OPT_WORKSPACE:
			rc = rf_policy_set_workspace(p, optarg, &err);
			break;
		case OPT_WRITABLE_ROOT:
			rc = rf_policy_add_writable_root(p, optarg, "--writable-root", &err);
			break;
		case OPT_READ_ONLY:
			rc = rf_policy_add_read_only(p, optarg, "--read-only", &err);
			break;
		case OPT_HIDE:
			rc = rf_policy_add_hidden(p, optarg, "--hide", &err);
			break;
		case OPT_PROTECT:
			rc = rf_policy_add_protected(p, optarg, "--protect", &err);
			break;
		case OPT_NETWORK: {
			enum rf_network_mode m;
			if (rf_network_mode_parse(optarg, &m) < 0)
				die("invalid --network '%s' (offline, allowlist, online)", optarg);
			rf_policy_set_network(p, m);
			break;
		}
		case OPT_BACKEND: {
			enum rf_backend b;
			if (rf_backend_parse(optarg, &b) < 0)
				die("invalid --backend '%s' (native, none)", optarg);
			rf_policy_set_backend(p, b);
			break;
		}
		case OPT_JSON:
			json = true;
			break;
		case OPT_RESULT:
			result_file = optarg;
			break;
		case OPT_PTY:
			o.pty = 1;
			break;
		case OPT_NO_PTY:
			o.pty = 0;
			break;
		case OPT_VERBOSE:
			o.verbose = stderr;
			break;
		case OPT_ALLOW_DOMAIN:
			rc = rf_policy_add_allowed_domain(p, optarg, "--allow-domain", &err);
			break;
		case OPT_DENY_DOMAIN:
			rc = rf_policy_add_denied_domain(p, optarg, "--deny-domain", &err);
			break;
		case OPT_HOST_PORT: {
			char *end = NULL;
			errno = 0;
			long port = strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || port < 1 || port > 65535)
				die("invalid --host-port '%s' (a TCP port, 1-65535)", optarg);
			rc = rf_policy_add_host_port(p, (int)port, "--host-port", &err);
			break;
		}
		case OPT_PROXY_RESOLVE:
			rc = rf_policy_add_proxy_resolve(p, optarg, "--proxy-resolve", &err);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_TIMEOUT:
		case OPT_MEMORY:
		case OPT_MEMORY_PER_PROCESS:
		case OPT_PIDS:
		case OPT_CPU:
		case OPT_TMPFS_SIZE:
			rc = set_limit(p, c, optarg, &err);
			break;
		case RF_OPT_EVENTS ... RF_OPT_EVENTS_LAST - 1:
			rc = rf_cli_events_option(&evc, c, optarg, &err);
			break;
		case OPT_AGENT:
		case OPT_CONFIG:
			break; /* read by prescan(), before the config files */
		case OPT_MODE: {
			enum rf_conversation_mode m;
			if (rf_conversation_mode_parse(optarg, &m) < 0)
				die("invalid --mode '%s' (chat, plan, review)", optarg);
			rc = rf_policy_set_conversation_mode(p, m, "--mode", &err);
			break;
		}
		default:
			usage(stderr);
			exit(RF_EXIT_SETUP);
		}
		if (rc < 0)
			die("%s", err.msg);
	}
	for (size_t i = 0; i < ps.flags.n; i++)
		rf_policy_note_flag(p, ps.flags.v[i]);
	rf_strv_free(&ps.flags);
	if (config_ok && rf_policy_finish(p, &err) < 0)
		die("%s", err.msg);
	if (cmd != RF_CLI_RUN) {
		int st = cmd == RF_CLI_STATUS    ? rf_cli_status(p, json)
			 : cmd == RF_CLI_EXPLAIN ? rf_cli_explain(p, json, argc - optind, argv + optind)
						 : rf_cli_doctor(p, json, config_ok ? NULL : config_err.msg);
		rf_policy_free(p);
		return st;
	}
	if (optind >= argc)
		die("no command given (usage: ringfence run [OPTIONS] -- COMMAND [ARG...])");
	o.argv = argv + optind;

	/* Where the result goes is checked before anything runs. */
	if (result_file) {
		result_fd = open(result_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (result_fd < 0)
			die("cannot open result file %s: %s", result_file, strerror(errno));
	} else if (json) {
		if (fcntl(3, F_GETFD) < 0)
			die("--json writes the result to fd 3, which is not open (use --result FILE, or run with 3>FILE)");
		result_fd = fcntl(3, F_DUPFD_CLOEXEC, 3);
		if (result_fd < 0)
			die("cannot use fd 3: %s", strerror(errno));
		close(3);
	}

	if (rf_cli_events_open(&evc, &o, o.verbose, &err) < 0)
		die("%s", err.msg);
	struct rf_run_result r;
	int rc = rf_run(p, &o, &r, &err);
	if (rc < 0)
		fprintf(stderr, "ringfence: %s\n", err.msg);
	if (r.timed_out) {
		char d[32];
		rf_format_duration(r.limits.timeout_s, d, sizeof d);
		fprintf(stderr, "ringfence: timed out after %s: the sandbox and everything in it were killed\n", d);
	}
	/* a run that never started has one line to say: why (its warnings
	 * stay in the JSON result) */
	for (const char *line = rc < 0 ? "" : r.warnings; *line;) {
		size_t n = strcspn(line, "\n");
		fprintf(stderr, "ringfence: warning: %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
	if (result_fd >= 0) {
		if (rf_run_result_write_json(&r, p, result_fd) < 0)
			fprintf(stderr, "ringfence: cannot write the result: %s\n", strerror(errno));
		close(result_fd);
	}
	rf_cli_events_done(&evc);
	rf_policy_free(p);
	return r.exit_status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RF_EXIT_SETUP;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ringfence %s\n", VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return policy_command(argc - 1, argv + 1, RF_CLI_RUN);
	if (strcmp(argv[1], "status") == 0)
		return policy_command(argc - 1, argv + 1, RF_CLI_STATUS);
	if (strcmp(argv[1], "explain") == 0)
		return policy_command(argc - 1, argv + 1, RF_CLI_EXPLAIN);
	if (strcmp(argv[1], "doctor") == 0)
		return policy_command(argc - 1, argv + 1, RF_CLI_DOCTOR);
	if (strcmp(argv[1], "events") == 0)
		return rf_cli_events_main(argc - 1, argv + 1);
	fprintf(stderr, "ringfence: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return RF_EXIT_SETUP;
}
