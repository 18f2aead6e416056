/* Plan and review modes on Linux: which files the tool list stands for,
 * and the supervisor's check of every execve (DESIGN.md §1, §3).
 *
 * Enforcement is layered:
 *  - kernel: the workspace and writable roots are read-only (mount plan),
 *    every place the command can write is mounted noexec (so nothing it
 *    writes can be executed or mapped executable: no planted binary, no
 *    LD_PRELOAD of a planted library), and Landlock grants the execute
 *    right only to the tools' binaries and their interpreters (the dynamic
 *    loader, a script's shell);
 *  - supervisor: execve/execveat stop in the seccomp user-notification
 *    listener; the file is resolved as the caller sees it and compared, by
 *    inode, with the tools; the arguments are compared with the tool
 *    strings ("git log"). The caller's memory is read once. Another thread
 *    of the caller could change it before the kernel reads it again, so this
 *    check is what names and reports a refusal, while the kernel layers are
 *    what hold (docs/threat-model.md). */
#ifndef RF_NOTIFY_EXEC_H
#define RF_NOTIFY_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "modes.h"
#include "plan.h"
#include "util.h"

struct rf_error;
struct rf_notifier;
struct seccomp_notif;

struct rf_exec_tools {
	const struct rf_tool_list *list;
	enum rf_conversation_mode mode;
	const char *list_source;   /* where the list came from ("default", FILE:LINE) */
	char **program;            /* per tool: the real path of its program, NULL = not found/refused */
	dev_t *dev;
	ino_t *ino;
	/* Real paths that get Landlock's execute right: the programs and the
	 * interpreters the kernel opens for them. NULL-terminated (v). */
	struct rf_strv exec_allow;
	struct rf_strv warnings;   /* tools that were asked for and could not be allowed */
};

/* Resolve every tool of `list` in PATH (from envp, NULL = environ) to a real
 * file visible in the plan and not in a place the sandbox (or an earlier run)
 * could write; find the interpreters. */
int rf_exec_tools_resolve(struct rf_exec_tools *t, const struct rf_tool_list *list, const struct rf_plan *plan,
			  char *const *envp, struct rf_error *e);
void rf_exec_tools_free(struct rf_exec_tools *t);
/* The first tool whose program is the file at real path `path`, or -1. */
int rf_exec_tools_find(const struct rf_exec_tools *t, const char *path);

/* Supervisor: decide one execve/execveat notification. Returns 1 to let the
 * kernel continue it, 0 with *result = -errno. */
int rf_notify_exec_decide(struct rf_notifier *n, const struct seccomp_notif *req, long *result);

#endif
