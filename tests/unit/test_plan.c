/* Unit tests: policy -> mount plan, and rf_plan_lookup (what `explain` and
 * the violation reporter will say). The plan reads the host filesystem, so
 * each test builds a small tree under a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan.h"
#include "policy.h"
#include "util.h"

static char root[256];

static char *P(const char *rel)
{
	static char buf[8][512];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
	return buf[k];
}

static void mkdirs(const char *rel)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", P(rel));
	assert_int_equal(system(cmd), 0);
}

static void touch(const char *rel, const char *content)
{
	FILE *f = fopen(P(rel), "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/rf-plan-test.XXXXXX");
	assert_non_null(mkdtemp(root));
	mkdirs("home/.ssh");
	touch("home/.ssh/id_rsa", "k");
	touch("home/.netrc", "n");
	mkdirs("home/ws/.git/hooks");
	mkdirs("home/ws/.git/objects");
	touch("home/ws/.git/config", "");
	mkdirs("home/ws/src");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd);
}

static rf_policy *policy(const char *ws)
{
	struct rf_error e;
	setenv("HOME", P("home"), 1);
	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, P(ws), &e), 0);
	return p;
}

static void build(rf_policy *p, struct rf_plan *plan)
{
	struct rf_error e = {0};
	struct rf_plan_host h = {.home = P("home"), .cwd = P("home/ws")};
	int rc = rf_plan_build(p, &h, plan, &e);
	if (rc < 0)
		fail_msg("plan failed: %s", e.msg);
}

static void expect(const struct rf_plan *plan, const char *path, enum rf_access a, const char *rule_prefix)
{
	struct rf_plan_verdict v = rf_plan_lookup(plan, path);
	if (v.access != a)
		fail_msg("%s: access %d, want %d (rule %s)", path, v.access, a, v.entry ? v.entry->rule : "none");
	if (rule_prefix && (!v.entry || strncmp(v.entry->rule, rule_prefix, strlen(rule_prefix)) != 0))
		fail_msg("%s: rule %s, want %s*", path, v.entry ? v.entry->rule : "none", rule_prefix);
}

static void test_workspace_write(void **state)
{
	(void)state;
	rf_policy *p = policy("home/ws");
	struct rf_plan plan;
	build(p, &plan);
	expect(&plan, P("home/ws/src/a.c"), RF_ACCESS_WRITE, "workspace");
	expect(&plan, P("home/ws/.git/objects/ab"), RF_ACCESS_WRITE, NULL);
	expect(&plan, P("home/ws/.git/hooks/pre-commit"), RF_ACCESS_READ, "protected:.git/hooks");
	expect(&plan, P("home/ws/.git/config"), RF_ACCESS_READ, "protected:.git/config");
	/* missing ones: placeholders */
	expect(&plan, P("home/ws/.git/info/exclude"), RF_ACCESS_READ, "protected:.git/info");
	expect(&plan, P("home/ws/.ringfence/config.toml"), RF_ACCESS_READ, "protected:.ringfence");
	expect(&plan, P("home/.ssh/id_rsa"), RF_ACCESS_NONE, "hidden:~/.ssh");
	expect(&plan, P("home/.netrc"), RF_ACCESS_NONE, "hidden:~/.netrc");
	expect(&plan, P("home/.bashrc"), RF_ACCESS_READ, "home:~");
	expect(&plan, "/usr/bin/env", RF_ACCESS_READ, "system:/usr");
	expect(&plan, "/etc/shadow", RF_ACCESS_NONE, "hidden:/etc/shadow");
	expect(&plan, "/tmp/x", RF_ACCESS_WRITE, "private:/tmp");
	expect(&plan, "/mnt/x", RF_ACCESS_NONE, NULL);
	/* .git itself is a mount point so it cannot be renamed away */
	bool parent_bound = false;
	for (size_t i = 0; i < plan.n; i++)
		if (strcmp(plan.v[i].path, P("home/ws/.git")) == 0 && plan.v[i].kind == RF_PLAN_BIND_RW)
			parent_bound = true;
	assert_true(parent_bound);
	/* parents before children */
	for (size_t i = 1; i < plan.n; i++)
		if (rf_path_is_within(plan.v[i - 1].path, plan.v[i].path) &&
		    strcmp(plan.v[i - 1].path, plan.v[i].path) != 0)
			fail_msg("%s comes before its parent %s", plan.v[i - 1].path, plan.v[i].path);
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_read_only_mode(void **state)
{
	(void)state;
	rf_policy *p = policy("home/ws");
	rf_policy_set_sandbox_mode(p, RF_SANDBOX_READ_ONLY);
	struct rf_plan plan;
	build(p, &plan);
	expect(&plan, P("home/ws/src/a.c"), RF_ACCESS_READ, "workspace (read-only mode)");
	expect(&plan, "/tmp/x", RF_ACCESS_WRITE, NULL);
	for (size_t i = 0; i < plan.n; i++)
		assert_false(plan.v[i].kind == RF_PLAN_PROTECT && plan.v[i].missing);
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_extra_rules(void **state)
{
	(void)state;
	struct rf_error e;
	mkdirs("data/secret");
	mkdirs("cache");
	rf_policy *p = policy("home/ws");
	assert_int_equal(rf_policy_add_read_only(p, P("data"), "--read-only", &e), 0);
	assert_int_equal(rf_policy_add_hidden(p, P("data/secret"), "--hide", &e), 0);
	assert_int_equal(rf_policy_add_writable_root(p, P("cache"), "--writable-root", &e), 0);
	assert_int_equal(rf_policy_add_hidden(p, P("home/ws/src"), "--hide", &e), 0);
	struct rf_plan plan;
	build(p, &plan);
	expect(&plan, P("data/x"), RF_ACCESS_READ, "read-only:");
	expect(&plan, P("data/secret/x"), RF_ACCESS_NONE, "hidden:");
	expect(&plan, P("cache/x"), RF_ACCESS_WRITE, "writable-root:");
	expect(&plan, P("cache/.ringfence"), RF_ACCESS_READ, "protected:.ringfence");
	expect(&plan, P("home/ws/src/a.c"), RF_ACCESS_NONE, "hidden:");
	struct rf_plan_verdict v = rf_plan_lookup(&plan, P("data/secret"));
	assert_string_equal(v.entry->source, "--hide");
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_refusals(void **state)
{
	(void)state;
	struct rf_error e = {0};
	struct rf_plan plan;
	struct rf_plan_host h = {.home = P("home"), .cwd = P("home")};
	/* workspace inside a hidden path */
	mkdirs("home/.ssh/proj");
	rf_policy *p = policy("home/.ssh/proj");
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), -1);
	assert_non_null(strstr(e.msg, "inside hidden path"));
	rf_plan_free(&plan);
	rf_policy_free(p);
	/* a symlink where a protected path should be */
	mkdirs("home/ws2/.git");
	assert_int_equal(symlink("/tmp", P("home/ws2/.git/hooks")), 0);
	p = policy("home/ws2");
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), -1);
	assert_non_null(strstr(e.msg, "is a symlink"));
	rf_plan_free(&plan);
	rf_policy_free(p);
	/* the whole filesystem as workspace */
	setenv("HOME", P("home"), 1);
	p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, "/", &e), 0);
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), -1);
	rf_plan_free(&plan);
	rf_policy_free(p);
	/* protected paths must be relative and stay inside */
	p = rf_policy_new();
	assert_int_equal(rf_policy_add_protected(p, "/abs", "t", &e), -1);
	assert_int_equal(rf_policy_add_protected(p, "../up", "t", &e), -1);
	assert_int_equal(rf_policy_add_protected(p, "a/../../up", "t", &e), -1);
	assert_int_equal(rf_policy_add_protected(p, ".env", "t", &e), 0);
	rf_policy_free(p);
}

static void test_missing_git(void **state)
{
	(void)state;
	mkdirs("home/plain");
	rf_policy *p = policy("home/plain");
	struct rf_plan plan;
	build(p, &plan);
	/* no .git: .git itself stands in, so no repository with hooks can be created */
	expect(&plan, P("home/plain/.git/hooks/pre-commit"), RF_ACCESS_READ, "protected:.git (missing");
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_danger(void **state)
{
	(void)state;
	rf_policy *p = policy("home/ws");
	rf_policy_set_sandbox_mode(p, RF_SANDBOX_DANGER_FULL_ACCESS);
	struct rf_plan plan;
	build(p, &plan);
	expect(&plan, "/etc/passwd", RF_ACCESS_WRITE, "danger-full-access");
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static const struct rf_plan_entry *entry_at(const struct rf_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if (strcmp(plan->v[i].path, path) == 0)
			return &plan->v[i];
	return NULL;
}

static void test_foreign_gitfile_not_granted(void **state)
{
	/* a .git file an earlier run could have written, naming $HOME */
	(void)state;
	mkdirs("home/ws/sub");
	char content[600];
	snprintf(content, sizeof content, "gitdir: %s\n", P("home"));
	touch("home/ws/sub/.git", content);
	rf_policy *p = policy("home/ws/sub");
	struct rf_plan plan;
	build(p, &plan);
	expect(&plan, P("home/.bashrc"), RF_ACCESS_READ, "home:~");
	expect(&plan, P("home/ws/sub/.git"), RF_ACCESS_READ, "protected:");
	assert_non_null(plan.warnings);
	assert_non_null(strstr(plan.warnings, "is not made visible or writable"));
	assert_null(entry_at(&plan, P("home/hooks"))); /* no placeholders in it either */
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_submodule_gitdir_granted(void **state)
{
	/* a submodule's git dir says it is ours: core.worktree */
	(void)state;
	mkdirs("home/super/.git/modules/lib/objects");
	mkdirs("home/super/.git/modules/lib/hooks");
	touch("home/super/.git/modules/lib/config", "[core]\n\tbare = false\n\tworktree = ../../../lib\n");
	mkdirs("home/super/lib");
	touch("home/super/lib/.git", "gitdir: ../.git/modules/lib\n");
	rf_policy *p = policy("home/super/lib");
	struct rf_plan plan;
	build(p, &plan);
	expect(&plan, P("home/super/.git/modules/lib/objects/ab"), RF_ACCESS_WRITE, "git-dir");
	expect(&plan, P("home/super/.git/modules/lib/hooks/pre-commit"), RF_ACCESS_READ, "protected:.git/hooks");
	expect(&plan, P("home/super/.git/modules/lib/config"), RF_ACCESS_READ, "protected:.git/config");
	assert_null(plan.warnings);
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_worktrees_symlink_not_followed(void **state)
{
	/* .git/worktrees/evil -> $HOME once became a read-only bind of $HOME's target */
	(void)state;
	mkdirs("home/ws/.git/worktrees");
	assert_int_equal(symlink("/", P("home/ws/.git/worktrees/evil")), 0);
	rf_policy *p = policy("home/ws");
	struct rf_plan plan;
	build(p, &plan);
	assert_null(entry_at(&plan, "/"));
	expect(&plan, "/home/anyone/file", RF_ACCESS_NONE, NULL);
	rf_plan_free(&plan);
	rf_policy_free(p);
	assert_int_equal(unlink(P("home/ws/.git/worktrees/evil")), 0);
}

static void test_grant_through_planted_symlink_refused(void **state)
{
	(void)state;
	assert_int_equal(symlink("/usr", P("home/ws/vendor")), 0);
	rf_policy *p = policy("home/ws");
	struct rf_error e = {0};
	assert_int_equal(rf_policy_add_read_only(p, P("home/ws/vendor"), "t", &e), 0);
	struct rf_plan plan;
	struct rf_plan_host h = {.home = P("home"), .cwd = P("home/ws")};
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), -1);
	assert_non_null(strstr(e.msg, "is a symlink inside the writable"));
	rf_plan_free(&plan);
	rf_policy_free(p);
	/* the user's own symlink, in the read-only home: followed */
	assert_int_equal(symlink("/usr", P("home/usrlink")), 0);
	p = policy("home/ws");
	assert_int_equal(rf_policy_add_read_only(p, P("home/usrlink/share"), "t", &e), 0);
	build(p, &plan);
	expect(&plan, "/usr/share/x", RF_ACCESS_READ, NULL);
	rf_plan_free(&plan);
	rf_policy_free(p);
	assert_int_equal(unlink(P("home/ws/vendor")), 0);
	assert_int_equal(unlink(P("home/usrlink")), 0);
}

static void test_missing_caches_planned(void **state)
{
	(void)state;
	rf_policy *p = policy("home/ws");
	struct rf_plan plan;
	build(p, &plan);
	const struct rf_plan_entry *npm = entry_at(&plan, P("home/.npm"));
	assert_non_null(npm);
	assert_int_equal(npm->kind, RF_PLAN_CACHE);
	assert_true(npm->missing && npm->optional);
	/* ~/.cargo missing as a whole: one layer over it */
	const struct rf_plan_entry *cargo = entry_at(&plan, P("home/.cargo"));
	assert_non_null(cargo);
	assert_null(entry_at(&plan, P("home/.cargo/registry")));
	assert_null(entry_at(&plan, P("home/go/pkg/mod"))); /* only when present */
	rf_plan_free(&plan);
	rf_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workspace_write), cmocka_unit_test(test_read_only_mode),
		cmocka_unit_test(test_extra_rules),     cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_missing_git),     cmocka_unit_test(test_danger),
		cmocka_unit_test(test_foreign_gitfile_not_granted), cmocka_unit_test(test_submodule_gitdir_granted),
		cmocka_unit_test(test_worktrees_symlink_not_followed),
		cmocka_unit_test(test_grant_through_planted_symlink_refused),
		cmocka_unit_test(test_missing_caches_planned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
