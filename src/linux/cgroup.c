/* A cgroup for one run (see cgroup.h).
 *
 * Where the run's cgroup goes. A process may only be moved between cgroups
 * by someone who can write cgroup.procs of their common ancestor, so the
 * run's cgroup must be created under a cgroup the caller already controls:
 *
 *  cgroup v2 (unified), for each wanted controller, the first of:
 *   1. the caller's own cgroup, when its cgroup.subtree_control already
 *      hands the controller down and the caller may create children in it
 *      (the root cgroup, for root);
 *   2. the parent of the caller's cgroup when that is "ringfence-supervisor",
 *      the leaf an earlier run of this process moved itself into (3.);
 *   3. the caller's own cgroup when it was delegated to the caller (systemd
 *      `Delegate=yes`: the directory and its cgroup.procs and
 *      cgroup.subtree_control are writable) and the caller is alone in it:
 *      v2 forbids processes in a cgroup that hands controllers down, so the
 *      caller first moves itself into a leaf "ringfence-supervisor" and then
 *      enables the controllers (as crun and podman do);
 *   4. for root, the root cgroup, when its cgroup.subtree_control has the
 *      controller (the run's cgroup then escapes the caller's own limits:
 *      root may do that anyway).
 *  cgroup v1 (a hybrid machine: the controller is bound to a v1 hierarchy):
 *   the caller's own cgroup in that hierarchy, when writable (root). v1 has
 *   no rule against processes in inner cgroups, so the run's cgroup nests
 *   under the caller's and the caller's own limits still apply.
 *
 * The run's cgroup is "ringfence-<supervisor pid>-<n>". A supervisor killed
 * with SIGKILL cannot remove it; its janitor (limits.c) does, and failing
 * that the next run that uses the same parent (rf_cgroup_sweep). */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define SUPERVISOR_LEAF "ringfence-supervisor"
#define RUN_PREFIX "ringfence-"
#define CPU_PERIOD_US 100000

static const char *const controller_names[RF_CG_N] = {"pids", "memory", "cpu"};

const char *rf_cg_controller_name(enum rf_cg_controller c)
{
	return (unsigned)c < RF_CG_N ? controller_names[c] : "?";
}

/* ---- pure parsing ---- */

bool rf_cg_word_in(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t\n");
		size_t w = strcspn(p, " \t\n");
		if (w == n && n > 0 && strncmp(p, name, n) == 0)
			return true;
		p += w;
	}
	return false;
}

/* Is `name` one of the comma-separated tokens of s[0..len)? */
static bool token_in(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ',')
			j++;
		if (j - i == n && strncmp(s + i, name, n) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

bool rf_cg_run_name(const char *name, pid_t *pid)
{
	if (strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0)
		return false;
	const char *p = name + strlen(RUN_PREFIX);
	long long v = 0;
	if (*p < '1' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 0x7fffffff)
			return false;
	}
	if (*p++ != '-' || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* The next line of a text; returns its length and advances *p. */
static size_t next_line(const char **p, const char **line)
{
	*line = *p;
	size_t n = strcspn(*p, "\n");
	*p += n + ((*p)[n] == '\n');
	return n;
}

/* Decode the octal escapes (\040 for a space) of a mountinfo field. */
static bool unescape(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= outlen)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* A cgroup path as the kernel prints it: absolute, no "." or ".." parts
 * (a process outside its cgroup namespace's root sees "/../x"). */
static bool sane_cgroup_path(const char *p, size_t n)
{
	if (n == 0 || p[0] != '/')
		return false;
	for (size_t i = 0; i < n;) {
		while (i < n && p[i] == '/')
			i++;
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		if ((j - i == 1 && p[i] == '.') || (j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		i = j;
	}
	return true;
}

/* The caller's path in the hierarchy with `controller` (v1) or in the
 * unified one (NULL). */
static bool find_cgroup_path(const char *proc_cgroup, const char *controller, const char **path, size_t *plen)
{
	for (const char *p = proc_cgroup; p && *p;) {
		const char *line;
		size_t n = next_line(&p, &line);
		const char *c1 = memchr(line, ':', n);
		if (!c1)
			continue;
		const char *c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line));
		if (!c2)
			continue;
		const char *list = c1 + 1;
		size_t list_len = (size_t)(c2 - list);
		bool hit = controller ? token_in(list, list_len, controller)
				      : (c1 - line == 1 && line[0] == '0' && list_len == 0);
		if (!hit)
			continue;
		*path = c2 + 1;
		*plen = n - (size_t)(c2 + 1 - line);
		return sane_cgroup_path(*path, *plen);
	}
	return false;
}

int rf_cg_locate(const char *proc_cgroup, const char *mountinfo, const char *controller, char *out, size_t outlen)
{
	const char *path;
	size_t plen;
	if (!find_cgroup_path(proc_cgroup, controller, &path, &plen))
		return -1;
	for (const char *p = mountinfo; p && *p;) {
		const char *line;
		size_t n = next_line(&p, &line);
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
		const char *f[6];
		size_t fl[6], k = 0, i = 0;
		while (k < 5 && i < n) {
			while (i < n && line[i] == ' ')
				i++;
			f[k] = line + i;
			while (i < n && line[i] != ' ')
				i++;
			fl[k] = (size_t)(line + i - f[k]);
			k++;
		}
		if (k < 5)
			continue;
		/* the separator, then fstype, source, super options */
		const char *sep = NULL;
		for (size_t j = i; j + 1 < n; j++)
			if (line[j] == ' ' && line[j + 1] == '-' && (j + 2 == n || line[j + 2] == ' ')) {
				sep = line + j + 2;
				break;
			}
		if (!sep)
			continue;
		const char *rest = sep, *end = line + n;
		const char *tail[3];
		size_t tl[3], t = 0;
		while (t < 3 && rest < end) {
			while (rest < end && *rest == ' ')
				rest++;
			tail[t] = rest;
			while (rest < end && *rest != ' ')
				rest++;
			tl[t] = (size_t)(rest - tail[t]);
			t++;
		}
		if (t < 1)
			continue;
		bool v2 = tl[0] == 7 && strncmp(tail[0], "cgroup2", 7) == 0;
		bool v1 = tl[0] == 6 && strncmp(tail[0], "cgroup", 6) == 0;
		if (controller ? !(v1 && t == 3 && token_in(tail[2], tl[2], controller)) : !v2)
			continue;
		char root[4096], mnt[4096];
		if (!unescape(f[3], fl[3], root, sizeof root) || !unescape(f[4], fl[4], mnt, sizeof mnt))
			continue;
		/* the kernel prints absolute paths; anything else is not a mount
		 * point to create cgroups under (found by fuzz_cgroup) */
		if (root[0] != '/' || mnt[0] != '/')
			continue;
		size_t rl = strlen(root);
		const char *rel;
		if (strcmp(root, "/") == 0)
			rel = path;
		else if (plen >= rl && strncmp(path, root, rl) == 0 && (plen == rl || path[rl] == '/'))
			rel = path + rl;
		else
			continue; /* this mount shows another part of the hierarchy */
		size_t rel_len = plen - (size_t)(rel - path);
		while (rel_len > 0 && rel[rel_len - 1] == '/')
			rel_len--;
		int w = snprintf(out, outlen, "%s%.*s", strcmp(mnt, "/") == 0 && rel_len ? "" : mnt, (int)rel_len, rel);
		if (w < 0 || (size_t)w >= outlen)
			return -1;
		return 0;
	}
	return -1;
}

/* ---- the filesystem side ---- */

static char *read_text(const char *path, size_t cap)
{
	char *buf = rf_xmalloc(cap);
	if (rf_read_file(path, buf, cap) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static bool file_has_word(const char *dir, const char *file, const char *word)
{
	cleanup_free char *path = rf_path_join(dir, file);
	char buf[512];
	return rf_read_file(path, buf, sizeof buf) >= 0 && rf_cg_word_in(buf, word);
}

static bool writable(const char *dir, const char *file)
{
	cleanup_free char *path = file ? rf_path_join(dir, file) : rf_xstrdup(dir);
	return access(path, W_OK) == 0;
}

/* Is this process the only one in cgroup `dir`? */
static bool alone_in(const char *dir)
{
	cleanup_free char *path = rf_path_join(dir, "cgroup.procs");
	cleanup_free char *text = read_text(path, 65536);
	if (!text)
		return false;
	bool self = false;
	for (const char *p = text; *p;) {
		const char *line;
		size_t n = next_line(&p, &line);
		if (n == 0)
			continue;
		if (strtol(line, NULL, 10) != (long)getpid())
			return false;
		self = true;
	}
	return self;
}

/* cgroup v2: where a run cgroup holding controller c can be made, or NULL.
 * Sets *leaf_move when the caller must first move into its own leaf. */
static char *v2_parent(const char *own, const char *mnt_root, const char *c, bool *leaf_move, char *why, size_t whylen)
{
	*leaf_move = false;
	if (file_has_word(own, "cgroup.subtree_control", c) && writable(own, NULL))
		return rf_xstrdup(own);
	const char *slash = strrchr(own, '/');
	if (slash && strcmp(slash + 1, SUPERVISOR_LEAF) == 0) {
		cleanup_free char *parent = rf_xstrndup(own, (size_t)(slash - own));
		if (file_has_word(parent, "cgroup.subtree_control", c) && writable(parent, NULL))
			return rf_steal_ptr(&parent);
		if (file_has_word(parent, "cgroup.controllers", c) && writable(parent, "cgroup.subtree_control")) {
			*leaf_move = true; /* already in the leaf: only the enabling is left */
			return rf_steal_ptr(&parent);
		}
	}
	if (file_has_word(own, "cgroup.controllers", c) && writable(own, NULL) && writable(own, "cgroup.procs") &&
	    writable(own, "cgroup.subtree_control")) {
		if (alone_in(own)) {
			*leaf_move = true;
			return rf_xstrdup(own);
		}
		snprintf(why, whylen, "other processes share the delegated cgroup %.300s", own);
		if (getuid() != 0)
			return NULL;
		/* root may still use the root cgroup (4.) */
	}
	if (getuid() == 0 && mnt_root && file_has_word(mnt_root, "cgroup.subtree_control", c) && writable(mnt_root, NULL))
		return rf_xstrdup(mnt_root);
	if (why[0] && strstr(why, "other processes share"))
		return NULL;
	if (!file_has_word(own, "cgroup.controllers", c))
		snprintf(why, whylen, "cgroup v2 has no %s controller for %.300s", c, own);
	else
		snprintf(why, whylen, "%.300s is not delegated to uid %u", own, (unsigned)getuid());
	return NULL;
}

static int add_dir(struct rf_cgroup *cg, const char *parent, int version)
{
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (strcmp(cg->parents[i], parent) == 0)
			return (int)i;
	static unsigned seq;
	cg->parents[cg->n_dirs] = rf_xstrdup(parent);
	cg->dirs[cg->n_dirs] = rf_xasprintf("%s/" RUN_PREFIX "%d-%u", parent, (int)getpid(), seq++);
	cg->dir_version[cg->n_dirs] = version;
	return (int)cg->n_dirs++;
}

static void append_why(struct rf_cgroup *cg, const char *fmt, ...) RF_PRINTF(2, 3);
static void append_why(struct rf_cgroup *cg, const char *fmt, ...)
{
	size_t used = strlen(cg->why);
	if (used + 3 >= sizeof cg->why)
		return;
	if (used) {
		memcpy(cg->why + used, "; ", 2);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cg->why + used, sizeof cg->why - used, fmt, ap);
	va_end(ap);
}

/* The mount point of the unified hierarchy (its root cgroup). */
static bool v2_root(const char *mountinfo, char *out, size_t len)
{
	return rf_cg_locate("0::/\n", mountinfo, NULL, out, len) == 0;
}

void rf_cgroup_plan(struct rf_cgroup *cg, const bool want[RF_CG_N])
{
	bool any = false;
	for (int c = 0; c < RF_CG_N; c++)
		any |= want[c];
	cleanup_free char *proc = any ? read_text("/proc/self/cgroup", 16384) : NULL;
	cleanup_free char *mounts = any ? read_text("/proc/self/mountinfo", 1 << 20) : NULL;
	rf_cgroup_plan_from(cg, want, proc, mounts);
	if (any && (!proc || !mounts))
		snprintf(cg->why, sizeof cg->why, "cannot read /proc/self/cgroup or /proc/self/mountinfo");
}

void rf_cgroup_plan_from(struct rf_cgroup *cg, const bool want[RF_CG_N], const char *proc, const char *mounts)
{
	memset(cg, 0, sizeof *cg);
	for (int c = 0; c < RF_CG_N; c++)
		cg->of[c] = -1;
	if (!proc || !mounts)
		return;
	char own2[4096], root2[4096];
	bool have_v2 = rf_cg_locate(proc, mounts, NULL, own2, sizeof own2) == 0;
	bool have_root2 = v2_root(mounts, root2, sizeof root2);
	for (int c = 0; c < RF_CG_N; c++) {
		if (!want[c])
			continue;
		const char *name = controller_names[c];
		char why2[1024] = "no cgroup2 hierarchy";
		if (have_v2) {
			bool leaf = false;
			cleanup_free char *parent = v2_parent(own2, have_root2 ? root2 : NULL, name, &leaf, why2, sizeof why2);
			if (parent) {
				cg->of[c] = add_dir(cg, parent, 2);
				cg->version[c] = 2;
				cg->leaf_move[cg->of[c]] |= leaf;
				continue;
			}
		}
		char own1[4096];
		if (rf_cg_locate(proc, mounts, name, own1, sizeof own1) == 0) {
			if (writable(own1, NULL)) {
				cg->of[c] = add_dir(cg, own1, 1);
				cg->version[c] = 1;
				continue;
			}
			append_why(cg, "%s: %.300s; cgroup v1: %.300s is not writable by uid %u", name, why2, own1,
				   (unsigned)getuid());
		} else {
			append_why(cg, "%s: %.300s, and no cgroup v1 hierarchy has it", name, why2);
		}
	}
}

/* O_CREAT: in cgroupfs the control files exist already (creating one fails),
 * and the unit tests run this code on a plain directory tree. */
static int write_path(const char *path, const char *value, struct rf_error *e)
{
	cleanup_fd int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return rf_fail(e, errno, "cannot open %s", path);
	if (rf_write_all(fd, value, strlen(value)) < 0)
		return rf_fail(e, errno, "cannot write %s", path);
	return 0;
}

static int write_value(const char *dir, const char *file, const char *value, struct rf_error *e)
{
	cleanup_free char *path = rf_path_join(dir, file);
	return write_path(path, value, e);
}

static bool exists(const char *dir, const char *file)
{
	cleanup_free char *path = rf_path_join(dir, file);
	return access(path, F_OK) == 0;
}

/* v2, delegated cgroup: move into a leaf of our own, then hand the
 * controllers down. */
static int leaf_move(struct rf_cgroup *cg, size_t i, struct rf_error *e)
{
	const char *parent = cg->parents[i];
	char self[32];
	snprintf(self, sizeof self, "%d", (int)getpid());
	cleanup_free char *leaf = rf_path_join(parent, SUPERVISOR_LEAF);
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return rf_fail(e, errno, "cannot create the cgroup %s", leaf);
	char own[64];
	cleanup_free char *procs = rf_path_join(leaf, "cgroup.procs");
	/* no-op when an earlier run already moved us */
	if (write_path(procs, self, e) < 0)
		return rf_fail_wrap(e, "cannot move ringfence into its own cgroup leaf");
	for (int c = 0; c < RF_CG_N; c++) {
		if (cg->of[c] != (int)i || file_has_word(parent, "cgroup.subtree_control", controller_names[c]))
			continue;
		snprintf(own, sizeof own, "+%s", controller_names[c]);
		if (write_value(parent, "cgroup.subtree_control", own, e) < 0)
			return rf_fail_wrap(e, "cannot enable the %s controller", controller_names[c]);
	}
	return 0;
}

static int set_values(const struct rf_cgroup *cg, size_t i, const struct rf_cg_values *v, struct rf_error *e)
{
	const char *dir = cg->dirs[i];
	bool v2 = cg->dir_version[i] == 2;
	char buf[64];
	if (cg->of[RF_CG_PIDS] == (int)i && v->pids) {
		snprintf(buf, sizeof buf, "%lu", v->pids);
		if (write_value(dir, "pids.max", buf, e) < 0)
			return -1;
	}
	if (cg->of[RF_CG_MEMORY] == (int)i && v->memory_bytes) {
		snprintf(buf, sizeof buf, "%llu", v->memory_bytes);
		if (write_value(dir, v2 ? "memory.max" : "memory.limit_in_bytes", buf, e) < 0)
			return -1;
		/* the limit is the sandbox's memory, not RAM plus as much swap */
		const char *swap = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
		if (exists(dir, swap) && write_value(dir, swap, v2 ? "0" : buf, e) < 0)
			return -1;
	}
	if (cg->of[RF_CG_CPU] == (int)i && v->cpus > 0) {
		long quota = (long)(v->cpus * CPU_PERIOD_US + 0.5);
		if (quota < 1000)
			quota = 1000; /* the kernel's minimum */
		if (v2) {
			snprintf(buf, sizeof buf, "%ld %d", quota, CPU_PERIOD_US);
			if (write_value(dir, "cpu.max", buf, e) < 0)
				return -1;
		} else {
			snprintf(buf, sizeof buf, "%d", CPU_PERIOD_US);
			if (write_value(dir, "cpu.cfs_period_us", buf, e) < 0)
				return -1;
			snprintf(buf, sizeof buf, "%ld", quota);
			if (write_value(dir, "cpu.cfs_quota_us", buf, e) < 0)
				return -1;
		}
	}
	return 0;
}

int rf_cgroup_create(struct rf_cgroup *cg, const struct rf_cg_values *v, struct rf_error *e)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		if (cg->leaf_move[i] && leaf_move(cg, i, e) < 0)
			return -1;
		rf_cgroup_sweep(cg->parents[i], cg->dir_version[i]);
		if (mkdir(cg->dirs[i], 0755) < 0)
			return rf_fail(e, errno, "cannot create the cgroup %s", cg->dirs[i]);
		cg->created[i] = true;
		if (set_values(cg, i, v, e) < 0)
			return rf_fail_wrap(e, "cannot set the limits of cgroup %s", cg->dirs[i]);
	}
	return 0;
}

int rf_cgroup_attach(const struct rf_cgroup *cg, pid_t pid, struct rf_error *e)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%d", (int)pid);
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (cg->created[i] && write_value(cg->dirs[i], "cgroup.procs", buf, e) < 0)
			return rf_fail_wrap(e, "cannot put the sandbox into its cgroup");
	return 0;
}

/* Kill what is in one cgroup; returns whether anything was found in it. */
static bool kill_dir(const char *dir, int version)
{
	if (version == 2 && write_value(dir, "cgroup.kill", "1", NULL) == 0) {
		char ev[256];
		cleanup_free char *events = rf_path_join(dir, "cgroup.events");
		return rf_read_file(events, ev, sizeof ev) < 0 || strstr(ev, "populated 1") != NULL;
	}
	/* v1, or v2 before Linux 5.14: one by one, until nothing is left. The
	 * processes cannot outrun this for long: their number is bounded, and in
	 * the namespace rung their pid 1 is gone (or going) already. */
	cleanup_free char *procs = rf_path_join(dir, "cgroup.procs");
	cleanup_free char *text = read_text(procs, 1 << 20);
	bool any = false;
	for (const char *p = text ? text : ""; *p;) {
		const char *line;
		size_t n = next_line(&p, &line);
		if (n == 0)
			continue;
		long pid = strtol(line, NULL, 10);
		if (pid > 0) {
			(void)kill((pid_t)pid, SIGKILL);
			any = true;
		}
	}
	return any;
}

void rf_cgroup_kill(const struct rf_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (cg->created[i])
			(void)kill_dir(cg->dirs[i], cg->dir_version[i]);
}

static void nap(long us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};
	nanosleep(&ts, NULL);
}

/* Kill and remove one cgroup, waiting for its processes to be gone. */
static bool remove_dir(const char *dir, int version, double wait_s)
{
	double until = rf_now() + wait_s;
	long us = 200;
	for (;;) {
		(void)kill_dir(dir, version);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return true;
		if (errno != EBUSY || rf_now() > until)
			return false;
		nap(us);
		if (us < 20000)
			us *= 2;
	}
}

int rf_cgroup_remove(struct rf_cgroup *cg, double wait_s)
{
	int rc = 0;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		if (!cg->created[i])
			continue;
		if (remove_dir(cg->dirs[i], cg->dir_version[i], wait_s))
			cg->created[i] = false;
		else
			rc = -1;
	}
	return rc;
}

void rf_cgroup_free(struct rf_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		free(cg->dirs[i]);
		free(cg->parents[i]);
	}
	cg->n_dirs = 0;
}

void rf_cgroup_availability(char *buf, size_t len)
{
	bool want[RF_CG_N] = {true, true, true};
	struct rf_cgroup cg;
	rf_cgroup_plan(&cg, want);
	size_t used = 0;
	buf[0] = '\0';
	for (int c = 0; c < RF_CG_N && used + 1 < len; c++) {
		int n;
		if (cg.of[c] >= 0)
			n = snprintf(buf + used, len - used, "%s: cgroup v%d, under %s%s\n", controller_names[c], cg.version[c],
				     cg.parents[cg.of[c]], cg.leaf_move[cg.of[c]] ? " (after moving into a leaf of its own)" : "");
		else
			n = snprintf(buf + used, len - used, "%s: not available\n", controller_names[c]);
		if (n < 0)
			break;
		used += (size_t)n < len - used ? (size_t)n : len - used - 1;
	}
	if (cg.why[0] && used + 1 < len)
		snprintf(buf + used, len - used, "why: %s\n", cg.why);
	rf_cgroup_free(&cg);
}

void rf_cgroup_sweep(const char *parent, int version)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		pid_t pid;
		if (de->d_type != DT_DIR || !rf_cg_run_name(de->d_name, &pid) || pid == getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* its supervisor (or some process with its pid) lives */
		cleanup_free char *dir = rf_path_join(parent, de->d_name);
		(void)remove_dir(dir, version, 0.2);
	}
	closedir(d);
}
