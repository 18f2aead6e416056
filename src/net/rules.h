/* The network allowlist: rule syntax, host names as clients send them, and
 * the decision the proxy (and `ringfence explain`) makes. Pure functions:
 * nothing here resolves a name or opens a socket.
 *
 * A rule (--allow-domain / --deny-domain, allowed_domains / denied_domains):
 *   example.com            exactly that name
 *   *.example.com          any name below it (a.example.com, a.b.example.com),
 *                          not example.com itself
 *   93.184.216.34          an IP address; 10.0.0.0/8 a range (CIDR)
 *   2001:db8::1, 2001:db8::/32, [2001:db8::1]
 *   any of these + ":PORT" (IPv6 in brackets: [2001:db8::1]:443) limits the
 *   rule to one port; without it every port.
 * Names are case-insensitive and lose one trailing dot; a rule in Unicode
 * (bücher.example) is converted to its A-label form (xn--bcher-kva.example,
 * IDNA2008 with UTS #46 non-transitional mapping, libidn2); xn-- labels are
 * taken as written.
 *
 * The decision, in two stages:
 *  1. the host as the client names it (rf_net_decide_host): a deny rule
 *     that matches wins; else the first allow rule that matches admits it;
 *     else it is refused. Names match only name rules, IP literals only IP
 *     rules: a raw address needs an IP rule.
 *  2. for an admitted name, each address it resolves to
 *     (rf_net_decide_address): an IP deny rule refuses it; an IP allow rule
 *     admits it; otherwise loopback, private, link-local, CGNAT and other
 *     special ranges, and the host's own addresses, are refused. The proxy
 *     connects only to an address that passed (no second resolution). */
#ifndef RF_NET_RULES_H
#define RF_NET_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "ringfence.h"

struct rf_error;

#define RF_NET_NAME_MAX 253

enum rf_net_host_kind {
	RF_NET_HOST_NAME,
	RF_NET_HOST_ADDR,
};

struct rf_net_host {
	enum rf_net_host_kind kind;
	char name[RF_NET_NAME_MAX + 1]; /* NAME: normalised; ADDR: canonical text */
	struct rf_net_addr addr;        /* ADDR: unmapped */
};

/* Parse a host as a client sends it (CONNECT authority or URI host without
 * brackets, a SOCKS5 domain name). An IP literal becomes ADDR; anything else
 * must be a DNS name: ASCII letters, digits, '-', '_' and dots, labels of
 * 1..63, at most 253 in all, lowercased, one trailing dot dropped. Refused:
 * non-ASCII bytes (clients send A-labels; raw UTF-8 could be read two
 * ways), a numeric last label and every form inet_aton would read as an
 * address ("127.1", "0x7f000001"). Returns 0, or -1 with *why set. */
int rf_net_host_parse(const char *s, size_t len, struct rf_net_host *h, const char **why);

enum rf_net_rule_kind {
	RF_NET_RULE_NAME,
	RF_NET_RULE_SUBDOMAINS,
	RF_NET_RULE_ADDR,
};

struct rf_net_rule {
	enum rf_net_rule_kind kind;
	char name[RF_NET_NAME_MAX + 1]; /* NAME: the name; SUBDOMAINS: the parent, without "*." */
	struct rf_net_addr addr;        /* ADDR: the network */
	int prefix;                     /* ADDR: prefix length */
	int port;                       /* 0: every port */
	const char *spec;               /* as written (borrowed) */
	const char *source;             /* "--allow-domain", "config.toml:12" (borrowed) */
};

/* Parse one rule. r->spec and r->source are left NULL. */
int rf_net_rule_parse(const char *spec, struct rf_net_rule *r, struct rf_error *e);
bool rf_net_rule_matches_host(const struct rf_net_rule *r, const struct rf_net_host *h, int port);
bool rf_net_rule_matches_addr(const struct rf_net_rule *r, const struct rf_net_addr *a, int port);

/* --proxy-resolve NAME=IP[,IP...]: the proxy's answer for NAME instead of
 * DNS (tests, like curl --resolve). The answer is checked like any other. */
#define RF_NET_OVERRIDE_MAX_ADDRS 8
struct rf_net_override {
	char name[RF_NET_NAME_MAX + 1];
	struct rf_net_addr addrs[RF_NET_OVERRIDE_MAX_ADDRS];
	size_t n;
};
int rf_net_override_parse(const char *spec, struct rf_net_override *o, struct rf_error *e);

struct rf_net_rules {
	struct rf_net_rule *allow, *deny;
	size_t n_allow, n_deny;
	struct rf_net_override *overrides;
	size_t n_overrides;
};

/* The policy's rules, parsed (spec and source point into the policy, which
 * must outlive them). */
int rf_net_rules_build(const rf_policy *p, struct rf_net_rules *r, struct rf_error *e);
void rf_net_rules_free(struct rf_net_rules *r);
const struct rf_net_override *rf_net_rules_override(const struct rf_net_rules *r, const char *name);

struct rf_net_decision {
	bool allowed;
	/* allowed: "network:allow:SPEC" of the admitting rule; refused: the rule
	 * that refused ("network:deny:SPEC", "network:not-allowed",
	 * "network:address:loopback", "network:address:host", ...) */
	char rule[RF_NET_NAME_MAX + 64];
	const char *source; /* the rule's source, or "default" */
	char why[RF_NET_NAME_MAX + 96]; /* one line for people: why it was refused */
};

/* Stage 1: the host and port as the client gave them. */
void rf_net_decide_host(const struct rf_net_rules *r, const struct rf_net_host *h, int port,
			struct rf_net_decision *d);
/* Stage 2: one address an admitted name resolved to. `own` are the host's
 * own addresses. *d keeps the admitting rule when the address is fine. */
void rf_net_decide_address(const struct rf_net_rules *r, const struct rf_net_addr *a, int port,
			   const struct rf_net_addr *own, size_t n_own, struct rf_net_decision *d);

/* Stage 1 for a policy and a host as a person types it ("example.com",
 * "10.0.0.1", "[::1]"): for `ringfence explain HOST[:PORT]`. Port 0 asks
 * about no port in particular: only rules without a port take part (a rule
 * limited to one port neither allows nor denies "every port"). Returns -1
 * with *e when the policy's rules or the host do not parse. */
int rf_net_decide(const rf_policy *p, const char *host, int port, struct rf_net_decision *d, struct rf_error *e);

#endif
