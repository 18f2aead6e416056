/* The network allowlist rules and decisions: see rules.h. */
#include "rules.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

/* ---- host names ---- */

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Validate and normalise an ASCII name into out (RF_NET_NAME_MAX + 1). */
static int normalise_name(const char *s, size_t len, char *out, const char **why)
{
	if (len > 0 && s[len - 1] == '.')
		len--; /* the root label: "example.com." is "example.com" */
	if (len == 0) {
		*why = "empty host name";
		return -1;
	}
	if (len > RF_NET_NAME_MAX) {
		*why = "host name longer than 253 characters";
		return -1;
	}
	size_t label = 0, last_start = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			*why = "non-ASCII host name (send its punycode xn-- form)";
			return -1;
		}
		if (c == '.') {
			if (label == 0) {
				*why = "empty label in host name";
				return -1;
			}
			label = 0;
			last_start = i + 1;
			out[i] = '.';
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_') {
			*why = "invalid character in host name";
			return -1;
		}
		if (++label > 63) {
			*why = "label longer than 63 characters in host name";
			return -1;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0) {
		*why = "empty label in host name";
		return -1;
	}
	out[len] = '\0';
	/* A numeric last label is no DNS name, and getaddrinfo would take
	 * "127.1" or "0x7f000001" for an address: refuse every such form. */
	if (all_digits(out + last_start, len - last_start) || rf_net_addr_is_ambiguous_ipv4(out)) {
		*why = "numeric host name that is not a plain IP address";
		return -1;
	}
	return 0;
}

int rf_net_host_parse(const char *s, size_t len, struct rf_net_host *h, const char **why)
{
	memset(h, 0, sizeof *h);
	*why = NULL;
	if (memchr(s, '\0', len)) {
		*why = "NUL byte in host name";
		return -1;
	}
	if (rf_net_addr_parse_n(s, len, &h->addr)) {
		rf_net_addr_unmap(&h->addr);
		h->kind = RF_NET_HOST_ADDR;
		rf_net_addr_format(&h->addr, h->name, sizeof h->name);
		return 0;
	}
	h->kind = RF_NET_HOST_NAME;
	return normalise_name(s, len, h->name, why);
}

/* ---- rules ---- */

static int parse_port(const char *s, int *port)
{
	size_t n = strlen(s);
	if (n == 0 || n > 5 || !all_digits(s, n))
		return -1;
	long v = strtol(s, NULL, 10);
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* libidn2 is opened on the first Unicode rule rather than linked: with the
 * libunistring it pulls in, it is 2 MB for the loader to map and relocate,
 * a tenth of a millisecond at the start of every run, and nearly no run has
 * such a rule. Not finding it fails the rule, never the conversion. */
struct idn2_api {
	__typeof__(idn2_to_ascii_8z) *to_ascii_8z;
	__typeof__(idn2_strerror) *strerror;
	__typeof__(idn2_free) *free;
};

static const struct idn2_api *idn2_open(const char **why)
{
	static struct idn2_api api;
	static char err[256];
	if (api.to_ascii_8z)
		return &api;
	void *h = dlopen("libidn2.so.0", RTLD_NOW | RTLD_LOCAL);
	if (h) {
		api.strerror = (__typeof__(idn2_strerror) *)dlsym(h, "idn2_strerror");
		api.free = (__typeof__(idn2_free) *)dlsym(h, "idn2_free");
		api.to_ascii_8z = api.strerror && api.free
					  ? (__typeof__(idn2_to_ascii_8z) *)dlsym(h, "idn2_to_ascii_8z") : NULL;
	}
	if (api.to_ascii_8z)
		return &api;
	const char *dl = dlerror();
	snprintf(err, sizeof err, "libidn2 is needed for a name in Unicode: %s", dl ? dl : "not found");
	*why = err;
	return NULL;
}

/* A rule's name part: Unicode goes through IDNA, then the host rules. */
static int rule_name(const char *spec, const char *s, char *out, struct rf_error *e)
{
	cleanup_free char *ascii = NULL;
	bool unicode = false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c >= 0x80)
			unicode = true;
	if (unicode) {
		const char *why = NULL;
		const struct idn2_api *idn2 = idn2_open(&why);
		if (!idn2)
			return rf_fail(e, 0, "invalid domain rule '%s': %s", spec, why);
		char *conv = NULL;
		int rc = idn2->to_ascii_8z(s, &conv, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK)
			return rf_fail(e, 0, "invalid domain rule '%s': not a valid internationalised name (%s)", spec,
				       idn2->strerror(rc));
		ascii = rf_xstrdup(conv);
		idn2->free(conv);
		s = ascii;
	}
	const char *why = NULL;
	if (normalise_name(s, strlen(s), out, &why) < 0)
		return rf_fail(e, 0, "invalid domain rule '%s': %s", spec, why);
	return 0;
}

static int rule_addr(const char *spec, const char *s, bool v6_only, struct rf_net_rule *r, struct rf_error *e)
{
	char buf[RF_NET_ADDR_TEXT + 8];
	if (strlen(s) >= sizeof buf)
		return rf_fail(e, 0, "invalid domain rule '%s': not an IP address or range", spec);
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	int prefix = -1;
	if (slash) {
		*slash = '\0';
		size_t n = strlen(slash + 1);
		if (n == 0 || n > 3 || !all_digits(slash + 1, n))
			return rf_fail(e, 0, "invalid domain rule '%s': bad prefix length", spec);
		prefix = atoi(slash + 1);
	}
	if (!rf_net_addr_parse(buf, &r->addr) || (v6_only && r->addr.family != AF_INET6))
		return rf_fail(e, 0, "invalid domain rule '%s': not an IP address or range", spec);
	int bits = r->addr.family == AF_INET ? 32 : 128;
	if (prefix < 0)
		prefix = bits;
	if (prefix > bits)
		return rf_fail(e, 0, "invalid domain rule '%s': prefix length over %d", spec, bits);
	if (!rf_net_addr_is_network(&r->addr, prefix))
		return rf_fail(e, 0, "invalid domain rule '%s': address bits set beyond the /%d prefix", spec, prefix);
	/* ::ffff:a.b.c.d/N is the IPv4 range it maps */
	struct rf_net_addr un = r->addr;
	rf_net_addr_unmap(&un);
	if (un.family == AF_INET && r->addr.family == AF_INET6) {
		if (prefix < 96)
			return rf_fail(e, 0, "invalid domain rule '%s': an IPv4-mapped range needs a prefix of 96 or more",
				       spec);
		r->addr = un;
		prefix -= 96;
	}
	r->kind = RF_NET_RULE_ADDR;
	r->prefix = prefix;
	return 0;
}

int rf_net_rule_parse(const char *spec, struct rf_net_rule *r, struct rf_error *e)
{
	memset(r, 0, sizeof *r);
	if (!spec || !*spec)
		return rf_fail(e, 0, "empty domain rule");
	size_t len = strlen(spec);
	if (len > RF_NET_NAME_MAX + 16)
		return rf_fail(e, 0, "invalid domain rule '%.40s...': too long", spec);
	for (const char *c = spec; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return rf_fail(e, 0, "invalid domain rule '%s': whitespace or control character", spec);
	char host[RF_NET_NAME_MAX + 17];
	const char *port_s = NULL;
	bool bracketed = false;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close == spec + 1)
			return rf_fail(e, 0, "invalid domain rule '%s': unbalanced '['", spec);
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1] != '\0')
			return rf_fail(e, 0, "invalid domain rule '%s': text after ']'", spec);
		bracketed = true;
	} else {
		strcpy(host, spec);
		char *colon = strchr(host, ':');
		if (colon && !strchr(colon + 1, ':')) { /* one colon: NAME:PORT */
			*colon = '\0';
			port_s = spec + (colon - host) + 1;
		}
	}
	if (port_s && parse_port(port_s, &r->port) < 0)
		return rf_fail(e, 0, "invalid domain rule '%s': the port must be 1-65535", spec);

	struct rf_net_addr probe;
	if (bracketed || strchr(host, ':') || strchr(host, '/') || rf_net_addr_parse(host, &probe)) {
		if (rule_addr(spec, host, bracketed, r, e) < 0)
			return -1;
		return 0;
	}
	if (strncmp(host, "*.", 2) == 0) {
		if (strchr(host + 2, '*'))
			return rf_fail(e, 0, "invalid domain rule '%s': '*' is only allowed as the first label", spec);
		r->kind = RF_NET_RULE_SUBDOMAINS;
		return rule_name(spec, host + 2, r->name, e);
	}
	if (strchr(host, '*'))
		return rf_fail(e, 0,
			       "invalid domain rule '%s': '*' is only allowed as a whole first label ('*.example.com')",
			       spec);
	r->kind = RF_NET_RULE_NAME;
	return rule_name(spec, host, r->name, e);
}

static bool port_ok(const struct rf_net_rule *r, int port)
{
	return r->port == 0 || r->port == port;
}

bool rf_net_rule_matches_host(const struct rf_net_rule *r, const struct rf_net_host *h, int port)
{
	if (!port_ok(r, port))
		return false;
	if (h->kind == RF_NET_HOST_ADDR)
		return rf_net_rule_matches_addr(r, &h->addr, port);
	if (r->kind == RF_NET_RULE_NAME)
		return strcmp(h->name, r->name) == 0;
	if (r->kind == RF_NET_RULE_SUBDOMAINS) {
		size_t hl = strlen(h->name), pl = strlen(r->name);
		return hl > pl + 1 && h->name[hl - pl - 1] == '.' && strcmp(h->name + hl - pl, r->name) == 0;
	}
	return false;
}

bool rf_net_rule_matches_addr(const struct rf_net_rule *r, const struct rf_net_addr *in, int port)
{
	if (r->kind != RF_NET_RULE_ADDR || !port_ok(r, port))
		return false;
	struct rf_net_addr a = *in;
	rf_net_addr_unmap(&a);
	return rf_net_addr_in_prefix(&a, &r->addr, r->prefix);
}

/* ---- resolution overrides ---- */

int rf_net_override_parse(const char *spec, struct rf_net_override *o, struct rf_error *e)
{
	memset(o, 0, sizeof *o);
	const char *eq = spec ? strchr(spec, '=') : NULL;
	if (!eq || eq == spec || !eq[1])
		return rf_fail(e, 0, "invalid --proxy-resolve '%s' (NAME=IP[,IP...])", spec ? spec : "");
	const char *why = NULL;
	struct rf_net_host h;
	if (rf_net_host_parse(spec, (size_t)(eq - spec), &h, &why) < 0 || h.kind != RF_NET_HOST_NAME)
		return rf_fail(e, 0, "invalid --proxy-resolve '%s': %s", spec, why ? why : "NAME must be a host name");
	snprintf(o->name, sizeof o->name, "%s", h.name);
	for (const char *p = eq + 1;;) {
		size_t n = strcspn(p, ",");
		if (o->n == RF_NET_OVERRIDE_MAX_ADDRS)
			return rf_fail(e, 0, "invalid --proxy-resolve '%s': more than %d addresses", spec,
				       RF_NET_OVERRIDE_MAX_ADDRS);
		if (!rf_net_addr_parse_n(p, n, &o->addrs[o->n]))
			return rf_fail(e, 0, "invalid --proxy-resolve '%s': '%.*s' is not an IP address", spec, (int)n, p);
		rf_net_addr_unmap(&o->addrs[o->n]);
		o->n++;
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

/* ---- the rule set ---- */

static int build_list(const struct rf_rules *in, struct rf_net_rule **out, size_t *n, struct rf_error *e)
{
	*out = in->n ? rf_xcalloc(in->n, sizeof **out) : NULL;
	*n = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (rf_net_rule_parse(in->v[i].spec, &(*out)[i], e) < 0)
			return -1;
		(*out)[i].spec = in->v[i].spec;
		(*out)[i].source = in->v[i].source ? in->v[i].source : "default";
		(*n)++;
	}
	return 0;
}

int rf_net_rules_build(const rf_policy *p, struct rf_net_rules *r, struct rf_error *e)
{
	memset(r, 0, sizeof *r);
	if (build_list(&p->allowed_domains, &r->allow, &r->n_allow, e) < 0 ||
	    build_list(&p->denied_domains, &r->deny, &r->n_deny, e) < 0)
		goto fail;
	r->overrides = p->proxy_resolve.n ? rf_xcalloc(p->proxy_resolve.n, sizeof *r->overrides) : NULL;
	for (size_t i = 0; i < p->proxy_resolve.n; i++) {
		if (rf_net_override_parse(p->proxy_resolve.v[i].spec, &r->overrides[i], e) < 0)
			goto fail;
		r->n_overrides++;
	}
	return 0;
fail:
	rf_net_rules_free(r);
	return -1;
}

void rf_net_rules_free(struct rf_net_rules *r)
{
	free(r->allow);
	free(r->deny);
	free(r->overrides);
	memset(r, 0, sizeof *r);
}

const struct rf_net_override *rf_net_rules_override(const struct rf_net_rules *r, const char *name)
{
	/* the last one given wins, like a later flag */
	for (size_t i = r->n_overrides; i-- > 0;)
		if (strcmp(r->overrides[i].name, name) == 0)
			return &r->overrides[i];
	return NULL;
}

/* ---- decisions ---- */

static void set_rule(struct rf_net_decision *d, bool allowed, const char *kind, const struct rf_net_rule *r)
{
	d->allowed = allowed;
	snprintf(d->rule, sizeof d->rule, "network:%s:%s", kind, r->spec ? r->spec : "?");
	d->source = r->source ? r->source : "default";
}

void rf_net_decide_host(const struct rf_net_rules *r, const struct rf_net_host *h, int port,
			struct rf_net_decision *d)
{
	memset(d, 0, sizeof *d);
	char where[RF_NET_NAME_MAX + 16]; /* "host:port", or "host" for port 0 (explain: any port) */
	if (port)
		snprintf(where, sizeof where, "%s:%d", h->name, port);
	else
		snprintf(where, sizeof where, "%s", h->name);
	for (size_t i = 0; i < r->n_deny; i++)
		if (rf_net_rule_matches_host(&r->deny[i], h, port)) {
			set_rule(d, false, "deny", &r->deny[i]);
			snprintf(d->why, sizeof d->why, "%s matches a deny rule", where);
			return;
		}
	for (size_t i = 0; i < r->n_allow; i++)
		if (rf_net_rule_matches_host(&r->allow[i], h, port)) {
			set_rule(d, true, "allow", &r->allow[i]);
			return;
		}
	d->allowed = false;
	snprintf(d->rule, sizeof d->rule, "network:not-allowed");
	d->source = "default";
	if (h->kind == RF_NET_HOST_ADDR)
		snprintf(d->why, sizeof d->why, "%s: an IP address needs an IP rule", where);
	else
		snprintf(d->why, sizeof d->why, "%s matches no allow rule", where);
}

void rf_net_decide_address(const struct rf_net_rules *r, const struct rf_net_addr *in, int port,
			   const struct rf_net_addr *own, size_t n_own, struct rf_net_decision *d)
{
	struct rf_net_addr a = *in;
	rf_net_addr_unmap(&a);
	char text[RF_NET_ADDR_TEXT];
	rf_net_addr_format(&a, text, sizeof text);
	for (size_t i = 0; i < r->n_deny; i++)
		if (rf_net_rule_matches_addr(&r->deny[i], &a, port)) {
			set_rule(d, false, "deny", &r->deny[i]);
			snprintf(d->why, sizeof d->why, "resolves to %s, which matches a deny rule", text);
			return;
		}
	for (size_t i = 0; i < r->n_allow; i++)
		if (rf_net_rule_matches_addr(&r->allow[i], &a, port)) {
			set_rule(d, true, "allow", &r->allow[i]);
			return;
		}
	const char *kind = rf_net_addr_special(&a);
	bool host_own = false;
	for (size_t i = 0; !kind && i < n_own; i++) {
		struct rf_net_addr o = own[i];
		rf_net_addr_unmap(&o);
		if (rf_net_addr_equal(&o, &a))
			host_own = true;
	}
	if (kind || host_own) {
		d->allowed = false;
		snprintf(d->rule, sizeof d->rule, "network:address:%s", kind ? kind : "host");
		d->source = "default";
		snprintf(d->why, sizeof d->why, "resolves to %s (%s%s), which only an IP rule can allow", text,
			 kind ? kind : "an address of this host", kind ? " address" : "");
	}
}

int rf_net_decide(const rf_policy *p, const char *host, int port, struct rf_net_decision *d, struct rf_error *e)
{
	struct rf_net_rules r;
	if (rf_net_rules_build(p, &r, e) < 0)
		return -1;
	size_t len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	struct rf_net_host h;
	const char *why = NULL;
	int rc = 0;
	if (rf_net_host_parse(host, len, &h, &why) < 0)
		rc = rf_fail(e, 0, "invalid host '%s': %s", host, why);
	else if (port < 0 || port > 65535)
		rc = rf_fail(e, 0, "invalid port %d", port);
	else
		rf_net_decide_host(&r, &h, port, d);
	rf_net_rules_free(&r);
	return rc;
}
