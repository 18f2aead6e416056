/* What the kernel offers, and in words why not when it does not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"
#include "util.h"

static long read_long(const char *path)
{
	char buf[32];
	if (rf_read_file(path, buf, sizeof buf) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

void rf_probe_userns_reason(int clone_errno, char *buf, size_t len)
{
	if (read_long("/proc/sys/user/max_user_namespaces") == 0)
		snprintf(buf, len, "user namespaces disabled by user.max_user_namespaces=0");
	else if (read_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		snprintf(buf, len, "unprivileged user namespaces disabled by kernel.unprivileged_userns_clone=0");
	else if (read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		snprintf(buf, len, "unprivileged user namespaces disabled by kernel.apparmor_restrict_unprivileged_userns=1");
	else
		snprintf(buf, len, "cannot create user namespace: %s", strerror(clone_errno));
}
