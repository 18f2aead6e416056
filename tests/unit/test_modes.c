/* Unit tests: tool strings and the plan/review exec decision (pure: which
 * file a tool's program is, is given). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "modes.h"
#include "util.h"

static void build(struct rf_tool_list *l, const char *const *specs)
{
	struct rf_error e;
	memset(l, 0, sizeof *l);
	for (size_t i = 0; specs[i]; i++)
		assert_int_equal(rf_tools_add(l, specs[i], "test.toml:1", &e), 0);
}

/* Decide argv, the file being that of program `prog` (matched by name, as
 * the supervisor matches by inode). */
static enum rf_exec_decision decide(const struct rf_tool_list *l, const char *prog, const char *const *argv,
				    char *why, size_t cap)
{
	bool is[64] = {0};
	for (size_t i = 0; i < l->n; i++)
		is[i] = prog && strcmp(l->v[i].program, prog) == 0;
	size_t argc = 0;
	while (argv[argc])
		argc++;
	struct rf_exec_verdict v;
	rf_tools_decide(l, is, (char *const *)argv, argc, RF_MODE_PLAN, &v);
	if (why)
		snprintf(why, cap, "%s", v.why);
	return v.decision;
}

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_parse(void **state)
{
	(void)state;
	struct rf_tool t;
	struct rf_error e;
	assert_int_equal(rf_tool_parse("  git   log  ", "x", &t, &e), 0);
	assert_string_equal(t.program, "git");
	assert_int_equal(t.nargs, 1);
	assert_string_equal(t.args[0], "log");
	rf_tool_free(&t);
	assert_int_equal(rf_tool_parse("/usr/bin//python3 -m pytest", "x", &t, &e), 0);
	assert_string_equal(t.program, "/usr/bin/python3");
	assert_int_equal(t.nargs, 2);
	rf_tool_free(&t);
	assert_int_equal(rf_tool_parse("", "x", &t, &e), -1);
	assert_int_equal(rf_tool_parse("   ", "x", &t, &e), -1);
	assert_int_equal(rf_tool_parse("./run", "x", &t, &e), -1);
	assert_int_equal(rf_tool_parse("bin/run", "x", &t, &e), -1);
	assert_int_equal(rf_tool_parse("/", "x", &t, &e), -1);
	assert_int_equal(rf_tool_parse("cat\x01", "x", &t, &e), -1);
	/* the built-in list parses */
	struct rf_tool_list l = {0};
	rf_tools_add_defaults(&l);
	assert_true(l.n > 30);
	rf_tools_free(&l);
}

static void test_covers(void **state)
{
	(void)state;
	struct rf_tool a, b, c, d;
	struct rf_error e;
	assert_int_equal(rf_tool_parse("git", NULL, &a, &e), 0);
	assert_int_equal(rf_tool_parse("git log", NULL, &b, &e), 0);
	assert_int_equal(rf_tool_parse("git log --oneline", NULL, &c, &e), 0);
	assert_int_equal(rf_tool_parse("/usr/bin/git", NULL, &d, &e), 0);
	assert_true(rf_tool_covers(&a, &b));
	assert_true(rf_tool_covers(&b, &c));
	assert_true(rf_tool_covers(&a, &c));
	assert_true(rf_tool_covers(&b, &b));
	assert_false(rf_tool_covers(&b, &a));
	assert_false(rf_tool_covers(&c, &b));
	assert_false(rf_tool_covers(&a, &d)); /* by name as written: "git" is not "/usr/bin/git" */
	rf_tool_free(&a);
	rf_tool_free(&b);
	rf_tool_free(&c);
	rf_tool_free(&d);
}

static void test_git_subcommand(void **state)
{
	(void)state;
	const char *alias;
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git", "log"), 2, &alias), 1);
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git", "-C", "dir", "--no-pager", "-c", "a=b", "show"), 7,
					   &alias),
			 6);
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git", "--git-dir=x", "--work-tree", "y", "diff"), 5, &alias),
			 4);
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git", "--frobnicate", "log"), 3, &alias), 3);
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git", "-C"), 2, &alias), 2);
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git"), 1, &alias), 1);
	assert_int_equal(rf_git_subcommand((char *const *)ARGV("git", "--version"), 2, &alias), 1);
	assert_string_equal(alias, "version");
}

static void test_decide(void **state)
{
	(void)state;
	struct rf_tool_list l;
	build(&l, (const char *const[]){"cat", "git log", "git status", "git show", "python3 -m pytest", "sh", NULL});
	char why[256];
	assert_int_equal(decide(&l, "cat", ARGV("cat", "README"), NULL, 0), RF_EXEC_ALLOWED);
	assert_int_equal(decide(&l, "cat", ARGV("whatever-argv0"), NULL, 0), RF_EXEC_ALLOWED);
	assert_int_equal(decide(&l, "git", ARGV("git", "log", "--oneline"), NULL, 0), RF_EXEC_ALLOWED);
	assert_int_equal(decide(&l, "git", ARGV("git", "-C", "/ws", "--no-pager", "status"), NULL, 0), RF_EXEC_ALLOWED);
	assert_int_equal(decide(&l, "git", ARGV("git", "commit", "-m", "x"), why, sizeof why), RF_EXEC_ARGS_REFUSED);
	assert_string_equal(why, "git commit is not in the plan mode tool list");
	assert_int_equal(decide(&l, "git", ARGV("git", "-c", "alias.log=!sh", "push"), why, sizeof why),
			 RF_EXEC_ARGS_REFUSED);
	assert_string_equal(why, "git push is not in the plan mode tool list");
	assert_int_equal(decide(&l, "git", ARGV("git", "--exec-path"), NULL, 0), RF_EXEC_ARGS_REFUSED);
	assert_int_equal(decide(&l, "git", ARGV("git", "--unknown", "log"), NULL, 0), RF_EXEC_ARGS_REFUSED);
	assert_int_equal(decide(&l, "git", ARGV("git"), why, sizeof why), RF_EXEC_ARGS_REFUSED);
	assert_string_equal(why, "git with these arguments is not in the plan mode tool list");
	assert_int_equal(decide(&l, "python3", ARGV("python3", "-m", "pytest", "-x"), NULL, 0), RF_EXEC_ALLOWED);
	assert_int_equal(decide(&l, "python3", ARGV("python3", "-m"), NULL, 0), RF_EXEC_ARGS_REFUSED);
	assert_int_equal(decide(&l, "python3", ARGV("python3", "-c", "import os"), why, sizeof why), RF_EXEC_ARGS_REFUSED);
	assert_string_equal(why, "python3 -c is not in the plan mode tool list");
	assert_int_equal(decide(&l, "python3", ARGV("python3", "-m", "pytestx"), NULL, 0), RF_EXEC_ARGS_REFUSED);
	assert_int_equal(decide(&l, NULL, ARGV("./a.out"), why, sizeof why), RF_EXEC_NOT_A_TOOL);
	assert_string_equal(why, "not in the plan mode tool list");
	assert_int_equal(decide(&l, "sh", ARGV("sh", "-c", "exec ./a.out"), NULL, 0), RF_EXEC_ALLOWED);
	/* no argv at all: only a tool without required arguments */
	bool is[64] = {0};
	is[0] = true;
	struct rf_exec_verdict v;
	rf_tools_decide(&l, is, (char *const *)ARGV(NULL), 0, RF_MODE_REVIEW, &v);
	assert_int_equal(v.decision, RF_EXEC_ALLOWED);
	memset(is, 0, sizeof is);
	is[1] = is[2] = is[3] = true; /* git */
	rf_tools_decide(&l, is, (char *const *)ARGV(NULL), 0, RF_MODE_REVIEW, &v);
	assert_int_equal(v.decision, RF_EXEC_ARGS_REFUSED);
	assert_string_equal(v.tool->spec, "git log");
	rf_tools_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_git_subcommand),
		cmocka_unit_test(test_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
