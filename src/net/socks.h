/* SOCKS5 (RFC 1928) as the allowlist proxy speaks it: no authentication,
 * CONNECT only, IPv4/IPv6/domain-name destinations. A domain name is
 * resolved by the proxy (socks5h), after the policy has admitted it. Pure
 * functions over a buffer; fuzzed by tests/fuzz/fuzz_net_socks.c. */
#ifndef RF_NET_SOCKS_H
#define RF_NET_SOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

enum {
	RF_SOCKS_VERSION = 5,
	RF_SOCKS_CMD_CONNECT = 1,
	RF_SOCKS_CMD_BIND = 2,
	RF_SOCKS_CMD_UDP = 3,
	RF_SOCKS_ATYP_IPV4 = 1,
	RF_SOCKS_ATYP_NAME = 3,
	RF_SOCKS_ATYP_IPV6 = 4,
	/* reply codes */
	RF_SOCKS_OK = 0,
	RF_SOCKS_FAILURE = 1,
	RF_SOCKS_NOT_ALLOWED = 2,
	RF_SOCKS_NET_UNREACHABLE = 3,
	RF_SOCKS_HOST_UNREACHABLE = 4,
	RF_SOCKS_REFUSED = 5,
	RF_SOCKS_TTL_EXPIRED = 6,
	RF_SOCKS_CMD_UNSUPPORTED = 7,
	RF_SOCKS_ATYP_UNSUPPORTED = 8,
};

#define RF_SOCKS_REPLY_LEN 10
#define RF_SOCKS_MAX_REQUEST (4 + 1 + 255 + 2)
#define RF_SOCKS_MAX_GREETING (2 + 255)

/* The greeting (VER NMETHODS METHODS...). Returns the bytes it took (> 0),
 * 0 when incomplete, -1 when it is no SOCKS5 greeting. *no_auth: the
 * client offers method 0 (no authentication), the only one served. */
int rf_socks_parse_greeting(const unsigned char *b, size_t len, bool *no_auth);

struct rf_socks_request {
	int cmd;
	int atyp;
	char name[256];          /* ATYP_NAME: as sent (NUL-terminated; may hold anything) */
	size_t name_len;
	struct rf_net_addr addr; /* ATYP_IPV4/IPV6 */
	int port;
};

/* The request (VER CMD RSV ATYP DST.ADDR DST.PORT). Returns the bytes it
 * took (> 0), 0 when incomplete, -1 when malformed, with *reply the code to
 * answer with. The command is not judged here. */
int rf_socks_parse_request(const unsigned char *b, size_t len, struct rf_socks_request *r, unsigned char *reply);

/* A reply with BND.ADDR 0.0.0.0:0. */
void rf_socks_reply(unsigned char code, unsigned char out[RF_SOCKS_REPLY_LEN]);

#endif
