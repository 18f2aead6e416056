/* Capabilities (DESIGN.md §2 step 5). No libcap: the three calls are
 * simple and a dependency is not worth it. */
#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

static int last_cap(void)
{
	char buf[16];
	if (rf_read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) > 0)
		return atoi(buf);
	return CAP_LAST_CAP;
}

static bool has_any_capability(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return true; /* assume the worst: try to drop */
	return data[0].permitted || data[1].permitted || data[0].effective || data[1].effective;
}

int rf_caps_drop_all(struct rf_error *e)
{
	/* An unprivileged process without capabilities (the Landlock-only
	 * fallback run by a normal user) has nothing to drop and may not touch
	 * securebits or the bounding set; no_new_privs keeps it that way
	 * across execve of setuid or file-capability binaries. */
	if (!has_any_capability()) {
		(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		return 0;
	}
	/* Securebits first (needs CAP_SETPCAP): uid 0 gets no capabilities
	 * from execve, and this cannot be undone. A root caller maps to uid 0
	 * inside; without this, exec'ing any binary would refill its caps. */
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			     SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return rf_fail(e, errno, "cannot lock securebits");
	int last = last_cap();
	for (int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return rf_fail(e, errno, "cannot drop capability %d from the bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return rf_fail(e, errno, "cannot clear ambient capabilities");
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {{0, 0, 0}, {0, 0, 0}};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return rf_fail(e, errno, "cannot drop capabilities");
	return 0;
}
