/* Installing a seccomp filter (DESIGN.md §2 step 6), and freeing one. The
 * filter itself is written in seccomp.c and compiled with libseccomp when
 * ringfence is built (tools/seccomp_gen.c); at run time ringfence only
 * copies it (seccomp_prebuilt.c) and loads it here, so the supervisor
 * neither links nor maps libseccomp. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rf_seccomp.h"
#include "util.h"

/* Runs in the sandbox child: no allocation, one syscall. */
int rf_seccomp_load(const struct rf_seccomp_prog *prog, struct rf_error *e)
{
	if (!prog || !prog->filter || prog->len == 0)
		return rf_fail(e, EINVAL, "internal error: no compiled seccomp filter to load");
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		return rf_fail(e, errno, "cannot query no_new_privs");
	if (nnp != 1)
		return rf_fail(e, 0, "refusing to load the seccomp filter: no_new_privs is not set");
	struct sock_fprog fprog = { .len = prog->len, .filter = prog->filter };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
		return rf_fail(e, errno, "cannot install the seccomp filter (%u instructions)", (unsigned)prog->len);
	return 0;
}

int rf_seccomp_load_listener(const struct rf_seccomp_prog *prog, struct rf_error *e)
{
	if (!prog || !prog->filter || prog->len == 0)
		return rf_fail(e, EINVAL, "internal error: no compiled seccomp filter to load");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return rf_fail(e, 0, "refusing to load the seccomp filter: no_new_privs is not set");
	struct sock_fprog fprog = { .len = prog->len, .filter = prog->filter };
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
	if (fd < 0)
		return rf_fail(e, errno, "cannot install the seccomp filter with a notification listener");
	return (int)fd;
}

void rf_seccomp_prog_free(struct rf_seccomp_prog *prog)
{
	if (!prog)
		return;
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}
