/* HTTP/1.x request heads: see http.h. */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t rf_http_head_end(const char *buf, size_t len, size_t from)
{
	/* the terminator may straddle the previous call's end */
	size_t i = from > 3 ? from - 3 : 0;
	for (; i + 4 <= len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return i + 4;
	return 0;
}

static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static enum rf_http_result bad(struct rf_http_request *r, const char *why)
{
	r->error = why;
	return RF_HTTP_BAD;
}

/* "host:port" or "[v6]:port" (port required unless default_port > 0). */
static int parse_authority(const char *s, size_t n, int default_port, struct rf_http_request *r)
{
	const char *host = s, *port = NULL;
	size_t host_len;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return -1;
		host = s + 1;
		host_len = (size_t)(close - s - 1);
		size_t rest = n - (size_t)(close - s) - 1;
		if (rest > 0) {
			if (close[1] != ':')
				return -1;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);
		host_len = colon ? (size_t)(colon - s) : n;
		if (colon) {
			if (memchr(colon + 1, ':', n - host_len - 1))
				return -1; /* an IPv6 address needs brackets */
			port = colon + 1;
		}
	}
	if (host_len == 0)
		return -1;
	size_t port_len = port ? n - (size_t)(port - s) : 0;
	if (port_len == 0) {
		if (default_port <= 0)
			return -1;
		r->port = default_port; /* "host:" is "host" (RFC 3986 §3.2.3) */
	} else {
		if (port_len > 5)
			return -1;
		int v = 0;
		for (size_t i = 0; i < port_len; i++) {
			if (port[i] < '0' || port[i] > '9')
				return -1;
			v = v * 10 + (port[i] - '0');
		}
		if (v < 1 || v > 65535)
			return -1;
		r->port = v;
	}
	r->host = host;
	r->host_len = host_len;
	return 0;
}

static enum rf_http_result parse_target(const char *t, size_t n, struct rf_http_request *r)
{
	if (memchr(t, '@', n))
		return bad(r, "user information in the request target");
	if (r->is_connect) {
		if (parse_authority(t, n, 0, r) < 0)
			return bad(r, "CONNECT needs host:port");
		return RF_HTTP_OK;
	}
	if (n > 0 && (t[0] == '/' || t[0] == '*'))
		return bad(r, "this is a proxy: send an absolute URI (http://host/path) or CONNECT");
	if (n >= 8 && strncasecmp(t, "https://", 8) == 0)
		return bad(r, "https through the proxy needs CONNECT");
	if (n < 7 || strncasecmp(t, "http://", 7) != 0)
		return bad(r, "only http:// URIs are forwarded (https and others go through CONNECT)");
	const char *a = t + 7;
	size_t an = 0;
	while (7 + an < n && a[an] != '/' && a[an] != '?' && a[an] != '#')
		an++;
	if (parse_authority(a, an, 80, r) < 0)
		return bad(r, "bad host or port in the URI");
	r->authority = a;
	r->authority_len = an;
	const char *p = a + an;
	size_t pn = n - 7 - an;
	const char *hash = memchr(p, '#', pn);
	if (hash)
		pn = (size_t)(hash - p); /* a fragment is not sent on */
	r->path = pn ? p : NULL;
	r->path_len = pn;
	return RF_HTTP_OK;
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
	return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

enum rf_http_result rf_http_parse_request(const char *buf, size_t head_len, struct rf_http_request *r)
{
	memset(r, 0, sizeof *r);
	r->head_len = head_len;
	if (head_len < 4 || memcmp(buf + head_len - 4, "\r\n\r\n", 4) != 0)
		return bad(r, "incomplete request head");
	const char *end = buf + head_len;
	const char *eol = NULL;
	for (const char *c = buf; c < end; c++) {
		if (*c == '\r') {
			eol = c;
			break;
		}
	}
	if (!eol || eol[1] != '\n')
		return bad(r, "bad request line");
	/* METHOD SP TARGET SP HTTP/1.x */
	const char *sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (!sp1 || sp1 == buf || (size_t)(sp1 - buf) >= sizeof r->method)
		return bad(r, "bad method");
	for (const char *c = buf; c < sp1; c++)
		if (!is_tchar((unsigned char)*c))
			return bad(r, "bad method");
	memcpy(r->method, buf, (size_t)(sp1 - buf));
	r->method[sp1 - buf] = '\0';
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
	if (!sp2 || sp2 == t)
		return bad(r, "bad request target");
	for (const char *c = t; c < sp2; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return bad(r, "bad character in the request target");
	const char *v = sp2 + 1;
	size_t vn = (size_t)(eol - v);
	if (vn == 8 && memcmp(v, "HTTP/1.", 7) == 0 && (v[7] == '0' || v[7] == '1')) {
		r->minor = v[7] - '0';
	} else if (vn == 8 && memcmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' && v[6] == '.' && v[7] >= '0' &&
		   v[7] <= '9') {
		r->error = "only HTTP/1.0 and HTTP/1.1 are spoken here";
		return RF_HTTP_VERSION;
	} else {
		return bad(r, "bad HTTP version");
	}
	r->is_connect = strcmp(r->method, "CONNECT") == 0;
	enum rf_http_result tr = parse_target(t, (size_t)(sp2 - t), r);
	if (tr != RF_HTTP_OK)
		return tr;

	/* header lines */
	r->headers = eol + 2;
	int count = 0, content_length = 0, transfer_encoding = 0;
	for (const char *line = eol + 2; line < end - 2;) {
		const char *le = line;
		while (le < end && *le != '\r' && *le != '\n' && *le != '\0')
			le++;
		if (le >= end - 1 || le[0] != '\r' || le[1] != '\n')
			return bad(r, "bad line ending or control character in a header");
		if (*line == ' ' || *line == '\t')
			return bad(r, "folded header line");
		const char *colon = line;
		while (colon < le && is_tchar((unsigned char)*colon))
			colon++;
		if (colon == line || colon == le || *colon != ':')
			return bad(r, "bad header name");
		for (const char *c = colon + 1; c < le; c++) {
			unsigned char ch = (unsigned char)*c;
			if ((ch < ' ' && ch != '\t') || ch == 0x7f)
				return bad(r, "control character in a header value");
		}
		if (++count > RF_HTTP_MAX_HEADERS)
			return bad(r, "too many header lines");
		size_t name_len = (size_t)(colon - line);
		if (header_is(line, name_len, "Content-Length"))
			content_length++;
		if (header_is(line, name_len, "Transfer-Encoding"))
			transfer_encoding++;
		line = le + 2;
	}
	if (content_length > 1 || (content_length && transfer_encoding))
		return bad(r, "conflicting Content-Length/Transfer-Encoding");
	return RF_HTTP_OK;
}

/* ---- forwarding ---- */

struct out {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Is the header `name` one of the comma-separated tokens of a Connection
 * header value? */
static bool named_by(const char *value, size_t vn, const char *name, size_t nn)
{
	size_t i = 0;
	while (i < vn) {
		while (i < vn && (is_ows(value[i]) || value[i] == ','))
			i++;
		size_t start = i;
		while (i < vn && value[i] != ',' && !is_ows(value[i]))
			i++;
		if (i - start == nn && strncasecmp(value + start, name, nn) == 0)
			return true;
		while (i < vn && value[i] != ',')
			i++;
	}
	return false;
}

static const char *const hop_by_hop[] = {
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authorization", "Proxy-Authenticate",
	"TE", "Upgrade", "Host", NULL,
};

ssize_t rf_http_forward_head(const char *buf, const struct rf_http_request *r, char *dst, size_t cap)
{
	struct out o = {.p = dst, .cap = cap};
	const char *end = buf + r->head_len - 2; /* before the blank line */
	puts_(&o, r->method);
	puts_(&o, " ");
	if (r->path) {
		if (r->path[0] == '?')
			puts_(&o, "/");
		put(&o, r->path, r->path_len);
	} else {
		puts_(&o, "/");
	}
	puts_(&o, r->minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
	puts_(&o, "Host: ");
	put(&o, r->authority, r->authority_len);
	puts_(&o, "\r\n");
	for (const char *line = r->headers; line < end;) {
		const char *le = memchr(line, '\r', (size_t)(end - line));
		if (!le)
			break;
		const char *colon = memchr(line, ':', (size_t)(le - line));
		size_t name_len = colon ? (size_t)(colon - line) : 0;
		bool drop = false;
		for (size_t i = 0; hop_by_hop[i] && !drop; i++)
			drop = header_is(line, name_len, hop_by_hop[i]);
		/* headers a Connection header names are hop-by-hop too */
		for (const char *l2 = r->headers; !drop && l2 < end;) {
			const char *le2 = memchr(l2, '\r', (size_t)(end - l2));
			if (!le2)
				break;
			const char *c2 = memchr(l2, ':', (size_t)(le2 - l2));
			if (c2 && header_is(l2, (size_t)(c2 - l2), "Connection"))
				drop = named_by(c2 + 1, (size_t)(le2 - c2 - 1), line, name_len);
			l2 = le2 + 2;
		}
		if (!drop)
			put(&o, line, (size_t)(le - line) + 2);
		line = le + 2;
	}
	puts_(&o, "Connection: close\r\n\r\n");
	return o.overflow ? -1 : (ssize_t)o.len;
}

size_t rf_http_response(char *out, size_t cap, int status, const char *reason, const char *proxy_error,
			const char *body)
{
	char safe[600] = "";
	if (proxy_error) {
		snprintf(safe, sizeof safe, "%s", proxy_error);
		for (char *c = safe; *c; c++)
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				*c = '?';
	}
	if (!body)
		body = "";
	int n = snprintf(out, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "%s%s%s"
			 "Content-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n"
			 "\r\n"
			 "%s",
			 status, reason, proxy_error ? "X-Proxy-Error: " : "", safe, proxy_error ? "\r\n" : "",
			 strlen(body), body);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}
