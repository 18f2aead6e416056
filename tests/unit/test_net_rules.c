/* Unit tests: the address classifier, host names as clients send them,
 * rule syntax, and the allowlist decisions (src/net/addr.c, rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "policy.h"
#include "rules.h"
#include "util.h"

/* ---- addresses ---- */

static const char *special(const char *text)
{
	struct rf_net_addr a;
	if (!rf_net_addr_parse(text, &a))
		fail_msg("not an address: %s", text);
	return rf_net_addr_special(&a);
}

static void expect_special(const char *text, const char *kind)
{
	const char *got = special(text);
	if (!kind) {
		if (got)
			fail_msg("%s: expected public, got %s", text, got);
		return;
	}
	if (!got || strcmp(got, kind) != 0)
		fail_msg("%s: expected %s, got %s", text, kind, got ? got : "public");
}

static void test_addr_special(void **state)
{
	(void)state;
	expect_special("127.0.0.1", "loopback");
	expect_special("127.255.255.254", "loopback");
	expect_special("::1", "loopback");
	expect_special("::ffff:127.0.0.1", "loopback");
	expect_special("0.0.0.0", "unspecified");
	expect_special("::", "unspecified");
	expect_special("::ffff:0.0.0.0", "unspecified");
	expect_special("169.254.169.254", "link-local");
	expect_special("::ffff:169.254.169.254", "link-local");
	expect_special("fe80::1", "link-local");
	expect_special("febf::1", "link-local");
	expect_special("10.1.2.3", "private");
	expect_special("172.16.0.1", "private");
	expect_special("172.31.255.255", "private");
	expect_special("192.168.1.1", "private");
	expect_special("fc00::1", "private");
	expect_special("fd12:3456::1", "private");
	expect_special("::ffff:10.0.0.1", "private");
	expect_special("100.64.0.1", "cgnat");
	expect_special("100.127.255.255", "cgnat");
	expect_special("224.0.0.1", "multicast");
	expect_special("ff02::1", "multicast");
	expect_special("255.255.255.255", "reserved");
	expect_special("192.0.2.1", "documentation");
	expect_special("2001:db8::1", "documentation");
	expect_special("64:ff9b::a9fe:a9fe", "link-local"); /* NAT64 of 169.254.169.254 */
	expect_special("64:ff9b::7f00:1", "loopback");
	expect_special("2002:7f00:1::1", "reserved");      /* 6to4 */
	expect_special("2001:0:4136:e378::1", "reserved"); /* Teredo */
	expect_special("::127.0.0.1", "reserved");          /* IPv4-compatible */
	expect_special("4000::1", "reserved");              /* outside 2000::/3 */
	/* the neighbours: public */
	expect_special("1.1.1.1", NULL);
	expect_special("93.184.216.34", NULL);
	expect_special("172.15.255.255", NULL);
	expect_special("172.32.0.0", NULL);
	expect_special("100.63.255.255", NULL);
	expect_special("100.128.0.0", NULL);
	expect_special("169.253.255.255", NULL);
	expect_special("11.0.0.0", NULL);
	expect_special("2606:4700:4700::1111", NULL);
	expect_special("::ffff:1.1.1.1", NULL);
	expect_special("64:ff9b::101:101", NULL); /* NAT64 of 1.1.1.1 */
	expect_special("fec0::1", "private");
}

static void test_addr_parse_strict(void **state)
{
	(void)state;
	struct rf_net_addr a;
	assert_true(rf_net_addr_parse("1.2.3.4", &a));
	assert_int_equal(a.family, AF_INET);
	assert_false(rf_net_addr_parse("01.2.3.4", &a));
	assert_false(rf_net_addr_parse("1.2.3", &a));
	assert_false(rf_net_addr_parse("0x7f.0.0.1", &a));
	assert_false(rf_net_addr_parse("fe80::1%eth0", &a));
	assert_false(rf_net_addr_parse("[::1]", &a));
	assert_true(rf_net_addr_is_ambiguous_ipv4("127.1"));
	assert_true(rf_net_addr_is_ambiguous_ipv4("2130706433"));
	assert_true(rf_net_addr_is_ambiguous_ipv4("0x7f000001"));
	assert_true(rf_net_addr_is_ambiguous_ipv4("010.0.0.1"));
	assert_false(rf_net_addr_is_ambiguous_ipv4("127.0.0.1"));
	assert_false(rf_net_addr_is_ambiguous_ipv4("example.com"));
	assert_true(rf_net_addr_is_local(&(struct rf_net_addr){.family = AF_INET}));
	assert_true(rf_net_addr_parse("127.3.4.5", &a) && rf_net_addr_is_local(&a));
	assert_true(rf_net_addr_parse("::ffff:127.0.0.1", &a) && rf_net_addr_is_local(&a));
	assert_true(rf_net_addr_parse("10.0.0.1", &a) && !rf_net_addr_is_local(&a));
	assert_true(rf_net_addr_parse("0.1.2.3", &a) && !rf_net_addr_is_local(&a));
}

static void test_addr_prefix(void **state)
{
	(void)state;
	struct rf_net_addr a, net;
	assert_true(rf_net_addr_parse("10.200.3.4", &a));
	assert_true(rf_net_addr_parse("10.0.0.0", &net));
	assert_true(rf_net_addr_in_prefix(&a, &net, 8));
	assert_false(rf_net_addr_in_prefix(&a, &net, 9));
	assert_true(rf_net_addr_in_prefix(&a, &net, 0));
	assert_true(rf_net_addr_is_network(&net, 8));
	assert_false(rf_net_addr_is_network(&a, 8));
	assert_true(rf_net_addr_parse("172.16.0.0", &net));
	assert_true(rf_net_addr_is_network(&net, 12));
	assert_true(rf_net_addr_parse("172.24.0.0", &net));
	assert_true(rf_net_addr_is_network(&net, 13));
	assert_false(rf_net_addr_is_network(&net, 12));
}

/* ---- hosts ---- */

static void expect_host(const char *in, const char *want)
{
	struct rf_net_host h;
	const char *why = NULL;
	int rc = rf_net_host_parse(in, strlen(in), &h, &why);
	if (!want) {
		if (rc == 0)
			fail_msg("host '%s' accepted as '%s'", in, h.name);
		assert_non_null(why);
		return;
	}
	if (rc != 0)
		fail_msg("host '%s' refused: %s", in, why);
	assert_string_equal(h.name, want);
}

static void test_host_parse(void **state)
{
	(void)state;
	expect_host("Registry.NPMJS.org", "registry.npmjs.org");
	expect_host("example.com.", "example.com");
	expect_host("xn--bcher-kva.example", "xn--bcher-kva.example");
	expect_host("XN--BCHER-KVA.example", "xn--bcher-kva.example");
	expect_host("_dmarc.example.com", "_dmarc.example.com");
	expect_host("1.2.3.4", "1.2.3.4");
	expect_host("::FFFF:10.0.0.1", "10.0.0.1"); /* mapped: the IPv4 address */
	expect_host("2001:DB8::1", "2001:db8::1");
	expect_host("b\xc3\xbc" "cher.example", NULL); /* raw UTF-8: refused, never guessed */
	expect_host("example..com", NULL);
	expect_host(".example.com", NULL);
	expect_host("example.com..", NULL);
	expect_host("", NULL);
	expect_host(".", NULL);
	expect_host("exa mple.com", NULL);
	expect_host("example.com/x", NULL);
	expect_host("user@example.com", NULL);
	expect_host("127.1", NULL);
	expect_host("0x7f000001", NULL);
	expect_host("2130706433", NULL);
	expect_host("1.2.3.4.5", NULL);
	expect_host("010.0.0.1", NULL);
	expect_host("example.123", NULL);
	expect_host("fe80::1%25eth0", NULL);
	char big[300];
	memset(big, 'a', 64);
	strcpy(big + 64, ".com");
	expect_host(big, NULL); /* a label of 64 */
	memset(big, 'a', 63);
	strcpy(big + 63, ".com");
	expect_host(big, big); /* of 63: fine */
	for (int i = 0; i < 4; i++)
		memcpy(big + i * 64, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", 64);
	big[254] = '\0';
	big[253] = 'a';
	expect_host(big, NULL); /* 254 characters */
	big[253] = '.';
	big[252] = 'a';
	char want[300];
	snprintf(want, sizeof want, "%.253s", big);
	expect_host(big, want); /* 253 and the root dot */
	struct rf_net_host h;
	const char *why;
	assert_int_equal(rf_net_host_parse("a\0b.com", 7, &h, &why), -1);
}

/* ---- rules ---- */

static void expect_rule(const char *spec, enum rf_net_rule_kind kind, const char *name, int port)
{
	struct rf_net_rule r;
	struct rf_error e = {0};
	if (rf_net_rule_parse(spec, &r, &e) < 0)
		fail_msg("rule '%s' refused: %s", spec, e.msg);
	assert_int_equal(r.kind, kind);
	assert_int_equal(r.port, port);
	if (name && kind != RF_NET_RULE_ADDR)
		assert_string_equal(r.name, name);
	if (name && kind == RF_NET_RULE_ADDR) {
		char text[64], want[80];
		rf_net_addr_format(&r.addr, text, sizeof text);
		snprintf(want, sizeof want, "%s/%d", text, r.prefix);
		assert_string_equal(want, name);
	}
}

static void expect_bad_rule(const char *spec)
{
	struct rf_net_rule r;
	struct rf_error e = {0};
	if (rf_net_rule_parse(spec, &r, &e) == 0)
		fail_msg("rule '%s' accepted", spec);
	assert_non_null(strstr(e.msg, "rule"));
}

static void test_rule_parse(void **state)
{
	(void)state;
	expect_rule("registry.npmjs.org", RF_NET_RULE_NAME, "registry.npmjs.org", 0);
	expect_rule("Registry.NPMJS.org.", RF_NET_RULE_NAME, "registry.npmjs.org", 0);
	expect_rule("example.com:443", RF_NET_RULE_NAME, "example.com", 443);
	expect_rule("*.example.com", RF_NET_RULE_SUBDOMAINS, "example.com", 0);
	expect_rule("*.Example.COM:8443", RF_NET_RULE_SUBDOMAINS, "example.com", 8443);
	expect_rule("b\xc3\xbc" "cher.example", RF_NET_RULE_NAME, "xn--bcher-kva.example", 0);
	expect_rule("B\xc3\x9c" "CHER.example", RF_NET_RULE_NAME, "xn--bcher-kva.example", 0); /* Unicode case folded */
	expect_rule("*.b\xc3\xbc" "cher.example:443", RF_NET_RULE_SUBDOMAINS, "xn--bcher-kva.example", 443);
	expect_rule("xn--bcher-kva.example", RF_NET_RULE_NAME, "xn--bcher-kva.example", 0);
	expect_rule("93.184.216.34", RF_NET_RULE_ADDR, "93.184.216.34/32", 0);
	expect_rule("127.0.0.1:5432", RF_NET_RULE_ADDR, "127.0.0.1/32", 5432);
	expect_rule("10.0.0.0/8", RF_NET_RULE_ADDR, "10.0.0.0/8", 0);
	expect_rule("10.0.0.0/8:443", RF_NET_RULE_ADDR, "10.0.0.0/8", 443);
	expect_rule("::1", RF_NET_RULE_ADDR, "::1/128", 0);
	expect_rule("[::1]", RF_NET_RULE_ADDR, "::1/128", 0);
	expect_rule("[::1]:443", RF_NET_RULE_ADDR, "::1/128", 443);
	expect_rule("2001:db8::/32", RF_NET_RULE_ADDR, "2001:db8::/32", 0);
	expect_rule("[2001:db8::/32]:80", RF_NET_RULE_ADDR, "2001:db8::/32", 80);
	expect_rule("::ffff:10.0.0.0/104", RF_NET_RULE_ADDR, "10.0.0.0/8", 0);
	expect_rule("::ffff:10.1.2.3", RF_NET_RULE_ADDR, "10.1.2.3/32", 0);
	expect_bad_rule("");
	expect_bad_rule("*");
	expect_bad_rule("*.");
	expect_bad_rule("*example.com");
	expect_bad_rule("foo.*.example.com");
	expect_bad_rule("*.*.example.com");
	expect_bad_rule("example.com:0");
	expect_bad_rule("example.com:65536");
	expect_bad_rule("example.com:");
	expect_bad_rule("example.com:http");
	expect_bad_rule("example.com:+443");
	expect_bad_rule("exa mple.com");
	expect_bad_rule("example.com\n");
	expect_bad_rule("http://example.com");
	expect_bad_rule("example..com");
	expect_bad_rule("10.0.0.1/8");   /* host bits set */
	expect_bad_rule("10.0.0.0/33");
	expect_bad_rule("10.0.0.0/");
	expect_bad_rule("127.1");        /* ambiguous numeric */
	expect_bad_rule("[example.com]");
	expect_bad_rule("[::1]x");
	expect_bad_rule("[::1");
	expect_bad_rule("::ffff:10.0.0.0/95");
	expect_bad_rule("b\xc3" "cher.example");  /* invalid UTF-8 */
	expect_bad_rule("\xe2\x98\x83\xe2\x80\x8d.example"); /* a snowman and a zero-width joiner: not IDNA2008 */
}

static void build(rf_policy *p, struct rf_net_rules *r)
{
	struct rf_error e = {0};
	if (rf_net_rules_build(p, r, &e) < 0)
		fail_msg("rules: %s", e.msg);
}

static void decide(const struct rf_net_rules *r, const char *host, int port, struct rf_net_decision *d)
{
	struct rf_net_host h;
	const char *why;
	if (rf_net_host_parse(host, strlen(host), &h, &why) < 0)
		fail_msg("host %s: %s", host, why);
	rf_net_decide_host(r, &h, port, d);
}

static void expect_decision(const struct rf_net_rules *r, const char *host, int port, bool allowed, const char *rule)
{
	struct rf_net_decision d;
	decide(r, host, port, &d);
	if (d.allowed != allowed || strcmp(d.rule, rule) != 0)
		fail_msg("%s:%d: expected %s by %s, got %s by %s", host, port, allowed ? "allowed" : "refused", rule,
			 d.allowed ? "allowed" : "refused", d.rule);
}

static void test_decide_host(void **state)
{
	(void)state;
	rf_policy *p = rf_policy_new();
	struct rf_error e = {0};
	assert_int_equal(rf_policy_add_allowed_domain(p, "registry.npmjs.org", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_allowed_domain(p, "*.example.com", "config.toml:3", &e), 0);
	assert_int_equal(rf_policy_add_allowed_domain(p, "api.test:443", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_allowed_domain(p, "203.0.113.7", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_allowed_domain(p, "b\xc3\xbc" "cher.example", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_denied_domain(p, "evil.example.com", "--deny-domain", &e), 0);
	assert_int_equal(rf_policy_add_denied_domain(p, "*.corp.example.com", "--deny-domain", &e), 0);
	assert_int_equal(rf_policy_add_denied_domain(p, "registry.npmjs.org:22", "--deny-domain", &e), 0);
	struct rf_net_rules r;
	build(p, &r);

	expect_decision(&r, "registry.npmjs.org", 443, true, "network:allow:registry.npmjs.org");
	expect_decision(&r, "REGISTRY.npmjs.org.", 443, true, "network:allow:registry.npmjs.org");
	expect_decision(&r, "registry.npmjs.org", 22, false, "network:deny:registry.npmjs.org:22");
	expect_decision(&r, "npmjs.org", 443, false, "network:not-allowed");
	expect_decision(&r, "xregistry.npmjs.org", 443, false, "network:not-allowed");
	expect_decision(&r, "sub.registry.npmjs.org", 443, false, "network:not-allowed");
	/* subdomains only */
	expect_decision(&r, "a.example.com", 443, true, "network:allow:*.example.com");
	expect_decision(&r, "a.b.example.com", 80, true, "network:allow:*.example.com");
	expect_decision(&r, "example.com", 443, false, "network:not-allowed");
	expect_decision(&r, "badexample.com", 443, false, "network:not-allowed");
	/* deny wins over allow, whatever the order */
	expect_decision(&r, "evil.example.com", 443, false, "network:deny:evil.example.com");
	expect_decision(&r, "EVIL.example.com.", 443, false, "network:deny:evil.example.com");
	expect_decision(&r, "x.evil.example.com", 443, true, "network:allow:*.example.com");
	expect_decision(&r, "db.corp.example.com", 443, false, "network:deny:*.corp.example.com");
	expect_decision(&r, "corp.example.com", 443, true, "network:allow:*.example.com");
	/* ports */
	expect_decision(&r, "api.test", 443, true, "network:allow:api.test:443");
	expect_decision(&r, "api.test", 80, false, "network:not-allowed");
	/* IP literals need IP rules; names never match them */
	expect_decision(&r, "203.0.113.7", 443, true, "network:allow:203.0.113.7");
	expect_decision(&r, "::ffff:203.0.113.7", 443, true, "network:allow:203.0.113.7");
	expect_decision(&r, "203.0.113.8", 443, false, "network:not-allowed");
	expect_decision(&r, "169.254.169.254", 80, false, "network:not-allowed");
	/* IDNA: the rule in Unicode matches its A-label */
	expect_decision(&r, "xn--bcher-kva.example", 443, true, "network:allow:b\xc3\xbc" "cher.example");
	expect_decision(&r, "bucher.example", 443, false, "network:not-allowed");

	struct rf_net_decision d;
	decide(&r, "a.example.com", 443, &d);
	assert_string_equal(d.source, "config.toml:3");
	assert_int_equal(rf_net_decide(p, "[::ffff:203.0.113.7]", 443, &d, &e), 0);
	assert_true(d.allowed);
	assert_int_equal(rf_net_decide(p, "evil.example.com", 443, &d, &e), 0);
	assert_false(d.allowed);
	assert_string_equal(d.source, "--deny-domain");
	assert_int_equal(rf_net_decide(p, "b\xc3\xbc" "cher.example", 443, &d, &e), -1);
	/* no port: rules limited to one port take no part */
	assert_int_equal(rf_net_decide(p, "api.test", 0, &d, &e), 0);
	assert_false(d.allowed);
	assert_int_equal(rf_net_decide(p, "registry.npmjs.org", 0, &d, &e), 0);
	assert_true(d.allowed);
	assert_int_equal(rf_net_decide(p, "registry.npmjs.org", 65536, &d, &e), -1);
	rf_net_rules_free(&r);
	rf_policy_free(p);
}

static void expect_address(const struct rf_net_rules *r, const char *host, const char *addr, int port,
			   const struct rf_net_addr *own, size_t n_own, bool allowed, const char *rule)
{
	struct rf_net_decision d;
	decide(r, host, port, &d);
	assert_true(d.allowed);
	struct rf_net_addr a;
	assert_true(rf_net_addr_parse(addr, &a));
	rf_net_decide_address(r, &a, port, own, n_own, &d);
	if (d.allowed != allowed || strcmp(d.rule, rule) != 0)
		fail_msg("%s -> %s: expected %s by %s, got %s by %s", host, addr, allowed ? "allowed" : "refused", rule,
			 d.allowed ? "allowed" : "refused", d.rule);
}

static void test_decide_address(void **state)
{
	(void)state;
	rf_policy *p = rf_policy_new();
	struct rf_error e = {0};
	assert_int_equal(rf_policy_add_allowed_domain(p, "*.test", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_allowed_domain(p, "10.9.0.0/16", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_allowed_domain(p, "127.0.0.1:8080", "--allow-domain", &e), 0);
	assert_int_equal(rf_policy_add_denied_domain(p, "93.184.216.0/24", "--deny-domain", &e), 0);
	struct rf_net_rules r;
	build(p, &r);
	struct rf_net_addr own[2];
	assert_true(rf_net_addr_parse("198.51.99.5", &own[0])); /* public-looking, but the host's */
	assert_true(rf_net_addr_parse("2a01:4f8::5", &own[1]));

	expect_address(&r, "a.test", "1.1.1.1", 443, own, 2, true, "network:allow:*.test");
	/* DNS rebinding and metadata: refused unless an IP rule allows it */
	expect_address(&r, "a.test", "127.0.0.1", 443, own, 2, false, "network:address:loopback");
	expect_address(&r, "a.test", "127.0.0.1", 8080, own, 2, true, "network:allow:127.0.0.1:8080");
	expect_address(&r, "a.test", "::ffff:127.0.0.1", 8080, own, 2, true, "network:allow:127.0.0.1:8080");
	expect_address(&r, "a.test", "::1", 8080, own, 2, false, "network:address:loopback");
	expect_address(&r, "a.test", "169.254.169.254", 80, own, 2, false, "network:address:link-local");
	expect_address(&r, "a.test", "fe80::1", 80, own, 2, false, "network:address:link-local");
	expect_address(&r, "a.test", "10.0.0.1", 443, own, 2, false, "network:address:private");
	expect_address(&r, "a.test", "10.9.3.4", 443, own, 2, true, "network:allow:10.9.0.0/16");
	expect_address(&r, "a.test", "::ffff:10.0.0.1", 443, own, 2, false, "network:address:private");
	expect_address(&r, "a.test", "100.64.1.1", 443, own, 2, false, "network:address:cgnat");
	expect_address(&r, "a.test", "0.0.0.0", 443, own, 2, false, "network:address:unspecified");
	expect_address(&r, "a.test", "::", 443, own, 2, false, "network:address:unspecified");
	expect_address(&r, "a.test", "fd00::1", 443, own, 2, false, "network:address:private");
	expect_address(&r, "a.test", "198.51.99.5", 443, own, 2, false, "network:address:host");
	expect_address(&r, "a.test", "2a01:4f8::5", 443, own, 2, false, "network:address:host");
	expect_address(&r, "a.test", "198.51.99.5", 443, own, 0, true, "network:allow:*.test");
	/* an IP deny rule wins over the name's allow rule */
	expect_address(&r, "a.test", "93.184.216.34", 443, own, 2, false, "network:deny:93.184.216.0/24");
	rf_net_rules_free(&r);
	rf_policy_free(p);
}

static void test_policy_validation(void **state)
{
	(void)state;
	rf_policy *p = rf_policy_new();
	struct rf_error e = {0};
	assert_int_equal(rf_policy_add_allowed_domain(p, "*example.com", "--allow-domain", &e), -1);
	assert_non_null(strstr(e.msg, "*example.com"));
	assert_int_equal(rf_policy_add_denied_domain(p, "a b", "--deny-domain", &e), -1);
	assert_int_equal(rf_policy_add_host_port(p, 0, "--host-port", &e), -1);
	assert_int_equal(rf_policy_add_host_port(p, 65536, "--host-port", &e), -1);
	for (int i = 1; i <= RF_MAX_HOST_PORTS; i++)
		assert_int_equal(rf_policy_add_host_port(p, 1000 + i, "--host-port", &e), 0);
	assert_int_equal(rf_policy_add_host_port(p, 1001, "--host-port", &e), 0); /* a repeat is no new one */
	assert_int_equal(rf_policy_add_host_port(p, 5000, "--host-port", &e), -1);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "a.test=127.0.0.1", "--proxy-resolve", &e), 0);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "a.test=127.0.0.1,::1", "--proxy-resolve", &e), 0);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "a.test", "--proxy-resolve", &e), -1);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "=1.2.3.4", "--proxy-resolve", &e), -1);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "a.test=localhost", "--proxy-resolve", &e), -1);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "1.2.3.4=1.2.3.4", "--proxy-resolve", &e), -1);
	assert_int_equal(rf_policy_add_proxy_resolve(p, "a.test=1.2.3.4,", "--proxy-resolve", &e), -1);
	struct rf_net_rules r;
	build(p, &r);
	const struct rf_net_override *o = rf_net_rules_override(&r, "a.test");
	assert_non_null(o);
	assert_int_equal(o->n, 2); /* the last one given */
	assert_null(rf_net_rules_override(&r, "b.test"));
	rf_net_rules_free(&r);
	rf_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_special),
		cmocka_unit_test(test_addr_parse_strict),
		cmocka_unit_test(test_addr_prefix),
		cmocka_unit_test(test_host_parse),
		cmocka_unit_test(test_rule_parse),
		cmocka_unit_test(test_decide_host),
		cmocka_unit_test(test_decide_address),
		cmocka_unit_test(test_policy_validation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
