/* libFuzzer target for the config loader: arbitrary bytes through the TOML
 * reader and the schema (rf_config_parse), as a global file and as a
 * workspace file, then applied: the global layer onto a fresh policy, the
 * same bytes as an untrusted workspace layer on top (the narrow-only
 * checks) and as a trusted one, then rf_policy_finish. Crashes, leaks and
 * sanitizer reports are the findings; config errors are expected, and must
 * all be "FILE:LINE:COL: reason" for the fuzz file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* ~ expands somewhere harmless; nothing here writes the filesystem */
	setenv("HOME", "/nonexistent-ringfence-fuzz-home", 1);
	return 0;
}

static void check_error(const struct rf_error *e)
{
	if (strncmp(e->msg, "fuzz.toml:", 10) != 0)
		__builtin_trap(); /* every error names the file and a position */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct rf_error e;
	struct rf_config_layer g, w;
	rf_policy *p = rf_policy_new();
	if (rf_policy_set_workspace(p, "/tmp", &e) < 0)
		__builtin_trap();
	if (rf_config_parse(text, size, "fuzz.toml", RF_CONFIG_GLOBAL, NULL, &g, &e) == 0) {
		if (rf_config_apply(p, &g, true, &e) < 0)
			check_error(&e);
		rf_config_layer_free(&g);
	} else {
		check_error(&e);
	}
	if (rf_config_parse(text, size, "fuzz.toml", RF_CONFIG_WORKSPACE, "/tmp", &w, &e) == 0) {
		if (rf_config_apply(p, &w, false, &e) < 0)
			check_error(&e);
		if (rf_config_apply(p, &w, true, &e) < 0)
			check_error(&e);
		rf_config_layer_free(&w);
	} else {
		check_error(&e);
	}
	(void)rf_policy_finish(p, &e);
	rf_policy_free(p);
	return 0;
}
