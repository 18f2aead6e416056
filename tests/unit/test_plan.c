/* Unit tests: policy -> mount plan, and rf_plan_lookup (what `explain` and
 * the violation reporter will say). The plan reads the host filesystem, so
 * each test builds a small tree under a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
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

static bool has_str(const struct rf_strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

/* The hidden paths Landlock keeps unreadable whatever the host puts there:
 * existing ones and missing ones (where they would be), all of the home's. */
static void test_landlock_hidden(void **state)
{
	(void)state;
	rf_policy *p = policy("home/ws");
	struct rf_plan plan;
	build(p, &plan);
	char home[PATH_MAX];
	assert_non_null(realpath(P("home"), home));
	char want[PATH_MAX + 64];
	snprintf(want, sizeof want, "%s/.ssh", home); /* exists: covered by a mount too */
	assert_true(has_str(&plan.landlock_hidden, want));
	snprintf(want, sizeof want, "%s/.pgpass", home); /* missing: no mount, only this */
	assert_true(has_str(&plan.landlock_hidden, want));
	snprintf(want, sizeof want, "%s/.config/gh", home); /* beneath a missing directory */
	assert_true(has_str(&plan.landlock_hidden, want));
	for (size_t i = 0; i < plan.n; i++)
		assert_false(plan.v[i].kind == RF_PLAN_HIDE && strstr(plan.v[i].path, ".pgpass"));
	/* a root caller could read what passwd writes to /etc/shadow */
	assert_int_equal(has_str(&plan.landlock_hidden, "/etc/shadow"), geteuid() == 0 || access("/etc/shadow", R_OK) == 0);
	rf_plan_free(&plan);
	rf_policy_free(p);
}

/* Hidden paths reached through the home's own symlinks, or under a part of
 * it that is missing or not a directory: each lands where the kernel would
 * put it (its directory is resolved once for all the paths in it). */
static void test_hidden_through_symlinks(void **state)
{
	(void)state;
	mkdirs("h3/ws");
	mkdirs("h3real/config/gh");
	mkdirs("h3real/ssh");
	char link[PATH_MAX];
	strcpy(link, P("h3real/config"));
	assert_int_equal(symlink(link, P("h3/.config")), 0);   /* ~/.config -> a directory elsewhere */
	strcpy(link, P("h3real/ssh"));
	assert_int_equal(symlink(link, P("h3/.ssh")), 0);      /* a hidden path that is itself a link */
	strcpy(link, P("nowhere/cargo"));
	assert_int_equal(symlink(link, P("h3/.cargo")), 0);    /* dangling */
	touch("h3/.local", "a file where a directory is expected");
	struct rf_error e = {0};
	setenv("HOME", P("h3"), 1);
	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, P("h3/ws"), &e), 0);
	struct rf_plan plan;
	struct rf_plan_host h = {.home = P("h3"), .cwd = P("h3/ws")};
	if (rf_plan_build(p, &h, &plan, &e) < 0)
		fail_msg("plan failed: %s", e.msg);
	char real[PATH_MAX], want[PATH_MAX + 64];
	assert_non_null(realpath(P("h3real"), real));
	snprintf(want, sizeof want, "%s/config/gh", real);
	expect(&plan, want, RF_ACCESS_NONE, "hidden:~/.config/gh");
	assert_true(has_str(&plan.landlock_hidden, want));
	snprintf(want, sizeof want, "%s/config/gcloud", real); /* missing, in the link's target */
	assert_true(has_str(&plan.landlock_hidden, want));
	snprintf(want, sizeof want, "%s/ssh", real);
	expect(&plan, want, RF_ACCESS_NONE, "hidden:~/.ssh");
	assert_non_null(realpath(P("h3"), real));
	snprintf(want, sizeof want, "%s/.cargo/credentials", real); /* a dangling link counts as missing */
	assert_true(has_str(&plan.landlock_hidden, want));
	snprintf(want, sizeof want, "%s/.local/share/keyrings", real); /* beneath a file */
	assert_true(has_str(&plan.landlock_hidden, want));
	for (size_t i = 0; i < plan.n; i++)
		assert_false(plan.v[i].kind == RF_PLAN_HIDE && strstr(plan.v[i].path, "keyrings"));
	/* no cache layer through the ~/.cargo link (its mount would fail the
	 * run): the caches under it stay read-only, and the run says so */
	for (size_t i = 0; i < plan.n; i++)
		assert_false(plan.v[i].kind == RF_PLAN_CACHE && strstr(plan.v[i].path, "/.cargo/"));
	assert_non_null(plan.warnings);
	assert_non_null(strstr(plan.warnings, "~/.cargo/registry gets no private cache layer"));
	assert_non_null(strstr(plan.warnings, "~/.cargo is a symlink or a file"));
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

/* A main checkout BASE/main with linked worktrees BASE/lw (the workspace)
 * and BASE/other, laid out as git lays them out. */
static void fake_worktrees(const char *base)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "set -e; cd '%s'; mkdir -p main/.git/objects main/.git/refs main/.git/hooks main/.git/logs lw other; "
		 "mkdir -p main/.git/worktrees/lw main/.git/worktrees/other/logs; "
		 "echo 'ref: refs/heads/master' > main/.git/HEAD; : > main/.git/index; : > main/.git/config; "
		 "for w in lw other; do echo \"gitdir: $PWD/main/.git/worktrees/$w\" > $w/.git; "
		 "echo \"$PWD/$w/.git\" > main/.git/worktrees/$w/gitdir; echo ../.. > main/.git/worktrees/$w/commondir; "
		 "echo \"ref: refs/heads/$w\" > main/.git/worktrees/$w/HEAD; done; : > main/.git/worktrees/other/index",
		 base);
	assert_int_equal(system(cmd), 0);
}

static void build_in(const char *ws, struct rf_plan *plan)
{
	struct rf_error e = {0};
	setenv("HOME", P("home"), 1);
	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, &e), 0);
	struct rf_plan_host h = {.home = P("home"), .cwd = ws};
	if (rf_plan_build(p, &h, plan, &e) < 0)
		fail_msg("plan failed: %s", e.msg);
	rf_policy_free(p);
}

static void test_other_worktree_admin_private(void **state)
{
	/* another worktree's admin dir: a private layer (with a `locked` file),
	 * its HEAD and index read-only, its reflogs real */
	(void)state;
	char base[512], path[600], ws[600];
	snprintf(base, sizeof base, "%s", P("wts"));
	mkdirs("wts");
	fake_worktrees(base);
	snprintf(ws, sizeof ws, "%s/lw", base);
	struct rf_plan plan;
	build_in(ws, &plan);
	snprintf(path, sizeof path, "%s/main/.git/worktrees/other", base);
	const struct rf_plan_entry *en = entry_at(&plan, path);
	assert_non_null(en);
	assert_int_equal(en->kind, RF_PLAN_CACHE);
	assert_string_equal(en->layer_file, "locked");
	snprintf(path, sizeof path, "%s/main/.git/worktrees/other/rebase-merge/git-rebase-todo", base);
	expect(&plan, path, RF_ACCESS_WRITE, "private:other-worktree admin other");
	snprintf(path, sizeof path, "%s/main/.git/worktrees/other/HEAD", base);
	expect(&plan, path, RF_ACCESS_READ, "protected:other worktree admin other/HEAD");
	snprintf(path, sizeof path, "%s/main/.git/worktrees/other/index", base);
	expect(&plan, path, RF_ACCESS_READ, "protected:");
	snprintf(path, sizeof path, "%s/main/.git/worktrees/other/logs/HEAD", base);
	expect(&plan, path, RF_ACCESS_WRITE, "other worktree admin other/logs");
	/* the worktrees dir is a mount point; our own admin dir is real */
	snprintf(path, sizeof path, "%s/main/.git/worktrees", base);
	assert_non_null(entry_at(&plan, path));
	snprintf(path, sizeof path, "%s/main/.git/worktrees/lw/rebase-merge/x", base);
	expect(&plan, path, RF_ACCESS_WRITE, "protected-parent:");
	snprintf(path, sizeof path, "%s/other/file", base);
	expect(&plan, path, RF_ACCESS_NONE, "hidden:other-worktree");
	rf_plan_free(&plan);
	/* from the main checkout, both linked worktrees are other */
	snprintf(ws, sizeof ws, "%s/main", base);
	build_in(ws, &plan);
	snprintf(path, sizeof path, "%s/main/.git/worktrees/lw", base);
	en = entry_at(&plan, path);
	assert_non_null(en);
	assert_int_equal(en->kind, RF_PLAN_CACHE);
	rf_plan_free(&plan);
}

static void test_main_checkout_state_guarded(void **state)
{
	/* from a linked worktree, the top of the common dir is the main
	 * checkout's admin dir: its state read-only, no new directories (so no
	 * rebase-merge/ with exec lines) when Landlock can hold that, which it
	 * cannot beneath the private /tmp */
	(void)state;
	char vt[] = "/var/tmp/rf-plan-test.XXXXXX";
	assert_non_null(mkdtemp(vt));
	fake_worktrees(vt);
	char cmd[700], path[600], ws[600];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/main/.git/rebase-merge'", vt);
	assert_int_equal(system(cmd), 0);
	snprintf(ws, sizeof ws, "%s/lw", vt);
	struct rf_plan plan;
	build_in(ws, &plan);
	snprintf(path, sizeof path, "%s/main/.git", vt);
	const struct rf_plan_entry *en = entry_at(&plan, path);
	assert_non_null(en);
	assert_int_equal(en->kind, RF_PLAN_BIND_RW);
	assert_true(en->no_new_dirs);
	snprintf(path, sizeof path, "%s/main/.git/HEAD", vt);
	expect(&plan, path, RF_ACCESS_READ, "protected:main checkout's HEAD");
	snprintf(path, sizeof path, "%s/main/.git/index", vt);
	expect(&plan, path, RF_ACCESS_READ, "protected:main checkout's index");
	snprintf(path, sizeof path, "%s/main/.git/rebase-merge/git-rebase-todo", vt);
	expect(&plan, path, RF_ACCESS_READ, "protected:main checkout's rebase-merge");
	snprintf(path, sizeof path, "%s/main/.git/objects/ab", vt);
	expect(&plan, path, RF_ACCESS_WRITE, "git-common-dir");
	/* the linked worktree's own rebase state is its own business */
	snprintf(path, sizeof path, "%s/main/.git/worktrees/lw/rebase-merge", vt);
	expect(&plan, path, RF_ACCESS_WRITE, NULL);
	rf_plan_free(&plan);
	/* the main checkout granted too: nothing of it is "other" */
	struct rf_error e = {0};
	setenv("HOME", P("home"), 1);
	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, ws, &e), 0);
	snprintf(path, sizeof path, "%s/main", vt);
	assert_int_equal(rf_policy_add_writable_root(p, path, "t", &e), 0);
	struct rf_plan_host h = {.home = P("home"), .cwd = ws};
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), 0);
	snprintf(path, sizeof path, "%s/main/.git/rebase-merge/x", vt);
	expect(&plan, path, RF_ACCESS_WRITE, NULL);
	for (size_t i = 0; i < plan.n; i++)
		assert_false(plan.v[i].no_new_dirs);
	rf_plan_free(&plan);
	rf_policy_free(p);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", vt);
	assert_int_equal(system(cmd), 0);
	/* beneath the private /tmp: Landlock cannot hold it, and the plan says so */
	mkdirs("wts2");
	fake_worktrees(P("wts2"));
	snprintf(ws, sizeof ws, "%s", P("wts2/lw"));
	build_in(ws, &plan);
	for (size_t i = 0; i < plan.n; i++)
		assert_false(plan.v[i].no_new_dirs);
	assert_non_null(plan.warnings);
	assert_non_null(strstr(plan.warnings, "are not prevented"));
	expect(&plan, P("wts2/main/.git/HEAD"), RF_ACCESS_READ, "protected:main checkout's HEAD");
	rf_plan_free(&plan);
}

static void test_home_as_workspace(void **state)
{
	/* refused without the flag; with it, dotfiles read-only, nothing new at
	 * the top (where Landlock can hold it: not beneath the private /tmp) */
	(void)state;
	char vt[] = "/var/tmp/rf-plan-home.XXXXXX";
	assert_non_null(mkdtemp(vt));
	char cmd[1024], path[700], home[300];
	snprintf(home, sizeof home, "%s/h", vt);
	snprintf(cmd, sizeof cmd,
		 "set -e; cd '%s'; mkdir -p h/.config/git h/bin h/proj/.git/hooks h/a/b/repo/.git h/.cache h/dotfiles; "
		 "echo x > h/.bashrc; echo y > h/dotfiles/zshrc; ln -s dotfiles/zshrc h/.zshrc; : > h/proj/.git/config",
		 vt);
	assert_int_equal(system(cmd), 0);
	struct rf_error e = {0};
	rf_policy *p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, home, &e), 0);
	struct rf_plan_host h = {.home = home, .cwd = home};
	struct rf_plan plan;
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), -1);
	assert_non_null(strstr(e.msg, "it is your home directory"));
	assert_non_null(strstr(e.msg, "--allow-home-write"));
	rf_plan_free(&plan);
	rf_policy_set_allow_home_write(p, true);
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), 0);
	const struct rf_plan_entry *en = entry_at(&plan, home);
	assert_non_null(en);
	assert_true(en->no_new_files && en->no_new_dirs);
	snprintf(path, sizeof path, "%s/.bashrc", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:~/.bashrc (writable home)");
	snprintf(path, sizeof path, "%s/.config/autostart/x.desktop", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:~/.config");
	snprintf(path, sizeof path, "%s/bin/ls", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:~/bin");
	snprintf(path, sizeof path, "%s/dotfiles/zshrc", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:"); /* a symlinked dotfile's target */
	snprintf(path, sizeof path, "%s/dotfiles/other", home);
	expect(&plan, path, RF_ACCESS_WRITE, "workspace");
	snprintf(path, sizeof path, "%s/proj/.git/hooks/pre-commit", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:.git/hooks");
	snprintf(path, sizeof path, "%s/proj/.git/objects/x", home);
	expect(&plan, path, RF_ACCESS_WRITE, NULL);
	snprintf(path, sizeof path, "%s/a/b/repo/.git/config", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:.git/config");
	snprintf(path, sizeof path, "%s/a/b/repo", home);
	assert_non_null(entry_at(&plan, path)); /* a mount point */
	snprintf(path, sizeof path, "%s/.cache/x", home);
	expect(&plan, path, RF_ACCESS_WRITE, "cache:"); /* still a private layer */
	rf_plan_free(&plan);
	/* a directory holding the home: refused without the flag; with it, the
	 * same protections, but the top of the home cannot be kept free */
	assert_int_equal(rf_policy_set_workspace(p, vt, &e), 0);
	h.cwd = vt;
	rf_policy_set_allow_home_write(p, false);
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), -1);
	assert_non_null(strstr(e.msg, "it holds your home directory"));
	rf_plan_free(&plan);
	rf_policy_set_allow_home_write(p, true);
	assert_int_equal(rf_plan_build(p, &h, &plan, &e), 0);
	en = entry_at(&plan, home);
	assert_non_null(en);
	assert_int_equal(en->kind, RF_PLAN_BIND_RW); /* a mount point */
	assert_false(en->no_new_files);
	assert_non_null(strstr(plan.warnings, "cannot be prevented"));
	snprintf(path, sizeof path, "%s/.bashrc", home);
	expect(&plan, path, RF_ACCESS_READ, "protected:~/.bashrc (writable home)");
	rf_plan_free(&plan);
	rf_policy_free(p);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", vt);
	assert_int_equal(system(cmd), 0);

	/* beneath /tmp: the top cannot be kept free, and the plan says so */
	mkdirs("home2/.ssh");
	touch("home2/.ssh/id_rsa", "k");
	touch("home2/.netrc", "n");
	setenv("HOME", P("home2"), 1);
	p = rf_policy_new();
	assert_int_equal(rf_policy_set_workspace(p, P("home2"), &e), 0);
	rf_policy_set_allow_home_write(p, true);
	struct rf_plan_host h2 = {.home = P("home2"), .cwd = P("home2")};
	if (rf_plan_build(p, &h2, &plan, &e) < 0)
		fail_msg("plan failed: %s", e.msg);
	assert_false(entry_at(&plan, P("home2"))->no_new_files);
	assert_non_null(plan.warnings);
	assert_non_null(strstr(plan.warnings, "cannot be prevented"));
	expect(&plan, P("home2/.ssh/id_rsa"), RF_ACCESS_NONE, "hidden:~/.ssh");
	expect(&plan, P("home2/.netrc"), RF_ACCESS_NONE, "hidden:~/.netrc");
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_submodules_protected(void **state)
{
	(void)state;
	mkdirs("home/sup/.git/hooks");
	mkdirs("home/sup/.git/modules/a/b/objects");
	mkdirs("home/sup/.git/modules/a/b/hooks");
	touch("home/sup/.git/config", "");
	touch("home/sup/.git/modules/a/b/HEAD", "ref: refs/heads/master\n");
	touch("home/sup/.git/modules/a/b/config", "[core]\n\tworktree = ../../../../b\n");
	mkdirs("home/sup/b");
	touch("home/sup/b/.git", "gitdir: ../.git/modules/a/b\n");
	rf_policy *p = policy("home/sup");
	struct rf_plan plan;
	build(p, &plan);
	/* off by default: git submodule update rewrites the config */
	expect(&plan, P("home/sup/.git/modules/a/b/config"), RF_ACCESS_WRITE, NULL);
	rf_plan_free(&plan);
	rf_policy_set_protect_submodules(p, true, "t");
	build(p, &plan);
	expect(&plan, P("home/sup/.git/modules/a/b/config"), RF_ACCESS_READ, "protected:.git/modules/a/b/config");
	expect(&plan, P("home/sup/.git/modules/a/b/hooks/pre-commit"), RF_ACCESS_READ, "protected:");
	expect(&plan, P("home/sup/.git/modules/a/b/info/attributes"), RF_ACCESS_READ, "protected:");
	expect(&plan, P("home/sup/.git/modules/a/b/objects/x"), RF_ACCESS_WRITE, "protected-parent:");
	expect(&plan, P("home/sup/.git/modules/a/b/commondir"), RF_ACCESS_WRITE, NULL); /* no placeholder */
	expect(&plan, P("home/sup/b/.git"), RF_ACCESS_READ, "protected:.git (submodule link)");
	rf_plan_free(&plan);
	/* inside a protected .git, the mount points made for them do not make
	 * it writable again */
	struct rf_error e;
	assert_int_equal(rf_policy_add_protected(p, ".git", "t", &e), 0);
	build(p, &plan);
	expect(&plan, P("home/sup/.git/modules/a/b/objects/x"), RF_ACCESS_READ, NULL);
	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == RF_PLAN_BIND_RW && rf_path_is_within(plan.v[i].path, P("home/sup/.git")))
			fail_msg("writable bind %s inside the protected .git", plan.v[i].path);
	rf_plan_free(&plan);
	rf_policy_free(p);
}

static void test_gitmodules_paths(void **state)
{
	(void)state;
	char text[] = "[submodule \"lib\"]\n\tpath = lib\n\turl = ../lib\n[submodule \"d\"]\n\tpath = \"deep/name/lib2\"\r\n"
		      "\tpath = ../../etc\n\tpath=/abs\n\tPATH = a//b\n\tpath = ./x\n\tpath = y/./z\n\tpathx = no\n"
		      "\tpath = ok/\n\tpath = .\n\t# path = commented\n";
	char *out[8];
	size_t n = rf_gitmodules_paths(text, out, 8);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "lib");
	assert_string_equal(out[1], "deep/name/lib2");
	assert_string_equal(out[2], "ok");
	char two[] = "path = a\npath = b\npath = c\n";
	assert_int_equal(rf_gitmodules_paths(two, out, 2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workspace_write), cmocka_unit_test(test_read_only_mode),
		cmocka_unit_test(test_landlock_hidden), cmocka_unit_test(test_hidden_through_symlinks),
		cmocka_unit_test(test_extra_rules),     cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_missing_git),     cmocka_unit_test(test_danger),
		cmocka_unit_test(test_foreign_gitfile_not_granted), cmocka_unit_test(test_submodule_gitdir_granted),
		cmocka_unit_test(test_worktrees_symlink_not_followed),
		cmocka_unit_test(test_grant_through_planted_symlink_refused),
		cmocka_unit_test(test_missing_caches_planned),
		cmocka_unit_test(test_other_worktree_admin_private),
		cmocka_unit_test(test_main_checkout_state_guarded),
		cmocka_unit_test(test_home_as_workspace),
		cmocka_unit_test(test_submodules_protected),
		cmocka_unit_test(test_gitmodules_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
