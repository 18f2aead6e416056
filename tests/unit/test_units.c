/* Unit tests: sizes, durations, CPU counts (src/common/units.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "units.h"
#include "util.h"

static unsigned long long size_ok(const char *s)
{
	unsigned long long v = 12345;
	struct rf_error e = {0};
	if (rf_parse_size(s, &v, &e) < 0)
		fail_msg("'%s' refused: %s", s, e.msg);
	return v;
}

static void size_bad(const char *s, const char *msg_part)
{
	unsigned long long v = 777;
	struct rf_error e = {0};
	assert_int_equal(rf_parse_size(s, &v, &e), -1);
	assert_int_equal(v, 777); /* untouched on failure */
	if (msg_part && !strstr(e.msg, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", s ? s : "(null)", e.msg, msg_part);
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("1024"), 1024);
	assert_int_equal(size_ok("1024B"), 1024);
	assert_int_equal(size_ok("512M"), 512ULL << 20);
	assert_int_equal(size_ok("512m"), 512ULL << 20);
	assert_int_equal(size_ok("512MiB"), 512ULL << 20);
	assert_int_equal(size_ok("512mib"), 512ULL << 20);
	assert_int_equal(size_ok("2GiB"), 2ULL << 30);
	assert_int_equal(size_ok("2G"), 2ULL << 30);
	assert_int_equal(size_ok("2GB"), 2000000000ULL);
	assert_int_equal(size_ok("1.5G"), 3ULL << 29);
	assert_int_equal(size_ok("0.5K"), 512);
	assert_int_equal(size_ok("1T"), 1ULL << 40);
	assert_int_equal(size_ok("1kb"), 1000);
	assert_int_equal(size_ok("1.0000000000000000000001K"), 1024); /* long fractions are cut, not refused */
	assert_int_equal(size_ok("8191P"), 8191ULL << 50);
	size_bad("", "empty");
	size_bad(NULL, "empty");
	size_bad("M", "expected a number");
	size_bad("-1", "expected a number");
	size_bad("+1", "expected a number");
	size_bad(" 1", "expected a number");
	size_bad("1 M", "unknown unit");
	size_bad("1X", "unknown unit");
	size_bad("1MM", "unknown unit");
	size_bad("1.", "digits after");
	size_bad(".5", "expected a number");
	size_bad("1e3", "unknown unit");
	size_bad("inf", "expected a number");
	size_bad("nan", "expected a number");
	size_bad("0x10", "unknown unit");
	size_bad("8192P", "too large");
	size_bad("99999999999999999999", "too large");
	size_bad("18446744073709551615", "too large");
}

static double dur_ok(const char *s)
{
	double v = -1;
	struct rf_error e = {0};
	if (rf_parse_duration(s, &v, &e) < 0)
		fail_msg("'%s' refused: %s", s, e.msg);
	return v;
}

static void dur_bad(const char *s)
{
	double v = 42;
	struct rf_error e = {0};
	if (rf_parse_duration(s, &v, &e) == 0)
		fail_msg("'%s' accepted as %g", s, v);
	assert_true(v == 42);
	assert_true(e.msg[0] != '\0');
}

static void test_durations(void **state)
{
	(void)state;
	assert_true(dur_ok("90") == 90);
	assert_true(dur_ok("90s") == 90);
	assert_true(dur_ok("0.5") == 0.5);
	assert_true(dur_ok("1.5s") == 1.5);
	assert_true(dur_ok("500ms") == 0.5);
	assert_true(dur_ok("10m") == 600);
	assert_true(dur_ok("2h") == 7200);
	assert_true(dur_ok("1d") == 86400);
	assert_true(dur_ok("1h30m") == 5400);
	assert_true(dur_ok("1m30s") == 90);
	assert_true(dur_ok("1d2h3m4s") == 86400 + 7200 + 180 + 4);
	assert_true(dur_ok("1s500ms") == 1.5);
	assert_true(dur_ok("0") == 0);
	dur_bad("");
	dur_bad(NULL);
	dur_bad("s");
	dur_bad("1x");
	dur_bad("1 s");
	dur_bad("30m1h"); /* largest first */
	dur_bad("1m1m");  /* each unit once */
	dur_bad("1h30");  /* a number without a unit only alone */
	dur_bad("-5s");
	dur_bad("1.s");
	dur_bad("1min");
	dur_bad("3651d"); /* over ten years */
	dur_bad("99999999999999999999h");
}

static void test_cpus(void **state)
{
	(void)state;
	double v = 0;
	struct rf_error e;
	assert_int_equal(rf_parse_cpus("2", &v, &e), 0);
	assert_true(v == 2);
	assert_int_equal(rf_parse_cpus("0.5", &v, &e), 0);
	assert_true(v == 0.5);
	assert_int_equal(rf_parse_cpus("1.25", &v, &e), 0);
	assert_true(v == 1.25);
	assert_int_equal(rf_parse_cpus("", &v, &e), -1);
	assert_int_equal(rf_parse_cpus("2c", &v, &e), -1);
	assert_int_equal(rf_parse_cpus("-1", &v, &e), -1);
	assert_int_equal(rf_parse_cpus("50%", &v, &e), -1);
	assert_int_equal(rf_parse_cpus("9999999", &v, &e), -1);
}

static void test_format(void **state)
{
	(void)state;
	char b[32];
	rf_format_size(0, b, sizeof b);
	assert_string_equal(b, "0 B");
	rf_format_size(1023, b, sizeof b);
	assert_string_equal(b, "1023 B");
	rf_format_size(1024, b, sizeof b);
	assert_string_equal(b, "1 KiB");
	rf_format_size(512ULL << 20, b, sizeof b);
	assert_string_equal(b, "512 MiB");
	rf_format_size(3ULL << 29, b, sizeof b);
	assert_string_equal(b, "1.5 GiB");
	rf_format_size(~0ULL, b, sizeof b);
	assert_non_null(strstr(b, "EiB"));
	rf_format_duration(90, b, sizeof b);
	assert_string_equal(b, "1m30s");
	rf_format_duration(5400, b, sizeof b);
	assert_string_equal(b, "1h30m");
	rf_format_duration(5, b, sizeof b);
	assert_string_equal(b, "5s");
	rf_format_duration(1.5, b, sizeof b);
	assert_string_equal(b, "1.5s");
	rf_format_duration(86400 + 1, b, sizeof b);
	assert_string_equal(b, "1d1s");
	rf_format_duration(90, b, 3); /* truncated, still terminated */
	assert_true(strlen(b) <= 2);
	/* what is formatted parses back to the same value */
	double d;
	struct rf_error e;
	rf_format_duration(3725, b, sizeof b);
	assert_int_equal(rf_parse_duration(b, &d, &e), 0);
	assert_true(d == 3725);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
