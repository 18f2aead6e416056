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

#include "cli.h"
#include "policy.h"
#include "ringfence.h"
#include "util.h"

#define VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("usage: ringfence run [OPTIONS] -- COMMAND [ARG...]\n"
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
	      "  --network MODE        offline (default: own loopback only) | online\n"
	      "  --backend NAME        native (default) | none (NO sandbox: development only)\n"
	      "  --json                write the result as one JSON object to fd 3\n"
	      "  --result FILE         write the result as one JSON object to FILE\n"
	      "  --pty / --no-pty      force or forbid a pseudo-terminal (default: when stdin and\n"
	      "                        stdout are terminals)\n"
	      "  --verbose             describe the mount plan and each enforcement step on stderr\n"
	      "  --agent NAME          apply [agents.NAME] of the config (capabilities, mode, sandbox_mode)\n"
	      "  --mode MODE           chat (default) | plan | review: plan and review make the filesystem\n"
	      "                        read-only and let only the mode's tool list run\n"
	      "  --config FILE         read FILE instead of the global config file\n"
	      "\n"
	      "Exit status: the command's; 128+N if it died of signal N; 125 if the sandbox could\n"
	      "not be set up (the command did not run); 126/127 if it could not be executed.\n",
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
	{"agent", required_argument, NULL, OPT_AGENT},
	{"mode", required_argument, NULL, OPT_MODE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{NULL, 0, NULL, 0},
};

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
				die("invalid --network '%s' (offline, online)", optarg);
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
		case OPT_HELP:
			usage(stdout);
			exit(0);
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

	struct rf_run_result r;
	int rc = rf_run(p, &o, &r, &err);
	if (rc < 0)
		fprintf(stderr, "ringfence: %s\n", err.msg);
	for (const char *line = r.warnings; *line;) {
		size_t n = strcspn(line, "\n");
		fprintf(stderr, "ringfence: warning: %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
	if (result_fd >= 0) {
		if (rf_run_result_write_json(&r, p, result_fd) < 0)
			fprintf(stderr, "ringfence: cannot write the result: %s\n", strerror(errno));
		close(result_fd);
	}
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
	fprintf(stderr, "ringfence: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return RF_EXIT_SETUP;
}
