/* libFuzzer target for the proxy's HTTP request-head parser and the
 * forwarding rewrite (src/net/http.c). Besides crashes and sanitizer
 * reports, it checks what the proxy relies on: the head end found in
 * pieces is the one found at once; an accepted request has a host and a
 * port in range inside the head; the rewritten head is complete, carries
 * no proxy credentials and says "Connection: close". */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_line(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i + pl <= n; i++)
		if ((i == 0 || s[i - 1] == '\n') && strncasecmp(s + i, prefix, pl) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t end = rf_http_head_end(buf, size, 0);
	/* trickled: the first piece boundary from the input's first byte */
	size_t step = size ? (size_t)data[0] % 7 + 1 : 1, scanned = 0, found = 0;
	for (size_t len = step < size ? step : size; !found && len <= size;) {
		found = rf_http_head_end(buf, len, scanned);
		scanned = len;
		if (len == size)
			break;
		len = len + step < size ? len + step : size;
	}
	if (found != end)
		__builtin_trap();
	if (!end)
		return 0;
	struct rf_http_request r;
	if (rf_http_parse_request(buf, end, &r) != RF_HTTP_OK) {
		if (!r.error)
			__builtin_trap();
		return 0;
	}
	if (r.host_len == 0 || r.port < 1 || r.port > 65535 || r.host < buf || r.host + r.host_len > buf + end)
		__builtin_trap();
	if (r.is_connect)
		return 0;
	size_t cap = end + 256;
	char *out = malloc(cap);
	ssize_t n = rf_http_forward_head(buf, &r, out, cap);
	if (n < 0)
		__builtin_trap(); /* the rewrite never grows a head by more than Host + Connection */
	if (n < 4 || memcmp(out + n - 4, "\r\n\r\n", 4) != 0 || rf_http_head_end(out, (size_t)n, 0) != (size_t)n)
		__builtin_trap();
	if (has_line(out, (size_t)n, "Proxy-Authorization:") || has_line(out, (size_t)n, "Proxy-Connection:") ||
	    !has_line(out, (size_t)n, "Connection: close\r\n"))
		__builtin_trap();
	free(out);
	return 0;
}
