/* Sizes, durations and CPU counts (see units.h).
 *
 * Numbers are parsed by hand rather than with strtod(): strtod accepts
 * "inf", "nan", hex floats, exponents, leading blanks and the locale's
 * decimal separator, none of which belongs in "--memory 512M". */
#include "units.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define MAX_FRACTION_DIGITS 18 /* more cannot change a 63-bit byte count */

/* A decimal number "123" or "123.45" at *p: integer part, fraction as
 * numerator/10^digits. Advances *p past it. */
struct decimal {
	uint64_t whole;
	uint64_t frac;     /* numerator */
	unsigned frac_digits;
};

static int parse_decimal(const char **p, struct decimal *d, const char *all, struct rf_error *e)
{
	const char *s = *p;
	*d = (struct decimal){0};
	if (*s < '0' || *s > '9')
		return rf_fail(e, 0, "'%s': expected a number", all);
	for (; *s >= '0' && *s <= '9'; s++) {
		if (__builtin_mul_overflow(d->whole, 10, &d->whole) ||
		    __builtin_add_overflow(d->whole, (uint64_t)(*s - '0'), &d->whole))
			return rf_fail(e, 0, "'%s': number too large", all);
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return rf_fail(e, 0, "'%s': expected digits after the decimal point", all);
		for (; *s >= '0' && *s <= '9'; s++) {
			if (d->frac_digits < MAX_FRACTION_DIGITS) {
				d->frac = d->frac * 10 + (uint64_t)(*s - '0');
				d->frac_digits++;
			}
		}
	}
	*p = s;
	return 0;
}

static uint64_t pow10u(unsigned n)
{
	uint64_t v = 1;
	while (n--)
		v *= 10;
	return v;
}

static double decimal_value(const struct decimal *d)
{
	return (double)d->whole + (double)d->frac / (double)pow10u(d->frac_digits);
}

static const struct {
	const char *name;
	unsigned long long mult;
} size_units[] = {
	{"", 1ULL}, {"b", 1ULL},
	{"k", 1ULL << 10}, {"kib", 1ULL << 10}, {"kb", 1000ULL},
	{"m", 1ULL << 20}, {"mib", 1ULL << 20}, {"mb", 1000000ULL},
	{"g", 1ULL << 30}, {"gib", 1ULL << 30}, {"gb", 1000000000ULL},
	{"t", 1ULL << 40}, {"tib", 1ULL << 40}, {"tb", 1000000000000ULL},
	{"p", 1ULL << 50}, {"pib", 1ULL << 50}, {"pb", 1000000000000000ULL},
};

int rf_parse_size(const char *s, unsigned long long *out, struct rf_error *e)
{
	if (!s || !*s)
		return rf_fail(e, 0, "empty size");
	const char *p = s;
	struct decimal d;
	if (parse_decimal(&p, &d, s, e) < 0)
		return rf_fail_wrap(e, "invalid size");
	unsigned long long mult = 0;
	for (size_t i = 0; i < sizeof size_units / sizeof size_units[0]; i++)
		if (strcasecmp(p, size_units[i].name) == 0)
			mult = size_units[i].mult;
	if (!mult)
		return rf_fail(e, 0, "invalid size '%s': unknown unit '%s' (use K, M, G, T: KiB, MiB... or KB, MB... for powers of 1000)", s, p);
	unsigned __int128 v = (unsigned __int128)d.whole * mult;
	v += (unsigned __int128)d.frac * mult / pow10u(d.frac_digits);
	if (v > (unsigned __int128)LLONG_MAX)
		return rf_fail(e, 0, "invalid size '%s': too large", s);
	*out = (unsigned long long)v;
	return 0;
}

static const struct {
	const char *name;
	double secs;
} time_units[] = {
	{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}, {"ms", 0.001},
};

#define MAX_DURATION (10.0 * 365 * 86400)

int rf_parse_duration(const char *s, double *seconds, struct rf_error *e)
{
	if (!s || !*s)
		return rf_fail(e, 0, "empty duration");
	const char *p = s;
	double total = 0;
	size_t next_unit = 0; /* units must come largest first, each once */
	bool first = true;
	while (*p) {
		struct decimal d;
		if (parse_decimal(&p, &d, s, e) < 0)
			return rf_fail_wrap(e, "invalid duration");
		size_t ulen = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		if (ulen == 0) {
			if (!first || *p)
				return rf_fail(e, 0, "invalid duration '%s': a unit (d, h, m, s, ms) is needed after each number but a lone one", s);
			total = decimal_value(&d);
			break;
		}
		size_t u = next_unit;
		while (u < sizeof time_units / sizeof time_units[0] &&
		       !(strlen(time_units[u].name) == ulen && strncmp(p, time_units[u].name, ulen) == 0))
			u++;
		if (u == sizeof time_units / sizeof time_units[0])
			return rf_fail(e, 0, "invalid duration '%s': '%.*s' is not a unit here (d, h, m, s, ms, largest first)", s,
				       (int)ulen, p);
		total += decimal_value(&d) * time_units[u].secs;
		next_unit = u + 1;
		p += ulen;
		first = false;
		if (total > MAX_DURATION)
			break;
	}
	if (total > MAX_DURATION)
		return rf_fail(e, 0, "invalid duration '%s': longer than 10 years", s);
	*seconds = total;
	return 0;
}

int rf_parse_cpus(const char *s, double *cpus, struct rf_error *e)
{
	if (!s || !*s)
		return rf_fail(e, 0, "empty CPU count");
	const char *p = s;
	struct decimal d;
	if (parse_decimal(&p, &d, s, e) < 0 || *p)
		return rf_fail(e, 0, "invalid CPU count '%s' (a number of cores: 2, 0.5, 1.25)", s);
	if (d.whole > 1000000)
		return rf_fail(e, 0, "invalid CPU count '%s': too large", s);
	*cpus = decimal_value(&d);
	return 0;
}

void rf_format_size(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	size_t u = 0;
	unsigned long long unit = 1;
	while (u + 1 < sizeof names / sizeof names[0] && bytes / unit >= 1024) {
		unit <<= 10;
		u++;
	}
	if (bytes % unit == 0)
		snprintf(buf, len, "%llu %s", bytes / unit, names[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / (double)unit, names[u]);
}

void rf_format_duration(double seconds, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (!(seconds >= 60) || seconds != (double)(unsigned long long)seconds || seconds > MAX_DURATION) {
		snprintf(buf, len, "%gs", seconds);
		return;
	}
	unsigned long long t = (unsigned long long)seconds;
	static const struct {
		char unit;
		unsigned long long secs;
	} parts[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
	size_t used = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0] && used + 1 < len; i++) {
		if (t >= parts[i].secs) {
			int n = snprintf(buf + used, len - used, "%llu%c", t / parts[i].secs, parts[i].unit);
			if (n < 0)
				break;
			used += (size_t)n < len - used ? (size_t)n : len - used - 1;
			t %= parts[i].secs;
		}
	}
}
