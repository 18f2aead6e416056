/* Unit tests: path helpers and error formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void check_norm(const char *in, const char *want)
{
	char *got = rf_path_normalize(in);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_normalize(void **state)
{
	(void)state;
	check_norm("/", "/");
	check_norm("//a//b/", "/a/b");
	check_norm("/a/./b/../c", "/a/c");
	check_norm("/../..", "/");
	check_norm("/a/..", "/");
	check_norm("/a/b/../../..", "/");
	check_norm("/a/.b/..c", "/a/.b/..c");
	check_norm("relative", NULL);
	check_norm("", NULL);
}

static void test_within(void **state)
{
	(void)state;
	assert_true(rf_path_is_within("/a/b", "/a"));
	assert_true(rf_path_is_within("/a", "/a"));
	assert_false(rf_path_is_within("/ab", "/a"));
	assert_false(rf_path_is_within("/a", "/a/b"));
	assert_true(rf_path_is_within("/x", "/"));
	assert_true(rf_path_is_within("/", "/"));
}

static void test_join(void **state)
{
	(void)state;
	char *j = rf_path_join("/a/", "/b");
	assert_string_equal(j, "/a/b");
	free(j);
	j = rf_path_join("/", "");
	assert_string_equal(j, "/");
	free(j);
	j = rf_path_join("/a", "");
	assert_string_equal(j, "/a");
	free(j);
}

static void test_fail(void **state)
{
	(void)state;
	struct rf_error e;
	assert_int_equal(rf_fail(&e, ENOENT, "cannot open %s", "/x"), -1);
	assert_string_equal(e.msg, "cannot open /x: No such file or directory");
	assert_int_equal(e.err, ENOENT);
	rf_fail_wrap(&e, "cannot prepare %s", "/y");
	assert_string_equal(e.msg, "cannot prepare /y: cannot open /x: No such file or directory");
	/* a huge message is truncated, never overflowed */
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	rf_fail(&e, 0, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
	rf_fail_wrap(&e, "%s", big);
	assert_true(strlen(e.msg) < sizeof e.msg);
}

static void test_strv(void **state)
{
	(void)state;
	struct rf_strv s = {0};
	for (int i = 0; i < 100; i++)
		rf_strv_push(&s, "x");
	assert_int_equal(s.n, 100);
	assert_null(s.v[100]);
	rf_strv_free(&s);
	assert_null(s.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize), cmocka_unit_test(test_within), cmocka_unit_test(test_join),
		cmocka_unit_test(test_fail),      cmocka_unit_test(test_strv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
