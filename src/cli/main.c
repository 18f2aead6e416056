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
#include "policy.h"
#include "ringfence.h"
#include "util.h"

#define VERSION "0.1.0"

static void usage(FILE *out)
{
	fputs("usage: ringfence run [OPTIONS] -- COMMAND [ARG...]\n"
	      "       ringfence events [OPTIONS] FILE   (print a saved event stream)\n"
	      "       ringfence --version | --help\n"
	      "\n"
	      "Run COMMAND in a sandbox the kernel enforces.\n"
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
	      "  --verbose             describe the mount plan and each enforcement step on stderr\n",
	      out);
	rf_cli_events_usage(out);
	fputs("\n"
	      "Exit status: the command's; 128+N if it died of signal N; 125 if the sandbox could\n"
	      "not be set up (the command did not run); 126/127 if it could not be executed.\n",
	      out);
}

static RF_NORETURN void die(const char *fmt, ...) RF_PRINTF(1, 2);
static void die(const char *fmt, ...)
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
	RF_CLI_EVENTS_OPTIONS
	{NULL, 0, NULL, 0},
};

static int cmd_run(int argc, char **argv)
{
	struct rf_error err = {0};
	rf_policy *p = rf_policy_new();
	struct rf_run_options o = {.pty = -1};
	int result_fd = -1;
	const char *result_file = NULL;
	bool json = false;
	struct rf_cli_events evc = {0};

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
		case RF_OPT_EVENTS ... RF_OPT_EVENTS_LAST - 1:
			rc = rf_cli_events_option(&evc, c, optarg, &err);
			break;
		default:
			usage(stderr);
			exit(RF_EXIT_SETUP);
		}
		if (rc < 0)
			die("%s", err.msg);
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
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "events") == 0)
		return rf_cli_events_main(argc - 1, argv + 1);
	fprintf(stderr, "ringfence: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return RF_EXIT_SETUP;
}
