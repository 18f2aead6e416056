/* Unit tests: the proxy's request parsers (src/net/http.c, socks.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "socks.h"

static enum rf_http_result parse(const char *s, struct rf_http_request *r)
{
	size_t end = rf_http_head_end(s, strlen(s), 0);
	if (!end)
		fail_msg("no end of head in [%s]", s);
	return rf_http_parse_request(s, end, r);
}

static void expect_bad(const char *s)
{
	struct rf_http_request r;
	enum rf_http_result res = parse(s, &r);
	if (res == RF_HTTP_OK)
		fail_msg("accepted: [%s]", s);
	assert_non_null(r.error);
}

static void test_head_end(void **state)
{
	(void)state;
	const char *s = "CONNECT a:1 HTTP/1.1\r\n\r\nTLS";
	assert_int_equal(rf_http_head_end(s, strlen(s), 0), 24);
	/* trickled in byte by byte: found exactly once, where it ends */
	size_t found = 0, scanned = 0;
	for (size_t len = 1; len <= strlen(s) && !found; len++) {
		found = rf_http_head_end(s, len, scanned);
		scanned = len;
	}
	assert_int_equal(found, 24);
	assert_int_equal(rf_http_head_end("GET / HTTP/1.1\n\n", 16, 0), 0); /* bare LF: no end */
}

static void test_connect(void **state)
{
	(void)state;
	struct rf_http_request r;
	assert_int_equal(parse("CONNECT registry.npmjs.org:443 HTTP/1.1\r\nHost: registry.npmjs.org:443\r\n"
			       "User-Agent: npm\r\n\r\n",
			       &r),
			 RF_HTTP_OK);
	assert_true(r.is_connect);
	assert_int_equal(r.port, 443);
	assert_int_equal(r.host_len, strlen("registry.npmjs.org"));
	assert_memory_equal(r.host, "registry.npmjs.org", r.host_len);
	assert_int_equal(parse("CONNECT [2001:db8::1]:8443 HTTP/1.0\r\n\r\n", &r), RF_HTTP_OK);
	assert_int_equal(r.host_len, 11);
	assert_memory_equal(r.host, "2001:db8::1", 11);
	assert_int_equal(r.port, 8443);
	assert_int_equal(r.minor, 0);
	expect_bad("CONNECT example.com HTTP/1.1\r\n\r\n");       /* no port */
	expect_bad("CONNECT example.com: HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT example.com:0 HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT example.com:65536 HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT example.com:44x HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT 2001:db8::1:443 HTTP/1.1\r\n\r\n");   /* IPv6 without brackets */
	expect_bad("CONNECT [2001:db8::1 HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT user@evil.com:443 HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT :443 HTTP/1.1\r\n\r\n");
	expect_bad("CONNECT http://example.com/ HTTP/1.1\r\n\r\n");
}

static void test_forward(void **state)
{
	(void)state;
	struct rf_http_request r;
	const char *req = "GET http://Example.com:8080/a/b?c=d#frag HTTP/1.1\r\n"
			  "Host: evil.com\r\n"
			  "Proxy-Connection: keep-alive\r\n"
			  "Connection: keep-alive, X-Secret\r\n"
			  "X-Secret: hop\r\n"
			  "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
			  "Accept: */*\r\n"
			  "\r\n";
	assert_int_equal(parse(req, &r), RF_HTTP_OK);
	assert_false(r.is_connect);
	assert_int_equal(r.port, 8080);
	assert_memory_equal(r.host, "Example.com", r.host_len);
	char out[1024];
	ssize_t n = rf_http_forward_head(req, &r, out, sizeof out);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "GET /a/b?c=d HTTP/1.1\r\n"
				 "Host: Example.com:8080\r\n"
				 "Accept: */*\r\n"
				 "Connection: close\r\n"
				 "\r\n");
	assert_int_equal(rf_http_forward_head(req, &r, out, 20), -1);

	assert_int_equal(parse("POST http://a.test HTTP/1.0\r\nContent-Length: 3\r\n\r\n", &r), RF_HTTP_OK);
	assert_int_equal(r.port, 80);
	n = rf_http_forward_head("POST http://a.test HTTP/1.0\r\nContent-Length: 3\r\n\r\n", &r, out, sizeof out);
	out[n] = '\0';
	assert_string_equal(out, "POST / HTTP/1.0\r\nHost: a.test\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
	assert_int_equal(parse("GET http://a.test?q HTTP/1.1\r\n\r\n", &r), RF_HTTP_OK);
	n = rf_http_forward_head("GET http://a.test?q HTTP/1.1\r\n\r\n", &r, out, sizeof out);
	out[n] = '\0';
	assert_string_equal(out, "GET /?q HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
	assert_int_equal(parse("GET http://[::1]:81/ HTTP/1.1\r\n\r\n", &r), RF_HTTP_OK);
	assert_int_equal(r.port, 81);
	assert_memory_equal(r.host, "::1", 3);
	assert_int_equal(parse("GET HTTP://a.test:/x HTTP/1.1\r\n\r\n", &r), RF_HTTP_OK);
	assert_int_equal(r.port, 80);

	expect_bad("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");                 /* origin-form */
	expect_bad("GET https://a.test/ HTTP/1.1\r\n\r\n");                   /* needs CONNECT */
	expect_bad("GET ftp://a.test/ HTTP/1.1\r\n\r\n");
	expect_bad("GET http://user:pw@a.test/ HTTP/1.1\r\n\r\n");            /* userinfo */
	expect_bad("GET http://allowed.test@evil.test/ HTTP/1.1\r\n\r\n");
	expect_bad("GET http:///x HTTP/1.1\r\n\r\n");
	expect_bad("GET http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
	expect_bad("GET http://a.test/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
	expect_bad("GET http://a.test/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n");     /* obs-fold */
	expect_bad("GET http://a.test/ HTTP/1.1\r\nX : a\r\n\r\n");           /* space before colon */
	expect_bad("GET http://a.test/ HTTP/1.1\r\nX: a\nY: b\r\n\r\n");      /* bare LF */
	expect_bad("GET http://a.test/ HTTP/1.1\r\nX: a\rY: b\r\n\r\n");      /* bare CR */
	expect_bad("GET http://a.test/ HTTP/1.1\r\nNoColon\r\n\r\n");
	expect_bad("GET http://a.test/ HTTP/1.1\r\nX: \x01\r\n\r\n");
	expect_bad("GET  http://a.test/ HTTP/1.1\r\n\r\n");
	expect_bad("GET http://a.test/ HTTP/1.1 \r\n\r\n");
	expect_bad("G(T http://a.test/ HTTP/1.1\r\n\r\n");
	expect_bad("GET http://a.test/ HTTP/1.2x\r\n\r\n");
	expect_bad("GET http://a\x80.test/ HTTP/1.1\r\n\r\n");
	expect_bad("\r\n\r\n");
	struct rf_http_request v;
	assert_int_equal(parse("PRI * HTTP/2.0\r\n\r\n", &v), RF_HTTP_VERSION);
	assert_int_equal(parse("GET http://a.test/ HTTP/2.0\r\n\r\n", &v), RF_HTTP_VERSION);

	char many[8192];
	size_t len = (size_t)snprintf(many, sizeof many, "GET http://a.test/ HTTP/1.1\r\n");
	for (int i = 0; i <= RF_HTTP_MAX_HEADERS; i++)
		len += (size_t)snprintf(many + len, sizeof many - len, "X-%d: y\r\n", i);
	snprintf(many + len, sizeof many - len, "\r\n");
	expect_bad(many);
}

static void test_response(void **state)
{
	(void)state;
	char out[512];
	size_t n = rf_http_response(out, sizeof out, 403, "Forbidden", "blocked by ringfence policy: network:x\r\nX: y",
				    "no\n");
	assert_int_equal(n, strlen(out));
	assert_non_null(strstr(out, "HTTP/1.1 403 Forbidden\r\n"));
	assert_non_null(strstr(out, "X-Proxy-Error: blocked by ringfence policy: network:x??X: y\r\n"));
	assert_non_null(strstr(out, "Content-Length: 3\r\n"));
	assert_non_null(strstr(out, "\r\n\r\nno\n"));
	n = rf_http_response(out, sizeof out, 400, "Bad Request", NULL, NULL);
	assert_null(strstr(out, "X-Proxy-Error"));
	n = rf_http_response(out, 16, 400, "Bad Request", NULL, NULL);
	assert_int_equal(n, 15);
}

static void test_socks(void **state)
{
	(void)state;
	bool no_auth;
	const unsigned char g1[] = {5, 2, 2, 0};
	assert_int_equal(rf_socks_parse_greeting(g1, 1, &no_auth), 0);
	assert_int_equal(rf_socks_parse_greeting(g1, 3, &no_auth), 0);
	assert_int_equal(rf_socks_parse_greeting(g1, 4, &no_auth), 4);
	assert_true(no_auth);
	const unsigned char g2[] = {5, 1, 2};
	assert_int_equal(rf_socks_parse_greeting(g2, 3, &no_auth), 3);
	assert_false(no_auth);
	const unsigned char g3[] = {4, 1, 0};
	assert_int_equal(rf_socks_parse_greeting(g3, 3, &no_auth), -1);
	const unsigned char g4[] = {5, 0};
	assert_int_equal(rf_socks_parse_greeting(g4, 2, &no_auth), -1);

	struct rf_socks_request r;
	unsigned char code;
	const unsigned char name[] = {5, 1, 0, 3, 6, 'a', '.', 't', 'e', 's', 't', 0x01, 0xbb};
	for (size_t i = 0; i < sizeof name; i++)
		assert_int_equal(rf_socks_parse_request(name, i, &r, &code), 0);
	assert_int_equal(rf_socks_parse_request(name, sizeof name, &r, &code), (int)sizeof name);
	assert_int_equal(r.cmd, RF_SOCKS_CMD_CONNECT);
	assert_string_equal(r.name, "a.test");
	assert_int_equal(r.port, 443);
	const unsigned char v4[] = {5, 1, 0, 1, 169, 254, 169, 254, 0, 80, 'x'};
	assert_int_equal(rf_socks_parse_request(v4, sizeof v4, &r, &code), 10);
	assert_int_equal(r.addr.family, AF_INET);
	assert_int_equal(r.addr.b[0], 169);
	assert_int_equal(r.port, 80);
	unsigned char v6[22] = {5, 1, 0, 4};
	v6[19] = 1;
	v6[21] = 22;
	assert_int_equal(rf_socks_parse_request(v6, sizeof v6, &r, &code), 22);
	assert_int_equal(r.addr.family, AF_INET6);
	assert_int_equal(r.port, 22);
	const unsigned char udp[] = {5, 3, 0, 1, 0, 0, 0, 0, 0, 53};
	assert_int_equal(rf_socks_parse_request(udp, sizeof udp, &r, &code), 10);
	assert_int_equal(r.cmd, RF_SOCKS_CMD_UDP);
	const unsigned char bad_atyp[] = {5, 1, 0, 9, 0, 0};
	assert_int_equal(rf_socks_parse_request(bad_atyp, sizeof bad_atyp, &r, &code), -1);
	assert_int_equal(code, RF_SOCKS_ATYP_UNSUPPORTED);
	const unsigned char bad_rsv[] = {5, 1, 7, 1};
	assert_int_equal(rf_socks_parse_request(bad_rsv, sizeof bad_rsv, &r, &code), -1);
	const unsigned char empty_name[] = {5, 1, 0, 3, 0, 0, 80};
	assert_int_equal(rf_socks_parse_request(empty_name, sizeof empty_name, &r, &code), -1);
	const unsigned char port0[] = {5, 1, 0, 1, 1, 1, 1, 1, 0, 0};
	assert_int_equal(rf_socks_parse_request(port0, sizeof port0, &r, &code), -1);
	unsigned char rep[RF_SOCKS_REPLY_LEN];
	rf_socks_reply(RF_SOCKS_NOT_ALLOWED, rep);
	assert_int_equal(rep[0], 5);
	assert_int_equal(rep[1], 2);
	assert_int_equal(rep[3], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_end),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_socks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
