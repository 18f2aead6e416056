/* Unit tests: path helpers and error formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* rf_realpath() says what realpath(3) says: the same name, or NULL with the
 * same errno. */
static void check_realpath(const char *path)
{
	errno = 0;
	char *want = realpath(path, NULL);
	int want_err = errno;
	errno = 0;
	char *got = rf_realpath(path);
	int got_err = errno;
	if (!want) {
		if (got)
			fail_msg("%s: rf_realpath gave %s, realpath failed (%s)", path, got, strerror(want_err));
		assert_int_equal(got_err, want_err);
		return;
	}
	if (!got)
		fail_msg("%s: rf_realpath failed (%s), realpath gave %s", path, strerror(got_err), want);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

static void test_realpath(void **state)
{
	(void)state;
	char dir[] = "/tmp/rf-unit-realpath.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[PATH_MAX], q[PATH_MAX];
#define AT(name) (snprintf(p, sizeof p, "%s/%s", dir, name), p)
	assert_int_equal(mkdir(AT("d"), 0755), 0);
	assert_int_equal(mkdir(AT("d/e"), 0755), 0);
	int fd = open(AT("d/e/file"), O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(q, sizeof q, "%s/d", dir);
	assert_int_equal(symlink(q, AT("abs")), 0);      /* absolute link to a dir */
	assert_int_equal(symlink("d/e", AT("rel")), 0);  /* relative link */
	assert_int_equal(symlink("nowhere", AT("dangling")), 0);
	assert_int_equal(symlink("loop", AT("loop")), 0);
	assert_int_equal(symlink("d/e/file", AT("filelink")), 0); /* the last part a link */
	assert_int_equal(mkdir(AT("deleted (deleted)"), 0755), 0); /* a name /proc could not tell from an unlinked file */
	const char *cases[] = {
		"d", "d/e/file", "abs", "abs/e/file", "rel/file", "rel/../e/./file", "d//e///file/",
		"d/e/file/", "d/e/file/x", "missing", "d/missing/x", "dangling", "loop", "loop/x",
		"abs/..", "deleted (deleted)", "", "filelink", "abs/missing", "filelink/x", "d/e/file/.",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_realpath(cases[i][0] ? AT(cases[i]) : "");
	check_realpath("/");
	check_realpath("/proc/self");
	check_realpath(".");
	check_realpath("relative/missing");
	/* a directory we cannot search: realpath and open(O_PATH) are refused alike */
	if (geteuid() != 0) {
		assert_int_equal(chmod(AT("d"), 0600), 0);
		check_realpath(AT("d/e/file"));
		assert_int_equal(chmod(AT("d"), 0755), 0);
	}
#undef AT
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_loadavg(void **state)
{
	(void)state;
	assert_int_equal(rf_loadavg_runnable("0.52 0.58 0.59 3/467 1234\n"), 3);
	assert_int_equal(rf_loadavg_runnable("12.00 9.10 8.00 1/81 99"), 1);
	assert_int_equal(rf_loadavg_runnable("0.00 0.00 0.00 0/5 1"), 0);
	assert_int_equal(rf_loadavg_runnable("0.00 0.00 0.00 x/5 1"), -1);
	assert_int_equal(rf_loadavg_runnable("0.00 0.00 0.00 35 1"), -1);
	assert_int_equal(rf_loadavg_runnable("0.00 0.00"), -1);
	assert_int_equal(rf_loadavg_runnable(""), -1);
	assert_int_equal(rf_loadavg_runnable("0.00 0.00 0.00 -2/5 1"), -1);
	/* the machine's own, whatever it says now */
	char buf[128];
	ssize_t n = rf_read_file("/proc/loadavg", buf, sizeof buf);
	if (n > 0)
		assert_true(rf_loadavg_runnable(buf) >= 1); /* this test is running */
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
		cmocka_unit_test(test_fail),      cmocka_unit_test(test_strv), cmocka_unit_test(test_realpath), cmocka_unit_test(test_loadavg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
