/* Unit tests: the event stream's JSON encoding, the token bucket, the
 * dedupe table, the events module end to end (into a pipe, with a test
 * clock), sink failures, and reading a stream back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "json.h"
#include "ratelimit.h"
#include "ringfence.h"
#include "stream.h"
#include "util.h"

/* ---- JSON ---- */

static void test_json_shapes(void **state)
{
	(void)state;
	struct rf_json j;
	rf_json_init(&j);
	rf_json_object_begin(&j, NULL);
	rf_json_string(&j, "a", "x");
	rf_json_int(&j, "b", -3);
	rf_json_uint(&j, "c", 18446744073709551615ULL);
	rf_json_bool(&j, "d", true);
	rf_json_null(&j, "e");
	rf_json_string(&j, "f", NULL);
	rf_json_double(&j, "g", 1.5, 3);
	rf_json_double(&j, "h", 0.0 / 0.0, 3);
	rf_json_array_begin(&j, "i");
	rf_json_int(&j, NULL, 1);
	rf_json_object_begin(&j, NULL);
	rf_json_object_end(&j);
	rf_json_array_begin(&j, NULL);
	rf_json_array_end(&j);
	rf_json_array_end(&j);
	rf_json_object_end(&j);
	assert_string_equal(j.buf, "{\"a\":\"x\",\"b\":-3,\"c\":18446744073709551615,\"d\":true,\"e\":null,\"f\":null,"
				   "\"g\":1.500,\"h\":null,\"i\":[1,{},[]]}");
	rf_json_free(&j);
}

static char *encode(const char *s, size_t n)
{
	struct rf_json j;
	rf_json_init(&j);
	rf_json_stringn(&j, NULL, s, n);
	char *out = rf_xstrdup(j.buf);
	rf_json_free(&j);
	return out;
}

static void check_encode(const char *in, size_t n, const char *want)
{
	char *got = encode(in, n);
	assert_string_equal(got, want);
	/* and jansson reads it back as a string */
	json_error_t err;
	json_t *v = json_loads(got, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	assert_non_null(v);
	assert_true(json_is_string(v));
	json_decref(v);
	free(got);
}

static void test_json_escapes(void **state)
{
	(void)state;
	check_encode("plain", 5, "\"plain\"");
	check_encode("q\"b\\", 4, "\"q\\\"b\\\\\"");
	check_encode("a\nb\tc\rd", 7, "\"a\\nb\\tc\\rd\"");
	check_encode("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	check_encode("nul\0in", 6, "\"nul\\u0000in\"");
	check_encode("/path/é", 8, "\"/path/é\"");           /* valid UTF-8 stays */
	check_encode("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
	check_encode("bad\xff", 4, "\"bad\xef\xbf\xbd\"");       /* invalid byte */
	check_encode("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong "/" */
	check_encode("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
	check_encode("\xf4\x90\x80\x80", 4, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* > U+10FFFF */
	check_encode("\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");  /* truncated */
}

static void test_utf8_and_display(void **state)
{
	(void)state;
	assert_int_equal(rf_utf8_seq_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(rf_utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(rf_utf8_seq_len((const unsigned char *)"\xc3", 1), 0);
	assert_int_equal(rf_utf8_seq_len((const unsigned char *)"\xe0\x80\x80", 3), 0); /* overlong */
	char *s = rf_utf8_sanitize("ok\xfe", 3);
	assert_string_equal(s, "ok\xef\xbf\xbd");
	free(s);
	/* a path must not drive the terminal: ESC, C1 CSI, invalid bytes */
	char *d = rf_display_escape("x\x1b[2Jy\xc2\x9bz\xff\xc3\xa9");
	assert_string_equal(d, "x\\x1b[2Jy\\xc2\\x9bz\\xff\xc3\xa9");
	free(d);
}

/* ---- flood control ---- */

static void test_bucket(void **state)
{
	(void)state;
	struct rf_bucket b;
	rf_bucket_init(&b, 3, 2, 100.0);
	assert_true(rf_bucket_take(&b, 100.0));
	assert_true(rf_bucket_take(&b, 100.0));
	assert_true(rf_bucket_take(&b, 100.0));
	assert_false(rf_bucket_take(&b, 100.0));
	assert_false(rf_bucket_take(&b, 100.4)); /* 0.8 tokens */
	assert_true(rf_bucket_take(&b, 100.5));  /* 1.0 */
	assert_false(rf_bucket_take(&b, 90.0));  /* the clock going back refills nothing */
	assert_false(rf_bucket_take(&b, 100.5));
	assert_true(rf_bucket_take(&b, 1000.0)); /* refilled, but only to capacity */
	assert_true(rf_bucket_take(&b, 1000.0));
	assert_true(rf_bucket_take(&b, 1000.0));
	assert_false(rf_bucket_take(&b, 1000.0));
}

static void test_dedupe(void **state)
{
	(void)state;
	struct rf_dedupe d;
	rf_dedupe_init(&d, 3, 0);
	bool is_new;
	assert_int_equal(rf_dedupe_add(&d, "a", 1, &is_new), 0);
	assert_true(is_new);
	assert_int_equal(rf_dedupe_add(&d, "b", 1, &is_new), 1);
	assert_int_equal(rf_dedupe_add(&d, "a", 1, &is_new), 0);
	assert_false(is_new);
	assert_int_equal(rf_dedupe_add(&d, "a\0x", 3, &is_new), 2); /* bytes, not C strings */
	assert_true(is_new);
	assert_int_equal(rf_dedupe_add(&d, "c", 1, &is_new), -1); /* full */
	assert_false(is_new);
	assert_int_equal(rf_dedupe_find(&d, "b", 1), 1);
	assert_int_equal(rf_dedupe_find(&d, "c", 1), -1);
	rf_dedupe_free(&d);

	rf_dedupe_init(&d, 100, 10); /* 10 bytes of keys */
	assert_int_equal(rf_dedupe_add(&d, "0123456789", 10, &is_new), 0);
	assert_int_equal(rf_dedupe_add(&d, "x", 1, &is_new), -1);
	rf_dedupe_free(&d);

	/* many keys (the table grows from 64 slots as it fills): probing
	 * finds them all again, each keeps its index, the 2001st is refused */
	rf_dedupe_init(&d, 2000, 0);
	char key[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(rf_dedupe_add(&d, key, strlen(key), &is_new), i);
		assert_true(is_new);
		assert_true(d.n * 2 <= d.nslots); /* never more than half full */
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(rf_dedupe_find(&d, key, strlen(key)), i);
		assert_int_equal(rf_dedupe_add(&d, key, strlen(key), &is_new), i);
		assert_false(is_new);
	}
	assert_int_equal(rf_dedupe_add(&d, "one more", 8, &is_new), -1);
	assert_int_equal(rf_dedupe_find(&d, "one more", 8), -1);
	rf_dedupe_free(&d);
}

/* ---- the events module, into a pipe ---- */

struct capture {
	int rd, wr;
	char sink[32];
};

static void capture_open(struct capture *c)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c->rd = p[0];
	c->wr = p[1];
	/* the pipe holds a whole test's output */
	(void)fcntl(c->wr, F_SETPIPE_SZ, 1 << 20);
	snprintf(c->sink, sizeof c->sink, "fd:%d", c->wr);
}

/* Everything written so far, as parsed JSON objects. */
static json_t *capture_read(struct capture *c)
{
	int fl = fcntl(c->rd, F_GETFL);
	fcntl(c->rd, F_SETFL, fl | O_NONBLOCK);
	size_t cap = 1 << 20, len = 0;
	char *buf = rf_xmalloc(cap + 1);
	ssize_t n;
	while ((n = read(c->rd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	json_t *arr = json_array();
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl); /* every record ends with a newline */
		json_error_t err;
		json_t *o = json_loadb(line, (size_t)(nl - line), 0, &err);
		if (!o)
			fail_msg("not JSON: %.*s (%s)", (int)(nl - line), line, err.text);
		json_array_append_new(arr, o);
		line = nl + 1;
	}
	free(buf);
	return arr;
}

static struct rf_events *open_events(struct capture *c, enum rf_events_on_error mode, FILE *warnings)
{
	struct rf_error e;
	struct rf_events_config cfg = {.sink = c->sink, .on_error = mode, .warnings = warnings};
	struct rf_events *ev = rf_events_open(&cfg, &e);
	if (!ev)
		fail_msg("%s", e.msg);
	return ev;
}

static void violate(struct rf_events *ev, const char *target, const char *rule)
{
	struct rf_violation v = {
		.operation = "write", .target = target, .rule = rule, .source = "test", .pid = 999999, .exe = "/bin/t",
		.err = EROFS,
	};
	rf_events_violation(ev, &v);
}

static const char *field(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long ifield(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void test_events_dedupe_and_counts(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct rf_events *ev = open_events(&c, RF_EVENTS_FAIL, NULL);
	double clock = 1000.0;
	rf_events_test_clock(ev, &clock);
	char *argv[] = {"true", NULL};
	struct rf_run_started rs = {.argv = argv, .effective_backend = "namespaces", .audit = "writes"};
	assert_int_equal(rf_events_run_started(ev, &rs), 0);
	for (int i = 0; i < 10000; i++)
		violate(ev, "/home/u/.bashrc", "read-only:~");
	violate(ev, "/home/u/x \"quoted\"\n", "read-only:~");
	clock += RF_EVENTS_UPDATE_INTERVAL + 1; /* an update is due at the next report */
	violate(ev, "/home/u/.bashrc", "read-only:~");
	assert_int_equal(rf_events_violation_count(ev), 10002);
	struct rf_run_result r = {.exit_status = 0, .exit_code = 0, .duration = 1.25, .sandbox_enforced = true};
	assert_int_equal(rf_events_run_finished(ev, &r, NULL), 0);

	json_t *a = capture_read(&c);
	/* RunStarted, first .bashrc, "quoted", the periodic update, RunFinished */
	assert_int_equal(json_array_size(a), 5);
	assert_string_equal(field(json_array_get(a, 0), "type"), "RunStarted");
	json_t *v1 = json_array_get(a, 1);
	assert_string_equal(field(v1, "type"), "SandboxViolation");
	assert_string_equal(field(v1, "target"), "/home/u/.bashrc");
	assert_string_equal(field(v1, "rule"), "read-only:~");
	assert_string_equal(field(v1, "errno"), "EROFS");
	assert_int_equal(ifield(v1, "count"), 1);
	assert_int_equal(ifield(v1, "id"), 1);
	assert_string_equal(field(json_array_get(a, 2), "target"), "/home/u/x \"quoted\"\n");
	json_t *up = json_array_get(a, 3);
	assert_int_equal(ifield(up, "id"), 1);
	assert_int_equal(ifield(up, "count"), 10001);
	assert_true(json_is_true(json_object_get(up, "update")));
	json_t *fin = json_array_get(a, 4);
	assert_string_equal(field(fin, "type"), "RunFinished");
	assert_int_equal(ifield(json_object_get(fin, "violations"), "count"), 10002);
	assert_int_equal(ifield(json_object_get(fin, "violations"), "distinct"), 2);
	assert_int_equal(ifield(fin, "dropped"), 0);
	/* every line of one run carries its id */
	const char *run = rf_events_run_id(ev);
	for (size_t i = 0; i < json_array_size(a); i++)
		assert_string_equal(field(json_array_get(a, i), "run_id"), run);
	json_decref(a);

	struct rf_events_summary s;
	rf_events_summary(ev, &s);
	assert_int_equal(s.total, 10002);
	assert_int_equal(s.distinct, 2);
	assert_int_equal(s.n_first, 2);
	assert_int_equal(s.first[0].count, 10001);
	/* nothing after RunFinished */
	violate(ev, "/late", "x");
	rf_events_free(ev);
	close(c.rd);
	close(c.wr);
}

static void test_events_final_update(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct rf_events *ev = open_events(&c, RF_EVENTS_FAIL, NULL);
	double clock = 5.0;
	rf_events_test_clock(ev, &clock);
	violate(ev, "/a", "r");
	violate(ev, "/a", "r");
	violate(ev, "/a", "r");
	struct rf_run_result r = {.exit_status = 137, .exit_code = -1, .signal = SIGKILL};
	assert_int_equal(rf_events_run_finished(ev, &r, NULL), 0);
	json_t *a = capture_read(&c);
	assert_int_equal(json_array_size(a), 3); /* first, final count, RunFinished */
	assert_int_equal(ifield(json_array_get(a, 1), "count"), 3);
	assert_string_equal(field(json_array_get(a, 2), "signal"), "SIGKILL");
	assert_true(json_is_null(json_object_get(json_array_get(a, 2), "exit_code")));
	json_decref(a);
	rf_events_free(ev);
	close(c.rd);
	close(c.wr);
}

static void test_events_rate_limit(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct rf_events *ev = open_events(&c, RF_EVENTS_FAIL, NULL);
	double clock = 50.0;
	rf_events_test_clock(ev, &clock);
	char t[64];
	for (int i = 0; i < RF_EVENTS_BURST + 100; i++) {
		snprintf(t, sizeof t, "/flood/%d", i);
		violate(ev, t, "r");
	}
	clock += 1.0; /* RF_EVENTS_RATE more */
	for (int i = 0; i < 100; i++) {
		snprintf(t, sizeof t, "/later/%d", i);
		violate(ev, t, "r");
	}
	struct rf_run_result r = {0};
	assert_int_equal(rf_events_run_finished(ev, &r, NULL), 0);
	json_t *a = capture_read(&c);
	size_t want = RF_EVENTS_BURST + (size_t)RF_EVENTS_RATE;
	assert_int_equal(json_array_size(a), want + 1);
	json_t *fin = json_array_get(a, want);
	assert_string_equal(field(fin, "type"), "RunFinished");
	assert_int_equal(ifield(fin, "dropped"), RF_EVENTS_BURST + 200 - want);
	assert_int_equal(ifield(json_object_get(fin, "violations"), "distinct"), RF_EVENTS_BURST + 200);
	json_decref(a);
	rf_events_free(ev);
	close(c.rd);
	close(c.wr);
}

static void test_events_sink_closed_fail(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct rf_events *ev = open_events(&c, RF_EVENTS_FAIL, NULL);
	close(c.rd); /* the consumer is gone */
	struct pollfd pf[2];
	int n = rf_events_poll_fds(ev, pf, 2);
	assert_int_equal(n, 2);
	assert_true(poll(pf, (nfds_t)n, 1000) > 0);
	assert_true(rf_events_check(ev, pf, n)); /* the run must stop */
	assert_true(rf_events_failed(ev));
	assert_non_null(strstr(rf_events_error(ev), "closed"));
	/* writing now fails (SIGPIPE is not our death) and is counted */
	violate(ev, "/x", "r");
	struct rf_run_result r = {0};
	assert_int_equal(rf_events_run_finished(ev, &r, NULL), -1);
	struct rf_events_summary s;
	rf_events_summary(ev, &s);
	assert_true(s.lost >= 1);
	rf_events_free(ev);
	close(c.wr);
}

static void test_events_sink_fails_warn(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	char wbuf[512] = "";
	FILE *w = fmemopen(wbuf, sizeof wbuf - 1, "w");
	struct rf_events *ev = open_events(&c, RF_EVENTS_WARN, w);
	close(c.rd);
	violate(ev, "/x", "r"); /* EPIPE */
	assert_false(rf_events_failed(ev)); /* warn: the run goes on */
	assert_non_null(rf_events_error(ev));
	struct rf_run_result r = {0};
	assert_int_equal(rf_events_run_finished(ev, &r, NULL), 0);
	fclose(w);
	assert_non_null(strstr(wbuf, "ringfence: warning: cannot write events to fd:"));
	rf_events_free(ev);
	close(c.wr);
}

static void test_events_open_errors(void **state)
{
	(void)state;
	struct rf_error e;
	struct rf_events_config cfg = {.sink = "fd:987"};
	assert_null(rf_events_open(&cfg, &e));
	assert_non_null(strstr(e.msg, "fd:987"));
	cfg.sink = "fd:x";
	assert_null(rf_events_open(&cfg, &e));
	cfg.sink = "unix:/nonexistent/rf.sock";
	assert_null(rf_events_open(&cfg, &e));
	assert_non_null(strstr(e.msg, "cannot connect"));
	cfg.sink = "/nonexistent/dir/events.jsonl";
	assert_null(rf_events_open(&cfg, &e));
	/* read-only fd */
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char sink[32];
	snprintf(sink, sizeof sink, "fd:%d", fd);
	cfg.sink = sink;
	assert_null(rf_events_open(&cfg, &e));
	assert_non_null(strstr(e.msg, "read-only"));
	close(fd);
	/* no sink: counts only */
	cfg.sink = NULL;
	struct rf_events *ev = rf_events_open(&cfg, &e);
	assert_non_null(ev);
	violate(ev, "/x", "r");
	assert_int_equal(rf_events_violation_count(ev), 1);
	rf_events_free(ev);
	/* NULL is valid everywhere */
	violate(NULL, "/x", "r");
	assert_int_equal(rf_events_violation_count(NULL), 0);
}

static void test_events_explain(void **state)
{
	(void)state;
	struct rf_events *ev = rf_events_new(NULL);
	violate(ev, "/home/u/.bashrc", "read-only:~");
	violate(ev, "/home/u/.bashrc", "read-only:~");
	violate(ev, "/evil\x1b[2J", "read-only:~");
	char buf[1024] = "";
	FILE *out = fmemopen(buf, sizeof buf - 1, "w");
	rf_events_explain(ev, out, 1);
	fclose(out);
	assert_string_equal(buf, "ringfence: denied write /home/u/.bashrc (rule read-only:~, test) [2 times]\n"
				 "ringfence: ... and 1 more denied operation (all of them: --events FILE)\n");
	out = fmemopen(buf, sizeof buf - 1, "w");
	rf_events_explain(ev, out, 10);
	fclose(out);
	assert_non_null(strstr(buf, "/evil\\x1b[2J"));
	rf_events_free(ev);
}

/* ---- threads: the supervisor and the proxy report at once ---- */

struct hammer {
	struct rf_events *ev;
	int id;
};

static void fill_other(struct rf_json *j, void *arg)
{
	rf_json_int(j, "thread", *(int *)arg);
}

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;
	char t[64];
	for (int i = 0; i < 2000; i++) {
		snprintf(t, sizeof t, "/t%d/%d", h->id, i % 50); /* 50 distinct per thread, repeated */
		struct rf_violation v = {.operation = "connect", .target = t, .rule = "network:offline", .pid = 999999,
					 .exe = "/bin/t"};
		rf_events_violation(h->ev, &v);
		if (i % 100 == 0)
			rf_events_emit(h->ev, "TestEvent", true, fill_other, &h->id);
		if (i % 500 == 0)
			rf_events_tick(h->ev);
	}
	return NULL;
}

static void test_events_threads(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	struct rf_events *ev = open_events(&c, RF_EVENTS_FAIL, NULL);
	enum { N = 4 };
	pthread_t t[N];
	struct hammer h[N];
	for (int i = 0; i < N; i++) {
		h[i] = (struct hammer){.ev = ev, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, hammer_fn, &h[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	struct rf_run_result r = {0};
	assert_int_equal(rf_events_run_finished(ev, &r, NULL), 0);
	json_t *a = capture_read(&c); /* every line whole and valid */
	size_t first = 0, other = 0, fin = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		const char *type = field(o, "type");
		if (!strcmp(type, "SandboxViolation") && !json_object_get(o, "update"))
			first++;
		else if (!strcmp(type, "TestEvent"))
			other++;
		else if (!strcmp(type, "RunFinished"))
			fin++;
	}
	assert_int_equal(first, N * 50);
	assert_int_equal(other, N * 20);
	assert_int_equal(fin, 1);
	assert_int_equal(rf_events_violation_count(ev), N * 2000);
	json_t *last = json_array_get(a, json_array_size(a) - 1);
	assert_string_equal(field(last, "type"), "RunFinished");
	assert_int_equal(ifield(json_object_get(last, "violations"), "distinct"), N * 50);
	json_decref(a);
	rf_events_free(ev);
	close(c.rd);
	close(c.wr);
}

/* ---- reading a stream back ---- */

static char *print_stream(const char *text, const struct rf_events_filter *f, struct rf_stream_stats *st, char *err,
			  size_t errcap)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	char *out = NULL;
	size_t olen = 0;
	FILE *o = open_memstream(&out, &olen);
	FILE *e = fmemopen(err, errcap, "w");
	assert_int_equal(rf_events_print_stream(in, o, e, f, st), 0);
	fclose(in);
	fclose(o);
	fclose(e);
	return out;
}

static const char stream[] =
	"{\"type\":\"RunStarted\",\"time\":\"2026-01-01T00:00:00.000Z\",\"run_id\":\"r1\",\"command\":[\"make\",\"-j2\"],"
	"\"effective_backend\":\"namespaces\",\"policy\":{\"sandbox_mode\":\"workspace-write\",\"network\":\"offline\"},"
	"\"audit\":\"writes\"}\n"
	"{\"type\":\"SandboxViolation\",\"time\":\"2026-01-01T00:00:01.000Z\",\"run_id\":\"r1\",\"pid\":7,"
	"\"exe\":\"/bin/sh\",\"operation\":\"write\",\"target\":\"/home/u/.bashrc\",\"rule\":\"read-only:~\","
	"\"source\":\"default\",\"errno\":\"EROFS\",\"count\":3}\n"
	"not json at all\n"
	"\n"
	"{\"type\":\"SandboxViolation\",\"run_id\":\"r1\",\"operation\":\"read\",\"target\":\"/h/.ssh/k\\u001b[31m\","
	"\"rule\":\"hidden:~/.ssh\",\"pid\":\"not a number\"}\n"
	"[1,2]\n"
	"{\"type\":\"ApprovalRequested\",\"run_id\":\"r1\",\"action\":\"force_push\"}\n"
	"{\"type\":\"RunFinished\",\"run_id\":\"r1\",\"exit_status\":0,\"duration_s\":1.5,"
	"\"violations\":{\"count\":4,\"distinct\":2},\"dropped\":0}";

static void test_stream_pretty(void **state)
{
	(void)state;
	struct rf_events_filter f = {0};
	struct rf_stream_stats st;
	char err[1024] = "";
	char *out = print_stream(stream, &f, &st, err, sizeof err);
	assert_int_equal(st.events, 5);
	assert_int_equal(st.matched, 5);
	assert_int_equal(st.malformed, 2);
	assert_non_null(strstr(out, "run started   r1  make -j2  (namespaces, workspace-write, network offline, audit writes)"));
	assert_non_null(strstr(out, "denied write /home/u/.bashrc  (rule read-only:~, default) EROFS  pid 7 /bin/sh  [3 times]"));
	assert_non_null(strstr(out, "/h/.ssh/k\\x1b[31m")); /* escaped for the terminal */
	assert_null(strstr(out, "\x1b"));
	assert_non_null(strstr(out, "ApprovalRequested  action=force_push"));
	assert_non_null(strstr(out, "run finished  exit 0 after 1.50 s, 4 denials (2 distinct)"));
	assert_non_null(strstr(err, "line 3: not JSON"));
	assert_non_null(strstr(err, "line 6: not an event"));
	free(out);
}

static void test_stream_filters(void **state)
{
	(void)state;
	struct rf_events_filter f = {.rules = {"hidden:*"}, .n_rules = 1};
	struct rf_stream_stats st;
	char err[1024] = "";
	char *out = print_stream(stream, &f, &st, err, sizeof err);
	assert_int_equal(st.matched, 1);
	assert_non_null(strstr(out, "denied read /h/.ssh/k"));
	free(out);

	struct rf_events_filter g = {.types = {"RunFinished", "RunStarted"}, .n_types = 2, .json = true};
	out = print_stream(stream, &g, &st, err, sizeof err);
	assert_int_equal(st.matched, 2);
	assert_true(strncmp(out, "{\"type\":\"RunStarted\"", 20) == 0); /* passed through unchanged */
	free(out);

	struct rf_events_filter h = {.pid = 7, .run = "r"};
	out = print_stream(stream, &h, &st, err, sizeof err);
	assert_int_equal(st.matched, 1);
	free(out);

	struct rf_events_filter k = {.run = "other"};
	out = print_stream(stream, &k, &st, err, sizeof err);
	assert_int_equal(st.matched, 0);
	free(out);
}

static void test_stream_long_line(void **state)
{
	(void)state;
	size_t n = RF_STREAM_MAX_LINE + 10;
	char *text = rf_xmalloc(n + 64);
	memset(text, 'x', n);
	strcpy(text + n, "\n{\"type\":\"T\"}\n");
	struct rf_events_filter f = {0};
	struct rf_stream_stats st;
	char err[1024] = "";
	char *out = print_stream(text, &f, &st, err, sizeof err);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.matched, 1);
	assert_non_null(strstr(err, "longer than"));
	free(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shapes),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_utf8_and_display),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_events_dedupe_and_counts),
		cmocka_unit_test(test_events_final_update),
		cmocka_unit_test(test_events_rate_limit),
		cmocka_unit_test(test_events_sink_closed_fail),
		cmocka_unit_test(test_events_sink_fails_warn),
		cmocka_unit_test(test_events_open_errors),
		cmocka_unit_test(test_events_explain),
		cmocka_unit_test(test_events_threads),
		cmocka_unit_test(test_stream_pretty),
		cmocka_unit_test(test_stream_filters),
		cmocka_unit_test(test_stream_long_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
