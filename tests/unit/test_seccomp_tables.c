/* Unit test: the seccomp filters generated at build time are exactly what
 * libseccomp compiles from the rules in src/linux/seccomp.c now, for every
 * option combination (so a stale table can never ship). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/filter.h>
#include <string.h>

#include "rf_seccomp.h"
#include "util.h"

static void test_tables_match_libseccomp(void **state)
{
	(void)state;
	for (unsigned v = 0; v < RF_SECCOMP_VARIANTS; v++) {
		struct rf_seccomp_opts o = rf_seccomp_variant_opts(v);
		assert_int_equal(rf_seccomp_variant(&o), v);
		struct rf_seccomp_prog built = {0}, fresh = {0};
		struct rf_error e;
		assert_int_equal(rf_seccomp_compile(&o, &built, &e), 0);
		assert_int_equal(rf_seccomp_compile_fresh(&o, &fresh, &e), 0);
		assert_int_equal(built.len, fresh.len);
		assert_memory_equal(built.filter, fresh.filter, fresh.len * sizeof *fresh.filter);
		rf_seccomp_prog_free(&built);
		rf_seccomp_prog_free(&fresh);
	}
}

static void test_variants_differ(void **state)
{
	(void)state;
	/* the options really change the filter (a table of identical entries
	 * would pass the test above if the generator ignored them) */
	struct rf_seccomp_prog a = {0}, b = {0};
	struct rf_error e;
	struct rf_seccomp_opts plain = {0}, notify = {.notify_connect = true};
	assert_int_equal(rf_seccomp_compile(&plain, &a, &e), 0);
	assert_int_equal(rf_seccomp_compile(&notify, &b, &e), 0);
	assert_true(a.len != b.len || memcmp(a.filter, b.filter, a.len * sizeof *a.filter) != 0);
	rf_seccomp_prog_free(&a);
	rf_seccomp_prog_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_match_libseccomp),
		cmocka_unit_test(test_variants_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
