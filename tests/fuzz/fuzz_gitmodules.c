/* libFuzzer target for rf_gitmodules_paths (src/policy/plan.c): the reader
 * of a workspace's .gitmodules, which the sandbox writes. Checked: every path
 * it returns is a piece of the input, relative, and cannot leave the root or
 * alias another path (no "..", ".", empty or doubled components), and it
 * returns no more than asked for. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATHS 16

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *out[MAX_PATHS + 1];
	out[MAX_PATHS] = NULL;
	size_t n = rf_gitmodules_paths(text, out, MAX_PATHS);
	check(n <= MAX_PATHS);
	check(out[MAX_PATHS] == NULL);
	for (size_t i = 0; i < n; i++) {
		const char *p = out[i];
		size_t len = strlen(p);
		check(p >= text && p + len <= text + size);
		check(len > 0 && p[0] != '/' && p[len - 1] != '/');
		check(!strchr(p, '\n') && !strchr(p, '"') && !strchr(p, '\r'));
		for (const char *c = p; *c;) {
			size_t seg = strcspn(c, "/");
			check(seg > 0);
			check(!(seg == 1 && c[0] == '.'));
			check(!(seg == 2 && c[0] == '.' && c[1] == '.'));
			c += seg;
			if (*c)
				c++;
		}
	}
	free(text);
	return 0;
}
