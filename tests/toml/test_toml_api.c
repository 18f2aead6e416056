/* Unit tests of the TOML reader's API: positions, error messages, limits,
 * iteration order, lookups and accessors. Conformance to the TOML spec is
 * checked separately by run-corpus against the toml-test corpus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"
#include "util.h"

static struct rf_toml_value *parse_ok(const char *text)
{
	struct rf_error e = {0};
	struct rf_toml_value *root = rf_toml_parse(text, strlen(text), "test.toml", &e);
	if (!root)
		fail_msg("unexpected parse error: %s", e.msg);
	return root;
}

/* Parse text that must fail, and check the full error message. */
static void expect_error_n(const char *text, size_t len, const char *msg)
{
	struct rf_error e = {0};
	struct rf_toml_value *root = rf_toml_parse(text, len, "config.toml", &e);
	if (root) {
		rf_toml_free(root);
		fail_msg("parsed without error, expected: %s", msg);
	}
	assert_string_equal(e.msg, msg);
}

static void expect_error(const char *text, const char *msg)
{
	expect_error_n(text, strlen(text), msg);
}

static void test_error_messages(void **state)
{
	(void)state;
	expect_error("mode = 1\nother = 2\n  mode = 3\n",
		     "config.toml:3:3: duplicate key 'mode' (first defined at line 1)");
	expect_error("[a]\nx = 1\n[a]\n", "config.toml:3:2: table 'a' is already defined at line 1");
	expect_error("a = {b = 1}\n[a.c]\n",
		     "config.toml:2:2: cannot define a table inside 'a': it is an inline table defined at line 1");
	/* arrays may span lines, so the error is where "y" appears */
	expect_error("x = [1, 2\ny = 3\n", "config.toml:2:1: expected ',' or ']' in array, found 'y'");
	expect_error("s = \"abc\n", "config.toml:1:9: newline in a single-line string");
	expect_error("n = 0x\n", "config.toml:1:5: hexadecimal integer without digits");
	expect_error("n = 9223372036854775808\n", "config.toml:1:5: integer does not fit in 64 bits");
	expect_error("d = 2023-02-29\n", "config.toml:1:5: day 29 out of range for 2023-02");
	expect_error("k = \"\\q\"\n", "config.toml:1:6: invalid escape sequence: backslash followed by 'q'");
	expect_error("k = 1 2\n", "config.toml:1:7: expected end of line, found '2'");
	expect_error("[t]\n\"we ird\".x = 1\n[t.\"we ird\"]\n",
		     "config.toml:3:4: table 't.\"we ird\"' is already defined at line 2");
	/* Columns count characters: "é" is one column, a tab is one column. */
	expect_error("s = 'é'\tx\n", "config.toml:1:9: expected end of line, found 'x'");
}

static void test_encoding_errors(void **state)
{
	(void)state;
	expect_error_n("a = 1\nb = \"x\0y\"\n", 14, "config.toml:2:7: NUL byte in document");
	expect_error("a = \"\xC3\x28\"\n", "config.toml:1:6: invalid UTF-8");
	expect_error("a = \"\xED\xA0\x80\"\n", "config.toml:1:6: invalid UTF-8");  /* surrogate */
	expect_error("a = \"\xC0\xAF\"\n", "config.toml:1:6: invalid UTF-8");      /* overlong */
	expect_error("a = \"\xF4\x90\x80\x80\"\n", "config.toml:1:6: invalid UTF-8"); /* > U+10FFFF */
	expect_error("a = 1\r\n\rb = 2\n", "config.toml:2:1: expected a key, found character U+000D");
	expect_error("# bell \x07\n", "config.toml:1:8: control character U+0007 in comment");
}

static void test_bom_and_unterminated_input(void **state)
{
	struct rf_toml_value *root;
	const struct rf_toml_entry *en;
	struct rf_error e;
	/* Only the first 5 bytes are the document; the rest must not be read. */
	const char text[] = "\xEF\xBB\xBF" "a=1\n" "garbage";

	(void)state;
	root = rf_toml_parse(text, 7, "bom.toml", &e);
	assert_non_null(root);
	en = rf_toml_table_at(root, 0);
	assert_non_null(en);
	assert_string_equal(en->key, "a");
	assert_int_equal(en->line, 1);
	assert_int_equal(en->column, 1); /* the BOM is not a column */
	assert_int_equal(rf_toml_table_len(root), 1);
	rf_toml_free(root);

	root = rf_toml_parse("", 0, "empty.toml", &e);
	assert_non_null(root);
	assert_int_equal(rf_toml_type(root), RF_TOML_TABLE);
	assert_int_equal(rf_toml_table_len(root), 0);
	rf_toml_free(root);
}

static void test_too_large(void **state)
{
	size_t len = RF_TOML_MAX_INPUT + 1;
	char *big = malloc(len);
	struct rf_error e;

	(void)state;
	assert_non_null(big);
	memset(big, '\n', len);
	assert_null(rf_toml_parse(big, len, "big.toml", &e));
	assert_non_null(strstr(e.msg, "big.toml: document larger than"));
	free(big);
}

static void test_key_positions(void **state)
{
	const char *doc = "title = \"x\"\n"          /* line 1 */
			  "\n"                        /* line 2 */
			  "[server]\n"                /* line 3 */
			  "  host.name = \"h\"\n"     /* line 4 */
			  "[a.b]\n"                   /* line 5 */
			  "[ a ]\n"                   /* line 6 */
			  "[[job]]\n"                 /* line 7 */
			  "x = { y = 1,  z = 2 }\n"   /* line 8 */
			  "[[job]]\n"                 /* line 9 */
			  "\t'é' = 1\n";              /* line 10 */
	struct rf_toml_value *root = parse_ok(doc);
	const struct rf_toml_entry *en;
	const struct rf_toml_value *server, *host, *jobs, *x, *a;

	(void)state;
	en = rf_toml_table_find(root, "title", 5);
	assert_non_null(en);
	assert_int_equal(en->line, 1);
	assert_int_equal(en->column, 1);
	assert_int_equal(rf_toml_line(en->value), 1);
	assert_int_equal(rf_toml_column(en->value), 9);

	en = rf_toml_table_find(root, "server", 6);
	assert_int_equal(en->line, 3);
	assert_int_equal(en->column, 2);
	server = en->value;
	en = rf_toml_table_find(server, "host", 4);
	assert_int_equal(en->line, 4);
	assert_int_equal(en->column, 3);
	host = en->value;
	en = rf_toml_table_find(host, "name", 4);
	assert_int_equal(en->line, 4);
	assert_int_equal(en->column, 8);

	/* [a] was created implicitly by [a.b] and defined on line 6: the
	 * definition is what a "key defined at" message should point to. */
	en = rf_toml_table_find(root, "a", 1);
	assert_int_equal(en->line, 6);
	assert_int_equal(en->column, 3);
	a = en->value;
	en = rf_toml_table_find(a, "b", 1);
	assert_int_equal(en->line, 5);
	assert_int_equal(en->column, 4);

	/* An array of tables is positioned at its first [[header]], each of its
	 * tables at its own. */
	en = rf_toml_table_find(root, "job", 3);
	assert_int_equal(en->line, 7);
	assert_int_equal(en->column, 3);
	jobs = en->value;
	assert_int_equal(rf_toml_array_len(jobs), 2);
	assert_int_equal(rf_toml_line(rf_toml_array_at(jobs, 1)), 9);
	x = rf_toml_table_get(rf_toml_array_at(jobs, 0), "x");
	en = rf_toml_table_find(x, "z", 1);
	assert_int_equal(en->line, 8);
	assert_int_equal(en->column, 15);
	en = rf_toml_table_find(rf_toml_array_at(jobs, 1), "é", strlen("é"));
	assert_non_null(en);
	assert_int_equal(en->line, 10);
	assert_int_equal(en->column, 2);
	rf_toml_free(root);
}

static void test_document_order(void **state)
{
	struct rf_toml_value *root = parse_ok("zeta = 1\n"
					      "alpha.x = 2\n"
					      "mid = 3\n"
					      "[beta]\n"
					      "[alpha.y]\n"
					      "[[gamma]]\n");
	const char *want[] = {"zeta", "alpha", "mid", "beta", "gamma"};
	const struct rf_toml_value *alpha;

	(void)state;
	assert_int_equal(rf_toml_table_len(root), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(rf_toml_table_at(root, i)->key, want[i]);
	assert_null(rf_toml_table_at(root, 5));
	alpha = rf_toml_table_get(root, "alpha");
	assert_int_equal(rf_toml_table_len(alpha), 2);
	assert_string_equal(rf_toml_table_at(alpha, 0)->key, "x");
	assert_string_equal(rf_toml_table_at(alpha, 1)->key, "y");
	rf_toml_free(root);
}

static void test_lookups_and_accessors(void **state)
{
	struct rf_toml_value *root = parse_ok("s = \"a\\u0000b\"\n"
					      "\"k\\u0000\" = 1\n"
					      "i = -9223372036854775808\n"
					      "h = 0x7FFF_FFFF_FFFF_FFFF\n"
					      "f = -inf\n"
					      "n = nan\n"
					      "b = true\n"
					      "arr = [1, 'two', [3.5]]\n"
					      "odt = 1979-05-27t07:32:00.123456789999-07:30\n"
					      "ldt = 1979-05-27 07:32:60\n"
					      "ld = 2000-02-29\n"
					      "lt = 00:32:00.5\n");
	const struct rf_toml_value *v, *arr;
	const struct rf_toml_datetime *dt;
	size_t len;

	(void)state;
	v = rf_toml_table_get(root, "s");
	assert_int_equal(rf_toml_type(v), RF_TOML_STRING);
	assert_memory_equal(rf_toml_string(v, &len), "a\0b", 4);
	assert_int_equal(len, 3);
	assert_null(rf_toml_table_get(root, "k")); /* not the same key as "k\0" */
	assert_non_null(rf_toml_table_find(root, "k\0", 2));
	assert_true(rf_toml_int(rf_toml_table_get(root, "i")) == INT64_MIN);
	assert_true(rf_toml_int(rf_toml_table_get(root, "h")) == INT64_MAX);
	assert_true(isinf(rf_toml_float(rf_toml_table_get(root, "f"))));
	assert_true(rf_toml_float(rf_toml_table_get(root, "f")) < 0);
	assert_true(isnan(rf_toml_float(rf_toml_table_get(root, "n"))));
	assert_true(rf_toml_bool(rf_toml_table_get(root, "b")));

	arr = rf_toml_table_get(root, "arr");
	assert_int_equal(rf_toml_array_len(arr), 3);
	assert_int_equal(rf_toml_int(rf_toml_array_at(arr, 0)), 1);
	assert_string_equal(rf_toml_string(rf_toml_array_at(arr, 1), NULL), "two");
	assert_true(rf_toml_float(rf_toml_array_at(rf_toml_array_at(arr, 2), 0)) == 3.5);
	assert_null(rf_toml_array_at(arr, 3));

	v = rf_toml_table_get(root, "odt");
	assert_int_equal(rf_toml_type(v), RF_TOML_DATETIME);
	dt = rf_toml_datetime(v);
	assert_int_equal(dt->year, 1979);
	assert_int_equal(dt->hour, 7);
	assert_int_equal(dt->nanosecond, 123456789); /* extra digits truncated */
	assert_int_equal(dt->offset_minutes, -(7 * 60 + 30));
	assert_string_equal(dt->text, "1979-05-27T07:32:00.123456789-07:30");
	v = rf_toml_table_get(root, "ldt");
	assert_int_equal(rf_toml_type(v), RF_TOML_DATETIME_LOCAL);
	assert_string_equal(rf_toml_datetime(v)->text, "1979-05-27T07:32:60");
	assert_false(rf_toml_datetime(v)->has_offset);
	v = rf_toml_table_get(root, "ld");
	assert_int_equal(rf_toml_type(v), RF_TOML_DATE_LOCAL);
	assert_false(rf_toml_datetime(v)->has_time);
	v = rf_toml_table_get(root, "lt");
	assert_int_equal(rf_toml_type(v), RF_TOML_TIME_LOCAL);
	assert_int_equal(rf_toml_datetime(v)->nanosecond, 500000000);
	assert_string_equal(rf_toml_datetime(v)->text, "00:32:00.5");

	/* Wrong types and missing values give neutral answers, and chain. */
	assert_null(rf_toml_table_get(root, "missing"));
	assert_int_equal(rf_toml_type(NULL), RF_TOML_NONE);
	assert_null(rf_toml_string(rf_toml_table_get(root, "i"), &len));
	assert_int_equal(len, 0);
	assert_int_equal(rf_toml_int(rf_toml_table_get(root, "s")), 0);
	assert_false(rf_toml_bool(rf_toml_table_get(root, "missing")));
	assert_null(rf_toml_datetime(rf_toml_table_get(root, "b")));
	assert_null(rf_toml_table_get(rf_toml_table_get(root, "b"), "x"));
	assert_int_equal(rf_toml_array_len(root), 0);
	assert_int_equal(rf_toml_table_len(arr), 0);
	assert_string_equal(rf_toml_type_name(RF_TOML_DATE_LOCAL), "local date");
	rf_toml_free(root);
	rf_toml_free(NULL);
}

/* Tables large enough to use the hash index still find every key, and
 * still see duplicates. */
static void test_many_keys(void **state)
{
	size_t cap = 1 << 20, o = 0;
	char *doc = malloc(cap);
	struct rf_toml_value *root;
	const struct rf_toml_value *t;
	char key[32];

	(void)state;
	o += (size_t)snprintf(doc + o, cap - o, "[t]\n");
	for (int i = 0; i < 5000; i++)
		o += (size_t)snprintf(doc + o, cap - o, "k%d = %d\n", i, i);
	root = parse_ok(doc);
	t = rf_toml_table_get(root, "t");
	assert_int_equal(rf_toml_table_len(t), 5000);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(rf_toml_int(rf_toml_table_get(t, key)), i);
		assert_string_equal(rf_toml_table_at(t, (size_t)i)->key, key);
	}
	assert_null(rf_toml_table_get(t, "k5000"));
	rf_toml_free(root);

	o += (size_t)snprintf(doc + o, cap - o, "k4321 = 0\n");
	expect_error(doc, "config.toml:5002:1: duplicate key 'k4321' (first defined at line 4323)");
	free(doc);
}

static char *nested(const char *prefix, const char *open, const char *close, int n)
{
	size_t lo = strlen(open), lc = strlen(close), lp = strlen(prefix);
	char *s = malloc(lp + (size_t)n * (lo + lc) + 32); /* room for a suffix */
	char *p = s;
	memcpy(p, prefix, lp);
	p += lp;
	for (int i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	for (int i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	strcpy(p, "\n");
	return s;
}

static void test_depth_limit(void **state)
{
	char *doc;
	struct rf_error e;
	struct rf_toml_value *root;

	(void)state;
	/* "a = [[...]]": the value of a is at depth 1, the innermost array at n. */
	doc = nested("a = ", "[", "]", RF_TOML_MAX_DEPTH);
	root = parse_ok(doc);
	rf_toml_free(root);
	free(doc);

	doc = nested("a = ", "[", "]", RF_TOML_MAX_DEPTH + 1);
	expect_error(doc, "config.toml:1:133: nesting deeper than 128 levels");
	free(doc);

	doc = nested("a = ", "{b = ", "}", 1000);
	assert_null(rf_toml_parse(doc, strlen(doc), "x.toml", &e));
	assert_non_null(strstr(e.msg, "nesting deeper than 128 levels"));
	free(doc);

	/* Unclosed brackets by the million must fail fast, not overflow the stack. */
	size_t big = 4u << 20;
	doc = malloc(big + 5);
	memcpy(doc, "a = ", 4);
	memset(doc + 4, '[', big);
	assert_null(rf_toml_parse(doc, big + 4, "x.toml", &e));
	free(doc);

	/* Dotted keys and headers nest too. */
	doc = nested("", "a.", "", 200);
	strcpy(doc + strlen(doc) - 1, "b = 1\n");
	assert_null(rf_toml_parse(doc, strlen(doc), "x.toml", &e));
	assert_non_null(strstr(e.msg, "key has more than 128 parts"));
	free(doc);
	doc = nested("[", "a.", "", 127);
	strcpy(doc + strlen(doc) - 1, "b]\nc.d = 1\n");
	expect_error(doc, "config.toml:2:1: nesting deeper than 128 levels");
	free(doc);
}

static void test_redefinition_rules(void **state)
{
	struct rf_toml_value *root;

	(void)state;
	/* Allowed: super-table after sub-table, sub-tables of dotted tables,
	 * dotted keys through implicit tables, [[ ]] sub-tables. */
	root = parse_ok("[a.b.c]\n[a]\nx = 1\n"
			"[f]\napple.color = 'red'\n[f.apple.texture]\nsmooth = true\n"
			"[g.h.i]\n[g]\nh.j = 1\n"
			"[[p]]\n[p.q]\nr = 1\n[[p]]\n[p.q]\nr = 2\n");
	assert_int_equal(rf_toml_int(rf_toml_table_get(rf_toml_table_get(
				 rf_toml_array_at(rf_toml_table_get(root, "p"), 1), "q"), "r")),
			 2);
	rf_toml_free(root);

	expect_error("[f]\napple.color = 'red'\n[f.apple]\n",
		     "config.toml:3:4: table 'f.apple' is already defined at line 2");
	expect_error("[a.b]\nx = 1\n[a]\nb.y = 2\n",
		     "config.toml:4:1: cannot add keys to 'b' with a dotted key: it is a [table] defined at line 1");
	expect_error("a = [1]\n[[a]]\n",
		     "config.toml:2:3: cannot append to 'a' with [[...]]: it is an array defined at line 1");
	expect_error("[[a]]\n[a]\n", "config.toml:2:2: cannot define table 'a': it is an array of tables defined at line 1");
	expect_error("a = {x = 1}\na.y = 2\n",
		     "config.toml:2:1: cannot add keys to 'a' with a dotted key: it is an inline table defined at line 1");
	expect_error("[g.h.i]\n[g]\nh.j = 1\n[g.h]\n", "config.toml:4:4: table 'g.h' is already defined at line 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_encoding_errors),
		cmocka_unit_test(test_bom_and_unterminated_input),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_key_positions),
		cmocka_unit_test(test_document_order),
		cmocka_unit_test(test_lookups_and_accessors),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_redefinition_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
