/* libFuzzer target for the path matcher the whole policy rests on:
 * rf_path_normalize, rf_path_is_within, rf_path_join (src/common/util.c)
 * and rf_plan_lookup (src/policy/plan.c) over a plan built from the input.
 *
 * Input: lines. The first is a path to normalise and look up; every other
 * line is a plan entry: its first byte picks the kind, the rest is the path
 * (normalised first, as the planner does). Checked: the normaliser's output
 * is normal and stable, the containment relation behaves like one, and the
 * lookup agrees with a second, differently written implementation (walk the
 * query's ancestors from the deepest, take the last entry at that path). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 64

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void check_normal(const char *n)
{
	size_t len = strlen(n);
	check(n[0] == '/');
	check(len == 1 || n[len - 1] != '/');
	check(strstr(n, "//") == NULL);
	for (const char *p = n; *p;) {
		p++; /* past '/' */
		size_t seg = strcspn(p, "/");
		check(!(seg == 1 && p[0] == '.'));
		check(!(seg == 2 && p[0] == '.' && p[1] == '.'));
		check(seg > 0 || len == 1);
		p += seg;
	}
}

/* The reference lookup: the deepest ancestor-or-self of `path` that has
 * entries, and of those the last one. */
static const struct rf_plan_entry *reference_lookup(const struct rf_plan *plan, const char *path)
{
	char *cur = rf_xstrdup(path);
	const struct rf_plan_entry *found = NULL;
	for (;;) {
		for (size_t i = plan->n; i-- > 0;)
			if (plan->v[i].kind != RF_PLAN_SYMLINK && strcmp(plan->v[i].path, cur) == 0) {
				found = &plan->v[i];
				break;
			}
		if (found || strcmp(cur, "/") == 0)
			break;
		char *slash = strrchr(cur, '/');
		if (slash == cur)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(cur);
	return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = rf_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *save = NULL;
	char *first = strtok_r(text, "\n", &save);
	if (!first) {
		free(text);
		return 0;
	}

	char *n = rf_path_normalize(first);
	check((n == NULL) == (first[0] != '/'));
	if (!n) {
		free(text);
		return 0;
	}
	check_normal(n);
	char *again = rf_path_normalize(n);
	check(again && strcmp(again, n) == 0);
	free(again);
	check(rf_path_is_within(n, n));
	check(rf_path_is_within(n, "/"));
	char *child = rf_path_join(n, "x");
	check(rf_path_is_within(child, n));
	check(!rf_path_is_within(n, child));
	char *child_n = rf_path_normalize(child);
	check(child_n && strcmp(child_n, child) == 0);
	free(child_n);
	free(child);

	struct rf_plan plan = {0};
	plan.v = rf_xcalloc(MAX_ENTRIES, sizeof *plan.v);
	char *line;
	while (plan.n < MAX_ENTRIES && (line = strtok_r(NULL, "\n", &save))) {
		enum rf_plan_kind kind = (enum rf_plan_kind)((unsigned char)line[0] % 9);
		char *raw = rf_xasprintf("/%s", line + 1);
		char *p = rf_path_normalize(raw);
		free(raw);
		check(p != NULL);
		check_normal(p);
		/* containment is antisymmetric */
		if (rf_path_is_within(n, p) && rf_path_is_within(p, n))
			check(strcmp(n, p) == 0);
		plan.v[plan.n++] = (struct rf_plan_entry){.kind = kind, .path = p, .rule = rf_xstrdup("fuzz")};
	}
	struct rf_plan_verdict v = rf_plan_lookup(&plan, n);
	check(v.entry == reference_lookup(&plan, n));

	for (size_t i = 0; i < plan.n; i++) {
		free(plan.v[i].path);
		free(plan.v[i].rule);
	}
	free(plan.v);
	free(n);
	free(text);
	return 0;
}
