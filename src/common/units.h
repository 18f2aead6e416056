/* Sizes, durations and CPU counts as people write them ("512M", "2GiB",
 * "90s", "1h30m", "1.5"): for command-line flags and configuration files.
 * Pure functions, no I/O; every failure fills *e with a one-line reason
 * that names the offending text, and returns -1. */
#ifndef RF_UNITS_H
#define RF_UNITS_H

#include <stddef.h>

struct rf_error;

/* A size in bytes: a number (decimal point allowed) and an optional unit.
 *   B             bytes (the default)
 *   K M G T P     binary: KiB, MiB, GiB, TiB, PiB (as systemd and Docker read them)
 *   KiB MiB ...   binary, spelled out
 *   KB MB GB ...  decimal (SI: 1000^n), for those who mean it
 * Units are case-insensitive ("512m" = "512M"); no space between number
 * and unit. The result is rounded down to a whole byte and must fit in 63
 * bits. "0" is 0: what it means (usually "no limit") is the caller's. */
int rf_parse_size(const char *s, unsigned long long *out, struct rf_error *e);

/* A duration in seconds: a sequence of number+unit parts, largest first,
 * each unit at most once ("1h30m", "2m30s", "1.5s", "500ms"), or a bare
 * number of seconds ("90", "0.5"). Units: d h m s ms. At most 10 years. */
int rf_parse_duration(const char *s, double *seconds, struct rf_error *e);

/* A number of CPU cores, decimal point allowed ("2", "0.5", "1.25"). */
int rf_parse_cpus(const char *s, double *cpus, struct rf_error *e);

/* Human forms for messages: "512 MiB", "1.5 GiB", "1234 B"; "1h30m",
 * "90s", "1.5s". Always NUL-terminated. */
void rf_format_size(unsigned long long bytes, char *buf, size_t len);
void rf_format_duration(double seconds, char *buf, size_t len);

#endif
