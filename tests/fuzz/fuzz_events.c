/* libFuzzer target for `ringfence events`: a saved event stream is
 * untrusted input (anyone who can write the file chose its bytes). Read
 * arbitrary bytes as a stream, once printed for a person and once filtered
 * through the JSON pass-through, and also feed them to the JSON writer's
 * escaping (whatever comes in must come out as one valid JSON string).
 * Crashes, leaks and sanitizer reports are the findings. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	return null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rf_stream_stats st;
	FILE *in = fmemopen((void *)data, size, "r");
	if (in) {
		struct rf_events_filter f = {0};
		rf_events_print_stream(in, sink(), sink(), &f, &st);
		fclose(in);
	}
	in = fmemopen((void *)data, size, "r");
	if (in) {
		struct rf_events_filter f = {.rules = {"hidden:*", "*[a-z]?"}, .n_rules = 2, .targets = {"/*"},
					     .n_targets = 1, .pid = 7, .run = "a", .json = true};
		rf_events_print_stream(in, sink(), sink(), &f, &st);
		fclose(in);
	}
	/* the writer: any bytes become one valid JSON string */
	struct rf_json j;
	rf_json_init(&j);
	rf_json_stringn(&j, NULL, (const char *)data, size);
	json_error_t err;
	json_t *v = json_loadb(j.buf, j.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v || !json_is_string(v))
		__builtin_trap();
	json_decref(v);
	rf_json_free(&j);
	char *d = rf_display_escapen((const char *)data, size);
	for (const char *p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			__builtin_trap(); /* nothing that moves a terminal */
	free(d);
	return 0;
}
