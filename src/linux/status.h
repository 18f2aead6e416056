/* `ringfence status`: what is configured, what would be in force on this
 * machine, and why, as one JSON document (the CLI prints it as is with
 * --json, or as text). */
#ifndef RF_STATUS_H
#define RF_STATUS_H

#include <jansson.h>
#include <stdbool.h>

#include "ringfence.h"
#include "sandbox.h"

/* The rung `run` would take for p on a kernel offering *pr, and why
 * ("" when it is the first). RF_EFFECTIVE_NONE with refuse = true: run
 * would exit 125. */
struct rf_backend_prediction {
	enum rf_effective_backend effective;
	bool refuse;
	char reason[400];
};
void rf_predict_backend(const rf_policy *p, const struct rf_probe *pr, struct rf_backend_prediction *out);

/* The whole status; the caller owns the reference. */
json_t *rf_status_build(const rf_policy *p, const struct rf_probe *pr);

#endif
