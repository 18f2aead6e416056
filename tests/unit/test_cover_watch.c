/* Unit tests: which covered paths the supervisor watches, and that a host
 * rename over one is seen while honest activity beside it is not
 * (src/linux/cover_watch.c; inotify on a temporary directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cover_watch.h"
#include "plan.h"
#include "util.h"

static void add(struct rf_plan *p, enum rf_plan_kind k, const char *path, const char *rule)
{
	p->v = rf_xrealloc(p->v, (p->n + 1) * sizeof *p->v);
	p->v[p->n++] = (struct rf_plan_entry){
		.kind = k, .path = rf_xstrdup(path), .rule = rf_xstrdup(rule), .source = rf_xstrdup("test")};
}

static void test_wants(void **state)
{
	(void)state;
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_TMPFS, "/tmp", "private:/tmp");            /* 0 */
	add(&plan, RF_PLAN_BIND_RO, "/home/u", "home:~");             /* 1 */
	add(&plan, RF_PLAN_HIDE, "/home/u/.netrc", "hidden:~/.netrc"); /* 2 */
	add(&plan, RF_PLAN_BIND_RW, "/tmp/ws", "workspace");          /* 3 */
	add(&plan, RF_PLAN_BIND_RW, "/tmp/ws/.git", "protected-parent"); /* 4 */
	add(&plan, RF_PLAN_PROTECT, "/tmp/ws/.git/config", "protected:.git/config"); /* 5 */
	add(&plan, RF_PLAN_HIDE, "/tmp/ws/.env", "hidden:.env");      /* 6 */
	add(&plan, RF_PLAN_HIDE, "/tmp/other", "hidden:/tmp/other");  /* 7: on the private /tmp */
	add(&plan, RF_PLAN_BIND_RO, "/srv/ro", "read-only:/srv/ro");  /* 8 */
	add(&plan, RF_PLAN_PROTECT, "/srv/ro/.git/hooks", "protected:.git/hooks"); /* 9 */
	/* with Landlock: hidden paths in read-only places are its business */
	assert_false(rf_cover_watch_wants(&plan, 2, true));
	assert_true(rf_cover_watch_wants(&plan, 2, false));
	assert_false(rf_cover_watch_wants(&plan, 3, true)); /* the workspace itself */
	assert_true(rf_cover_watch_wants(&plan, 4, true));  /* pins a protected path */
	assert_true(rf_cover_watch_wants(&plan, 5, true));
	assert_true(rf_cover_watch_wants(&plan, 6, true));  /* hidden, in a writable place */
	assert_false(rf_cover_watch_wants(&plan, 7, false)); /* no host file beneath */
	assert_false(rf_cover_watch_wants(&plan, 9, true)); /* read-only anyway */
	rf_plan_free(&plan);
}

struct tree {
	char root[64];
	char ws[128], git[160], config[192], hooks[192];
};

static void make_tree(struct tree *t)
{
	strcpy(t->root, "/tmp/rf-cover-test.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->ws, sizeof t->ws, "%s/ws", t->root);
	snprintf(t->git, sizeof t->git, "%s/.git", t->ws);
	snprintf(t->config, sizeof t->config, "%s/config", t->git);
	snprintf(t->hooks, sizeof t->hooks, "%s/hooks", t->git);
	assert_int_equal(mkdir(t->ws, 0755), 0);
	assert_int_equal(mkdir(t->git, 0755), 0);
	assert_int_equal(mkdir(t->hooks, 0755), 0);
	FILE *f = fopen(t->config, "w");
	assert_non_null(f);
	fputs("[core]\n", f);
	fclose(f);
}

static void plan_of(const struct tree *t, struct rf_plan *plan)
{
	*plan = (struct rf_plan){0};
	add(plan, RF_PLAN_BIND_RW, t->ws, "workspace");
	add(plan, RF_PLAN_BIND_RW, t->git, "protected-parent");
	add(plan, RF_PLAN_PROTECT, t->config, "protected:.git/config");
	add(plan, RF_PLAN_PROTECT, t->hooks, "protected:.git/hooks");
}

static void touch(const char *dir, const char *name)
{
	cleanup_free char *p = rf_path_join(dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static void rm_tree(const struct tree *t)
{
	cleanup_free char *cmd = rf_xasprintf("rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
}

/* A tree, its plan, and the watch started on it. */
struct fixture {
	struct tree t;
	struct rf_plan plan;
	struct rf_cover_watch w;
};

static void start(struct fixture *f)
{
	struct rf_error e = {0};
	make_tree(&f->t);
	plan_of(&f->t, &f->plan);
	assert_int_equal(rf_cover_watch_start(&f->w, &f->plan, true, &e), 0);
	assert_true(f->w.fd >= 0);
}

static void finish(struct fixture *f)
{
	rf_cover_watch_free(&f->w);
	rf_plan_free(&f->plan);
	rm_tree(&f->t);
}

static void test_honest_activity_is_not_a_loss(void **state)
{
	(void)state;
	struct fixture f;
	start(&f);
	assert_false(rf_cover_watch_check(&f.w));
	/* git's own work beside the protected files, and the workspace's */
	touch(f.t.git, "index.lock");
	cleanup_free char *lock = rf_path_join(f.t.git, "index.lock");
	cleanup_free char *index = rf_path_join(f.t.git, "index");
	assert_int_equal(rename(lock, index), 0);
	touch(f.t.ws, "main.c");
	touch(f.t.hooks, "pre-commit.sample");
	assert_false(rf_cover_watch_check(&f.w));
	assert_string_equal(f.w.lost, "");
	finish(&f);
}

static void test_rename_over_protected_is_a_loss(void **state)
{
	(void)state;
	struct fixture f;
	start(&f);
	touch(f.t.git, "config.lock"); /* what `git config` on the host does */
	cleanup_free char *lock = rf_path_join(f.t.git, "config.lock");
	assert_int_equal(rename(lock, f.t.config), 0);
	assert_true(rf_cover_watch_check(&f.w));
	assert_non_null(strstr(f.w.lost, "protected:.git/config"));
	assert_non_null(strstr(f.w.lost, "stopped"));
	assert_true(rf_cover_watch_check(&f.w)); /* stays lost */
	finish(&f);
}

static void test_moving_the_git_dir_is_a_loss(void **state)
{
	(void)state;
	struct fixture f;
	start(&f);
	cleanup_free char *away = rf_path_join(f.t.ws, ".git.old");
	assert_int_equal(rename(f.t.git, away), 0);
	assert_true(rf_cover_watch_check(&f.w));
	assert_non_null(strstr(f.w.lost, "/.git ("));
	finish(&f);
}

static void test_removing_protected_dir_is_a_loss(void **state)
{
	(void)state;
	struct fixture f;
	start(&f);
	assert_int_equal(rmdir(f.t.hooks), 0);
	assert_true(rf_cover_watch_check(&f.w));
	assert_non_null(strstr(f.w.lost, "protected:.git/hooks"));
	finish(&f);
}

static void test_nothing_to_watch(void **state)
{
	(void)state;
	struct rf_plan plan = {0};
	add(&plan, RF_PLAN_BIND_RW, "/tmp", "workspace");
	struct rf_cover_watch w;
	struct rf_error e = {0};
	assert_int_equal(rf_cover_watch_start(&w, &plan, true, &e), 0);
	assert_int_equal(w.fd, -1); /* no inotify instance for nothing */
	assert_false(rf_cover_watch_check(&w));
	rf_cover_watch_free(&w);
	rf_plan_free(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_honest_activity_is_not_a_loss),
		cmocka_unit_test(test_rename_over_protected_is_a_loss),
		cmocka_unit_test(test_moving_the_git_dir_is_a_loss),
		cmocka_unit_test(test_removing_protected_dir_is_a_loss),
		cmocka_unit_test(test_nothing_to_watch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
