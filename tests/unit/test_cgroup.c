/* Unit tests: locating the caller's cgroup from /proc/self/cgroup and
 * /proc/self/mountinfo text (src/linux/cgroup.c), on the layouts seen in
 * the wild: pure cgroup v2 (Debian 12, systemd), hybrid (v1 controllers +
 * v2 at /sys/fs/cgroup/unified, like this project's CI machine), v1 with
 * co-mounted controllers, cgroup namespaces, escaped mount points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

static const char *const v2_proc = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope\n";
static const char *const v2_mounts =
	"22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"26 23 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";

static const char *const hybrid_proc = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n"
				       "2:cpu,cpuacct:/x\n0::/\n";
static const char *const hybrid_mounts =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static void expect(const char *proc, const char *mounts, const char *ctl, const char *want)
{
	char out[4096];
	int rc = rf_cg_locate(proc, mounts, ctl, out, sizeof out);
	if (!want) {
		if (rc == 0)
			fail_msg("%s: expected none, got %s", ctl ? ctl : "v2", out);
		return;
	}
	if (rc != 0)
		fail_msg("%s: expected %s, got none", ctl ? ctl : "v2", want);
	assert_string_equal(out, want);
}

static void test_pure_v2(void **state)
{
	(void)state;
	expect(v2_proc, v2_mounts, NULL,
	       "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope");
	expect(v2_proc, v2_mounts, "pids", NULL); /* no v1 hierarchy */
	expect("0::/\n", v2_mounts, NULL, "/sys/fs/cgroup");
}

static void test_hybrid(void **state)
{
	(void)state;
	expect(hybrid_proc, hybrid_mounts, NULL, "/sys/fs/cgroup/unified");
	expect(hybrid_proc, hybrid_mounts, "pids", "/sys/fs/cgroup/pids");
	expect(hybrid_proc, hybrid_mounts, "memory", "/sys/fs/cgroup/memory/process_api/abc");
	expect(hybrid_proc, hybrid_mounts, "cpu", "/sys/fs/cgroup/cpu,cpuacct/x");
	expect(hybrid_proc, hybrid_mounts, "cpuacct", "/sys/fs/cgroup/cpu,cpuacct/x");
	expect(hybrid_proc, hybrid_mounts, "cpuset", NULL);
	expect(hybrid_proc, hybrid_mounts, "cp", NULL);  /* tokens, not prefixes */
	expect(hybrid_proc, hybrid_mounts, "mem", NULL);
}

static void test_mount_roots(void **state)
{
	(void)state;
	/* a container's view: the mount shows only /docker/abc of the hierarchy */
	const char *m = "50 40 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	expect("0::/docker/abc/sub\n", m, NULL, "/sys/fs/cgroup/sub");
	expect("0::/docker/abc\n", m, NULL, "/sys/fs/cgroup");
	expect("0::/docker/abcd\n", m, NULL, NULL); /* not beneath the mount's root */
	expect("0::/other\n", m, NULL, NULL);
	/* a second mount that does show it */
	const char *m2 = "50 40 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
			 "51 40 0:30 / /mnt/cg rw - cgroup2 cgroup2 rw\n";
	expect("0::/other\n", m2, NULL, "/mnt/cg/other");
	/* octal escapes in the mount point */
	const char *m3 = "51 40 0:30 / /mnt/c\\040g rw - cgroup2 cgroup2 rw\n";
	expect("0::/a\n", m3, NULL, "/mnt/c g/a");
	/* optional fields before the separator */
	const char *m4 = "51 40 0:30 / /cg rw shared:1 master:2 - cgroup2 none rw\n";
	expect("0::/a/\n", m4, NULL, "/cg/a");
	/* cgroup2 mounted at / */
	expect("0::/a\n", "1 0 0:1 / / rw - cgroup2 none rw\n", NULL, "/a");
	expect("0::/\n", "1 0 0:1 / / rw - cgroup2 none rw\n", NULL, "/");
}

static void test_refusals(void **state)
{
	(void)state;
	/* outside the cgroup namespace's root: the kernel prints "/.." */
	expect("0::/../../x\n", v2_mounts, NULL, NULL);
	expect("0::/a/./b\n", v2_mounts, NULL, NULL);
	expect("0::relative\n", v2_mounts, NULL, NULL);
	expect("0::\n", v2_mounts, NULL, NULL);
	expect("", v2_mounts, NULL, NULL);
	expect(v2_proc, "", NULL, NULL);
	expect("garbage\n::\n:\n", v2_mounts, NULL, NULL);
	expect(v2_proc, "1 2 3\n- cgroup2\n41 31 0:38 / /x rw\n", NULL, NULL);
	/* a mount point or root that is not absolute (fuzz_cgroup's first find) */
	expect("0::/a\n", "1 0 0:1 / sys/fs/cgroup rw - cgroup2 none rw\n", NULL, NULL);
	expect("0::/a\n", "1 0 0:1 x /sys/fs/cgroup rw - cgroup2 none rw\n", NULL, NULL);
	/* a v1 line does not count as the unified one */
	expect("1:pids:/a\n", v2_mounts, NULL, NULL);
	char small[8];
	assert_int_equal(rf_cg_locate(v2_proc, v2_mounts, NULL, small, sizeof small), -1);
}

static void test_words_and_names(void **state)
{
	(void)state;
	assert_true(rf_cg_word_in("cpuset cpu io memory pids\n", "cpu"));
	assert_true(rf_cg_word_in("cpuset cpu io memory pids\n", "pids"));
	assert_false(rf_cg_word_in("cpuset io memory\n", "cpu"));
	assert_false(rf_cg_word_in("", "cpu"));
	assert_false(rf_cg_word_in("cpu", ""));
	pid_t pid = 0;
	assert_true(rf_cg_run_name("ringfence-123-0", &pid));
	assert_int_equal(pid, 123);
	assert_false(rf_cg_run_name("ringfence-supervisor", &pid));
	assert_false(rf_cg_run_name("ringfence-123", &pid));
	assert_false(rf_cg_run_name("ringfence-123-", &pid));
	assert_false(rf_cg_run_name("ringfence-0-1", &pid));
	assert_false(rf_cg_run_name("ringfence-1-1x", &pid));
	assert_false(rf_cg_run_name("ringfence-99999999999-1", &pid));
	assert_false(rf_cg_run_name("other-1-1", &pid));
}

/* ---- the v2 parent decisions, on a fake cgroup2 tree in a temporary
 * directory (a real one with controllers is not on every test machine) ---- */

static char fake[256];

static void put(const char *rel, const char *content)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", fake, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *get(const char *rel)
{
	char path[1024];
	static char buf[256];
	snprintf(path, sizeof path, "%s/%s", fake, rel);
	if (rf_read_file(path, buf, sizeof buf) < 0)
		return NULL;
	return buf;
}

static void mk(const char *rel)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", fake, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static char *mountinfo(void)
{
	return rf_xasprintf("26 23 0:24 / %s rw - cgroup2 cgroup2 rw\n", fake);
}

static int setup_fake(void **state)
{
	(void)state;
	snprintf(fake, sizeof fake, "/tmp/rf-unit-cg.XXXXXX");
	assert_non_null(mkdtemp(fake));
	put("cgroup.controllers", "cpuset cpu io memory pids\n");
	put("cgroup.subtree_control", "\n");
	mk("user.slice");
	put("user.slice/cgroup.controllers", "cpu memory pids\n");
	put("user.slice/cgroup.subtree_control", "\n");
	mk("user.slice/app.scope");
	put("user.slice/app.scope/cgroup.controllers", "cpu memory pids\n");
	put("user.slice/app.scope/cgroup.subtree_control", "\n");
	char self[32];
	snprintf(self, sizeof self, "%d\n", (int)getpid());
	put("user.slice/app.scope/cgroup.procs", self);
	return 0;
}

static int teardown_fake(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fake);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *const scope_proc = "0::/user.slice/app.scope\n";

static void test_v2_delegated_alone_moves_into_leaf(void **state)
{
	(void)state;
	bool want[RF_CG_N] = {true, true, false};
	cleanup_free char *mi = mountinfo();
	struct rf_cgroup cg;
	rf_cgroup_plan_from(&cg, want, scope_proc, mi);
	assert_int_equal(cg.of[RF_CG_PIDS], 0);
	assert_int_equal(cg.of[RF_CG_MEMORY], 0); /* one v2 cgroup holds both */
	assert_int_equal(cg.of[RF_CG_CPU], -1);
	assert_int_equal(cg.version[RF_CG_PIDS], 2);
	assert_true(cg.leaf_move[0]);
	char want_parent[512];
	snprintf(want_parent, sizeof want_parent, "%s/user.slice/app.scope", fake);
	assert_string_equal(cg.parents[0], want_parent);
	assert_non_null(strstr(cg.dirs[0], "/user.slice/app.scope/ringfence-"));

	struct rf_cg_values v = {.pids = 77, .memory_bytes = 64ULL << 20};
	struct rf_error e;
	if (rf_cgroup_create(&cg, &v, &e) < 0)
		fail_msg("create: %s", e.msg);
	/* moved itself into the leaf, then handed the controllers down */
	char self[32];
	snprintf(self, sizeof self, "%d", (int)getpid());
	assert_string_equal(get("user.slice/app.scope/ringfence-supervisor/cgroup.procs"), self);
	assert_non_null(strstr(get("user.slice/app.scope/cgroup.subtree_control"), "+memory"));
	const char *run = cg.dirs[0] + strlen(want_parent) + 1;
	char rel[300];
	snprintf(rel, sizeof rel, "user.slice/app.scope/%s/pids.max", run);
	assert_string_equal(get(rel), "77");
	snprintf(rel, sizeof rel, "user.slice/app.scope/%s/memory.max", run);
	assert_string_equal(get(rel), "67108864");
	snprintf(rel, sizeof rel, "user.slice/app.scope/%s/cpu.max", run);
	assert_null(get(rel)); /* not asked for */
	assert_int_equal(rf_cgroup_attach(&cg, 4242, &e), 0);
	snprintf(rel, sizeof rel, "user.slice/app.scope/%s/cgroup.procs", run);
	assert_string_equal(get(rel), "4242");
	rf_cgroup_free(&cg);
}

static void test_v2_after_leaf_move_uses_parent(void **state)
{
	(void)state;
	mk("user.slice/app.scope/ringfence-supervisor");
	put("user.slice/app.scope/cgroup.subtree_control", "cpu memory pids\n");
	bool want[RF_CG_N] = {true, false, true};
	cleanup_free char *mi = mountinfo();
	struct rf_cgroup cg;
	rf_cgroup_plan_from(&cg, want, "0::/user.slice/app.scope/ringfence-supervisor\n", mi);
	assert_int_equal(cg.of[RF_CG_PIDS], 0);
	assert_int_equal(cg.of[RF_CG_CPU], 0);
	assert_false(cg.leaf_move[0]);
	char want_parent[512];
	snprintf(want_parent, sizeof want_parent, "%s/user.slice/app.scope", fake);
	assert_string_equal(cg.parents[0], want_parent);
	struct rf_cg_values v = {.cpus = 1.5};
	struct rf_error e;
	assert_int_equal(rf_cgroup_create(&cg, &v, &e), 0);
	char rel[300];
	snprintf(rel, sizeof rel, "user.slice/app.scope/%s/cpu.max", cg.dirs[0] + strlen(want_parent) + 1);
	assert_string_equal(get(rel), "150000 100000");
	rf_cgroup_free(&cg);
}

static void test_v2_shared_cgroup_not_taken(void **state)
{
	(void)state;
	put("user.slice/app.scope/cgroup.procs", "1\n2\n");
	bool want[RF_CG_N] = {true, false, false};
	cleanup_free char *mi = mountinfo();
	struct rf_cgroup cg;
	rf_cgroup_plan_from(&cg, want, scope_proc, mi);
	if (getuid() != 0) {
		assert_int_equal(cg.of[RF_CG_PIDS], -1);
		assert_non_null(strstr(cg.why, "other processes share"));
	} else {
		/* root: the root cgroup, only if it hands pids down (not here) */
		assert_int_equal(cg.of[RF_CG_PIDS], -1);
	}
	rf_cgroup_free(&cg);
	/* root with a root cgroup that hands pids down */
	put("cgroup.subtree_control", "memory pids\n");
	rf_cgroup_plan_from(&cg, want, scope_proc, mi);
	if (getuid() == 0) {
		assert_int_equal(cg.of[RF_CG_PIDS], 0);
		assert_string_equal(cg.parents[0], fake);
	}
	rf_cgroup_free(&cg);
}

static void test_v2_missing_controller_reason(void **state)
{
	(void)state;
	bool want[RF_CG_N] = {false, false, true};
	put("user.slice/app.scope/cgroup.controllers", "memory pids\n");
	put("cgroup.subtree_control", "memory pids\n");
	cleanup_free char *mi = mountinfo();
	struct rf_cgroup cg;
	rf_cgroup_plan_from(&cg, want, scope_proc, mi);
	assert_int_equal(cg.of[RF_CG_CPU], -1);
	assert_non_null(strstr(cg.why, "cpu"));
	assert_non_null(strstr(cg.why, "no cgroup v1 hierarchy"));
	rf_cgroup_free(&cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pure_v2),
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_mount_roots),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_words_and_names),
		cmocka_unit_test_setup_teardown(test_v2_delegated_alone_moves_into_leaf, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_v2_after_leaf_move_uses_parent, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_v2_shared_cgroup_not_taken, setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_v2_missing_controller_reason, setup_fake, teardown_fake),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
