/* Unit tests for the pure parts of landlock.c: ABI -> access masks, and the
 * rule computation (MIRROR and ENFORCE) over a fake filesystem. Nothing here
 * calls landlock_restrict_self. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "landlock.h"
#include "plan.h"
#include "util.h"

/* Landlock bits (uapi values). */
#define EXEC (1ULL << 0)
#define WFILE (1ULL << 1)
#define RFILE (1ULL << 2)
#define RDIR (1ULL << 3)
#define REFER (1ULL << 13)
#define TRUNC (1ULL << 14)
#define IOCTL (1ULL << 15)
#define READ (RFILE | RDIR | EXEC)

/* ---- fake filesystem ---- */

struct fake_node {
	const char *path;
	enum rf_landlock_ftype type;
};

struct fake_fs {
	const struct fake_node *nodes;
	size_t n;
	struct rf_strv listed; /* directories the computation enumerated */
};

static int fake_type(void *ctx, const char *path, enum rf_landlock_ftype *out, struct rf_error *e)
{
	(void)e;
	struct fake_fs *f = ctx;
	*out = RF_LL_MISSING;
	if (strcmp(path, "/") == 0) {
		*out = RF_LL_DIR;
		return 0;
	}
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->nodes[i].path, path) == 0)
			*out = f->nodes[i].type;
	return 0;
}

static int fake_list(void *ctx, const char *dir, size_t max, struct rf_landlock_dirent **out, size_t *nout,
		     struct rf_error *e)
{
	struct fake_fs *f = ctx;
	rf_strv_push(&f->listed, dir);
	struct rf_landlock_dirent *v = rf_xcalloc(f->n + 1, sizeof *v);
	size_t n = 0, dl = strlen(dir);
	for (size_t i = 0; i < f->n; i++) {
		const char *p = f->nodes[i].path;
		const char *rest;
		if (strcmp(dir, "/") == 0)
			rest = p + 1;
		else if (strncmp(p, dir, dl) == 0 && p[dl] == '/')
			rest = p + dl + 1;
		else
			continue;
		if (!*rest || strchr(rest, '/'))
			continue;
		if (n >= max) {
			rf_landlock_dirents_free(v, n);
			return rf_fail(e, 0, "%s has more than %zu entries", dir, max);
		}
		v[n].name = rf_xstrdup(rest);
		v[n].type = f->nodes[i].type;
		n++;
	}
	*out = v;
	*nout = n;
	return 0;
}

static struct rf_landlock_fs fake_ops(struct fake_fs *f)
{
	return (struct rf_landlock_fs){.type = fake_type, .list = fake_list, .ctx = f};
}

static bool was_listed(const struct fake_fs *f, const char *dir)
{
	for (size_t i = 0; i < f->listed.n; i++)
		if (strcmp(f->listed.v[i], dir) == 0)
			return true;
	return false;
}

/* ---- plan building ---- */

static void add(struct rf_plan *p, enum rf_plan_kind k, const char *path, bool dir, bool missing)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = rf_xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n++] = (struct rf_plan_entry){
		.kind = k,
		.path = rf_xstrdup(path),
		.rule = rf_xstrdup(rf_plan_kind_name(k)),
		.source = rf_xstrdup("test"),
		.is_dir = dir,
		.missing = missing,
	};
}

static const struct rf_landlock_rule *find(const struct rf_landlock_rules *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].path, path) == 0)
			return &r->v[i];
	return NULL;
}

static uint64_t rule_access(const struct rf_landlock_rules *r, const char *path)
{
	const struct rf_landlock_rule *x = find(r, path);
	return x ? x->access : 0;
}

static bool strv_has(const struct rf_strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

static void push_copy(struct rf_landlock_rules *r, const struct rf_landlock_rule *x)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = rf_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n] = *x;
	r->v[r->n++].path = rf_xstrdup(x->path);
}

/* ---- masks ---- */

static void test_handled_per_abi(void **state)
{
	(void)state;
	assert_int_equal(rf_landlock_handled_fs(0), 0);
	assert_int_equal(rf_landlock_handled_fs(1), 0x1fff);
	assert_int_equal(rf_landlock_handled_fs(2), 0x3fff);
	assert_int_equal(rf_landlock_handled_fs(3), 0x7fff);
	assert_int_equal(rf_landlock_handled_fs(4), 0x7fff);
	assert_int_equal(rf_landlock_handled_fs(5), 0xffff);
	assert_int_equal(rf_landlock_handled_fs(6), 0xffff);
	assert_int_equal(rf_landlock_handled_fs(7), 0xffff);
}

static void test_rights(void **state)
{
	(void)state;
	for (int abi = 1; abi <= 7; abi++) {
		assert_int_equal(rf_landlock_rights(RF_ACCESS_NONE, abi), 0);
		assert_int_equal(rf_landlock_rights(RF_ACCESS_READ, abi), READ);
		assert_int_equal(rf_landlock_rights(RF_ACCESS_WRITE, abi), rf_landlock_handled_fs(abi));
	}
	assert_false(rf_landlock_rights(RF_ACCESS_WRITE, 1) & REFER);
	assert_true(rf_landlock_rights(RF_ACCESS_WRITE, 2) & REFER);
	assert_false(rf_landlock_rights(RF_ACCESS_WRITE, 2) & TRUNC);
	assert_true(rf_landlock_rights(RF_ACCESS_WRITE, 3) & TRUNC);
	assert_false(rf_landlock_rights(RF_ACCESS_WRITE, 4) & IOCTL);
	assert_true(rf_landlock_rights(RF_ACCESS_WRITE, 5) & IOCTL);

	assert_int_equal(rf_landlock_file_rights(1), EXEC | WFILE | RFILE);
	assert_int_equal(rf_landlock_file_rights(3), EXEC | WFILE | RFILE | TRUNC);
	assert_int_equal(rf_landlock_file_rights(7), EXEC | WFILE | RFILE | TRUNC | IOCTL);
}

static void test_describe(void **state)
{
	(void)state;
	char b[256];
	rf_landlock_describe_rights(READ, true, 7, b, sizeof b);
	assert_string_equal(b, "read");
	rf_landlock_describe_rights(rf_landlock_handled_fs(7), true, 7, b, sizeof b);
	assert_string_equal(b, "write");
	rf_landlock_describe_rights(rf_landlock_file_rights(7), false, 7, b, sizeof b);
	assert_string_equal(b, "write");
	rf_landlock_describe_rights(RFILE | EXEC, false, 7, b, sizeof b);
	assert_string_equal(b, "read");
	rf_landlock_describe_rights(RDIR, true, 7, b, sizeof b);
	assert_string_equal(b, "list");
	rf_landlock_describe_rights(RFILE | WFILE | IOCTL, false, 7, b, sizeof b);
	assert_string_equal(b, "write_file+read_file+ioctl_dev");
}

/* ---- MIRROR ---- */

static const struct fake_node mirror_tree[] = {
	{"/usr", RF_LL_DIR},          {"/tmp", RF_LL_DIR},
	{"/dev", RF_LL_DIR},          {"/proc", RF_LL_DIR},
	{"/bin", RF_LL_SYMLINK},      {"/home", RF_LL_DIR},
	{"/home/v", RF_LL_DIR},       {"/home/u", RF_LL_DIR},
	{"/home/u/.ssh", RF_LL_DIR},  {"/home/u/.bashrc", RF_LL_FILE},
	{"/home/u/.profile", RF_LL_SYMLINK},
	{"/home/u/ws", RF_LL_DIR},    {"/home/u/notes.txt", RF_LL_FILE},
	{"/home/u/.config", RF_LL_DIR}, {"/home/u/.config/git", RF_LL_DIR},
	{"/home/u/ws/.env", RF_LL_FILE},
};

static void test_mirror(void **state)
{
	(void)state;
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_SYMLINK, "/bin", false, false);
	add(&plan, RF_PLAN_BIND_RO, "/usr", true, false);
	add(&plan, RF_PLAN_TMPFS, "/tmp", true, false);
	add(&plan, RF_PLAN_DEV, "/dev", true, false);
	add(&plan, RF_PLAN_PROC, "/proc", true, false);
	add(&plan, RF_PLAN_HIDE, "/home/u/.ssh", true, false);
	add(&plan, RF_PLAN_BIND_RW, "/home/u/ws", true, false);
	add(&plan, RF_PLAN_PROTECT, "/home/u/ws/.git/hooks", true, false);
	add(&plan, RF_PLAN_HIDE, "/home/u/ws/.env", false, false);
	add(&plan, RF_PLAN_BIND_RW, "/home/u/notes.txt", false, false);
	/* the hidden paths to keep unreadable, missing ones included */
	rf_strv_push(&plan.landlock_hidden, "/home/u/.ssh");
	rf_strv_push(&plan.landlock_hidden, "/home/u/ws/.env");
	rf_strv_push(&plan.landlock_hidden, "/home/u/.config/gh");
	rf_strv_push(&plan.landlock_hidden, "/home/u/.netrc");

	struct fake_fs f = {.nodes = mirror_tree, .n = sizeof mirror_tree / sizeof mirror_tree[0]};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_MIRROR, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	/* the way to the hidden paths: list only; no rule on "/" reads them */
	assert_string_equal(r.v[0].path, "/");
	assert_int_equal(r.v[0].access, RDIR);
	assert_false(r.v[0].optional);
	assert_int_equal(rule_access(&r, "/home"), RDIR);
	assert_int_equal(rule_access(&r, "/home/u"), RDIR);
	assert_int_equal(rule_access(&r, "/home/u/.config"), RDIR);
	/* everything else beside them reads as before */
	assert_int_equal(rule_access(&r, "/usr"), READ);
	assert_int_equal(rule_access(&r, "/home/v"), READ);
	assert_int_equal(rule_access(&r, "/home/u/.bashrc"), RFILE | EXEC);
	assert_true(find(&r, "/home/u/.bashrc")->optional);
	assert_int_equal(rule_access(&r, "/home/u/.config/git"), READ);
	/* the hidden paths, existing or not, and symlinks: no rule */
	assert_null(find(&r, "/home/u/.ssh"));
	assert_null(find(&r, "/home/u/.netrc"));
	assert_null(find(&r, "/home/u/.config/gh"));
	assert_null(find(&r, "/home/u/.profile"));
	assert_null(find(&r, "/bin"));
	/* a hidden path inside a writable entry is not carved (the write rule
	 * reads beneath it; the supervisor watches it): no enumeration there */
	assert_false(was_listed(&f, "/home/u/ws"));
	assert_false(was_listed(&f, "/usr"));
	/* the writable entries */
	assert_int_equal(rule_access(&r, "/tmp"), 0xffff);
	assert_int_equal(rule_access(&r, "/dev"), 0xffff);
	assert_int_equal(rule_access(&r, "/home/u/ws"), 0xffff);
	assert_true(find(&r, "/home/u/ws")->optional);
	assert_int_equal(rule_access(&r, "/home/u/notes.txt"), rf_landlock_file_rights(7));
	assert_null(find(&r, "/home/u/ws/.git/hooks"));
	assert_int_equal(r.no_new_entries.n, 0);
	rf_landlock_rules_free(&r);

	/* ABI 1: no refer/truncate/ioctl in the write set */
	assert_int_equal(rf_landlock_compute(&o, 1, &ops, &r, &e), 0);
	assert_int_equal(rule_access(&r, "/home/u/ws"), 0x1fff);
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

/* ---- MIRROR split between the supervisor and the sandbox ---- */

static const struct fake_node split_tree[] = {
	{"/usr", RF_LL_DIR},           {"/tmp", RF_LL_DIR},          {"/dev", RF_LL_DIR},
	{"/proc", RF_LL_DIR},          {"/bin", RF_LL_SYMLINK},      {"/home", RF_LL_DIR},
	{"/etc", RF_LL_DIR},           {"/etc/passwd", RF_LL_FILE},  {"/etc/shadow", RF_LL_FILE},
	{"/etc/ssl", RF_LL_DIR},       {"/etc/ssl/certs", RF_LL_DIR}, {"/etc/ssl/private", RF_LL_DIR},
	{"/etc/ssl/private/key", RF_LL_FILE},
	{"/etc/alt", RF_LL_SYMLINK},   {"/home/u", RF_LL_DIR},       {"/home/u/.ssh", RF_LL_DIR},
	{"/home/u/.bashrc", RF_LL_FILE}, {"/home/u/ws", RF_LL_DIR},  {"/home/u/.cache", RF_LL_DIR},
	{"/home/u/.config", RF_LL_DIR}, {"/home/u/.config/git", RF_LL_DIR},
	{"/home/u/ws/.env", RF_LL_FILE},
};

static void build_split_plan(struct rf_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	add(plan, RF_PLAN_SYMLINK, "/bin", false, false);
	add(plan, RF_PLAN_BIND_RO, "/usr", true, false);
	add(plan, RF_PLAN_BIND_RO, "/etc", true, false);
	add(plan, RF_PLAN_HIDE, "/etc/shadow", false, false);
	add(plan, RF_PLAN_TMPFS, "/tmp", true, false);
	add(plan, RF_PLAN_DEV, "/dev", true, false);
	add(plan, RF_PLAN_PROC, "/proc", true, false);
	add(plan, RF_PLAN_BIND_RO, "/home/u", true, false);
	add(plan, RF_PLAN_HIDE, "/home/u/.ssh", true, false);
	add(plan, RF_PLAN_CACHE, "/home/u/.cache", true, false);
	add(plan, RF_PLAN_BIND_RW, "/home/u/ws", true, false);
	add(plan, RF_PLAN_HIDE, "/home/u/ws/.env", false, false);
	rf_strv_push(&plan->landlock_hidden, "/etc/shadow");
	rf_strv_push(&plan->landlock_hidden, "/home/u/.ssh");
	rf_strv_push(&plan->landlock_hidden, "/home/u/.config/gh"); /* missing */
	rf_strv_push(&plan->landlock_hidden, "/home/u/ws/.env");    /* writable: not carved */
}

/* Same path, access and type in both sets (order aside). */
static void assert_rules_equal(const struct rf_landlock_rules *a, const struct rf_landlock_rules *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct rf_landlock_rule *x = find(b, a->v[i].path);
		assert_non_null(x);
		assert_int_equal(x->access, a->v[i].access);
		assert_int_equal(x->is_dir, a->v[i].is_dir);
		assert_int_equal(x->optional, a->v[i].optional);
	}
}

/* The supervisor's part (rules beneath the host roots) and the sandbox's part
 * (the rest) are together exactly the whole mirror, and do not overlap: only
 * the directories seen through identity binds are the supervisor's. */
static void test_mirror_split(void **state)
{
	(void)state;
	struct rf_plan plan;
	build_split_plan(&plan);
	struct rf_strv roots = {0};
	rf_landlock_host_roots(&plan, &roots);
	/* "/" and /home are the sandbox's tmpfs: the first host-backed ones */
	assert_int_equal(roots.n, 2);
	assert_true(strv_has(&roots, "/etc"));
	assert_true(strv_has(&roots, "/home/u"));

	struct fake_fs f = {.nodes = split_tree, .n = sizeof split_tree / sizeof split_tree[0]};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_MIRROR, .plan = &plan};
	struct rf_landlock_rules whole, host, sandbox;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &whole, &e), 0);
	assert_int_equal(rf_landlock_compute_host(&o, &roots, 7, &ops, &host, &e), 0);
	o.host_roots = &roots;
	o.host_ruleset_fd = -1;
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &sandbox, &e), 0);

	/* the supervisor's: /etc and the home, what is beside their hidden paths */
	assert_int_equal(rule_access(&host, "/etc"), RDIR);
	assert_int_equal(rule_access(&host, "/etc/passwd"), RFILE | EXEC);
	assert_int_equal(rule_access(&host, "/etc/ssl"), READ);
	assert_int_equal(rule_access(&host, "/home/u"), RDIR);
	assert_int_equal(rule_access(&host, "/home/u/.bashrc"), RFILE | EXEC);
	assert_int_equal(rule_access(&host, "/home/u/.config"), RDIR);
	assert_int_equal(rule_access(&host, "/home/u/.config/git"), READ);
	assert_null(find(&host, "/etc/shadow"));
	assert_null(find(&host, "/etc/alt"));
	assert_null(find(&host, "/home/u/.ssh"));
	/* nothing on the sandbox's own inodes, no write rule (the cache's
	 * layer, the workspace: the sandbox's) */
	assert_null(find(&host, "/"));
	assert_null(find(&host, "/home"));
	assert_null(find(&host, "/proc"));
	assert_null(find(&host, "/usr"));
	assert_null(find(&host, "/home/u/.cache"));
	assert_null(find(&host, "/home/u/ws"));

	/* the sandbox's: its root and mount points, /proc, the writable entries */
	assert_int_equal(rule_access(&sandbox, "/"), RDIR);
	assert_int_equal(rule_access(&sandbox, "/home"), RDIR);
	assert_int_equal(rule_access(&sandbox, "/proc"), READ);
	assert_int_equal(rule_access(&sandbox, "/usr"), READ);
	assert_int_equal(rule_access(&sandbox, "/tmp"), 0xffff);
	assert_int_equal(rule_access(&sandbox, "/home/u/.cache"), 0xffff);
	assert_int_equal(rule_access(&sandbox, "/home/u/ws"), 0xffff);
	assert_null(find(&sandbox, "/etc"));
	assert_null(find(&sandbox, "/home/u"));
	assert_false(was_listed(&f, "/home/u/ws"));

	/* together: the whole, each rule once */
	struct rf_landlock_rules both = {0};
	for (size_t i = 0; i < host.n; i++) {
		assert_null(find(&sandbox, host.v[i].path));
		push_copy(&both, &host.v[i]);
	}
	for (size_t i = 0; i < sandbox.n; i++)
		push_copy(&both, &sandbox.v[i]);
	assert_rules_equal(&whole, &both);
	assert_rules_equal(&both, &whole);
	rf_landlock_rules_free(&both);
	rf_landlock_rules_free(&host);
	rf_landlock_rules_free(&sandbox);

	/* plan/review: the supervisor's rules carry no execute right */
	char *const allow[] = {"/usr/bin/cat", NULL};
	o.exec_allow = allow;
	assert_int_equal(rf_landlock_compute_host(&o, &roots, 7, &ops, &host, &e), 0);
	assert_true(host.n > 0);
	for (size_t i = 0; i < host.n; i++)
		assert_int_equal(host.v[i].access & EXEC, 0);
	assert_null(find(&host, "/usr/bin/cat")); /* the sandbox's to add */
	rf_landlock_rules_free(&host);

	/* a root that is a symlink (or gone) by the time it is listed: no rule */
	struct rf_strv alt = {0};
	rf_strv_push(&alt, "/etc/alt");
	rf_strv_push(&alt, "/nowhere");
	o.exec_allow = NULL;
	assert_int_equal(rf_landlock_compute_host(&o, &alt, 7, &ops, &host, &e), 0);
	assert_int_equal(host.n, 0);
	rf_landlock_rules_free(&host);
	/* ENFORCE mode has no host part */
	o.mode = RF_LANDLOCK_ENFORCE;
	assert_int_equal(rf_landlock_compute_host(&o, &alt, 7, &ops, &host, &e), -1);
	rf_strv_free(&alt);

	rf_landlock_rules_free(&whole);
	rf_strv_free(&roots);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

/* No host root where the way down leaves the host's inodes: a hidden path
 * inside a hidden directory (the cover is the sandbox's), or beneath a
 * directory the sandbox made (no entry). */
static void test_mirror_split_roots(void **state)
{
	(void)state;
	struct rf_plan plan;
	build_split_plan(&plan);
	add(&plan, RF_PLAN_HIDE, "/etc/ssl/private", true, false);
	rf_strv_push(&plan.landlock_hidden, "/etc/ssl/private");
	rf_strv_push(&plan.landlock_hidden, "/etc/ssl/private/key");
	rf_strv_push(&plan.landlock_hidden, "/opt/secret"); /* /opt: no entry, the sandbox's */
	struct rf_strv roots = {0};
	rf_landlock_host_roots(&plan, &roots);
	assert_int_equal(roots.n, 1);
	assert_string_equal(roots.v[0], "/home/u");
	rf_strv_free(&roots);

	/* a home that is itself the sandbox's (no bind: a tmpfs mount point) */
	struct rf_plan p2 = {0};
	add(&p2, RF_PLAN_BIND_RW, "/home/u/ws", true, false);
	rf_strv_push(&p2.landlock_hidden, "/home/u/.netrc");
	rf_landlock_host_roots(&p2, &roots);
	assert_int_equal(roots.n, 0);
	/* danger-full-access: "/" writable, nothing carved */
	add(&p2, RF_PLAN_BIND_RW, "/", true, false);
	rf_landlock_host_roots(&p2, &roots);
	assert_int_equal(roots.n, 0);
	/* a read-only "/" that is the host's: the whole carve-out is the host's */
	struct rf_plan p3 = {0};
	add(&p3, RF_PLAN_BIND_RO, "/", true, false);
	rf_strv_push(&p3.landlock_hidden, "/home/u/.netrc");
	rf_landlock_host_roots(&p3, &roots);
	assert_int_equal(roots.n, 1);
	assert_string_equal(roots.v[0], "/");
	rf_strv_free(&roots);
	rf_plan_free(&p3);
	rf_plan_free(&p2);
	rf_plan_free(&plan);
}

/* Without hidden paths outside writable entries, one read rule on "/". */
static void test_mirror_nothing_hidden(void **state)
{
	(void)state;
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RW, "/home/u/ws", true, false);
	add(&plan, RF_PLAN_HIDE, "/home/u/ws/.env", false, false);
	rf_strv_push(&plan.landlock_hidden, "/home/u/ws/.env");
	struct fake_fs f = {.nodes = mirror_tree, .n = sizeof mirror_tree / sizeof mirror_tree[0]};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_MIRROR, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(rule_access(&r, "/"), READ);
	assert_int_equal(f.listed.n, 0);
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

/* Plan/review: only exec_allow keeps the execute right (bit 0). */
static void test_mirror_exec_allow(void **state)
{
	(void)state;
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RO, "/usr", true, false);
	add(&plan, RF_PLAN_TMPFS, "/tmp", true, false);
	add(&plan, RF_PLAN_BIND_RO, "/home/u/ws", true, false);
	char *const allow[] = {"/usr/bin/cat", "/usr/lib/ld.so", NULL};
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_MIRROR, .plan = &plan, .exec_allow = allow};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, NULL, &r, &e), 0);
	for (size_t i = 0; i < r.n; i++) {
		bool allowed = strcmp(r.v[i].path, "/usr/bin/cat") == 0 || strcmp(r.v[i].path, "/usr/lib/ld.so") == 0;
		if (allowed)
			assert_int_equal(r.v[i].access, 0x1 | 0x4); /* execute + read_file */
		else
			assert_int_equal(r.v[i].access & 0x1, 0);
		if (allowed)
			assert_false(r.v[i].is_dir);
	}
	assert_int_equal(rule_access(&r, "/"), READ & ~0x1ull);
	assert_int_equal(rule_access(&r, "/tmp"), 0xffff & ~0x1ull);
	rf_landlock_rules_free(&r);
	rf_plan_free(&plan);
}

/* A common git dir reached from a linked worktree (no_new_dirs): regular
 * files can be made at its top (packed-refs.lock), nothing else; its
 * writable subdirectories get the full rule. */
static void test_mirror_no_new_dirs(void **state)
{
	(void)state;
	static const struct fake_node t[] = {
		{"/r", RF_LL_DIR},               {"/r/.git", RF_LL_DIR},         {"/r/.git/objects", RF_LL_DIR},
		{"/r/.git/refs", RF_LL_DIR},
		{"/r/.git/hooks", RF_LL_DIR},    {"/r/.git/HEAD", RF_LL_FILE},   {"/r/.git/packed-refs", RF_LL_FILE},
		{"/r/.git/evil", RF_LL_SYMLINK},
	};
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RW, "/r/.git", true, false);
	plan.v[0].no_new_dirs = true;
	add(&plan, RF_PLAN_PROTECT, "/r/.git/hooks", true, false);
	add(&plan, RF_PLAN_PROTECT, "/r/.git/HEAD", false, false);
	struct fake_fs f = {.nodes = t, .n = sizeof t / sizeof t[0]};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_MIRROR, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	/* all but make_char, make_dir, make_sock, make_fifo, make_block, make_sym */
	assert_int_equal(rule_access(&r, "/r/.git"), 0xffff & ~0x1ec0ull);
	assert_true(rule_access(&r, "/r/.git") & (1ull << 8)); /* make_reg */
	assert_int_equal(rule_access(&r, "/r/.git/objects"), 0xffff);
	assert_int_equal(rule_access(&r, "/r/.git/refs"), 0xffff);
	assert_null(find(&r, "/r/.git/hooks"));
	assert_null(find(&r, "/r/.git/HEAD"));
	assert_null(find(&r, "/r/.git/evil"));
	assert_true(was_listed(&f, "/r/.git"));
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);

	/* ENFORCE: nothing at all can be made at its top */
	o.mode = RF_LANDLOCK_ENFORCE;
	plan.n = 1;
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	assert_int_equal(rule_access(&r, "/r/.git"), READ);
	assert_int_equal(rule_access(&r, "/r/.git/objects"), 0xffff);
	assert_true(strv_has(&r.no_new_entries, "/r/.git"));
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);
	plan.n = 3;
	rf_plan_free(&plan);
}

/* ---- ENFORCE ---- */

static const struct fake_node tree[] = {
	{"/usr", RF_LL_DIR},
	{"/usr/bin", RF_LL_DIR},
	{"/etc", RF_LL_DIR},
	{"/etc/passwd", RF_LL_FILE},
	{"/etc/shadow", RF_LL_FILE},
	{"/etc/ssl", RF_LL_DIR},
	{"/etc/ssl/certs", RF_LL_DIR},
	{"/etc/ssl/private", RF_LL_DIR},
	{"/etc/hosts", RF_LL_FILE},
	{"/tmp", RF_LL_DIR},
	{"/tmp/other-user-file", RF_LL_FILE},
	{"/dev", RF_LL_DIR},
	{"/dev/null", RF_LL_FILE},
	{"/bin", RF_LL_SYMLINK},
	{"/home", RF_LL_DIR},
	{"/home/u", RF_LL_DIR},
	{"/home/u/.bashrc", RF_LL_FILE},
	{"/home/u/.config", RF_LL_DIR},
	{"/home/u/.ssh", RF_LL_DIR},
	{"/home/u/.ssh/id_rsa", RF_LL_FILE},
	{"/home/u/dotlink", RF_LL_SYMLINK},
	{"/home/u/ws", RF_LL_DIR},
	{"/home/u/ws/README", RF_LL_FILE},
	{"/home/u/ws/src", RF_LL_DIR},
	{"/home/u/ws/.git", RF_LL_DIR},
	{"/home/u/ws/.git/config", RF_LL_FILE},
	{"/home/u/ws/.git/hooks", RF_LL_DIR},
	{"/home/u/ws/.git/objects", RF_LL_DIR},
	{"/home/u/ws/.git/HEAD", RF_LL_FILE},
	{"/home/v", RF_LL_DIR},
	{"/var", RF_LL_DIR},
};

static void build_plan(struct rf_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	add(plan, RF_PLAN_SYMLINK, "/bin", false, false);
	add(plan, RF_PLAN_BIND_RO, "/usr", true, false);
	add(plan, RF_PLAN_BIND_RO, "/etc", true, false);
	add(plan, RF_PLAN_HIDE, "/etc/shadow", false, false);
	add(plan, RF_PLAN_HIDE, "/etc/ssl/private", true, false);
	add(plan, RF_PLAN_TMPFS, "/tmp", true, false);
	add(plan, RF_PLAN_DEV, "/dev", true, false);
	add(plan, RF_PLAN_BIND_RO, "/home/u", true, false);
	add(plan, RF_PLAN_HIDE, "/home/u/.ssh", true, false);
	add(plan, RF_PLAN_BIND_RW, "/home/u/ws", true, false);
	add(plan, RF_PLAN_PROTECT, "/home/u/ws/.git/config", false, false);
	add(plan, RF_PLAN_PROTECT, "/home/u/ws/.git/hooks", true, false);
	add(plan, RF_PLAN_PROTECT, "/home/u/ws/.ringfence", true, true);
}

static void test_enforce_tree(void **state)
{
	(void)state;
	struct rf_plan plan;
	build_plan(&plan);
	struct fake_fs f = {.nodes = tree, .n = sizeof tree / sizeof tree[0]};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_ENFORCE, .plan = &plan, .private_tmp = "/tmp/rf-priv"};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	const uint64_t W = rf_landlock_handled_fs(7), WF = rf_landlock_file_rights(7);
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);

	/* "/" grants nothing and is never enumerated; /var, /tmp content, the
	 * other user's home get no rule */
	assert_null(find(&r, "/"));
	assert_false(was_listed(&f, "/"));
	assert_false(was_listed(&f, "/home"));
	assert_null(find(&r, "/var"));
	assert_null(find(&r, "/home"));
	assert_null(find(&r, "/home/v"));
	assert_null(find(&r, "/tmp"));
	assert_null(find(&r, "/tmp/other-user-file"));
	assert_null(find(&r, "/bin"));

	/* homogeneous */
	assert_int_equal(rule_access(&r, "/usr"), READ);
	/* /etc: hidden files beneath -> list only, then per child */
	assert_int_equal(rule_access(&r, "/etc"), RDIR);
	assert_int_equal(rule_access(&r, "/etc/passwd"), RFILE | EXEC);
	assert_int_equal(rule_access(&r, "/etc/hosts"), RFILE | EXEC);
	assert_null(find(&r, "/etc/shadow"));
	assert_null(find(&r, "/etc/ssl")); /* list right inherited from /etc */
	assert_int_equal(rule_access(&r, "/etc/ssl/certs"), READ);
	assert_null(find(&r, "/etc/ssl/private"));
	assert_false(find(&r, "/etc/passwd")->is_dir);

	/* home */
	assert_int_equal(rule_access(&r, "/home/u"), RDIR);
	assert_int_equal(rule_access(&r, "/home/u/.bashrc"), RFILE | EXEC);
	assert_int_equal(rule_access(&r, "/home/u/.config"), READ);
	assert_null(find(&r, "/home/u/.ssh"));
	assert_null(find(&r, "/home/u/.ssh/id_rsa"));
	assert_null(find(&r, "/home/u/dotlink"));

	/* workspace: heterogeneous (protected beneath, one of them missing) */
	assert_int_equal(rule_access(&r, "/home/u/ws"), READ);
	assert_int_equal(rule_access(&r, "/home/u/ws/README"), WF);
	assert_int_equal(rule_access(&r, "/home/u/ws/src"), W);
	assert_null(find(&r, "/home/u/ws/.git")); /* read inherited from ws */
	assert_int_equal(rule_access(&r, "/home/u/ws/.git/objects"), W);
	assert_int_equal(rule_access(&r, "/home/u/ws/.git/HEAD"), WF);
	/* protected: read is inherited from ws's rule, nothing added */
	assert_null(find(&r, "/home/u/ws/.git/hooks"));
	assert_null(find(&r, "/home/u/ws/.git/config"));
	assert_null(find(&r, "/home/u/ws/.ringfence"));
	assert_true(strv_has(&r.no_new_entries, "/home/u/ws"));
	assert_true(strv_has(&r.no_new_entries, "/home/u/ws/.git"));
	assert_int_equal(r.no_new_entries.n, 2);

	/* /dev: the minimal set, not the host's /dev */
	assert_int_equal(rule_access(&r, "/dev"), RDIR);
	assert_int_equal(rule_access(&r, "/dev/null"), RFILE | WFILE | IOCTL);
	assert_int_equal(rule_access(&r, "/dev/shm"), W);
	assert_true(find(&r, "/dev/null")->optional);

	/* private tmp */
	assert_int_equal(rule_access(&r, "/tmp/rf-priv"), W);
	assert_false(find(&r, "/tmp/rf-priv")->optional);

	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

static void test_enforce_abi3_masks(void **state)
{
	(void)state;
	struct rf_plan plan;
	build_plan(&plan);
	struct fake_fs f = {.nodes = tree, .n = sizeof tree / sizeof tree[0]};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_ENFORCE, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 3, &ops, &r, &e), 0);
	assert_int_equal(rule_access(&r, "/home/u/ws/src"), 0x7fff);
	assert_int_equal(rule_access(&r, "/home/u/ws/README"), EXEC | WFILE | RFILE | TRUNC);
	assert_int_equal(rule_access(&r, "/dev/null"), RFILE | WFILE);
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.v[i].access & ~rf_landlock_handled_fs(3), 0);
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

/* A workspace whose only protected path is missing: still heterogeneous. */
static void test_enforce_missing_protected(void **state)
{
	(void)state;
	static const struct fake_node t[] = {
		{"/w", RF_LL_DIR},
		{"/w/a", RF_LL_DIR},
		{"/w/b.txt", RF_LL_FILE},
	};
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RW, "/w", true, false);
	add(&plan, RF_PLAN_PROTECT, "/w/.ringfence", true, true);
	struct fake_fs f = {.nodes = t, .n = 3};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_ENFORCE, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(rule_access(&r, "/w"), READ);
	assert_int_equal(rule_access(&r, "/w/a"), 0xffff);
	assert_int_equal(rule_access(&r, "/w/b.txt"), rf_landlock_file_rights(7));
	assert_true(strv_has(&r.no_new_entries, "/w"));
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);

	/* without the protected path: one rule, nothing enumerated */
	plan.n = 1;
	f.listed = (struct rf_strv){0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(rule_access(&r, "/w"), 0xffff);
	assert_int_equal(f.listed.n, 0);
	assert_int_equal(r.no_new_entries.n, 0);
	rf_landlock_rules_free(&r);
	plan.n = 2;
	rf_plan_free(&plan);
}

/* Hide/protect behind a symlink cannot be enforced: fail closed. */
static void test_enforce_symlink_restricting(void **state)
{
	(void)state;
	static const struct fake_node t[] = {
		{"/h", RF_LL_DIR},
		{"/h/.ssh", RF_LL_SYMLINK},
		{"/h/x", RF_LL_FILE},
	};
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RO, "/h", true, false);
	add(&plan, RF_PLAN_HIDE, "/h/.ssh", true, false);
	struct fake_fs f = {.nodes = t, .n = 3};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_ENFORCE, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), -1);
	assert_non_null(strstr(e.msg, "/h/.ssh is a symlink"));
	assert_int_equal(r.n, 0);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

/* A granting entry behind a symlink: skipped (the link's target has its own
 * rights); nothing fails. */
static void test_enforce_symlink_granting(void **state)
{
	(void)state;
	static const struct fake_node t[] = {
		{"/h", RF_LL_DIR},
		{"/h/proj", RF_LL_SYMLINK},
	};
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RW, "/h/proj/sub", true, false);
	struct fake_fs f = {.nodes = t, .n = 2};
	struct rf_landlock_fs ops = fake_ops(&f);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_ENFORCE, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &ops, &r, &e), 0);
	assert_int_equal(r.n, 0);
	rf_landlock_rules_free(&r);
	rf_strv_free(&f.listed);
	rf_plan_free(&plan);
}

/* The real host lister: sorted children, and the enumeration cap. */
static void test_enforce_host_fs(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/rf-ll-test-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	cleanup_free char *ws = rf_path_join(tmpl, "ws");
	cleanup_free char *src = rf_path_join(ws, "src");
	cleanup_free char *big = rf_path_join(ws, "big");
	cleanup_free char *hooks = rf_path_join(ws, ".git/hooks");
	cleanup_free char *git = rf_path_join(ws, ".git");
	cleanup_free char *lnk = rf_path_join(ws, "link");
	assert_int_equal(mkdir(ws, 0755), 0);
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(git, 0755), 0);
	assert_int_equal(mkdir(hooks, 0755), 0);
	assert_int_equal(symlink("/etc", lnk), 0);

	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RW, ws, true, false);
	add(&plan, RF_PLAN_PROTECT, hooks, true, false);
	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_ENFORCE, .plan = &plan};
	struct rf_landlock_rules r;
	struct rf_error e = {0};
	assert_int_equal(rf_landlock_compute(&o, 7, &rf_landlock_host_fs, &r, &e), 0);
	assert_int_equal(rule_access(&r, ws), READ);
	assert_int_equal(rule_access(&r, src), 0xffff);
	assert_null(find(&r, git)); /* read inherited from ws */
	assert_null(find(&r, lnk));
	assert_null(find(&r, hooks));
	rf_landlock_rules_free(&r);

	/* a heterogeneous directory with too many children: clear failure */
	assert_int_equal(mkdir(big, 0755), 0);
	for (int i = 0; i <= RF_LANDLOCK_MAX_CHILDREN; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s/f%05d", big, i);
		FILE *fp = fopen(name, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	cleanup_free char *bigp = rf_path_join(big, ".ringfence");
	add(&plan, RF_PLAN_PROTECT, bigp, true, true);
	assert_int_equal(rf_landlock_compute(&o, 7, &rf_landlock_host_fs, &r, &e), -1);
	assert_non_null(strstr(e.msg, "more than 10000 entries"));
	assert_non_null(strstr(e.msg, big));

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
	rf_plan_free(&plan);
}

/* Refusals that happen before any syscall. */
static void test_apply_refusals(void **state)
{
	(void)state;
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RO, "/usr", true, false);
	struct rf_landlock_rules r = {0};
	struct rf_error e = {0};

	struct rf_landlock_opts o = {.mode = RF_LANDLOCK_MIRROR, .plan = &plan, .scope_signal = true};
	assert_int_equal(rf_landlock_apply_rules(&o, &r, 5, &e), -1);
	assert_non_null(strstr(e.msg, "signals"));
	assert_non_null(strstr(e.msg, "ABI 6"));

	o = (struct rf_landlock_opts){.mode = RF_LANDLOCK_MIRROR, .plan = &plan, .scope_abstract_unix = true};
	assert_int_equal(rf_landlock_apply_rules(&o, &r, 4, &e), -1);
	assert_non_null(strstr(e.msg, "abstract unix sockets"));

	o = (struct rf_landlock_opts){.mode = RF_LANDLOCK_ENFORCE, .plan = &plan};
	assert_int_equal(rf_landlock_apply_rules(&o, &r, 2, &e), -1);
	assert_non_null(strstr(e.msg, "ABI 2"));

	assert_int_equal(rf_landlock_apply_rules(&o, &r, 0, &e), -1);
	assert_int_equal(rf_landlock_compute(&o, 0, NULL, &r, &e), -1);
	rf_plan_free(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handled_per_abi),
		cmocka_unit_test(test_rights),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_mirror),
		cmocka_unit_test(test_mirror_nothing_hidden),
		cmocka_unit_test(test_mirror_exec_allow),
		cmocka_unit_test(test_mirror_no_new_dirs),
		cmocka_unit_test(test_enforce_tree),
		cmocka_unit_test(test_enforce_abi3_masks),
		cmocka_unit_test(test_enforce_missing_protected),
		cmocka_unit_test(test_enforce_symlink_restricting),
		cmocka_unit_test(test_enforce_symlink_granting),
		cmocka_unit_test(test_enforce_host_fs),
		cmocka_unit_test(test_apply_refusals),
		cmocka_unit_test(test_mirror_split),
		cmocka_unit_test(test_mirror_split_roots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
