/* What the kernel offers, and in words why not when it does not. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"
#include "sandbox.h"
#include "util.h"

static long read_long(const char *path)
{
	char buf[32];
	if (rf_read_file(path, buf, sizeof buf) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* The namespaces run asks clone() for, tried with unshare() in a child. */
static int probe_userns(unsigned long flags)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(unshare((int)flags) == 0 ? 0 : (errno & 0xff));
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINVAL;
}

void rf_probe_userns_reason(int clone_errno, bool with_netns, char *buf, size_t len)
{
	/* the same clone without a network namespace working: that one it was
	 * (its limit may be set in an enclosing user namespace, where this
	 * one's sysctl does not show it) */
	if (with_netns && probe_userns(RF_NS_FLAGS_BASE) == 0) {
		if (read_long("/proc/sys/user/max_net_namespaces") == 0)
			snprintf(buf, len, "network namespaces disabled by user.max_net_namespaces=0");
		else
			snprintf(buf, len, "cannot create network namespace: %s%s", strerror(clone_errno),
				 clone_errno == ENOSPC ? " (user.max_net_namespaces reached, here or in an enclosing user namespace)"
						       : "");
	} else if (read_long("/proc/sys/user/max_user_namespaces") == 0)
		snprintf(buf, len, "user namespaces disabled by user.max_user_namespaces=0");
	else if (read_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		snprintf(buf, len, "unprivileged user namespaces disabled by kernel.unprivileged_userns_clone=0");
	else if (read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		snprintf(buf, len, "unprivileged user namespaces disabled by kernel.apparmor_restrict_unprivileged_userns=1");
	else
		snprintf(buf, len, "cannot create user namespace: %s", strerror(clone_errno));
}

/* seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_USER_NOTIF): user
 * notification (Linux 5.0), which the supervisor's listener needs. */
static bool probe_seccomp_notify(void)
{
	uint32_t action = SECCOMP_RET_USER_NOTIF;
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static bool probe_seccomp(void)
{
	uint32_t action = SECCOMP_RET_ERRNO;
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	       syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

void rf_probe_kernel(struct rf_probe *pr, bool with_netns)
{
	memset(pr, 0, sizeof *pr);
	int err = probe_userns(RF_NS_FLAGS_BASE | (with_netns ? CLONE_NEWNET : 0));
	pr->userns = err == 0;
	if (!pr->userns)
		rf_probe_userns_reason(err, with_netns, pr->userns_reason, sizeof pr->userns_reason);
	pr->landlock_abi = rf_landlock_abi();
	pr->seccomp = probe_seccomp();
	pr->seccomp_notify = pr->seccomp && probe_seccomp_notify();
}
