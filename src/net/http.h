/* HTTP/1.x request heads as the allowlist proxy receives them (pure
 * functions over a buffer; fuzzed by tests/fuzz/fuzz_net_http.c).
 *
 * Two request forms are served:
 *   CONNECT host:port HTTP/1.1       a tunnel (https, git, anything TCP)
 *   GET http://host[:port]/path ...  plain-HTTP forwarding (absolute URI)
 * Anything else is refused with a clear status. The parser is strict where
 * leniency could make the proxy and the origin read a request differently:
 * CRLF line ends only, no obs-fold, no userinfo in the URI, no duplicate or
 * conflicting Content-Length/Transfer-Encoding. */
#ifndef RF_NET_HTTP_H
#define RF_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RF_HTTP_MAX_HEADERS 100

enum rf_http_result {
	RF_HTTP_OK = 0,
	RF_HTTP_BAD = -1,     /* 400 */
	RF_HTTP_VERSION = -2, /* 505: not HTTP/1.0 or 1.1 */
};

struct rf_http_request {
	bool is_connect;
	char method[24];
	const char *host; /* into the buffer, without brackets, as written */
	size_t host_len;
	int port;
	const char *authority; /* forwarding: host[:port] as written in the URI */
	size_t authority_len;
	const char *path; /* forwarding: the origin-form target; NULL = "/" */
	size_t path_len;
	int minor;            /* HTTP/1.<minor> */
	size_t head_len;      /* through the blank line */
	const char *headers;  /* the first header line */
	const char *error;    /* why not RF_HTTP_OK, for the X-Proxy-Error line */
};

/* Where the head ends (the offset just past CRLF CRLF), or 0 when it has
 * not ended within len. `from` is where the previous call stopped (0 the
 * first time): each byte is looked at once however the head trickles in. */
size_t rf_http_head_end(const char *buf, size_t len, size_t from);

/* Parse a complete head (head_len from rf_http_head_end). */
enum rf_http_result rf_http_parse_request(const char *buf, size_t head_len, struct rf_http_request *r);

/* The head to send upstream for a forwarded request: origin-form target,
 * Host from the URI, hop-by-hop headers (Connection and what it names,
 * Proxy-Connection, Keep-Alive, Proxy-Authorization, TE, Upgrade) dropped,
 * "Connection: close" added (one request per upstream connection, so a
 * keep-alive client cannot send its next request, for another host, down
 * this one). Returns the length, or -1 when it does not fit in cap. */
ssize_t rf_http_forward_head(const char *buf, const struct rf_http_request *r, char *out, size_t cap);

/* A complete error response ("Connection: close"). proxy_error, when not
 * NULL, becomes the X-Proxy-Error header (control characters replaced).
 * Returns the length (truncated to cap - 1). */
size_t rf_http_response(char *out, size_t cap, int status, const char *reason, const char *proxy_error,
			const char *body);

#endif
