/* IP addresses and the ranges the proxy never reaches by name: see addr.h. */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool rf_net_addr_parse(const char *s, struct rf_net_addr *a)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

bool rf_net_addr_parse_n(const char *s, size_t len, struct rf_net_addr *a)
{
	char buf[RF_NET_ADDR_TEXT + 1];
	if (len == 0 || len >= sizeof buf || memchr(s, '\0', len))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return rf_net_addr_parse(buf, a);
}

bool rf_net_addr_is_ambiguous_ipv4(const char *s)
{
	struct in_addr in;
	struct rf_net_addr strict;
	return inet_aton(s, &in) != 0 && !rf_net_addr_parse(s, &strict);
}

bool rf_net_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct rf_net_addr *a, int *port)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		memcpy(a->b, &in->sin_addr, 4);
		if (port)
			*port = ntohs(in->sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		a->family = AF_INET6;
		memcpy(a->b, &in6->sin6_addr, 16);
		if (port)
			*port = ntohs(in6->sin6_port);
		return true;
	}
	return false;
}

socklen_t rf_net_addr_to_sockaddr(const struct rf_net_addr *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		memcpy(&in->sin_addr, a->b, 4);
		return sizeof *in;
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	memcpy(&in6->sin6_addr, a->b, 16);
	return sizeof *in6;
}

void rf_net_addr_format(const struct rf_net_addr *a, char *buf, size_t cap)
{
	char tmp[RF_NET_ADDR_TEXT];
	if (!inet_ntop(a->family, a->b, tmp, sizeof tmp))
		snprintf(tmp, sizeof tmp, "?");
	snprintf(buf, cap, "%s", tmp);
}

static const unsigned char v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void rf_net_addr_unmap(struct rf_net_addr *a)
{
	if (a->family == AF_INET6 && memcmp(a->b, v4mapped_prefix, 12) == 0) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		a->family = AF_INET;
	}
}

bool rf_net_addr_equal(const struct rf_net_addr *x, const struct rf_net_addr *y)
{
	size_t n = x->family == AF_INET ? 4 : 16;
	return x->family == y->family && memcmp(x->b, y->b, n) == 0;
}

bool rf_net_addr_in_prefix(const struct rf_net_addr *x, const struct rf_net_addr *net, int prefix)
{
	int bits = x->family == AF_INET ? 32 : 128;
	if (x->family != net->family || prefix < 0 || prefix > bits)
		return false;
	int full = prefix / 8, rest = prefix % 8;
	if (memcmp(x->b, net->b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (x->b[full] & mask) == (net->b[full] & mask);
}

bool rf_net_addr_is_network(const struct rf_net_addr *net, int prefix)
{
	int bytes = net->family == AF_INET ? 4 : 16;
	if (prefix < 0 || prefix > bytes * 8)
		return false;
	for (int i = 0; i < bytes; i++) {
		int keep = prefix - i * 8; /* bits of this byte inside the prefix */
		unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
		if (net->b[i] & (unsigned char)~mask)
			return false;
	}
	return true;
}

struct range {
	const char *net;
	int prefix;
	const char *kind;
};

/* IANA special-purpose registries (RFC 6890 and successors). Everything
 * here is either not reachable on the internet or something a sandbox has
 * no business reaching by name. */
static const struct range v4_special[] = {
	{"0.0.0.0", 8, "unspecified"},     /* "this network"; 0.0.0.0 is the local host */
	{"10.0.0.0", 8, "private"},
	{"100.64.0.0", 10, "cgnat"},       /* shared address space, RFC 6598 */
	{"127.0.0.0", 8, "loopback"},
	{"169.254.0.0", 16, "link-local"}, /* cloud metadata lives here */
	{"172.16.0.0", 12, "private"},
	{"192.0.0.0", 24, "reserved"},     /* IETF protocol assignments */
	{"192.0.2.0", 24, "documentation"},
	{"192.88.99.0", 24, "reserved"},   /* 6to4 relay anycast, deprecated */
	{"192.168.0.0", 16, "private"},
	{"198.18.0.0", 15, "reserved"},    /* benchmarking */
	{"198.51.100.0", 24, "documentation"},
	{"203.0.113.0", 24, "documentation"},
	{"224.0.0.0", 4, "multicast"},
	{"240.0.0.0", 4, "reserved"},      /* includes 255.255.255.255 */
};

static const struct range v6_special[] = {
	{"::", 128, "unspecified"},
	{"::1", 128, "loopback"},
	{"::", 96, "reserved"},             /* IPv4-compatible, deprecated */
	{"64:ff9b:1::", 48, "private"},     /* local-use NAT64, RFC 8215 */
	{"100::", 64, "reserved"},          /* discard */
	{"2001::", 23, "reserved"},         /* IETF assignments: Teredo, benchmarking, ORCHID */
	{"2001:db8::", 32, "documentation"},
	{"2002::", 16, "reserved"},         /* 6to4: the relay would pick the IPv4 host */
	{"3fff::", 20, "documentation"},    /* RFC 9637 */
	{"5f00::", 16, "reserved"},         /* SRv6 SIDs */
	{"fc00::", 7, "private"},           /* unique local */
	{"fe80::", 10, "link-local"},
	{"fec0::", 10, "private"},          /* site-local, deprecated */
	{"ff00::", 8, "multicast"},
};

static const char *match_ranges(const struct rf_net_addr *a, const struct range *r, size_t n)
{
	/* the first, most specific entries of each table come first where
	 * they overlap (::1 before ::/96) */
	for (size_t i = 0; i < n; i++) {
		struct rf_net_addr net;
		if (rf_net_addr_parse(r[i].net, &net) && rf_net_addr_in_prefix(a, &net, r[i].prefix))
			return r[i].kind;
	}
	return NULL;
}

const char *rf_net_addr_special(const struct rf_net_addr *in)
{
	struct rf_net_addr a = *in;
	rf_net_addr_unmap(&a);
	if (a.family == AF_INET)
		return match_ranges(&a, v4_special, sizeof v4_special / sizeof v4_special[0]);
	if (a.family != AF_INET6)
		return "reserved";
	/* NAT64 (64:ff9b::/96) carries an IPv4 address: judged as that one */
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	if (memcmp(a.b, nat64, 12) == 0) {
		struct rf_net_addr v4 = {.family = AF_INET};
		memcpy(v4.b, a.b + 12, 4);
		return rf_net_addr_special(&v4);
	}
	const char *k = match_ranges(&a, v6_special, sizeof v6_special / sizeof v6_special[0]);
	if (k)
		return k;
	/* global unicast is 2000::/3; the rest is unassigned */
	if ((a.b[0] & 0xe0) != 0x20)
		return "reserved";
	return NULL;
}

bool rf_net_addr_is_local(const struct rf_net_addr *in)
{
	struct rf_net_addr a = *in;
	rf_net_addr_unmap(&a);
	const char *k = rf_net_addr_special(&a);
	if (!k)
		return false;
	if (strcmp(k, "loopback") == 0)
		return true;
	/* connect() to 0.0.0.0 or :: reaches the local host */
	static const unsigned char zero[16];
	return strcmp(k, "unspecified") == 0 && memcmp(a.b, zero, a.family == AF_INET ? 4 : 16) == 0;
}
