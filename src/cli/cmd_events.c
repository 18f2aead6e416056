/* `ringfence run` event options and `ringfence events` (cli_events.h). */
#include "cli_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "util.h"

#define EXPLAIN_MAX_LINES 20

void rf_cli_events_usage(FILE *out)
{
	fputs("  --events SINK         write the run's events as JSON Lines to SINK: a FILE (appended),\n"
	      "                        fd:N (an inherited fd) or unix:PATH (a listening socket);\n"
	      "                        opened before the command starts (docs/events.md)\n"
	      "  --events-on-error fail|warn\n"
	      "                        when the sink fails mid-run: stop the sandbox and exit 125\n"
	      "                        (fail, the default), or warn and go on without events\n"
	      "  --explain-denials     after the command, list what was denied and by which rule on stderr\n"
	      "  --audit off|writes|reads\n"
	      "                        what the supervisor watches to report denials: write-intent file\n"
	      "                        calls (writes, the default), also every open so reads of hidden\n"
	      "                        paths are reported (reads; 8-16% on a build), or nothing\n"
	      "  --audit-reads         same as --audit reads\n",
	      out);
}

int rf_cli_events_option(struct rf_cli_events *c, int opt, const char *arg, struct rf_error *e)
{
	switch (opt) {
	case RF_OPT_EVENTS:
		c->sink = arg;
		return 0;
	case RF_OPT_EVENTS_ON_ERROR:
		if (strcmp(arg, "fail") == 0)
			c->on_error = RF_EVENTS_FAIL;
		else if (strcmp(arg, "warn") == 0)
			c->on_error = RF_EVENTS_WARN;
		else
			return rf_fail(e, 0, "invalid --events-on-error '%s' (fail, warn)", arg);
		return 0;
	case RF_OPT_EXPLAIN_DENIALS:
		c->explain = true;
		return 0;
	case RF_OPT_AUDIT:
		if (strcmp(arg, "off") == 0)
			c->audit = RF_AUDIT_OFF;
		else if (strcmp(arg, "writes") == 0)
			c->audit = RF_AUDIT_WRITES;
		else if (strcmp(arg, "reads") == 0 || strcmp(arg, "all") == 0)
			c->audit = RF_AUDIT_READS;
		else
			return rf_fail(e, 0, "invalid --audit '%s' (off, writes, reads)", arg);
		return 0;
	case RF_OPT_AUDIT_READS:
		c->audit = RF_AUDIT_READS;
		return 0;
	}
	return rf_fail(e, 0, "internal error: unknown events option %d", opt);
}

int rf_cli_events_open(struct rf_cli_events *c, struct rf_run_options *o, FILE *verbose, struct rf_error *e)
{
	struct rf_events_config cfg = {
		.sink = c->sink,
		.on_error = c->on_error,
		.verbose = verbose,
		.warnings = stderr,
	};
	c->ev = rf_events_open(&cfg, e);
	if (!c->ev)
		return -1;
	o->events = c->ev;
	o->audit = c->audit;
	return 0;
}

void rf_cli_events_done(struct rf_cli_events *c)
{
	if (c->explain)
		rf_events_explain(c->ev, stderr, EXPLAIN_MAX_LINES);
	rf_events_free(c->ev);
	c->ev = NULL;
}

/* ---- ringfence events ---- */

static void events_usage(FILE *out)
{
	fputs("usage: ringfence events [OPTIONS] FILE|-\n"
	      "\n"
	      "Print a saved event stream (ringfence run --events FILE) for a person, or filter it.\n"
	      "\n"
	      "  --type T      only events of type T (RunStarted, SandboxViolation, RunFinished, ...)\n"
	      "  --rule R      only violations whose rule matches the shell pattern R ('hidden:*')\n"
	      "  --op OP       only violations of operation OP (write, create, unlink, read, connect, ...)\n"
	      "  --target PAT  only violations whose target matches the shell pattern PAT\n"
	      "  --pid N       only violations by process N (as the sandbox numbers it)\n"
	      "  --run ID      only events of the run whose id starts with ID\n"
	      "  --json        print the matching events as they are (JSON Lines)\n"
	      "Filters of one kind are alternatives, of different kinds all apply; each is repeatable.\n"
	      "Exit status: 0; 1 if some lines were not events (reported, skipped); 2 on usage errors.\n",
	      out);
}

static int push(const char **v, size_t *n, const char *s, const char *what)
{
	if (*n >= RF_STREAM_MAX_FILTERS) {
		fprintf(stderr, "ringfence: events: at most %d %s filters\n", RF_STREAM_MAX_FILTERS, what);
		return -1;
	}
	v[(*n)++] = s;
	return 0;
}

int rf_cli_events_main(int argc, char **argv)
{
	enum { O_TYPE = 256, O_RULE, O_OP, O_TARGET, O_PID, O_RUN, O_JSON, O_HELP };
	static const struct option opts[] = {
		{"type", required_argument, NULL, O_TYPE}, {"rule", required_argument, NULL, O_RULE},
		{"op", required_argument, NULL, O_OP},     {"target", required_argument, NULL, O_TARGET},
		{"pid", required_argument, NULL, O_PID},   {"run", required_argument, NULL, O_RUN},
		{"json", no_argument, NULL, O_JSON},       {"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	struct rf_events_filter f = {0};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;
		switch (ch) {
		case O_TYPE:
			rc = push(f.types, &f.n_types, optarg, "--type");
			break;
		case O_RULE:
			rc = push(f.rules, &f.n_rules, optarg, "--rule");
			break;
		case O_OP:
			rc = push(f.ops, &f.n_ops, optarg, "--op");
			break;
		case O_TARGET:
			rc = push(f.targets, &f.n_targets, optarg, "--target");
			break;
		case O_PID: {
			char *end;
			f.pid = strtol(optarg, &end, 10);
			if (*end || f.pid <= 0) {
				fprintf(stderr, "ringfence: events: invalid --pid '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case O_RUN:
			f.run = optarg;
			break;
		case O_JSON:
			f.json = true;
			break;
		case O_HELP:
			events_usage(stdout);
			return 0;
		default:
			events_usage(stderr);
			return 2;
		}
		if (rc < 0)
			return 2;
	}
	if (optind != argc - 1) {
		events_usage(stderr);
		return 2;
	}
	const char *path = argv[optind];
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!in) {
		fprintf(stderr, "ringfence: events: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	struct rf_stream_stats st;
	int rc = rf_events_print_stream(in, stdout, stderr, &f, &st);
	if (rc < 0)
		fprintf(stderr, "ringfence: events: cannot read %s: %s\n", path, strerror(errno));
	if (in != stdin)
		fclose(in);
	fflush(stdout);
	if (rc < 0)
		return 2;
	return st.malformed ? 1 : 0;
}
