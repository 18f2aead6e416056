/* The allowlist proxy end to end, in one process (src/net/proxy.c): the
 * proxy listens on the host's loopback and its upstreams are small servers
 * of this test, so every path (CONNECT, forwarding, SOCKS5, refusals,
 * abuse, limits, splice and buffer relaying) runs with short time limits
 * and under the sanitizers. The sandbox-side wiring is tested by
 * tests/integration/cases/network*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "policy.h"
#include "proxy.h"
#include "rules.h"
#include "socks.h"
#include "util.h"

/* ---- small servers ---- */

static int listen_any(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 512), 0);
	socklen_t l = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void *echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (rf_write_all(fd, buf, (size_t)n) < 0)
			break;
	close(fd);
	return NULL;
}

/* Answers one request with its own head as the body. */
static void *reflect_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192];
	size_t len = 0;
	while (len < sizeof buf - 1) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	char hdr[128];
	int h = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", len);
	(void)rf_write_all(fd, hdr, (size_t)h);
	(void)rf_write_all(fd, buf, len);
	close(fd);
	return NULL;
}

struct server {
	int fd, port;
	void *(*conn)(void *);
	pthread_t t;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	for (;;) {
		int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* shut down */
		}
		pthread_t t;
		if (pthread_create(&t, NULL, s->conn, (void *)(intptr_t)c) == 0)
			pthread_detach(t);
		else
			close(c);
	}
}

static void server_start(struct server *s, void *(*conn)(void *))
{
	s->fd = listen_any(&s->port);
	s->conn = conn;
	/* the servers' threads (and theirs) take no SIGPIPE */
	sigset_t pipe_only, old;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	assert_int_equal(pthread_create(&s->t, NULL, serve, s), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->t, NULL);
	close(s->fd);
}

/* ---- the proxy under test ---- */

struct fixture {
	struct server echo, reflect;
	int closed_port; /* nothing listens there */
	rf_policy *policy;
	struct rf_net_rules rules;
	struct rf_events *events;
	struct rf_proxy *proxy;
	int proxy_port, forward_port;
};

static struct fixture F;

static void start_proxy(const struct rf_proxy_limits *lim)
{
	struct rf_error e = {0};
	struct rf_proxy_listener l[2] = {{.kind = RF_PROXY_LISTEN_PROXY}, {.kind = RF_PROXY_LISTEN_FORWARD}};
	l[0].fd = listen_any(&F.proxy_port);
	l[1].fd = listen_any(&F.forward_port);
	struct sockaddr_in *t = (struct sockaddr_in *)&l[1].target;
	t->sin_family = AF_INET;
	t->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->sin_port = htons((uint16_t)F.echo.port);
	l[1].target_len = sizeof *t;
	struct rf_proxy_config c = {
		.rules = &F.rules,
		.listeners = l,
		.n_listeners = 2,
		.events = F.events,
		.verbose = getenv("RF_TEST_VERBOSE") ? stderr : NULL,
		.limits = *lim,
	};
	if (rf_proxy_start(&c, &F.proxy, &e) < 0)
		fail_msg("proxy: %s", e.msg);
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	server_start(&F.echo, echo_conn);
	server_start(&F.reflect, reflect_conn);
	int fd = listen_any(&F.closed_port);
	close(fd);
	F.policy = rf_policy_new();
	struct rf_error e = {0};
	char spec[64];
	const char *allow[] = {"*.test", "*.example.org", NULL};
	for (int i = 0; allow[i]; i++)
		assert_int_equal(rf_policy_add_allowed_domain(F.policy, allow[i], "test", &e), 0);
	int ip_ports[] = {F.echo.port, F.reflect.port, F.closed_port};
	for (int i = 0; i < 3; i++) {
		snprintf(spec, sizeof spec, "127.0.0.1:%d", ip_ports[i]);
		assert_int_equal(rf_policy_add_allowed_domain(F.policy, spec, "test", &e), 0);
	}
	assert_int_equal(rf_policy_add_denied_domain(F.policy, "evil.test", "test-deny", &e), 0);
	const char *res[] = {"echo.test=127.0.0.1", "http.test=127.0.0.1", "meta.test=169.254.169.254",
			     "lan.test=10.1.2.3", "mixed.test=169.254.169.254,127.0.0.1", NULL};
	for (int i = 0; res[i]; i++)
		assert_int_equal(rf_policy_add_proxy_resolve(F.policy, res[i], "test", &e), 0);
	if (rf_net_rules_build(F.policy, &F.rules, &e) < 0)
		fail_msg("%s", e.msg);
	F.events = rf_events_new(getenv("RF_TEST_VERBOSE") ? stderr : NULL);
	struct rf_proxy_limits lim = {
		.max_conns = 300,
		.max_head = 2048,
		.head_timeout_ms = 400,
		.connect_timeout_ms = 3000,
		.idle_timeout_ms = 600,
		.linger_ms = 300,
	};
	start_proxy(&lim);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rf_proxy_stop(F.proxy);
	server_stop(&F.echo);
	server_stop(&F.reflect);
	rf_net_rules_free(&F.rules);
	rf_events_free(F.events);
	rf_policy_free(F.policy);
	return 0;
}

/* ---- clients ---- */

static int dial(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* The main thread (the clients) takes SIGPIPE as a real program would, so
 * that a SIGPIPE the proxy provoked would end the test: clients use
 * MSG_NOSIGNAL. */
static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void send_str(int fd, const char *s)
{
	assert_int_equal(send_all(fd, s, strlen(s)), 0);
}

/* Read until the head ends (or EOF); returns what came, NUL-terminated. */
static size_t read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t n = read(fd, buf + len, 1);
		if (n <= 0)
			break;
		len++;
		buf[len] = '\0';
		if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	buf[len] = '\0';
	return len;
}

static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

static void expect_echo(int fd, const char *msg)
{
	send_str(fd, msg);
	char buf[256];
	size_t want = strlen(msg), got = 0;
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n <= 0)
			fail_msg("echo: read %zd after %zu bytes: %s", n, got, strerror(errno));
		got += (size_t)n;
	}
	assert_memory_equal(buf, msg, want);
}

static int connect_via(const char *target, char *head, size_t cap)
{
	int fd = dial(F.proxy_port);
	char req[512];
	snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target);
	send_str(fd, req);
	read_head(fd, head, cap);
	return fd;
}

static void expect_refused(const char *target, const char *rule)
{
	unsigned long before = rf_events_violation_count(F.events);
	char head[2048], want[256];
	int fd = connect_via(target, head, sizeof head);
	close(fd);
	if (!strstr(head, "HTTP/1.1 403 Forbidden\r\n"))
		fail_msg("CONNECT %s: expected 403, got [%s]", target, head);
	snprintf(want, sizeof want, "X-Proxy-Error: blocked by ringfence policy: %s\r\n", rule);
	if (!strstr(head, want))
		fail_msg("CONNECT %s: expected [%s] in [%s]", target, want, head);
	assert_int_equal(rf_events_violation_count(F.events), before + 1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void wait_idle(void)
{
	/* every connection of the test closed: the proxy holds none */
	struct rf_proxy_stats st;
	for (int i = 0; i < 400; i++) {
		rf_proxy_get_stats(F.proxy, &st);
		if (st.active == 0)
			return;
		usleep(10000);
	}
	fail_msg("the proxy still holds %u connections", st.active);
}

static void expect_status(const char *req, size_t len, const char *status)
{
	int fd = dial(F.proxy_port);
	assert_int_equal(send_all(fd, req, len), 0);
	char head[4096];
	read_head(fd, head, sizeof head);
	close(fd);
	if (strncmp(head, status, strlen(status)) != 0)
		fail_msg("expected [%s], got [%.200s]", status, head);
}

/* ---- tests ---- */

static void test_connect_tunnel(void **state)
{
	(void)state;
	char head[1024], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	int fd = connect_via(target, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	expect_echo(fd, "hello through the tunnel");
	close(fd);
	/* bytes sent right behind the head (a TLS ClientHello, say) go first */
	fd = dial(F.proxy_port);
	char req[256];
	snprintf(req, sizeof req, "CONNECT ECHO.test.:%d HTTP/1.1\r\n\r\nearly", F.echo.port);
	send_str(fd, req);
	read_head(fd, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	char buf[8] = "";
	assert_int_equal(read(fd, buf, 5), 5);
	assert_memory_equal(buf, "early", 5);
	/* an IP literal allowed by an IP rule */
	snprintf(target, sizeof target, "127.0.0.1:%d", F.echo.port);
	int fd2 = connect_via(target, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	expect_echo(fd2, "by IP");
	close(fd2);
	/* half-close: the answer still comes back */
	expect_echo(fd, "half");
	shutdown(fd, SHUT_WR);
	assert_int_equal(read(fd, buf, 1), 0);
	close(fd);
	wait_idle();
}

static void test_refusals(void **state)
{
	(void)state;
	char t[64];
	expect_refused("nope.example.com:443", "network:not-allowed");
	expect_refused("example.org:443", "network:not-allowed"); /* *.example.org is subdomains only */
	expect_refused("evil.test:443", "network:deny:evil.test");
	expect_refused("EVIL.TEST.:443", "network:deny:evil.test");
	expect_refused("10.1.2.3:443", "network:not-allowed");
	expect_refused("169.254.169.254:80", "network:not-allowed");
	expect_refused("[::1]:22", "network:not-allowed");
	snprintf(t, sizeof t, "127.0.0.1:%d", F.forward_port); /* loopback, other port: no IP rule */
	expect_refused(t, "network:not-allowed");
	expect_refused("meta.test:80", "network:address:link-local");
	expect_refused("lan.test:443", "network:address:private");
	snprintf(t, sizeof t, "echo.test:%d", F.forward_port); /* a name rebound to loopback */
	expect_refused(t, "network:address:loopback");
	/* a raw UTF-8 name: no request the parser takes (400), and through
	 * SOCKS5 an invalid host (test_socks5) */
	const char *utf8 = "CONNECT b\xc3\xbc" "cher.test:443 HTTP/1.1\r\n\r\n";
	expect_status(utf8, strlen(utf8), "HTTP/1.1 400 ");
	expect_refused("127.1:443", "network:invalid-host");
	/* a name with one bad and one good address connects to the good one */
	char head[512];
	snprintf(t, sizeof t, "mixed.test:%d", F.echo.port);
	int fd = connect_via(t, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	expect_echo(fd, "mixed");
	close(fd);
	/* the refusal body says why */
	fd = connect_via("meta.test:80", head, sizeof head);
	char body[512];
	read_all(fd, body, sizeof body);
	close(fd);
	assert_non_null(strstr(body, "169.254.169.254"));
	wait_idle();
}

static void test_forward_http(void **state)
{
	(void)state;
	int fd = dial(F.proxy_port);
	char req[512];
	snprintf(req, sizeof req,
		 "GET http://http.test:%d/a?b=c HTTP/1.1\r\nHost: evil.test\r\nProxy-Connection: keep-alive\r\n"
		 "Proxy-Authorization: Basic eDp5\r\nAccept: */*\r\n\r\n",
		 F.reflect.port);
	send_str(fd, req);
	char resp[4096];
	read_all(fd, resp, sizeof resp);
	close(fd);
	assert_non_null(strstr(resp, "HTTP/1.1 200 OK\r\n"));
	char want[128];
	snprintf(want, sizeof want, "GET /a?b=c HTTP/1.1\r\nHost: http.test:%d\r\nAccept: */*\r\nConnection: close\r\n\r\n",
		 F.reflect.port);
	if (!strstr(resp, want))
		fail_msg("expected the rewritten head [%s] in [%s]", want, resp);
	assert_null(strstr(resp, "Proxy-"));
	assert_null(strstr(resp, "evil.test"));
	/* refused the same way as CONNECT */
	fd = dial(F.proxy_port);
	send_str(fd, "GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\n\r\n");
	read_head(fd, resp, sizeof resp);
	close(fd);
	assert_non_null(strstr(resp, "403 Forbidden"));
	assert_non_null(strstr(resp, "X-Proxy-Error: blocked by ringfence policy: network:not-allowed"));
	wait_idle();
}

static int socks_dial(const unsigned char *req, size_t len, unsigned char rep[RF_SOCKS_REPLY_LEN])
{
	int fd = dial(F.proxy_port);
	const unsigned char greet[] = {5, 1, 0};
	assert_int_equal(send_all(fd, greet, sizeof greet), 0);
	unsigned char m[2];
	assert_int_equal(read(fd, m, 2), 2);
	assert_int_equal(m[0], 5);
	assert_int_equal(m[1], 0);
	assert_int_equal(send_all(fd, req, len), 0);
	size_t got = 0;
	while (got < RF_SOCKS_REPLY_LEN) {
		ssize_t n = read(fd, rep + got, RF_SOCKS_REPLY_LEN - got);
		if (n <= 0)
			fail_msg("socks reply: %zd", n);
		got += (size_t)n;
	}
	return fd;
}

static void test_socks5(void **state)
{
	(void)state;
	unsigned char rep[RF_SOCKS_REPLY_LEN];
	unsigned char req[64] = {5, 1, 0, 3, 9};
	memcpy(req + 5, "echo.test", 9);
	req[14] = (unsigned char)(F.echo.port >> 8);
	req[15] = (unsigned char)F.echo.port;
	int fd = socks_dial(req, 16, rep);
	assert_int_equal(rep[1], RF_SOCKS_OK);
	expect_echo(fd, "socks5h");
	close(fd);
	/* socks5 with an address: judged by the IP rules */
	unsigned char v4[10] = {5, 1, 0, 1, 127, 0, 0, 1, (unsigned char)(F.echo.port >> 8), (unsigned char)F.echo.port};
	fd = socks_dial(v4, sizeof v4, rep);
	assert_int_equal(rep[1], RF_SOCKS_OK);
	expect_echo(fd, "socks5");
	close(fd);
	unsigned long before = rf_events_violation_count(F.events);
	unsigned char meta[10] = {5, 1, 0, 1, 169, 254, 169, 254, 0, 80};
	fd = socks_dial(meta, sizeof meta, rep);
	assert_int_equal(rep[1], RF_SOCKS_NOT_ALLOWED);
	close(fd);
	unsigned char evil[32] = {5, 1, 0, 3, 9};
	memcpy(evil + 5, "evil.test", 9);
	evil[15] = 80;
	fd = socks_dial(evil, 16, rep);
	assert_int_equal(rep[1], RF_SOCKS_NOT_ALLOWED);
	close(fd);
	unsigned char udp[10] = {5, 3, 0, 1, 0, 0, 0, 0, 0, 53};
	fd = socks_dial(udp, sizeof udp, rep);
	assert_int_equal(rep[1], RF_SOCKS_NOT_ALLOWED);
	close(fd);
	unsigned char utf8[32] = {5, 1, 0, 3, 11};
	memcpy(utf8 + 5, "b\xc3\xbc" "cher.test", 11);
	utf8[17] = 80;
	fd = socks_dial(utf8, 18, rep);
	assert_int_equal(rep[1], RF_SOCKS_NOT_ALLOWED);
	close(fd);
	assert_int_equal(rf_events_violation_count(F.events), before + 4);
	/* no acceptable method */
	fd = dial(F.proxy_port);
	const unsigned char userpass[] = {5, 1, 2};
	assert_int_equal(send_all(fd, userpass, sizeof userpass), 0);
	unsigned char m[4];
	assert_int_equal(read(fd, m, sizeof m), 2);
	assert_int_equal(m[1], 0xff);
	close(fd);
	/* SOCKS4 is refused with its own reply */
	fd = dial(F.proxy_port);
	const unsigned char s4[] = {4, 1, 0, 80, 1, 1, 1, 1, 0};
	assert_int_equal(send_all(fd, s4, sizeof s4), 0);
	unsigned char r4[8];
	assert_int_equal(read(fd, r4, sizeof r4), 8);
	assert_int_equal(r4[1], 0x5b);
	close(fd);
	wait_idle();
}

static void test_malformed(void **state)
{
	(void)state;
	expect_status("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, "HTTP/1.1 400 ");
	expect_status("CONNECT a.test HTTP/1.1\r\n\r\n", 27, "HTTP/1.1 400 ");
	expect_status("HELLO\r\n\r\n", 9, "HTTP/1.1 400 ");
	expect_status("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24, "HTTP/1.1 505 ");
	expect_status("GET http://a.test/ HTTP/1.1\nHost: a\n\n\r\n\r\n", 41, "HTTP/1.1 400 ");
	char big[4096];
	memset(big, 'a', sizeof big);
	memcpy(big, "GET http://a.test/ HTTP/1.1\r\nX: ", 32);
	expect_status(big, sizeof big, "HTTP/1.1 431 ");
	char bin[300];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (char)(i * 7 + 3);
	bin[0] = 'G';
	memcpy(bin + 200, "\r\n\r\n", 4);
	expect_status(bin, sizeof bin, "HTTP/1.1 400 ");
	wait_idle();
}

/* A client that sends half a head and stalls is cut off; a real client
 * meanwhile is served at once. */
static void test_slowloris(void **state)
{
	(void)state;
	int slow[20];
	for (int i = 0; i < 20; i++) {
		slow[i] = dial(F.proxy_port);
		send_str(slow[i], "CONNECT echo.te");
	}
	int silent = dial(F.proxy_port);
	double t0 = now_s();
	char head[1024], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	int fd = connect_via(target, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	expect_echo(fd, "not stalled");
	assert_true(now_s() - t0 < 0.3);
	struct pollfd early = {.fd = slow[0], .events = POLLIN};
	assert_int_equal(poll(&early, 1, 0), 0); /* not cut off before its time */
	/* a busy tunnel outlives the head time-out (it is no idle one) */
	for (int i = 0; i < 6; i++) {
		usleep(100000);
		expect_echo(fd, "still here");
	}
	for (int i = 0; i < 20; i++) {
		read_head(slow[i], head, sizeof head);
		assert_non_null(strstr(head, "HTTP/1.1 408 "));
		close(slow[i]);
	}
	/* a client that never said a word gets no answer: it is closed */
	assert_int_equal(read(silent, head, sizeof head), 0);
	close(silent);
	/* then idle past the idle time-out: closed */
	usleep(1200000);
	char c;
	assert_int_equal(read(fd, &c, 1), 0);
	close(fd);
	wait_idle();
}

/* Write `total` bytes and read the echo back, interleaved; compare. */
static void bulk_run(int fd, size_t total)
{
	char *out = rf_xmalloc(total), *in = rf_xmalloc(total);
	uint32_t x = 12345;
	for (size_t i = 0; i < total; i++) {
		x = x * 1103515245 + 12345;
		out[i] = (char)(x >> 16);
	}
	size_t sent = 0, got = 0;
	while (got < total) {
		struct pollfd p = {.fd = fd, .events = POLLIN | (sent < total ? POLLOUT : 0)};
		if (poll(&p, 1, 5000) <= 0)
			fail_msg("bulk: stalled at %zu/%zu sent, %zu received", sent, total, got);
		if ((p.revents & POLLOUT) && sent < total) {
			size_t n = total - sent < (1 << 20) ? total - sent : (1 << 20);
			ssize_t w = send(fd, out + sent, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN)
				fail_msg("bulk send: %s", strerror(errno));
			if (w > 0)
				sent += (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			ssize_t n = recv(fd, in + got, total - got, MSG_DONTWAIT);
			if (n == 0)
				fail_msg("bulk: EOF after %zu", got);
			if (n > 0)
				got += (size_t)n;
		}
	}
	assert_int_equal(got, total);
	assert_true(memcmp(in, out, total) == 0);
	free(in);
	free(out);
}

static void bulk_through(int mode_pipe)
{
	if (!mode_pipe) {
		/* buffer mode: a proxy without splice */
		rf_proxy_stop(F.proxy);
		struct rf_proxy_limits lim = {.pipe_size = -1, .head_timeout_ms = 400, .idle_timeout_ms = 600,
					      .linger_ms = 300};
		start_proxy(&lim);
	}
	char head[512], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	int fd = connect_via(target, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	bulk_run(fd, 32u << 20);
	close(fd);
	wait_idle();
}

static void test_bulk_splice(void **state)
{
	(void)state;
	bulk_through(1);
}

static void test_bulk_buffer(void **state)
{
	(void)state;
	bulk_through(0);
}

static void *one_tunnel(void *arg)
{
	int *ok = arg;
	char head[512], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	int fd = connect_via(target, head, sizeof head);
	if (strcmp(head, "HTTP/1.1 200 Connection established\r\n\r\n") == 0) {
		char msg[32], buf[32];
		int n = snprintf(msg, sizeof msg, "tunnel %p", (void *)&fd);
		for (int round = 0; round < 20; round++) {
			if (send_all(fd, msg, (size_t)n) < 0)
				break;
			ssize_t got = 0;
			while (got < n) {
				ssize_t r = read(fd, buf + got, (size_t)(n - got));
				if (r <= 0)
					break;
				got += r;
			}
			if (got != n || memcmp(buf, msg, (size_t)n) != 0)
				break;
			if (round == 19)
				*ok = 1;
		}
	}
	close(fd);
	return NULL;
}

static void test_many_tunnels(void **state)
{
	(void)state;
	enum { N = 200 };
	pthread_t t[N];
	int ok[N] = {0};
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_create(&t[i], NULL, one_tunnel, &ok[i]), 0);
	int good = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		good += ok[i];
	}
	assert_int_equal(good, N);
	struct rf_proxy_stats st;
	rf_proxy_get_stats(F.proxy, &st);
	assert_true(st.max_active > 20);
	wait_idle();
}

/* At the connection limit the oldest silent client makes room. */
static void test_connection_limit(void **state)
{
	(void)state;
	rf_proxy_stop(F.proxy);
	struct rf_proxy_limits lim = {.max_conns = 8, .head_timeout_ms = 5000, .idle_timeout_ms = 5000,
				      .linger_ms = 300};
	start_proxy(&lim);
	int silent[8];
	for (int i = 0; i < 8; i++)
		silent[i] = dial(F.proxy_port);
	usleep(100000);
	char head[512], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	int fd = connect_via(target, head, sizeof head);
	assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
	expect_echo(fd, "made room");
	assert_int_equal(read(silent[0], head, sizeof head), 0); /* the oldest went */
	struct rf_proxy_stats st;
	rf_proxy_get_stats(F.proxy, &st);
	assert_true(st.evicted >= 1);
	assert_true(st.max_active <= 8);
	for (int i = 0; i < 8; i++)
		close(silent[i]);
	close(fd);
	wait_idle();
}

static void test_upstream_failures(void **state)
{
	(void)state;
	char head[512], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.closed_port);
	int fd = connect_via(target, head, sizeof head);
	close(fd);
	assert_non_null(strstr(head, "HTTP/1.1 502 "));
	assert_non_null(strstr(head, "X-Proxy-Error: ringfence proxy: cannot connect"));
	wait_idle();
}

static void test_host_port_forward(void **state)
{
	(void)state;
	int fd = dial(F.forward_port);
	expect_echo(fd, "straight to the host port");
	close(fd);
	wait_idle();
}

/* A client that resets the connection while the proxy splices to it: the
 * proxy drops that tunnel and nothing else (no SIGPIPE, no stall). */
static void test_reset_midstream(void **state)
{
	(void)state;
	char head[512], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	for (int round = 0; round < 5; round++) {
		int fd = connect_via(target, head, sizeof head);
		assert_string_equal(head, "HTTP/1.1 200 Connection established\r\n\r\n");
		static char junk[1 << 20];
		for (int i = 0; i < 8; i++)
			if (send(fd, junk, sizeof junk, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
		usleep(20000);
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd); /* RST, with the echo still flowing back */
	}
	int fd = connect_via(target, head, sizeof head);
	expect_echo(fd, "alive");
	close(fd);
	wait_idle();
}

/* Stopping with live connections frees everything (LeakSanitizer). */
static void test_stop_with_connections(void **state)
{
	(void)state;
	char head[512], target[64];
	snprintf(target, sizeof target, "echo.test:%d", F.echo.port);
	int a = connect_via(target, head, sizeof head);
	int b = dial(F.proxy_port);
	send_str(b, "CONNECT half");
	rf_proxy_stop(F.proxy);
	F.proxy = NULL;
	char c;
	assert_int_equal(read(a, &c, 1), 0);
	close(a);
	close(b);
	struct rf_proxy_limits lim = {0};
	start_proxy(&lim); /* for teardown */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_connect_tunnel),
		T(test_refusals),
		T(test_forward_http),
		T(test_socks5),
		T(test_malformed),
		T(test_slowloris),
		T(test_many_tunnels),
		T(test_upstream_failures),
		T(test_host_port_forward),
		T(test_reset_midstream),
		T(test_bulk_splice),
		T(test_bulk_buffer),
		T(test_connection_limit),
		T(test_stop_with_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
