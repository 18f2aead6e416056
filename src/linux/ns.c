/* Namespaces (DESIGN.md §2 step 2). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

pid_t rf_clone_ns(unsigned long flags)
{
	/* Raw clone with a NULL stack behaves like fork(): the child continues
	 * here on a copy of our memory. glibc's clone() wrapper would need a
	 * separate stack and a function. */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int rf_write_id_maps(pid_t child, uid_t uid, gid_t gid, struct rf_error *e)
{
	char path[64], map[64];
	/* setgroups must be denied before an unprivileged gid_map write; we
	 * deny it for root callers too so the sandbox can never gain groups. */
	snprintf(path, sizeof path, "/proc/%d/setgroups", (int)child);
	if (rf_write_file(path, "deny", e) < 0)
		return rf_fail_wrap(e, "cannot set up the user namespace");
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (rf_write_file(path, map, e) < 0)
		return rf_fail_wrap(e, "cannot map uid %u in the user namespace", (unsigned)uid);
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (rf_write_file(path, map, e) < 0)
		return rf_fail_wrap(e, "cannot map gid %u in the user namespace", (unsigned)gid);
	return 0;
}
