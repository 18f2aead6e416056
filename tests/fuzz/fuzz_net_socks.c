/* libFuzzer target for the proxy's SOCKS5 handshake parsers
 * (src/net/socks.c): the greeting, then the request from what follows.
 * Checks that a parser never claims more bytes than it was given, that a
 * prefix of a complete message is "incomplete" rather than something else,
 * and that a domain name stays within its 255 bytes. */
#include <stddef.h>
#include <stdint.h>

#include "socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool no_auth;
	int g = rf_socks_parse_greeting(data, size, &no_auth);
	if (g > (int)size)
		__builtin_trap();
	if (g > 0)
		for (size_t i = 0; i < (size_t)g; i++)
			if (rf_socks_parse_greeting(data, i, &no_auth) > 0)
				__builtin_trap();
	const uint8_t *req = g > 0 ? data + g : data;
	size_t left = g > 0 ? size - (size_t)g : size;
	struct rf_socks_request r;
	unsigned char code;
	int n = rf_socks_parse_request(req, left, &r, &code);
	if (n > (int)left || n > RF_SOCKS_MAX_REQUEST)
		__builtin_trap();
	if (n > 0) {
		if (r.port < 1 || r.port > 65535 || r.name_len > 255 || code != RF_SOCKS_OK)
			__builtin_trap();
		for (size_t i = 0; i < (size_t)n; i++) {
			struct rf_socks_request p;
			if (rf_socks_parse_request(req, i, &p, &code) > 0)
				__builtin_trap();
		}
	}
	return 0;
}
