/* `ringfence explain`: what the sandbox would allow at a path or host, and
 * the rule that decides.
 *
 * Paths are answered from the very plan `rf_run` applies (rf_plan_build +
 * rf_plan_lookup), walked the way the sandbox resolves a name: component by
 * component, following symlinks as the host filesystem has them, and
 * stopping where the sandbox stops seeing the host (a hidden tree, a private
 * tmpfs, an unmounted directory). tests/integration/cases/explain.sh runs a
 * table of paths through both and asserts they agree. */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "notify_exec.h"
#include "plan.h"
#include "rules.h"
#include "util.h"

static void say(char *buf, size_t cap, const char *fmt, ...) RF_PRINTF(3, 4);
static void say(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* The minimal /dev of the namespace backend (mount.c apply_dev). */
static bool in_minimal_dev(const char *dev, const char *path)
{
	static const char *const names[] = {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm",
					    "fd", "stdin", "stdout", "stderr", "ptmx", NULL};
	if (strcmp(dev, path) == 0)
		return true;
	const char *rest = path + strlen(dev) + 1;
	size_t n = strcspn(rest, "/");
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncmp(rest, names[i], n) == 0)
			return true;
	return false;
}

/* Where the sandbox's view of `abs` stops following the host: the entry
 * that covers it is a hide, a private filesystem, or nothing. */
static bool stops_host_view(const struct rf_plan_verdict *v)
{
	return !v->entry || v->entry->kind == RF_PLAN_HIDE || v->entry->kind == RF_PLAN_TMPFS ||
	       v->entry->kind == RF_PLAN_DEV || v->entry->kind == RF_PLAN_PROC;
}

/* Is there a bind mount beneath `cur` on the way to cur/rest? Then the
 * directories leading to it exist in the sandbox too (mount points), and
 * the walk goes on. */
static bool mount_on_the_way(const struct rf_plan *plan, const char *cur, const char *rest)
{
	cleanup_free char *joined = *rest ? rf_path_join(cur, rest) : rf_xstrdup(cur);
	cleanup_free char *full = rf_path_normalize(joined);
	for (size_t i = 0; full && i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if (en->kind != RF_PLAN_SYMLINK && strcmp(en->path, cur) != 0 && rf_path_is_within(en->path, cur) &&
		    rf_path_is_within(full, en->path))
			return true;
	}
	return false;
}

/* Resolve `abs` as the sandbox would. Returns the path reached (malloc'd);
 * *stopped is set when a prefix of it is outside the host view (then the
 * rest was not resolved). */
static char *resolve_like_sandbox(const struct rf_plan *plan, const char *abs, bool *stopped)
{
	*stopped = false;
	char *cur = rf_xstrdup("/");
	cleanup_free char *rest = rf_xstrdup(abs);
	int links = 0;
	char *r = rest;
	while (*r) {
		while (*r == '/')
			r++;
		if (!*r)
			break;
		size_t n = strcspn(r, "/");
		cleanup_free char *comp = rf_xstrndup(r, n);
		r += n;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(cur, '/');
			if (slash && slash != cur)
				*slash = '\0';
			else
				strcpy(cur, "/");
			continue;
		}
		char *next = rf_path_join(cur, comp);
		free(cur);
		cur = next;
		struct rf_plan_verdict v = rf_plan_lookup(plan, cur);
		if (stops_host_view(&v) && !mount_on_the_way(plan, cur, r)) {
			/* the remainder is named, not resolved */
			if (*r) {
				char *full = rf_path_join(cur, r);
				free(cur);
				cur = rf_path_normalize(full);
				free(full);
			}
			*stopped = true;
			return cur;
		}
		struct stat st;
		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
			continue;
		if (++links > 40)
			break;
		char target[PATH_MAX];
		ssize_t tl = readlink(cur, target, sizeof target - 1);
		if (tl <= 0)
			break;
		target[tl] = '\0';
		/* splice the target in front of what is left */
		cleanup_free char *base = rf_xstrdup(cur);
		char *slash = strrchr(base, '/');
		if (slash && slash != base)
			*slash = '\0';
		else
			strcpy(base, "/");
		cleanup_free char *joined = target[0] == '/' ? rf_xstrdup(target) : rf_path_join(base, target);
		cleanup_free char *newrest = *r ? rf_path_join(joined, r) : rf_xstrdup(joined);
		free(rest);
		rest = rf_steal_ptr(&newrest);
		r = rest;
		free(cur);
		cur = rf_xstrdup("/");
	}
	return cur;
}

static void fill_entry(struct rf_explanation *x, const struct rf_plan_entry *en)
{
	say(x->rule, sizeof x->rule, "%s", en ? en->rule : "not-mounted");
	say(x->source, sizeof x->source, "%s", en ? en->source : "default");
}

int rf_explain_path(const rf_policy *p, const char *path, struct rf_explanation *x, struct rf_error *e)
{
	memset(x, 0, sizeof *x);
	cleanup_free char *cwd = getcwd(NULL, 0);
	cleanup_free char *abs = rf_policy_expand_path(path, p->home, cwd, e);
	if (!abs)
		return -1;
	struct rf_plan plan;
	if (rf_plan_build(p, NULL, &plan, e) < 0)
		return rf_fail_wrap(e, "the sandbox could not be set up (ringfence run would exit 125)");
	if (rf_config_check_plan(p, &plan, e) < 0) {
		rf_plan_free(&plan);
		return rf_fail_wrap(e, "the sandbox could not be set up (ringfence run would exit 125)");
	}
	bool stopped;
	cleanup_free char *where = resolve_like_sandbox(&plan, abs, &stopped);
	say(x->target, sizeof x->target, "%s", where);
	struct rf_plan_verdict v = rf_plan_lookup(&plan, where);
	const struct rf_plan_entry *en = v.entry;
	fill_entry(x, en);
	x->read = v.access >= RF_ACCESS_READ;
	x->write = v.access == RF_ACCESS_WRITE;
	if (strcmp(where, abs) != 0)
		say(x->detail, sizeof x->detail, "%s resolves to %s in the sandbox", abs, where);

	struct stat st;
	bool on_host = lstat(where, &st) == 0;
	x->exists = on_host && en &&
		    !(en->kind == RF_PLAN_HIDE && strcmp(en->path, where) != 0) && /* a cover is empty */
		    !((en->kind == RF_PLAN_TMPFS || en->kind == RF_PLAN_DEV || en->kind == RF_PLAN_PROC) &&
		      strcmp(en->path, where) != 0);
	if (en && en->kind == RF_PLAN_PROTECT && en->missing)
		x->exists = strcmp(en->path, where) == 0; /* the placeholder itself, empty */
	if (!en) {
		say(x->detail, sizeof x->detail, "%s is not mounted in the sandbox: it does not exist there", where);
	} else if (en->kind == RF_PLAN_HIDE) {
		say(x->detail, sizeof x->detail, "covered by an empty, unreadable mount");
	} else if (en->kind == RF_PLAN_TMPFS) {
		say(x->detail, sizeof x->detail, "%s is a private tmpfs, empty when the sandbox starts: the host's %s is not visible",
		    en->path, en->path);
	} else if (en->kind == RF_PLAN_DEV) {
		if (!in_minimal_dev(en->path, where)) {
			x->read = x->write = false;
			say(x->detail, sizeof x->detail, "the sandbox's /dev holds only null zero full random urandom tty pts shm");
		}
	} else if (en->kind == RF_PLAN_PROC) {
		x->write = false;
		say(x->detail, sizeof x->detail, "a fresh /proc of the sandbox's own processes (/proc/sys read-only)");
	} else if (en->kind == RF_PLAN_PROTECT && en->missing) {
		say(x->detail, sizeof x->detail, "does not exist yet: a read-only placeholder stands there during the run");
	} else if (en->kind == RF_PLAN_CACHE) {
		say(x->detail, sizeof x->detail, "writes go to a private layer that is discarded after the run");
	} else if (en->no_new_dirs && !on_host && strcmp(where, en->path) != 0 &&
		   strchr(where + strlen(en->path) + 1, '/') == NULL) {
		x->write = x->write && !en->no_new_files;
		if (en->no_new_files)
			say(x->detail, sizeof x->detail,
			    "does not exist, and nothing can be created directly in the writable home (a new dotfile "
			    "could run outside the sandbox later)");
		else
			say(x->detail, sizeof x->detail,
			    "does not exist; only a regular file can be created here (no directory, symlink or special "
			    "file: the top of this common git dir also holds the main checkout's rebase and "
			    "cherry-pick state)");
	} else if (!on_host) {
		/* a hidden path that is absent on the host gets no cover: say so */
		const struct rf_path_rule *h = NULL;
		for (size_t i = 0; i < p->hidden.n && !h; i++)
			if (rf_path_is_within(where, p->hidden.v[i].path))
				h = &p->hidden.v[i];
		bool carved = false;
		for (size_t i = 0; i < plan.landlock_hidden.n && !carved; i++)
			carved = rf_path_is_within(where, plan.landlock_hidden.v[i]) &&
				 !rf_plan_beneath_writable(&plan, plan.landlock_hidden.v[i]);
		if (h && carved) {
			/* no rule of the sandbox's Landlock layer reaches it (landlock.c) */
			x->read = x->write = false;
			say(x->rule, sizeof x->rule, "hidden:%s", h->spec);
			say(x->source, sizeof x->source, "%s", h->source);
			say(x->detail, sizeof x->detail,
			    "does not exist; if it appears during the run, Landlock keeps it unreadable, and a run that "
			    "starts with it covers it with an empty, unreadable mount");
		} else if (h)
			say(x->detail, sizeof x->detail, "does not exist; hidden:%s (%s) would cover it if it did%s", h->spec,
			    h->source,
			    x->write ? ", but a path that is missing when the sandbox starts is not covered: the command may "
				       "create it (its own file)"
				     : ", and nothing in the sandbox can create it here");
		else
			say(x->detail, sizeof x->detail, "does not exist on the host%s", x->write ? " (the command may create it)" : "");
	}

	/* executing it */
	enum rf_conversation_mode mode = rf_policy_conversation_mode(p);
	bool noexec_kind = en && (en->kind == RF_PLAN_DEV || en->kind == RF_PLAN_PROC || en->kind == RF_PLAN_HIDE);
	if (mode == RF_MODE_CHAT) {
		x->exec = x->read && !noexec_kind;
	} else {
		struct rf_exec_tools tools;
		struct rf_error te;
		x->exec = false;
		if (x->read && rf_exec_tools_resolve(&tools, rf_policy_tools(p), &plan, NULL, &te) == 0) {
			x->exec = rf_exec_tools_find(&tools, where) >= 0;
			rf_exec_tools_free(&tools);
		}
	}
	rf_plan_free(&plan);
	return 0;
}

/* ---- hosts ---- */

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static bool is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "[::1]") == 0;
}

int rf_explain_host(const rf_policy *p, const char *target, struct rf_explanation *x, struct rf_error *e)
{
	memset(x, 0, sizeof *x);
	x->is_host = true;
	char host[300];
	int port = 0;
	const char *colon = NULL;
	if (target[0] == '[') {
		const char *close = strchr(target, ']');
		if (!close)
			return rf_fail(e, 0, "invalid host '%s': expected [IPv6] or [IPv6]:PORT", target);
		snprintf(host, sizeof host, "%.*s", (int)(close - target + 1), target);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return rf_fail(e, 0, "invalid host '%s'", target);
	} else {
		colon = strchr(target, ':') && strchr(target, ':') == strrchr(target, ':') ? strchr(target, ':') : NULL;
		snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - target) : (int)strlen(target), target);
	}
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (*end || v < 1 || v > 65535)
			return rf_fail(e, 0, "invalid port in '%s' (1-65535)", target);
		port = (int)v;
	}
	if (!host[0])
		return rf_fail(e, 0, "invalid host '%s'", target);
	lower(host);
	size_t hl = strlen(host);
	if (hl > 1 && host[hl - 1] == '.')
		host[hl - 1] = '\0';
	if (port)
		say(x->target, sizeof x->target, "%s:%d", host, port);
	else
		say(x->target, sizeof x->target, "%s", host);

	const char *net_src = rf_setting_source(p, RF_SET_NETWORK);
	if (is_loopback(host) && p->network != RF_NET_ONLINE) {
		char spec[16];
		snprintf(spec, sizeof spec, "%d", port);
		for (size_t i = 0; port && i < p->host_ports.n; i++) {
			if (strcmp(p->host_ports.v[i].spec, spec) == 0) {
				x->connect = true;
				say(x->rule, sizeof x->rule, "host-port:%d", port);
				say(x->source, sizeof x->source, "%s", p->host_ports.v[i].source);
				say(x->detail, sizeof x->detail, "127.0.0.1:%d inside is forwarded to the host's 127.0.0.1:%d", port,
				    port);
				return 0;
			}
		}
		x->connect = true;
		say(x->rule, sizeof x->rule, "network:%s (own loopback)", rf_network_mode_name(p->network));
		say(x->source, sizeof x->source, "%s", net_src);
		say(x->detail, sizeof x->detail,
		    "the sandbox has its own loopback: this reaches servers started inside the sandbox, never the host's");
		return 0;
	}
	switch (p->network) {
	case RF_NET_OFFLINE:
		x->connect = false;
		say(x->rule, sizeof x->rule, "network:offline");
		say(x->source, sizeof x->source, "%s", net_src);
		say(x->detail, sizeof x->detail, "the sandbox has no network but its own loopback");
		return 0;
	case RF_NET_ONLINE:
		x->connect = true;
		say(x->rule, sizeof x->rule, "network:online");
		say(x->source, sizeof x->source, "%s", net_src);
		say(x->detail, sizeof x->detail, "the host's network, unrestricted");
		return 0;
	case RF_NET_ALLOWLIST:
		break;
	}
	/* the proxy's own decision (src/net/rules.c), so that explain and the
	 * proxy cannot disagree; the second stage, the addresses a name
	 * resolves to, happens only when the proxy resolves it */
	struct rf_net_decision d;
	if (rf_net_decide(p, host, port, &d, e) < 0)
		return -1;
	x->connect = d.allowed;
	say(x->rule, sizeof x->rule, "%s", d.rule);
	say(x->source, sizeof x->source, "%s", strcmp(d.source, "default") == 0 ? net_src : d.source);
	if (d.allowed)
		say(x->detail, sizeof x->detail,
		    "through ringfence's proxy; refused all the same if the name resolves to a loopback, "
		    "link-local, private or this host's own address and no IP rule allows that address");
	else
		say(x->detail, sizeof x->detail, "%s%s", d.why, port ? "" : " (asked for every port)");
	return 0;
}
