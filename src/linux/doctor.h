/* `ringfence doctor`: what this machine offers the sandbox, and what to do
 * about each problem. */
#ifndef RF_DOCTOR_H
#define RF_DOCTOR_H

#include <stddef.h>

#include "ringfence.h"

enum rf_doctor_level {
	RF_DOCTOR_OK,
	RF_DOCTOR_WARN, /* an optional feature is missing: the sandbox is whole without it */
	RF_DOCTOR_FAIL, /* the full sandbox is not available */
};

struct rf_doctor_check {
	char name[48];
	enum rf_doctor_level level;
	char detail[1024];
	char fix[2048]; /* "" when nothing to do */
};

#define RF_DOCTOR_MAX 12

struct rf_doctor {
	struct rf_doctor_check v[RF_DOCTOR_MAX];
	size_t n;
};

/* Run every check. config_error: why the config files did not load (NULL if
 * they did). Returns the worst level. */
enum rf_doctor_level rf_doctor_run(const rf_policy *p, const char *config_error, struct rf_doctor *out);
const char *rf_doctor_level_name(enum rf_doctor_level l);

#endif
