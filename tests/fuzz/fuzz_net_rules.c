/* libFuzzer target for the allowlist matcher (src/net/rules.c, addr.c):
 * the input is "RULE\nHOST\nPORT-BYTES". Both are parsed; when they parse,
 * the decision must obey the rules of rules.h whatever the bytes:
 *  - a host name is normalised idempotently (parsing it again gives it back);
 *  - a deny rule that matches refuses, even with the same rule allowing;
 *  - "*.X" never matches X itself, and what it matches ends in ".X";
 *  - a name rule never matches an IP literal, an IP rule never a name;
 *  - an address stage never admits a special address without an IP rule. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	if (!nl)
		return 0;
	size_t rule_len = (size_t)(nl - s);
	const char *h = nl + 1;
	size_t rest = size - rule_len - 1;
	const char *nl2 = memchr(h, '\n', rest);
	size_t host_len = nl2 ? (size_t)(nl2 - h) : rest;
	int port = 443;
	if (nl2 && nl2 + 2 < s + size)
		port = ((unsigned char)nl2[1] << 8 | (unsigned char)nl2[2]) % 65535 + 1;

	char *spec = rf_xstrndup(s, rule_len);
	struct rf_error e = {0};
	struct rf_net_rule rule;
	int rule_ok = rf_net_rule_parse(spec, &rule, &e);
	struct rf_net_host host;
	const char *why = NULL;
	int host_ok = rf_net_host_parse(h, host_len, &host, &why);
	if (host_ok == 0 && host.kind == RF_NET_HOST_NAME) {
		struct rf_net_host again;
		if (rf_net_host_parse(host.name, strlen(host.name), &again, &why) != 0 || strcmp(again.name, host.name) != 0)
			__builtin_trap();
	}
	if (rule_ok == 0 && host_ok == 0) {
		rule.spec = spec;
		rule.source = "fuzz";
		bool m = rf_net_rule_matches_host(&rule, &host, port);
		if (m && (rule.kind == RF_NET_RULE_ADDR) != (host.kind == RF_NET_HOST_ADDR))
			__builtin_trap();
		if (m && rule.kind == RF_NET_RULE_SUBDOMAINS) {
			size_t hl = strlen(host.name), pl = strlen(rule.name);
			if (hl <= pl + 1 || host.name[hl - pl - 1] != '.' || strcmp(host.name + hl - pl, rule.name) != 0)
				__builtin_trap();
		}
		if (m && rule.kind == RF_NET_RULE_NAME && strcmp(rule.name, host.name) != 0)
			__builtin_trap();
		struct rf_net_rules both = {.allow = &rule, .n_allow = 1, .deny = &rule, .n_deny = 1};
		struct rf_net_decision d;
		rf_net_decide_host(&both, &host, port, &d);
		if (m && d.allowed)
			__builtin_trap(); /* deny wins */
		struct rf_net_rules allow = {.allow = &rule, .n_allow = 1};
		rf_net_decide_host(&allow, &host, port, &d);
		if (d.allowed != m)
			__builtin_trap();
		if (host.kind == RF_NET_HOST_ADDR && d.allowed) {
			/* the same address reached through a name: only an IP rule admits
			 * a special one */
			struct rf_net_rules none = {0};
			rf_net_decide_address(&none, &host.addr, port, NULL, 0, &d);
			if (d.allowed && rf_net_addr_special(&host.addr))
				__builtin_trap();
		}
	}
	free(spec);
	return 0;
}
