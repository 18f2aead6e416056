/* Plan/review modes: the tools' files, and the supervisor's execve check.
 * See notify_exec.h for how this fits with the kernel layers. */
#include "notify_exec.h"
#include "notify.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events.h"
#include "supervisor.h"
#include "util.h"

extern char **environ;

#define MAX_ARGS 64      /* the leading arguments read from the caller: plenty for any tool string */
#define MAX_ARG_LEN 4096 /* longer arguments are read as unmatchable */

/* ---- resolving the tools ---- */

/* A place the command (or an earlier run of it) can write: nothing there may
 * stand in for a tool. */
static bool writable_place(const struct rf_plan *plan, const char *path)
{
	if (plan->workspace && rf_path_is_within(path, plan->workspace))
		return true;
	for (size_t i = 0; i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if ((strncmp(en->rule, "writable-root:", 14) == 0 || strncmp(en->rule, "git-", 4) == 0) &&
		    rf_path_is_within(path, en->path))
			return true;
	}
	return rf_plan_lookup(plan, path).access == RF_ACCESS_WRITE;
}

static const char *env_path(char *const *envp)
{
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			return *e + 5;
	return "/usr/local/bin:/usr/bin:/bin";
}

/* The file a program name stands for, as execvp would find it, skipping
 * PATH entries that are relative or writable by the sandbox. */
static char *find_program(const char *prog, const char *path, const struct rf_plan *plan)
{
	if (prog[0] == '/')
		return rf_xstrdup(prog);
	for (const char *c = path; *c;) {
		size_t n = strcspn(c, ":");
		cleanup_free char *dir = rf_xstrndup(c, n);
		c += n + (c[n] == ':');
		if (dir[0] != '/' || writable_place(plan, dir))
			continue;
		char *cand = rf_path_join(dir, prog);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return cand;
		free(cand);
	}
	return NULL;
}

/* The interpreter the kernel opens for `file`: PT_INTERP of an ELF
 * executable, the #! line of a script. NULL when none (static binary). */
static char *interpreter_of(const char *file, bool *is_script)
{
	*is_script = false;
	cleanup_fd int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	unsigned char head[256];
	ssize_t n = pread(fd, head, sizeof head, 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		*is_script = true;
		size_t i = 2;
		while (i < (size_t)n && (head[i] == ' ' || head[i] == '\t'))
			i++;
		size_t start = i;
		while (i < (size_t)n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n')
			i++;
		return i > start ? rf_xstrndup((const char *)head + start, i - start) : NULL;
	}
	if (n < (ssize_t)sizeof(Elf64_Ehdr) || memcmp(head, ELFMAG, SELFMAG) != 0 || head[EI_CLASS] != ELFCLASS64)
		return NULL;
	Elf64_Ehdr eh;
	memcpy(&eh, head, sizeof eh);
	for (unsigned k = 0; k < eh.e_phnum && k < 64; k++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)k * eh.e_phentsize)) != (ssize_t)sizeof ph)
			return NULL;
		if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > PATH_MAX)
			continue;
		char *interp = rf_xcalloc(1, ph.p_filesz + 1);
		if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
			free(interp);
			return NULL;
		}
		interp[ph.p_filesz] = '\0';
		return interp;
	}
	return NULL;
}

static void allow_exec(struct rf_exec_tools *t, const char *real)
{
	for (size_t i = 0; i < t->exec_allow.n; i++)
		if (strcmp(t->exec_allow.v[i], real) == 0)
			return;
	rf_strv_push(&t->exec_allow, real);
}

/* Is `real` the program of one of the tools resolved so far? */
static bool is_tool_program(const struct rf_exec_tools *t, const char *real)
{
	for (size_t i = 0; i < t->list->n; i++)
		if (t->program[i] && strcmp(t->program[i], real) == 0)
			return true;
	return false;
}

int rf_exec_tools_resolve(struct rf_exec_tools *t, const struct rf_tool_list *list, const struct rf_plan *plan,
			  char *const *envp, struct rf_error *e)
{
	memset(t, 0, sizeof *t);
	if (!list)
		return rf_fail(e, EINVAL, "internal error: no tool list");
	t->list = list;
	t->program = rf_xcalloc(list->n + 1, sizeof *t->program);
	t->dev = rf_xcalloc(list->n + 1, sizeof *t->dev);
	t->ino = rf_xcalloc(list->n + 1, sizeof *t->ino);
	const char *path = env_path(envp ? envp : environ);

	for (size_t i = 0; i < list->n; i++) {
		const struct rf_tool *tool = &list->v[i];
		bool asked = strcmp(tool->source, "default") != 0; /* missing defaults are simply absent */
		cleanup_free char *found = find_program(tool->program, path, plan);
		cleanup_free char *real = found ? rf_realpath(found) : NULL;
		struct stat st;
		if (!real || stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
			if (asked)
				rf_strv_push_take(&t->warnings, rf_xasprintf("tool \"%s\" (%s): %s not found%s", tool->spec,
									     tool->source, tool->program,
									     tool->program[0] == '/' ? "" : " in PATH"));
			continue;
		}
		struct rf_plan_verdict v = rf_plan_lookup(plan, real);
		if (v.access < RF_ACCESS_READ || writable_place(plan, real)) {
			rf_strv_push_take(&t->warnings,
					  rf_xasprintf("tool \"%s\" (%s): %s is %s in the sandbox, so it is not allowed",
						       tool->spec, tool->source, real,
						       v.access < RF_ACCESS_READ ? "not visible" : "in a writable place"));
			continue;
		}
		t->program[i] = rf_steal_ptr(&real);
		t->dev[i] = st.st_dev;
		t->ino[i] = st.st_ino;
	}

	/* interpreters: a script's must itself be a tool (else the script is
	 * refused: allowing its interpreter would allow any script); an ELF
	 * file's dynamic loader gets the execute right the kernel needs, but is
	 * never a tool of its own (`ld.so PROGRAM` stays refused). */
	for (size_t i = 0; i < list->n; i++) {
		if (!t->program[i])
			continue;
		bool script;
		cleanup_free char *interp = interpreter_of(t->program[i], &script);
		cleanup_free char *ireal = interp ? rf_realpath(interp) : NULL;
		if (script && (!ireal || !is_tool_program(t, ireal))) {
			rf_strv_push_take(&t->warnings,
					  rf_xasprintf("tool \"%s\" (%s): %s is a script for %s, which is not a tool; not allowed",
						       list->v[i].spec, list->v[i].source, t->program[i],
						       interp ? interp : "an unreadable interpreter"));
			free(t->program[i]);
			t->program[i] = NULL;
			continue;
		}
		allow_exec(t, t->program[i]);
		if (!script && ireal && !writable_place(plan, ireal)) {
			allow_exec(t, ireal);
			/* the loader of a loader: none on Linux, but be exact */
			bool s2;
			cleanup_free char *i2 = interpreter_of(ireal, &s2);
			cleanup_free char *i2real = i2 ? rf_realpath(i2) : NULL;
			if (i2real && !s2 && !writable_place(plan, i2real))
				allow_exec(t, i2real);
		}
	}
	return 0;
}

void rf_exec_tools_free(struct rf_exec_tools *t)
{
	if (t->list)
		for (size_t i = 0; i < t->list->n; i++)
			free(t->program[i]);
	free(t->program);
	free(t->dev);
	free(t->ino);
	rf_strv_free(&t->exec_allow);
	rf_strv_free(&t->warnings);
	memset(t, 0, sizeof *t);
}

int rf_exec_tools_find(const struct rf_exec_tools *t, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	for (size_t i = 0; t->list && i < t->list->n; i++)
		if (t->program[i] && t->dev[i] == st.st_dev && t->ino[i] == st.st_ino)
			return (int)i;
	return -1;
}

/* ---- the supervisor's check ---- */

/* Read a NUL-terminated string of at most cap-1 bytes at addr. Returns its
 * length, -1 on a fault, or -2 when it is longer than cap-1. */
static ssize_t read_string(int mem, unsigned long long addr, char *buf, size_t cap)
{
	size_t got = 0;
	while (got + 1 < cap) {
		/* never cross a page in one read: the next page may be unmapped */
		size_t page = 4096 - ((addr + got) & 4095);
		size_t want = cap - 1 - got < page ? cap - 1 - got : page;
		ssize_t r = pread(mem, buf + got, want, (off_t)(addr + got));
		if (r <= 0)
			return -1;
		char *nul = memchr(buf + got, '\0', (size_t)r);
		if (nul)
			return (ssize_t)(nul - buf);
		got += (size_t)r;
	}
	buf[cap - 1] = '\0';
	return -2;
}

/* Open the file the caller asked to execute, resolved in its root. Returns
 * an O_PATH fd or -errno. */
static int open_exec_target(const struct seccomp_notif *req, int dirfd, const char *name, int flags)
{
	char link[64];
	if (name[0] == '\0') {
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		/* fexecve: the caller's fd itself */
		snprintf(link, sizeof link, "/proc/%u/fd/%d", req->pid, dirfd);
		int fd = open(link, O_PATH | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	cleanup_free char *full = NULL;
	if (name[0] == '/') {
		full = rf_xstrdup(name);
	} else {
		char base[PATH_MAX];
		if (dirfd == AT_FDCWD)
			snprintf(link, sizeof link, "/proc/%u/cwd", req->pid);
		else
			snprintf(link, sizeof link, "/proc/%u/fd/%d", req->pid, dirfd);
		ssize_t n = readlink(link, base, sizeof base - 1);
		if (n <= 0 || base[0] != '/')
			return n < 0 ? -errno : -ENOENT;
		base[n] = '\0';
		full = rf_path_join(base, name);
	}
	snprintf(link, sizeof link, "/proc/%u/root", req->pid);
	cleanup_fd int root = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, full, &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

static void report(struct rf_notifier *n, const struct seccomp_notif *req, const char *target, const char *rule,
		   const char *source)
{
	struct rf_violation v = {
		.operation = "exec",
		.target = target,
		.rule = rule,
		.source = source,
		.pid = (pid_t)req->pid,
		.err = EACCES,
	};
	rf_events_violation(n->events, &v);
}

int rf_notify_exec_decide(struct rf_notifier *n, const struct seccomp_notif *req, long *result)
{
	const struct rf_exec_tools *t = n->exec;
	bool at = req->data.nr == SYS_execveat;
	int dirfd = at ? (int)req->data.args[0] : AT_FDCWD;
	unsigned long long name_addr = req->data.args[at ? 1 : 0];
	unsigned long long argv_addr = req->data.args[at ? 2 : 1];
	int flags = at ? (int)req->data.args[4] : 0;

	char memp[64];
	snprintf(memp, sizeof memp, "/proc/%u/mem", req->pid);
	cleanup_fd int mem = open(memp, O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		/* cannot check it: refuse, and say why */
		char rule[160];
		snprintf(rule, sizeof rule, "mode:%s (the exec could not be checked: %s)", rf_conversation_mode_name(t->mode),
			 strerror(errno));
		report(n, req, "?", rule, t->list_source);
		*result = -EACCES;
		return 0;
	}
	char name[PATH_MAX];
	ssize_t nl = read_string(mem, name_addr, name, sizeof name);
	if (nl < 0) {
		*result = nl == -2 ? -ENAMETOOLONG : -EFAULT;
		return 0;
	}
	/* argv: the leading MAX_ARGS entries, each read once */
	char *args[MAX_ARGS + 1];
	size_t argc = 0;
	int rc = 0;
	for (; argc < MAX_ARGS; argc++) {
		unsigned long long p = 0;
		if (argv_addr == 0)
			break;
		if (pread(mem, &p, sizeof p, (off_t)(argv_addr + argc * sizeof p)) != (ssize_t)sizeof p) {
			rc = -EFAULT;
			break;
		}
		if (p == 0)
			break;
		char buf[MAX_ARG_LEN];
		ssize_t al = read_string(mem, p, buf, sizeof buf);
		if (al == -1) {
			rc = -EFAULT;
			break;
		}
		/* too long to be any tool's argument: "\x01" never matches one */
		args[argc] = rf_xstrdup(al == -2 ? "\x01" : buf);
	}
	args[argc] = NULL;
	/* the same call still: the pid was not reused while we read */
	if (rc == 0 && ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		rc = -ESRCH;

	int fd = rc == 0 ? open_exec_target(req, dirfd, name, flags) : rc;
	bool cont = false;
	if (fd < 0) {
		*result = fd; /* what execve itself would have said (ENOENT for a PATH miss) */
	} else {
		struct stat st;
		char where[PATH_MAX] = "";
		char self[64];
		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		ssize_t wl = readlink(self, where, sizeof where - 1);
		where[wl > 0 ? wl : 0] = '\0';
		bool *is_prog = rf_xcalloc(t->list->n + 1, sizeof *is_prog);
		if (fstat(fd, &st) == 0)
			for (size_t i = 0; i < t->list->n; i++)
				is_prog[i] = t->program[i] && t->dev[i] == st.st_dev && t->ino[i] == st.st_ino;
		close(fd);
		struct rf_exec_verdict v;
		rf_tools_decide(t->list, is_prog, args, argc, t->mode, &v);
		free(is_prog);
		if (v.decision == RF_EXEC_ALLOWED) {
			cont = true;
		} else {
			char rule[320];
			snprintf(rule, sizeof rule, "mode:%s (%s)", rf_conversation_mode_name(t->mode), v.why);
			report(n, req, where[0] ? where : name, rule, v.tool ? v.tool->source : t->list_source);
			*result = -EACCES;
		}
	}
	for (size_t i = 0; i < argc; i++)
		free(args[i]);
	return cont ? 1 : 0;
}

/* The handler table (notify.h): execve and execveat go to the listener only
 * when a plan/review tool list is in force (notify_exec in the filter). */
static enum rf_notify_verdict exec_handler(struct rf_notify_call *c)
{
	if (!c->n->exec)
		return RF_NOTIFY_CONTINUE;
	return rf_notify_exec_decide(c->n, c->req, &c->result) ? RF_NOTIFY_CONTINUE : RF_NOTIFY_ANSWER;
}

const struct rf_notify_handler rf_notify_exec[] = {
	{SYS_execve, exec_handler},
	{SYS_execveat, exec_handler},
	{-1, NULL},
};
