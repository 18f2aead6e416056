/* IP addresses as the network policy sees them (pure functions, no I/O).
 *
 * The allowlist proxy connects only to addresses it has checked. A name that
 * an allow rule admits may still resolve to somewhere the sandbox must never
 * reach on the strength of a name alone: the host's loopback services, the
 * cloud metadata endpoint (169.254.169.254), the LAN. rf_net_addr_special()
 * names those ranges; the proxy refuses them unless an IP rule allows the
 * address explicitly (DNS rebinding and metadata protection). */
#ifndef RF_NET_ADDR_H
#define RF_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct rf_net_addr {
	int family;          /* AF_INET or AF_INET6 */
	unsigned char b[16]; /* network byte order; an IPv4 address in b[0..3] */
};

/* Longest text form: an IPv6 address with an embedded IPv4 one. */
#define RF_NET_ADDR_TEXT 46

/* A strict literal: dotted-quad IPv4 (no leading zeros, no short or hex
 * forms) or IPv6 (no brackets, no zone). */
bool rf_net_addr_parse(const char *s, struct rf_net_addr *a);
/* Same for a string that is not NUL-terminated. */
bool rf_net_addr_parse_n(const char *s, size_t len, struct rf_net_addr *a);
/* What inet_aton() (and so getaddrinfo) would read as an IPv4 address
 * although it is no dotted quad: "127.1", "0x7f.0.0.1", "2130706433",
 * "010.0.0.1". Such a "name" is refused: it could be read two ways. */
bool rf_net_addr_is_ambiguous_ipv4(const char *s);

bool rf_net_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct rf_net_addr *a, int *port);
socklen_t rf_net_addr_to_sockaddr(const struct rf_net_addr *a, int port, struct sockaddr_storage *ss);
/* inet_ntop; IPv6 without brackets. */
void rf_net_addr_format(const struct rf_net_addr *a, char *buf, size_t cap);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address it
 * is; anything else is left alone. Rules and checks always see the
 * unmapped form, so ::ffff:10.0.0.1 is 10.0.0.1 everywhere. */
void rf_net_addr_unmap(struct rf_net_addr *a);
bool rf_net_addr_equal(const struct rf_net_addr *x, const struct rf_net_addr *y);
/* x lies in net/prefix (same family; prefix 0..32 or 0..128). */
bool rf_net_addr_in_prefix(const struct rf_net_addr *x, const struct rf_net_addr *net, int prefix);
/* Host bits beyond prefix are all zero. */
bool rf_net_addr_is_network(const struct rf_net_addr *net, int prefix);

/* NULL for a public unicast address; otherwise the kind of range it lies
 * in: "loopback", "private", "link-local", "cgnat", "unspecified",
 * "multicast", "documentation", "reserved". IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4 and Teredo forms are never public. */
const char *rf_net_addr_special(const struct rf_net_addr *a);

/* Loopback or unspecified: inside a network namespace of its own these
 * reach only the sandbox itself. */
bool rf_net_addr_is_local(const struct rf_net_addr *a);

#endif
