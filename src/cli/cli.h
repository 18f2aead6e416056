/* The ringfence CLI's subcommands (main.c dispatches; the library does the
 * work, these print). */
#ifndef RF_CLI_H
#define RF_CLI_H

#include <stdbool.h>

#include "ringfence.h"
#include "util.h"

enum rf_cli_command {
	RF_CLI_RUN,
	RF_CLI_STATUS,
	RF_CLI_EXPLAIN,
	RF_CLI_DOCTOR,
};

/* "ringfence: <message>" on stderr, exit 125. */
RF_NORETURN void die(const char *fmt, ...) RF_PRINTF(1, 2);

/* Each returns the exit status. */
int rf_cli_status(const rf_policy *p, bool json);
int rf_cli_explain(const rf_policy *p, bool json, int argc, char **argv);
/* config_error: why the config files could not be loaded, NULL if they could */
int rf_cli_doctor(const rf_policy *p, bool json, const char *config_error);

#endif
