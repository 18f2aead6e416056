/* The seccomp filter variants generated at build time (tools/seccomp_gen.c). */
#ifndef RF_SECCOMP_TABLES_H
#define RF_SECCOMP_TABLES_H

#include "rf_seccomp.h"

struct sock_filter;

struct rf_seccomp_table {
	const struct sock_filter *filter;
	unsigned short len;
};

extern const struct rf_seccomp_table rf_seccomp_tables[RF_SECCOMP_VARIANTS];

#endif
