/* rf_seccomp_compile(): the filter generated for these options at build
 * time (see tools/seccomp_gen.c); a copy, so that the caller owns it. */
#include <linux/filter.h>
#include <string.h>

#include "rf_seccomp.h"
#include "seccomp_tables.h"
#include "util.h"

int rf_seccomp_compile(const struct rf_seccomp_opts *o, struct rf_seccomp_prog *prog, struct rf_error *e)
{
	const struct rf_seccomp_table *t = &rf_seccomp_tables[rf_seccomp_variant(o)];
	if (!prog || t->len == 0)
		return rf_fail(e, 0, "internal error: no generated seccomp filter for these options");
	prog->filter = rf_xmalloc(t->len * sizeof *prog->filter);
	memcpy(prog->filter, t->filter, t->len * sizeof *prog->filter);
	prog->len = t->len;
	return 0;
}
