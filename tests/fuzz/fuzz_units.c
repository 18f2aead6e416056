/* libFuzzer target for the size, duration and CPU-count parsers
 * (src/common/units.c): they read command-line flags and, through the
 * configuration files, text a workspace may carry. Checked: no crash, a
 * refusal always says why, accepted values are in range, and a formatted
 * duration parses back to itself. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = rf_xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct rf_error e = {0};
	char buf[64];

	unsigned long long bytes = 0;
	if (rf_parse_size(s, &bytes, &e) == 0) {
		check(bytes <= (unsigned long long)LLONG_MAX);
		rf_format_size(bytes, buf, sizeof buf);
		check(strlen(buf) < sizeof buf);
	} else {
		check(e.msg[0] != '\0');
	}

	double d = -1;
	e.msg[0] = '\0';
	if (rf_parse_duration(s, &d, &e) == 0) {
		check(d >= 0 && d <= 10.0 * 365 * 86400);
		rf_format_duration(d, buf, sizeof buf);
		double back = -1;
		if (d == (double)(unsigned long long)d) {
			check(rf_parse_duration(buf, &back, &e) == 0);
			check(back == d);
		}
	} else {
		check(e.msg[0] != '\0');
	}

	double cpus = -1;
	if (rf_parse_cpus(s, &cpus, &e) == 0)
		check(cpus >= 0 && cpus <= 1000001);
	free(s);
	return 0;
}
