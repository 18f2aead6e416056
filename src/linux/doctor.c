/* The machine checks of `ringfence doctor`. Each check tries the real thing
 * where it can (a user namespace is created, a cgroup is made and removed),
 * reads the knobs that explain a refusal, and says how to fix it. */
#include "doctor.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "landlock.h"
#include "sandbox.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static struct rf_doctor_check *add(struct rf_doctor *d, const char *name, enum rf_doctor_level l)
{
	struct rf_doctor_check *c = &d->v[d->n < RF_DOCTOR_MAX ? d->n++ : RF_DOCTOR_MAX - 1];
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->level = l;
	return c;
}

static void append(char *buf, size_t cap, const char *fmt, ...) RF_PRINTF(3, 4);
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
}

static long sysctl_long(const char *path)
{
	char buf[32];
	if (rf_read_file(path, buf, sizeof buf) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Can uid create a user namespace (with the other namespaces run asks
 * for)? 0 or the errno. As root, uid 65534 stands for the unprivileged
 * users. */
static int try_userns(uid_t uid)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (uid != geteuid() && (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0))
			_exit(EPERM);
		_exit(unshare(RF_NS_FLAGS_BASE | CLONE_NEWNET) == 0 ? 0 : (errno & 0xff));
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINVAL;
}

static void apparmor_fix(char *fix, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	append(fix, cap,
	       "AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+). Either allow them for ringfence "
	       "only, with a profile in /etc/apparmor.d/ringfence:\n"
	       "    abi <abi/4.0>,\n"
	       "    include <tunables/global>\n"
	       "\n"
	       "    profile ringfence %s flags=(unconfined) {\n"
	       "      userns,\n"
	       "\n"
	       "      include if exists <local/ringfence>\n"
	       "    }\n"
	       "then load it: sudo apparmor_parser -r /etc/apparmor.d/ringfence\n"
	       "or, for every program (weaker): sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
	       exe[0] ? exe : "/usr/local/bin/ringfence");
}

static void check_userns(struct rf_doctor *d)
{
	long max = sysctl_long("/proc/sys/user/max_user_namespaces");
	long clone = sysctl_long("/proc/sys/kernel/unprivileged_userns_clone");
	long aa = sysctl_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	bool root = geteuid() == 0;
	int self = try_userns(geteuid());
	int unpriv = root ? try_userns(65534) : self;

	struct rf_doctor_check *c = add(d, "user namespaces", RF_DOCTOR_OK);
	if (self == 0)
		snprintf(c->detail, sizeof c->detail, "%s can create user, mount, pid, net, ipc, uts and cgroup namespaces",
			 root ? "root" : "this user");
	else {
		char why[200];
		rf_probe_userns_reason(self, true, why, sizeof why);
		snprintf(c->detail, sizeof c->detail, "%s cannot: %s; ringfence falls back to Landlock + seccomp only",
			 root ? "root" : "this user", why);
		c->level = RF_DOCTOR_FAIL;
	}
	if (root && unpriv != 0 && self == 0) {
		append(c->detail, sizeof c->detail, "; unprivileged users cannot (%s)", strerror(unpriv));
		c->level = RF_DOCTOR_WARN;
	}
	append(c->detail, sizeof c->detail, " [user.max_user_namespaces=%ld", max);
	if (clone >= 0)
		append(c->detail, sizeof c->detail, ", kernel.unprivileged_userns_clone=%ld", clone);
	if (aa >= 0)
		append(c->detail, sizeof c->detail, ", kernel.apparmor_restrict_unprivileged_userns=%ld", aa);
	append(c->detail, sizeof c->detail, "]");
	if (c->level == RF_DOCTOR_OK)
		return;
	if (max == 0)
		append(c->fix, sizeof c->fix,
		       "user.max_user_namespaces is 0: sudo sysctl -w user.max_user_namespaces=15000 (and to keep it, "
		       "put user.max_user_namespaces=15000 in /etc/sysctl.d/60-ringfence.conf)\n");
	if (clone == 0)
		append(c->fix, sizeof c->fix,
		       "kernel.unprivileged_userns_clone is 0 (Debian): sudo sysctl -w kernel.unprivileged_userns_clone=1 "
		       "(and put it in /etc/sysctl.d/60-ringfence.conf)\n");
	if (aa == 1)
		apparmor_fix(c->fix, sizeof c->fix);
	if (!c->fix[0])
		append(c->fix, sizeof c->fix,
		       "the kernel refuses with %s: inside a container, run it with user namespaces allowed (e.g. docker "
		       "--security-opt seccomp=unconfined, or a rootless runtime that passes them through)",
		       strerror(self ? self : unpriv));
}

static void check_landlock(struct rf_doctor *d)
{
	int abi = rf_landlock_abi();
	char lsm[512] = "";
	bool lsm_known = rf_read_file("/sys/kernel/security/lsm", lsm, sizeof lsm) > 0;
	lsm[strcspn(lsm, "\n")] = '\0';
	bool listed = lsm_known && strstr(lsm, "landlock") != NULL;
	struct rf_doctor_check *c = add(d, "landlock", RF_DOCTOR_OK);
	if (abi <= 0) {
		c->level = RF_DOCTOR_FAIL;
		snprintf(c->detail, sizeof c->detail, "not available%s%s%s", lsm_known ? " (active LSMs: " : "",
			 lsm_known ? lsm : "", lsm_known ? ")" : "");
		if (lsm_known && !listed)
			snprintf(c->fix, sizeof c->fix,
				 "Landlock is not among the active LSMs: add it to the kernel's lsm= parameter, e.g. in "
				 "/etc/default/grub GRUB_CMDLINE_LINUX=\"lsm=landlock,%s\", then sudo update-grub and reboot "
				 "(the kernel needs CONFIG_SECURITY_LANDLOCK=y, Linux 5.13 or newer)",
				 lsm);
		else
			snprintf(c->fix, sizeof c->fix,
				 "use a kernel built with CONFIG_SECURITY_LANDLOCK=y (Linux 5.13 or newer) and landlock in "
				 "its lsm= list");
		return;
	}
	snprintf(c->detail, sizeof c->detail, "ABI %d%s%s%s", abi, abi > RF_LANDLOCK_ABI_KNOWN ? " (ringfence uses " : "",
		 abi > RF_LANDLOCK_ABI_KNOWN ? "7)" : "",
		 lsm_known ? (listed ? ", in the active LSM list" : "")
			   : " (the active LSM list, /sys/kernel/security/lsm, is not readable: securityfs not mounted)");
	if (abi < 3) {
		c->level = RF_DOCTOR_WARN;
		append(c->detail, sizeof c->detail,
		       "; below ABI 3 the Landlock-only fallback cannot be used (truncate cannot be denied)");
		snprintf(c->fix, sizeof c->fix, "a newer kernel (Linux 6.2 for ABI 3, 6.12 for ABI 6)");
	} else if (abi < 6) {
		c->level = RF_DOCTOR_WARN;
		append(c->detail, sizeof c->detail,
		       "; below ABI 6 abstract unix sockets and signals are not scoped (the namespaces still separate "
		       "them, except with network online)");
		snprintf(c->fix, sizeof c->fix, "a newer kernel (Linux 6.12 for ABI 6)");
	}
}

static void check_seccomp(struct rf_doctor *d, const struct rf_probe *pr)
{
	struct rf_doctor_check *c = add(d, "seccomp", RF_DOCTOR_OK);
	if (!pr->seccomp) {
		c->level = RF_DOCTOR_FAIL;
		snprintf(c->detail, sizeof c->detail, "seccomp filters are not available");
		snprintf(c->fix, sizeof c->fix, "use a kernel with CONFIG_SECCOMP_FILTER=y");
		return;
	}
	snprintf(c->detail, sizeof c->detail, "filters available");
	if (!pr->seccomp_notify) {
		c->level = RF_DOCTOR_FAIL;
		append(c->detail, sizeof c->detail,
		       "; user notification (SECCOMP_RET_USER_NOTIF) is not: the supervisor cannot mediate unix-socket "
		       "connects nor check execs in plan/review mode");
		snprintf(c->fix, sizeof c->fix, "Linux 5.0 or newer; inside a container, a seccomp profile that allows it");
	} else {
		append(c->detail, sizeof c->detail, ", user notification available");
	}
	char status[4096];
	if (rf_read_file("/proc/self/status", status, sizeof status) > 0) {
		const char *s = strstr(status, "\nSeccomp:");
		if (s && strtol(s + 9, NULL, 10) == 2) {
			if (c->level == RF_DOCTOR_OK)
				c->level = RF_DOCTOR_WARN;
			append(c->detail, sizeof c->detail,
			       "; ringfence itself runs under a seccomp filter (a container?), which may refuse calls it needs");
		}
	}
}

/* Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid v1+v2 system), "" if nowhere. */
static void cgroup2_mount(char *buf, size_t cap)
{
	buf[0] = '\0';
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof line, f)) {
		const char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		/* mount ID, parent ID, major:minor, root, mount point */
		char mp[PATH_MAX];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1) {
			snprintf(buf, cap, "%s", mp);
			break;
		}
	}
	fclose(f);
}

static void check_cgroup(struct rf_doctor *d)
{
	struct rf_doctor_check *c = add(d, "cgroup v2 delegation", RF_DOCTOR_OK);
	char base[PATH_MAX];
	cgroup2_mount(base, sizeof base);
	struct statfs sf;
	if (!base[0] || statfs(base, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
		c->level = RF_DOCTOR_WARN;
		snprintf(c->detail, sizeof c->detail, "no cgroup v2 hierarchy is mounted: limits (--memory, --pids, --cpu) cannot use cgroups");
		snprintf(c->fix, sizeof c->fix, "boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2)");
		return;
	}
	char self[8192];
	char *v2 = NULL; /* the "0::PATH" line: this process's cgroup v2 */
	if (rf_read_file("/proc/self/cgroup", self, sizeof self) > 0)
		v2 = strncmp(self, "0::", 3) == 0 ? self : strstr(self, "\n0::") ? strstr(self, "\n0::") + 1 : NULL;
	if (!v2) {
		c->level = RF_DOCTOR_WARN;
		snprintf(c->detail, sizeof c->detail, "cannot tell which cgroup v2 this process is in");
		return;
	}
	char *rel = v2 + 3;
	rel[strcspn(rel, "\n")] = '\0';
	cleanup_free char *mine = rf_path_join(base, rel);
	char name[64];
	snprintf(name, sizeof name, "ringfence-doctor.%d", (int)getpid());
	cleanup_free char *child = rf_path_join(mine, name);
	if (mkdir(child, 0755) < 0) {
		int err = errno;
		c->level = RF_DOCTOR_WARN;
		snprintf(c->detail, sizeof c->detail,
			 "cannot create a child cgroup in %s (%s): the cgroup is not delegated to this user, so "
			 "memory/pids/cpu limits cannot use cgroups",
			 mine, strerror(err));
		snprintf(c->fix, sizeof c->fix,
			 "run ringfence in a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes ringfence run ..., "
			 "or in a systemd service with Delegate=yes");
		return;
	}
	char ctrl[512] = "";
	cleanup_free char *cf = rf_path_join(child, "cgroup.controllers");
	(void)rf_read_file(cf, ctrl, sizeof ctrl);
	ctrl[strcspn(ctrl, "\n")] = '\0';
	(void)rmdir(child);
	static const char *const want[] = {"memory", "pids", "cpu"};
	char missing[64] = "";
	for (size_t i = 0; i < 3; i++) {
		bool have = false;
		for (char *w = ctrl; *w;) {
			size_t n = strcspn(w, " ");
			if (n == strlen(want[i]) && strncmp(w, want[i], n) == 0)
				have = true;
			w += n + (w[n] == ' ');
		}
		if (!have)
			append(missing, sizeof missing, "%s%s", missing[0] ? " " : "", want[i]);
	}
	if (missing[0]) {
		c->level = RF_DOCTOR_WARN;
		snprintf(c->detail, sizeof c->detail, "a child cgroup of %s can be created, but its controllers lack: %s%s", mine,
			 missing, strcmp(base, "/sys/fs/cgroup") ? " (a hybrid v1+v2 system: the controllers are on v1)" : "");
		if (strcmp(base, "/sys/fs/cgroup") != 0)
			snprintf(c->fix, sizeof c->fix,
				 "the controllers are bound to the cgroup v1 hierarchies: boot with "
				 "systemd.unified_cgroup_hierarchy=1 so that they are on v2");
		else
			snprintf(c->fix, sizeof c->fix,
				 "enable them for the children: echo '+memory +pids +cpu' > %s/cgroup.subtree_control (a cgroup "
				 "with processes in it cannot: use a delegated leaf, e.g. systemd-run --user --scope -p Delegate=yes)",
				 mine);
	} else {
		snprintf(c->detail, sizeof c->detail, "child cgroups of %s can be created with memory, pids and cpu", mine);
	}
}

static void check_config(struct rf_doctor *d, const rf_policy *p, const char *config_error)
{
	const struct rf_settings *s = rf_settings_get(p);
	struct rf_doctor_check *c = add(d, "config files", RF_DOCTOR_OK);
	if (config_error) {
		c->level = RF_DOCTOR_FAIL;
		snprintf(c->detail, sizeof c->detail, "%s", config_error);
		snprintf(c->fix, sizeof c->fix, "correct the file (every key is described in docs/config.md); ringfence run refuses to start until then");
		return;
	}
	snprintf(c->detail, sizeof c->detail, "global %s: %s; workspace %s: %s", s && s->global_file ? s->global_file : "(none)",
		 s && s->global_state == RF_FILE_LOADED ? "valid" : "absent",
		 s && s->workspace_file ? s->workspace_file : "(none)",
		 s && s->workspace_state == RF_FILE_LOADED ? (s->workspace_trusted ? "valid, trusted" : "valid, narrow-only")
							   : "absent");
	struct stat st;
	if (s && s->global_state == RF_FILE_LOADED && stat(s->global_file, &st) == 0 && (st.st_mode & 022)) {
		c->level = RF_DOCTOR_WARN;
		append(c->detail, sizeof c->detail, "; the global file is writable by others than its owner");
		snprintf(c->fix, sizeof c->fix, "chmod go-w %s (whoever can write it sets your sandbox)", s->global_file);
	}
}

enum rf_doctor_level rf_doctor_run(const rf_policy *p, const char *config_error, struct rf_doctor *out)
{
	memset(out, 0, sizeof *out);
	struct rf_probe pr;
	rf_probe_kernel(&pr, true);
	check_userns(out);
	check_landlock(out);
	check_seccomp(out, &pr);
	check_cgroup(out);
	check_config(out, p, config_error);
	enum rf_doctor_level worst = RF_DOCTOR_OK;
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].level > worst)
			worst = out->v[i].level;
	return worst;
}

const char *rf_doctor_level_name(enum rf_doctor_level l)
{
	return l == RF_DOCTOR_OK ? "ok" : l == RF_DOCTOR_WARN ? "warn" : "FAIL";
}
