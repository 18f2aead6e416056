/* Durations and sizes as users write them in config files and flags
 * (docs/config.md "Durations and sizes"). Strict: a number, then at most one
 * unit, nothing else; no negative values, no exponents, no blanks inside. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

/* The leading decimal number ("12", "1.5", ".5" is refused: write 0.5). */
static int leading_number(const char *s, double *out, const char **rest)
{
	const char *c = s;
	if (*c < '0' || *c > '9')
		return -1;
	while (*c >= '0' && *c <= '9')
		c++;
	if (*c == '.') {
		c++;
		if (*c < '0' || *c > '9')
			return -1;
		while (*c >= '0' && *c <= '9')
			c++;
	}
	if (c - s > 40)
		return -1;
	char buf[48];
	memcpy(buf, s, (size_t)(c - s));
	buf[c - s] = '\0';
	errno = 0;
	char *end;
	double v = strtod(buf, &end);
	if (errno || *end || !isfinite(v))
		return -1;
	*out = v;
	*rest = c;
	return 0;
}

int rf_parse_duration(const char *s, double *seconds, struct rf_error *e)
{
	static const struct {
		const char *unit;
		double factor;
	} units[] = {
		{"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400},
	};
	double v;
	const char *rest;
	if (!s || leading_number(s, &v, &rest) < 0)
		return rf_fail(e, 0, "invalid duration '%s' (a number of seconds, or a number with a unit: ms s m h d, e.g. \"90s\", \"10m\")",
			       s ? s : "");
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(rest, units[i].unit) == 0) {
			*seconds = v * units[i].factor;
			return 0;
		}
	}
	return rf_fail(e, 0, "invalid duration '%s': unknown unit '%s' (ms s m h d)", s, rest);
}

int rf_parse_size(const char *s, unsigned long long *bytes, struct rf_error *e)
{
	static const struct {
		const char *unit;
		double factor;
	} units[] = {
		{"", 1}, {"B", 1},
		{"K", 1024.0}, {"KiB", 1024.0}, {"KB", 1e3},
		{"M", 1048576.0}, {"MiB", 1048576.0}, {"MB", 1e6},
		{"G", 1073741824.0}, {"GiB", 1073741824.0}, {"GB", 1e9},
		{"T", 1099511627776.0}, {"TiB", 1099511627776.0}, {"TB", 1e12},
	};
	double v;
	const char *rest;
	if (!s || leading_number(s, &v, &rest) < 0)
		return rf_fail(e, 0, "invalid size '%s' (a number of bytes, or a number with a unit: K M G T (1024), KiB MiB GiB TiB (1024), KB MB GB TB (1000), e.g. \"2GiB\")",
			       s ? s : "");
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(rest, units[i].unit) != 0)
			continue;
		double b = v * units[i].factor;
		if (b >= 18446744073709551615.0)
			return rf_fail(e, 0, "size '%s' is too large", s);
		if (b != (double)(unsigned long long)b)
			return rf_fail(e, 0, "size '%s' is not a whole number of bytes", s);
		*bytes = (unsigned long long)b;
		return 0;
	}
	return rf_fail(e, 0, "invalid size '%s': unknown unit '%s' (K M G T, KiB MiB GiB TiB, KB MB GB TB)", s, rest);
}
