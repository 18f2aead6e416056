/* SOCKS5 messages: see socks.h. */
#include "socks.h"

#include <string.h>
#include <sys/socket.h>

int rf_socks_parse_greeting(const unsigned char *b, size_t len, bool *no_auth)
{
	*no_auth = false;
	if (len < 1)
		return 0;
	if (b[0] != RF_SOCKS_VERSION)
		return -1;
	if (len < 2)
		return 0;
	size_t n = b[1];
	if (n == 0)
		return -1;
	if (len < 2 + n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b[2 + i] == 0)
			*no_auth = true;
	return (int)(2 + n);
}

int rf_socks_parse_request(const unsigned char *b, size_t len, struct rf_socks_request *r, unsigned char *reply)
{
	memset(r, 0, sizeof *r);
	*reply = RF_SOCKS_FAILURE;
	if (len >= 1 && b[0] != RF_SOCKS_VERSION)
		return -1;
	if (len >= 3 && b[2] != 0)
		return -1; /* RSV */
	if (len < 4)
		return 0;
	r->cmd = b[1];
	r->atyp = b[3];
	size_t need;
	const unsigned char *a = b + 4;
	switch (r->atyp) {
	case RF_SOCKS_ATYP_IPV4:
		need = 4 + 4 + 2;
		break;
	case RF_SOCKS_ATYP_IPV6:
		need = 4 + 16 + 2;
		break;
	case RF_SOCKS_ATYP_NAME:
		if (len < 5)
			return 0;
		if (a[0] == 0)
			return -1;
		need = 4 + 1 + (size_t)a[0] + 2;
		break;
	default:
		*reply = RF_SOCKS_ATYP_UNSUPPORTED;
		return -1;
	}
	if (len < need)
		return 0;
	const unsigned char *port;
	if (r->atyp == RF_SOCKS_ATYP_IPV4) {
		r->addr.family = AF_INET;
		memcpy(r->addr.b, a, 4);
		port = a + 4;
	} else if (r->atyp == RF_SOCKS_ATYP_IPV6) {
		r->addr.family = AF_INET6;
		memcpy(r->addr.b, a, 16);
		port = a + 16;
	} else {
		r->name_len = a[0];
		memcpy(r->name, a + 1, r->name_len);
		r->name[r->name_len] = '\0';
		port = a + 1 + r->name_len;
	}
	r->port = (port[0] << 8) | port[1];
	if (r->port == 0)
		return -1;
	*reply = RF_SOCKS_OK;
	return (int)need;
}

void rf_socks_reply(unsigned char code, unsigned char out[RF_SOCKS_REPLY_LEN])
{
	memset(out, 0, RF_SOCKS_REPLY_LEN);
	out[0] = RF_SOCKS_VERSION;
	out[1] = code;
	out[3] = RF_SOCKS_ATYP_IPV4;
}
