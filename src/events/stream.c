/* Saved event streams: see stream.h. Lines are parsed with jansson. */
#include "stream.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* A string field, or NULL when absent or not a string. */
static const char *str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool num(const json_t *o, const char *key, double *out)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

static bool any_match(const char *const *pats, size_t n, const char *s, bool glob)
{
	if (n == 0)
		return true;
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (glob ? fnmatch(pats[i], s, 0) == 0 : strcmp(pats[i], s) == 0)
			return true;
	return false;
}

static bool matches(const json_t *o, const char *type, const struct rf_events_filter *f)
{
	if (!any_match(f->types, f->n_types, type, false))
		return false;
	if (f->run) {
		const char *run = str(o, "run_id");
		if (!run || strncmp(run, f->run, strlen(f->run)) != 0)
			return false;
	}
	bool violation_filter = f->n_rules || f->n_ops || f->n_targets || f->pid;
	if (!violation_filter)
		return true;
	/* filters on violation fields select violations only */
	if (strcmp(type, "SandboxViolation") != 0)
		return false;
	if (!any_match(f->rules, f->n_rules, str(o, "rule"), true) || !any_match(f->ops, f->n_ops, str(o, "operation"), false) ||
	    !any_match(f->targets, f->n_targets, str(o, "target"), true))
		return false;
	double pid;
	if (f->pid && (!num(o, "pid", &pid) || (long)pid != f->pid))
		return false;
	return true;
}

/* Print a string field for a terminal (escaped), or a dash. */
static void put(FILE *out, const char *s)
{
	cleanup_free char *e = rf_display_escape(s ? s : "-");
	fputs(e, out);
}

static void put_time(FILE *out, const json_t *o)
{
	const char *t = str(o, "time");
	char buf[40];
	if (t && strlen(t) < sizeof buf) {
		snprintf(buf, sizeof buf, "%s", t);
		char *T = strchr(buf, 'T');
		if (T)
			*T = ' ';
		size_t l = strlen(buf);
		if (l && buf[l - 1] == 'Z')
			buf[l - 1] = '\0';
		put(out, buf);
	} else {
		put(out, t);
	}
	fputc(' ', out);
}

static void print_started(FILE *out, const json_t *o)
{
	fputs("run started   ", out);
	put(out, str(o, "run_id"));
	fputs("  ", out);
	const json_t *cmd = json_object_get(o, "command");
	if (json_is_array(cmd)) {
		size_t i;
		const json_t *a;
		json_array_foreach(cmd, i, a) {
			if (i)
				fputc(' ', out);
			put(out, json_is_string(a) ? json_string_value(a) : "?");
		}
	}
	fputs("  (", out);
	put(out, str(o, "effective_backend"));
	const json_t *pol = json_object_get(o, "policy");
	if (json_is_object(pol)) {
		fputs(", ", out);
		put(out, str(pol, "sandbox_mode"));
		fputs(", network ", out);
		put(out, str(pol, "network"));
	}
	fputs(", audit ", out);
	put(out, str(o, "audit"));
	fputs(")\n", out);
}

static void print_violation(FILE *out, const json_t *o)
{
	fputs("denied ", out);
	put(out, str(o, "operation"));
	fputc(' ', out);
	put(out, str(o, "target"));
	if (str(o, "destination")) {
		fputs(" -> ", out);
		put(out, str(o, "destination"));
	}
	fputs("  (rule ", out);
	put(out, str(o, "rule"));
	fputs(", ", out);
	put(out, str(o, "source"));
	fputs(")", out);
	if (str(o, "errno")) {
		fputc(' ', out);
		put(out, str(o, "errno"));
	}
	double pid, count;
	if (num(o, "pid", &pid))
		fprintf(out, "  pid %.0f", pid);
	if (str(o, "exe")) {
		fputc(' ', out);
		put(out, str(o, "exe"));
	}
	if (num(o, "count", &count) && count > 1)
		fprintf(out, "  [%.0f times%s]", count, json_is_true(json_object_get(o, "update")) ? " so far" : "");
	fputc('\n', out);
}

static void print_finished(FILE *out, const json_t *o)
{
	double v;
	fputs("run finished  ", out);
	if (num(o, "exit_status", &v))
		fprintf(out, "exit %.0f", v);
	if (str(o, "signal")) {
		fputs(" (", out);
		put(out, str(o, "signal"));
		fputc(')', out);
	}
	if (num(o, "duration_s", &v))
		fprintf(out, " after %.2f s", v);
	const json_t *viol = json_object_get(o, "violations");
	double count = 0, distinct = 0, dropped = 0;
	if (json_is_object(viol) && num(viol, "count", &count)) {
		num(viol, "distinct", &distinct);
		fprintf(out, ", %.0f denial%s (%.0f distinct)", count, count == 1 ? "" : "s", distinct);
	}
	if (num(o, "dropped", &dropped) && dropped > 0)
		fprintf(out, ", %.0f not recorded (rate limit)", dropped);
	if (str(o, "error")) {
		fputs(", error: ", out);
		put(out, str(o, "error"));
	}
	fputc('\n', out);
}

/* A type this version does not know (ApprovalRequested, ...): its fields. */
static void print_other(FILE *out, const json_t *o, const char *type)
{
	put(out, type);
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		if (!strcmp(key, "type") || !strcmp(key, "time") || !strcmp(key, "run_id"))
			continue;
		fputs("  ", out);
		put(out, key);
		fputc('=', out);
		if (json_is_string(v)) {
			put(out, json_string_value(v));
		} else {
			char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			put(out, d ? d : "?");
			free(d);
		}
	}
	fputc('\n', out);
}

int rf_events_print_line(const char *line, size_t len, FILE *out, const struct rf_events_filter *f, char *why,
			 size_t why_cap)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	if (!o) {
		snprintf(why, why_cap, "not JSON (%s, column %d)", jerr.text, jerr.column);
		return -1;
	}
	int rc;
	const char *type = json_is_object(o) ? str(o, "type") : NULL;
	if (!type) {
		snprintf(why, why_cap, "not an event (an object with a string \"type\")");
		rc = -1;
	} else if (!matches(o, type, f)) {
		rc = 0;
	} else {
		rc = 1;
		if (f->json) {
			fwrite(line, 1, len, out);
			fputc('\n', out);
		} else {
			put_time(out, o);
			if (!strcmp(type, "RunStarted"))
				print_started(out, o);
			else if (!strcmp(type, "SandboxViolation"))
				print_violation(out, o);
			else if (!strcmp(type, "RunFinished"))
				print_finished(out, o);
			else
				print_other(out, o, type);
		}
	}
	json_decref(o);
	return rc;
}

/* Read one line of at most RF_STREAM_MAX_LINE bytes into *buf (grown as
 * needed; the rest of a longer line is skipped, *too_long set). Returns its
 * length, -1 at EOF. */
static ssize_t read_line(FILE *in, char **buf, size_t *cap, bool *too_long)
{
	size_t len = 0;
	int ch;
	*too_long = false;
	while ((ch = getc_unlocked(in)) != EOF && ch != '\n') {
		if (len >= RF_STREAM_MAX_LINE) {
			*too_long = true;
			continue;
		}
		if (len + 1 >= *cap) {
			*cap = *cap * 2 > RF_STREAM_MAX_LINE + 1 ? RF_STREAM_MAX_LINE + 1 : *cap * 2;
			*buf = rf_xrealloc(*buf, *cap);
		}
		(*buf)[len++] = (char)ch;
	}
	if (ch == EOF && len == 0 && !*too_long)
		return -1;
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

int rf_events_print_stream(FILE *in, FILE *out, FILE *err, const struct rf_events_filter *f,
			   struct rf_stream_stats *st)
{
	memset(st, 0, sizeof *st);
	size_t cap = 4096;
	cleanup_free char *line = rf_xmalloc(cap);
	ssize_t n;
	bool too_long;
	while ((n = read_line(in, &line, &cap, &too_long)) >= 0) {
		st->lines++;
		size_t len = (size_t)n;
		if (len && line[len - 1] == '\r')
			len--;
		bool blank = !too_long;
		for (size_t i = 0; i < len && blank; i++)
			blank = line[i] == ' ' || line[i] == '\t';
		if (blank)
			continue;
		char why[256] = "";
		int r = too_long ? (snprintf(why, sizeof why, "longer than %u bytes", RF_STREAM_MAX_LINE), -1)
				 : rf_events_print_line(line, len, out, f, why, sizeof why);
		if (r < 0) {
			st->malformed++;
			if (err && st->malformed <= 20)
				fprintf(err, "ringfence: events: line %lu: %s; skipped\n", st->lines, why);
			continue;
		}
		st->events++;
		if (r > 0)
			st->matched++;
	}
	if (err && st->malformed > 20)
		fprintf(err, "ringfence: events: %lu malformed lines in all\n", st->malformed);
	return ferror(in) ? -1 : 0;
}
