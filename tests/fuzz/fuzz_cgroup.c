/* libFuzzer target for the readers of /proc/self/cgroup and
 * /proc/self/mountinfo (src/linux/cgroup.c). The kernel writes those, but
 * mount points carry names users chose (escaped, with spaces), and a wrong
 * answer here is a cgroup written in the wrong place. Input: the cgroup
 * text, a 0x01 byte, the mountinfo text. Checked: no crash, and any answer
 * is an absolute, NUL-terminated path that fits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = rf_xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *sep = memchr(text, 0x01, size);
	const char *mounts = "";
	if (sep) {
		*sep = '\0';
		mounts = sep + 1;
	}
	static const char *const ctl[] = {NULL, "pids", "memory", "cpu", "cpuacct", ""};
	for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
		char out[4096], small[16];
		if (rf_cg_locate(text, mounts, ctl[i], out, sizeof out) == 0) {
			check(out[0] == '/');
			check(strlen(out) < sizeof out);
		}
		if (rf_cg_locate(text, mounts, ctl[i], small, sizeof small) == 0)
			check(small[0] == '/' && strlen(small) < sizeof small);
	}
	(void)rf_cg_word_in(text, "memory");
	pid_t pid;
	if (rf_cg_run_name(text, &pid))
		check(pid > 0);
	free(text);
	return 0;
}
