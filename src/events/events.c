/* Events: see events.h and docs/events.md.
 *
 * Every line is written at once (no queue): an event the supervisor emits
 * is on the sink before the refused call returns, so killing the command,
 * or ringfence itself, loses nothing already reported. Writes never block
 * for long: a socket is written with MSG_DONTWAIT, a pipe through a
 * non-blocking file description of its own, and a sink that takes nothing
 * for RF_EVENTS_STALL_TIMEOUT seconds has failed. */
#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "policy.h"
#include "ratelimit.h"
#include "ringfence.h"
#include "util.h"

enum sink_kind { SINK_NONE, SINK_FILE, SINK_FD, SINK_UNIX };

/* One distinct violation (an entry of the dedupe table). */
struct stored {
	char *operation, *target, *destination, *rule, *source, *exe;
	pid_t host_pid, pid;
	int err;
	unsigned long count;    /* occurrences so far */
	unsigned long reported; /* the count in the last line written for it */
	bool emitted;           /* its first line went out */
	char first_time[40];
};

struct rf_events {
	pthread_mutex_t lock;
	FILE *verbose, *warnings;
	enum rf_events_on_error on_error;
	char run_id[40];

	enum sink_kind kind;
	int fd;           /* the sink, -1 without */
	int watch_fd;     /* for hangup: the caller's fd for fd:N, else fd */
	bool is_socket;
	char *sink_name;  /* "file:PATH" ... */
	char *sink_path;  /* SINK_FILE: the path */
	int alarm;        /* eventfd: readable once the sink failed */
	bool sink_failed; /* no more lines go out */
	char error[512];
	bool started;     /* RunStarted written (or tried) */
	bool closed;      /* RunFinished written */

	unsigned long total, distinct, dropped, lost, lines, untracked_ids;
	struct rf_bucket bucket;
	struct rf_dedupe dedupe;
	struct stored *items; /* by dedupe index */
	double last_flush;
	const double *test_mono;
	struct rf_json line; /* scratch, under the lock */
};

static double mono(const struct rf_events *ev)
{
	return ev->test_mono ? *ev->test_mono : rf_now();
}

static void wall_time(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* A random (version 4) UUID. */
static void make_run_id(char out[40])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t r = getrandom(b + got, sizeof b - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* no entropy source: unique enough for a run id */
			unsigned long long t = (unsigned long long)rf_now() * 1000000ULL ^ (unsigned long long)getpid();
			for (size_t i = got; i < sizeof b; i++)
				b[i] = (unsigned char)(t >> ((i % 8) * 8));
			break;
		}
		got += (size_t)r;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static struct rf_events *alloc_events(FILE *verbose)
{
	struct rf_events *ev = rf_xcalloc(1, sizeof *ev);
	pthread_mutex_init(&ev->lock, NULL);
	ev->verbose = verbose;
	ev->fd = ev->watch_fd = ev->alarm = -1;
	make_run_id(ev->run_id);
	rf_bucket_init(&ev->bucket, RF_EVENTS_BURST, RF_EVENTS_RATE, rf_now());
	rf_dedupe_init(&ev->dedupe, RF_EVENTS_DEDUPE_MAX, 1u << 20);
	ev->items = rf_xcalloc(RF_EVENTS_DEDUPE_MAX, sizeof *ev->items);
	ev->last_flush = rf_now();
	rf_json_init(&ev->line);
	return ev;
}

struct rf_events *rf_events_new(FILE *verbose)
{
	return alloc_events(verbose);
}

/* ---- sinks ---- */

static int open_file_sink(struct rf_events *ev, const char *path, struct rf_error *e)
{
	/* O_NONBLOCK: a FIFO without a reader fails now (ENXIO) instead of
	 * blocking the run before it starts; it changes nothing for files. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0)
		return rf_fail(e, errno, "cannot open the events file %s%s", path,
			       errno == ENXIO ? " (a FIFO nobody reads)" : "");
	ev->fd = ev->watch_fd = fd;
	ev->kind = SINK_FILE;
	ev->sink_name = rf_xasprintf("file:%s", path);
	ev->sink_path = rf_xstrdup(path);
	return 0;
}

static int open_fd_sink(struct rf_events *ev, const char *num, struct rf_error *e)
{
	char *end;
	errno = 0;
	long n = strtol(num, &end, 10);
	if (errno || end == num || *end || n < 0 || n > INT_MAX)
		return rf_fail(e, 0, "invalid events sink fd:%s (want fd:N)", num);
	int flags = fcntl((int)n, F_GETFL);
	if (flags < 0)
		return rf_fail(e, errno, "cannot use events sink fd:%ld", n);
	if ((flags & O_ACCMODE) == O_RDONLY)
		return rf_fail(e, EBADF, "cannot use events sink fd:%ld (open read-only)", n);
	struct stat st;
	if (fstat((int)n, &st) < 0)
		return rf_fail(e, errno, "cannot use events sink fd:%ld", n);
	int fd = -1;
	ev->is_socket = S_ISSOCK(st.st_mode);
	if (S_ISFIFO(st.st_mode)) {
		/* a non-blocking description of our own: the caller's keeps its flags */
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%ld", n);
		fd = open(link, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0)
		fd = fcntl((int)n, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return rf_fail(e, errno, "cannot use events sink fd:%ld", n);
	ev->fd = fd;
	ev->watch_fd = fd;
	ev->kind = SINK_FD;
	ev->sink_name = rf_xasprintf("fd:%ld", n);
	return 0;
}

static int open_unix_sink(struct rf_events *ev, const char *path, struct rf_error *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!*path || strlen(path) >= sizeof sa.sun_path)
		return rf_fail(e, ENAMETOOLONG, "cannot use events socket '%s'", path);
	memcpy(sa.sun_path, path, strlen(path));
	static const int types[] = {SOCK_STREAM, SOCK_SEQPACKET};
	int err = 0;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return rf_fail(e, errno, "cannot create a socket for the events");
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			ev->fd = ev->watch_fd = fd;
			ev->is_socket = true;
			ev->kind = SINK_UNIX;
			ev->sink_name = rf_xasprintf("unix:%s", path);
			return 0;
		}
		err = errno;
		close(fd);
		if (err != EPROTOTYPE)
			break;
	}
	return rf_fail(e, err, "cannot connect to the events socket %s", path);
}

struct rf_events *rf_events_open(const struct rf_events_config *c, struct rf_error *e)
{
	struct rf_events *ev = alloc_events(c ? c->verbose : NULL);
	if (!c || !c->sink || !*c->sink)
		return ev;
	ev->on_error = c->on_error;
	ev->warnings = c->warnings;
	int rc;
	if (strncmp(c->sink, "fd:", 3) == 0)
		rc = open_fd_sink(ev, c->sink + 3, e);
	else if (strncmp(c->sink, "unix:", 5) == 0)
		rc = open_unix_sink(ev, c->sink + 5, e);
	else
		rc = open_file_sink(ev, c->sink, e);
	if (rc == 0) {
		ev->alarm = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ev->alarm < 0)
			rc = rf_fail(e, errno, "cannot create an eventfd for the event sink");
	}
	if (rc < 0) {
		rf_events_free(ev);
		return NULL;
	}
	return ev;
}

void rf_events_free(struct rf_events *ev)
{
	if (!ev)
		return;
	if (ev->fd >= 0) {
		if (ev->is_socket)
			(void)shutdown(ev->fd, SHUT_WR);
		close(ev->fd);
	}
	if (ev->alarm >= 0)
		close(ev->alarm);
	for (size_t i = 0; i < ev->dedupe.n; i++) {
		struct stored *s = &ev->items[i];
		free(s->operation);
		free(s->target);
		free(s->destination);
		free(s->rule);
		free(s->source);
		free(s->exe);
	}
	free(ev->items);
	rf_dedupe_free(&ev->dedupe);
	rf_json_free(&ev->line);
	free(ev->sink_name);
	free(ev->sink_path);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

const char *rf_events_run_id(const struct rf_events *ev)
{
	return ev ? ev->run_id : NULL;
}

const char *rf_events_sink_name(const struct rf_events *ev)
{
	return ev ? ev->sink_name : NULL;
}

const char *rf_events_sink_path(const struct rf_events *ev)
{
	return ev ? ev->sink_path : NULL;
}

/* Under the lock: the sink is gone; say so (once) and raise the alarm. */
static void sink_fail(struct rf_events *ev, int err, const char *why)
{
	if (ev->sink_failed)
		return;
	ev->sink_failed = true;
	snprintf(ev->error, sizeof ev->error, "cannot write events to %s: %s", ev->sink_name ? ev->sink_name : "?",
		 why ? why : strerror(err));
	if (ev->on_error == RF_EVENTS_WARN && ev->warnings) {
		fprintf(ev->warnings, "ringfence: warning: %s; the run goes on without its event stream\n", ev->error);
		fflush(ev->warnings);
	}
	if (ev->alarm >= 0) {
		uint64_t one = 1;
		(void)!write(ev->alarm, &one, sizeof one);
	}
}

/* Write one line: all of it, or fail the sink. SIGPIPE and SIGXFSZ (a
 * consumer gone, a file size limit) are taken as errors, not deaths. */
static int sink_write(struct rf_events *ev, const char *buf, size_t len)
{
	if (ev->fd < 0)
		return 0;
	if (ev->sink_failed) {
		ev->lost++;
		return -1;
	}
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	sigaddset(&block, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	double deadline = rf_now() + RF_EVENTS_STALL_TIMEOUT;
	int err = 0;
	char why[96] = "";
	while (len > 0) {
		ssize_t w = ev->is_socket ? send(ev->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) : write(ev->fd, buf, len);
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			double left = deadline - rf_now();
			struct pollfd pf = {.fd = ev->fd, .events = POLLOUT};
			int r = left > 0 ? poll(&pf, 1, (int)(left * 1000) + 1) : 0;
			if (r == 0) {
				err = ETIMEDOUT;
				snprintf(why, sizeof why, "the consumer took nothing for %.0f seconds", RF_EVENTS_STALL_TIMEOUT);
				break;
			}
			continue;
		}
		err = w < 0 ? errno : EIO;
		break;
	}
	/* a SIGPIPE/SIGXFSZ this raised is pending on this thread: take it */
	struct timespec zero = {0, 0};
	while (sigtimedwait(&block, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (len == 0)
		return 0;
	ev->lost++;
	sink_fail(ev, err, why[0] ? why : NULL);
	return -1;
}

/* ---- lines ---- */

static void line_begin(struct rf_events *ev, const char *type)
{
	char now[40];
	wall_time(now, sizeof now);
	rf_json_reset(&ev->line);
	rf_json_object_begin(&ev->line, NULL);
	rf_json_string(&ev->line, "type", type);
	rf_json_string(&ev->line, "time", now);
	rf_json_string(&ev->line, "run_id", ev->run_id);
}

static int line_end(struct rf_events *ev)
{
	rf_json_object_end(&ev->line);
	rf_json_newline(&ev->line);
	ev->lines++;
	return sink_write(ev, ev->line.buf, ev->line.len);
}

/* -1 only when the run must stop. */
static int fail_status(struct rf_events *ev, int rc)
{
	return rc < 0 && ev->on_error == RF_EVENTS_FAIL && ev->fd >= 0 ? -1 : 0;
}

static void violation_fields(struct rf_json *j, const struct stored *s, unsigned long id)
{
	rf_json_uint(j, "id", id);
	if (s->pid > 0)
		rf_json_int(j, "pid", s->pid);
	else
		rf_json_null(j, "pid");
	if (s->host_pid > 0)
		rf_json_int(j, "host_pid", s->host_pid);
	rf_json_string(j, "exe", s->exe && *s->exe ? s->exe : NULL);
	rf_json_string(j, "operation", s->operation);
	rf_json_string(j, "target", s->target);
	if (s->destination)
		rf_json_string(j, "destination", s->destination);
	rf_json_string(j, "rule", s->rule);
	rf_json_string(j, "source", s->source);
	if (s->err)
		rf_json_string(j, "errno", strerrorname_np(s->err) ? strerrorname_np(s->err) : "?");
	else
		rf_json_null(j, "errno");
	rf_json_uint(j, "count", s->count);
}

static int emit_violation(struct rf_events *ev, struct stored *s, unsigned long id, bool update)
{
	line_begin(ev, "SandboxViolation");
	violation_fields(&ev->line, s, id);
	if (update) {
		rf_json_string(&ev->line, "first_time", s->first_time);
		rf_json_bool(&ev->line, "update", true);
	}
	s->reported = s->count;
	return line_end(ev);
}

/* Count updates for collapsed duplicates: periodically within the bucket's
 * budget, and all of them (bounded by the table) at the end. */
static void flush_updates(struct rf_events *ev, bool final)
{
	double now = mono(ev);
	if (!final && now - ev->last_flush < RF_EVENTS_UPDATE_INTERVAL)
		return;
	ev->last_flush = now;
	for (size_t i = 0; i < ev->dedupe.n; i++) {
		struct stored *s = &ev->items[i];
		if (!s->emitted || s->count == s->reported)
			continue;
		if (!final && (ev->lines >= RF_EVENTS_MAX_LINES || !rf_bucket_take(&ev->bucket, now)))
			return; /* the rest next time, or at the end */
		emit_violation(ev, s, i + 1, true);
	}
}

static char *dup_or_null(const char *s)
{
	return s ? rf_xstrdup(s) : NULL;
}

/* The caller's process id in the sandbox's pid namespace. */
static pid_t ns_pid_of(pid_t host_pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)host_pid);
	if (rf_read_file(path, buf, sizeof buf) <= 0)
		return 0;
	const char *t = strstr(buf, "\nNStgid:");
	if (!t)
		return 0;
	t += 8;
	const char *eol = strchr(t, '\n');
	const char *last = t;
	for (const char *p = t; *p && p != eol; p++)
		if (*p == '\t' || *p == ' ')
			last = p + 1;
	return (pid_t)strtol(last, NULL, 10);
}

static void print_verbose(struct rf_events *ev, const struct stored *s)
{
	if (!ev->verbose)
		return;
	cleanup_free char *t = rf_display_escape(s->target ? s->target : "?");
	cleanup_free char *x = rf_display_escape(s->exe ? s->exe : "");
	fprintf(ev->verbose, "ringfence: denied %s %s (rule %s, %s) pid %d%s%s\n", s->operation, t,
		s->rule ? s->rule : "?", s->source ? s->source : "default", (int)s->pid, *x ? " " : "", x);
	fflush(ev->verbose);
}

void rf_events_violation(struct rf_events *ev, const struct rf_violation *v)
{
	if (!ev || !v)
		return;
	char exe[PATH_MAX] = "";
	if (v->exe) {
		snprintf(exe, sizeof exe, "%s", v->exe);
	} else if (v->pid > 0) {
		char link[64];
		snprintf(link, sizeof link, "/proc/%d/exe", (int)v->pid);
		ssize_t n = readlink(link, exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	/* the key: same process, program, operation, target and rule */
	struct rf_json key;
	rf_json_init(&key);
	rf_json_int(&key, NULL, v->pid);
	rf_json_string(&key, NULL, exe);
	rf_json_string(&key, NULL, v->operation);
	rf_json_string(&key, NULL, v->target);
	rf_json_string(&key, NULL, v->destination);
	rf_json_string(&key, NULL, v->rule);

	pthread_mutex_lock(&ev->lock);
	ev->total++;
	bool is_new = true;
	long idx = rf_dedupe_add(&ev->dedupe, key.buf, key.len, &is_new);
	rf_json_free(&key);
	if (idx >= 0 && !is_new) {
		ev->items[idx].count++;
		if (!ev->closed)
			flush_updates(ev, false);
		pthread_mutex_unlock(&ev->lock);
		return;
	}
	ev->distinct++;
	struct stored tmp = {0};
	struct stored *s = idx >= 0 ? &ev->items[idx] : &tmp;
	*s = (struct stored){
		.operation = rf_xstrdup(v->operation ? v->operation : "?"),
		.target = dup_or_null(v->target),
		.destination = dup_or_null(v->destination),
		.rule = dup_or_null(v->rule),
		.source = rf_xstrdup(v->source ? v->source : "default"),
		.exe = rf_xstrdup(exe),
		.host_pid = v->pid,
		.pid = v->pid > 0 ? ns_pid_of(v->pid) : 0,
		.err = v->err,
		.count = 1,
	};
	wall_time(s->first_time, sizeof s->first_time);
	unsigned long id = idx >= 0 ? (unsigned long)idx + 1 : RF_EVENTS_DEDUPE_MAX + ++ev->untracked_ids;
	if (!ev->closed && ev->lines < RF_EVENTS_MAX_LINES && rf_bucket_take(&ev->bucket, mono(ev))) {
		s->emitted = true;
		emit_violation(ev, s, id, false);
		print_verbose(ev, s);
	} else {
		ev->dropped++;
	}
	if (!ev->closed)
		flush_updates(ev, false);
	if (s == &tmp) {
		free(tmp.operation);
		free(tmp.target);
		free(tmp.destination);
		free(tmp.rule);
		free(tmp.source);
		free(tmp.exe);
	}
	pthread_mutex_unlock(&ev->lock);
}

unsigned long rf_events_violation_count(struct rf_events *ev)
{
	if (!ev)
		return 0;
	pthread_mutex_lock(&ev->lock);
	unsigned long n = ev->total;
	pthread_mutex_unlock(&ev->lock);
	return n;
}

void rf_events_tick(struct rf_events *ev)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	if (!ev->closed)
		flush_updates(ev, false);
	pthread_mutex_unlock(&ev->lock);
}

/* ---- the run ---- */

static void path_rules(struct rf_json *j, const char *key, const struct rf_path_rules *r)
{
	rf_json_array_begin(j, key);
	for (size_t i = 0; i < r->n; i++) {
		rf_json_object_begin(j, NULL);
		rf_json_string(j, "path", r->v[i].spec);
		rf_json_string(j, "source", r->v[i].source);
		rf_json_object_end(j);
	}
	rf_json_array_end(j);
}

int rf_events_run_started(struct rf_events *ev, const struct rf_run_started *rs)
{
	if (!ev)
		return 0;
	pthread_mutex_lock(&ev->lock);
	ev->started = true;
	if (ev->fd < 0) {
		/* no sink: the line would go nowhere (a hundred strings of policy) */
		ev->lines++;
		pthread_mutex_unlock(&ev->lock);
		return 0;
	}
	struct rf_json *j = &ev->line;
	line_begin(ev, "RunStarted");
	rf_json_int(j, "schema", 1);
	rf_json_string(j, "ringfence_version", RF_VERSION);
	rf_json_int(j, "supervisor_pid", getpid());
	rf_json_array_begin(j, "command");
	for (char *const *a = rs->argv; a && *a; a++)
		rf_json_string(j, NULL, *a);
	rf_json_array_end(j);
	rf_json_string(j, "cwd", rs->cwd);
	rf_json_string(j, "workspace", rs->workspace);
	const struct rf_policy *p = rs->policy;
	rf_json_object_begin(j, "policy");
	if (p) {
		rf_json_string(j, "sandbox_mode", rf_sandbox_mode_name(p->sandbox_mode));
		rf_json_string(j, "network", rf_network_mode_name(p->network));
		rf_json_string(j, "backend", rf_backend_name(p->backend));
		path_rules(j, "writable_roots", &p->writable_roots);
		path_rules(j, "read_only", &p->read_only);
		path_rules(j, "hidden", &p->hidden);
		path_rules(j, "protected", &p->protected_paths);
	}
	rf_json_object_end(j);
	rf_json_string(j, "effective_backend", rs->effective_backend);
	rf_json_string(j, "fallback_reason", rs->fallback_reason && *rs->fallback_reason ? rs->fallback_reason : NULL);
	rf_json_int(j, "landlock_abi", rs->landlock_abi);
	rf_json_string(j, "audit", rs->audit);
	rf_json_object_begin(j, "limits");
	rf_json_int(j, "burst", RF_EVENTS_BURST);
	rf_json_double(j, "per_second", RF_EVENTS_RATE, 1);
	rf_json_int(j, "max_lines", RF_EVENTS_MAX_LINES);
	rf_json_object_end(j);
	int rc = fail_status(ev, line_end(ev));
	pthread_mutex_unlock(&ev->lock);
	return rc;
}

bool rf_events_started(struct rf_events *ev)
{
	if (!ev)
		return true;
	pthread_mutex_lock(&ev->lock);
	bool s = ev->started;
	pthread_mutex_unlock(&ev->lock);
	return s;
}

int rf_events_run_finished(struct rf_events *ev, const struct rf_run_result *r, const char *error)
{
	if (!ev)
		return 0;
	pthread_mutex_lock(&ev->lock);
	if (ev->closed) {
		pthread_mutex_unlock(&ev->lock);
		return 0;
	}
	flush_updates(ev, true);
	ev->closed = true;
	struct rf_json *j = &ev->line;
	line_begin(ev, "RunFinished");
	rf_json_int(j, "exit_status", r->exit_status);
	if (r->exit_code >= 0)
		rf_json_int(j, "exit_code", r->exit_code);
	else
		rf_json_null(j, "exit_code");
	if (r->signal) {
		char sig[32];
		const char *ab = sigabbrev_np(r->signal);
		if (ab)
			snprintf(sig, sizeof sig, "SIG%s", ab);
		else
			snprintf(sig, sizeof sig, "%d", r->signal);
		rf_json_string(j, "signal", sig);
	} else {
		rf_json_null(j, "signal");
	}
	rf_json_double(j, "duration_s", r->duration, 3);
	rf_json_bool(j, "sandbox_enforced", r->sandbox_enforced);
	rf_json_bool(j, "timed_out", r->timed_out);
	rf_json_string(j, "error", error && *error ? error : NULL);
	rf_json_object_begin(j, "violations");
	rf_json_uint(j, "count", ev->total);
	rf_json_uint(j, "distinct", ev->distinct);
	rf_json_object_end(j);
	rf_json_uint(j, "dropped", ev->dropped);
	int rc = fail_status(ev, line_end(ev));
	pthread_mutex_unlock(&ev->lock);
	return rc;
}

int rf_events_emit(struct rf_events *ev, const char *type, bool essential,
		   void (*fill)(struct rf_json *j, void *arg), void *arg)
{
	if (!ev)
		return 0;
	pthread_mutex_lock(&ev->lock);
	int rc = 0;
	if (ev->closed) {
		rc = 0;
	} else if (!essential && (ev->lines >= RF_EVENTS_MAX_LINES || !rf_bucket_take(&ev->bucket, mono(ev)))) {
		ev->dropped++;
	} else {
		line_begin(ev, type);
		if (fill)
			fill(&ev->line, arg);
		rc = fail_status(ev, line_end(ev));
	}
	pthread_mutex_unlock(&ev->lock);
	return rc;
}

/* ---- sink health ---- */

int rf_events_poll_fds(struct rf_events *ev, struct pollfd *pf, int max)
{
	if (!ev || ev->fd < 0 || max < 2)
		return 0;
	int n = 0;
	pthread_mutex_lock(&ev->lock);
	pf[n++] = (struct pollfd){.fd = ev->alarm, .events = POLLIN};
	/* events 0: only hangup and error are reported (a file never has them) */
	if (!ev->sink_failed && ev->kind != SINK_FILE)
		pf[n++] = (struct pollfd){.fd = ev->watch_fd, .events = 0};
	pthread_mutex_unlock(&ev->lock);
	return n;
}

bool rf_events_check(struct rf_events *ev, const struct pollfd *pf, int n)
{
	if (!ev)
		return false;
	pthread_mutex_lock(&ev->lock);
	for (int i = 0; i < n; i++) {
		if (pf[i].fd == ev->alarm && (pf[i].revents & POLLIN)) {
			uint64_t v;
			(void)!read(ev->alarm, &v, sizeof v);
		} else if (pf[i].fd == ev->watch_fd && (pf[i].revents & (POLLHUP | POLLERR))) {
			sink_fail(ev, EPIPE, "the consumer closed it");
		}
	}
	bool stop = ev->sink_failed && ev->on_error == RF_EVENTS_FAIL;
	pthread_mutex_unlock(&ev->lock);
	return stop;
}

bool rf_events_failed(struct rf_events *ev)
{
	if (!ev)
		return false;
	pthread_mutex_lock(&ev->lock);
	bool stop = ev->sink_failed && ev->on_error == RF_EVENTS_FAIL;
	pthread_mutex_unlock(&ev->lock);
	return stop;
}

const char *rf_events_error(struct rf_events *ev)
{
	if (!ev)
		return NULL;
	pthread_mutex_lock(&ev->lock);
	const char *err = ev->sink_failed ? ev->error : NULL;
	pthread_mutex_unlock(&ev->lock);
	return err;
}

/* ---- summaries ---- */

static void info_of(const struct stored *s, struct rf_violation_info *i)
{
	*i = (struct rf_violation_info){
		.operation = s->operation,
		.target = s->target,
		.destination = s->destination,
		.rule = s->rule,
		.source = s->source,
		.exe = s->exe,
		.errname = s->err ? strerrorname_np(s->err) : NULL,
		.pid = s->pid,
		.count = s->count,
	};
}

void rf_events_summary(struct rf_events *ev, struct rf_events_summary *s)
{
	memset(s, 0, sizeof *s);
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	s->total = ev->total;
	s->distinct = ev->distinct;
	s->dropped = ev->dropped;
	s->lost = ev->lost;
	for (size_t i = 0; i < ev->dedupe.n && s->n_first < RF_EVENTS_SUMMARY_FIRST; i++)
		info_of(&ev->items[i], &s->first[s->n_first++]);
	pthread_mutex_unlock(&ev->lock);
}

void rf_events_explain(struct rf_events *ev, FILE *out, size_t max_lines)
{
	if (!ev || !out)
		return;
	pthread_mutex_lock(&ev->lock);
	size_t shown = 0;
	for (size_t i = 0; i < ev->dedupe.n && shown < max_lines; i++, shown++) {
		const struct stored *s = &ev->items[i];
		cleanup_free char *t = rf_display_escape(s->target ? s->target : "?");
		cleanup_free char *d = s->destination ? rf_display_escape(s->destination) : NULL;
		fprintf(out, "ringfence: denied %s %s%s%s (rule %s, %s)", s->operation, t, d ? " -> " : "", d ? d : "",
			s->rule ? s->rule : "?", s->source ? s->source : "default");
		if (s->count > 1)
			fprintf(out, " [%lu times]", s->count);
		fputc('\n', out);
	}
	unsigned long rest = ev->distinct > shown ? ev->distinct - shown : 0;
	if (rest)
		fprintf(out, "ringfence: ... and %lu more denied operation%s (all of them: --events FILE)\n", rest,
			rest == 1 ? "" : "s");
	fflush(out);
	pthread_mutex_unlock(&ev->lock);
}

void rf_events_test_clock(struct rf_events *ev, const double *m)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->test_mono = m;
	if (m) {
		rf_bucket_init(&ev->bucket, RF_EVENTS_BURST, RF_EVENTS_RATE, *m);
		ev->last_flush = *m;
	}
	pthread_mutex_unlock(&ev->lock);
}
