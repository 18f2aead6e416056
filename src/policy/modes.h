/* Conversation modes (DESIGN.md §1): which programs a command may run in
 * plan and review mode, and with which arguments.
 *
 * A tool is written as a string: a program (a name looked up in PATH, or an
 * absolute path) optionally followed by the leading arguments it must be
 * given, separated by blanks:
 *     "cat"            cat with any arguments
 *     "git log"        git whose subcommand is log (git's global options
 *                      such as -C DIR or --no-pager may come first)
 *     "python3 -m pytest"  python3 whose first two arguments are -m pytest
 * A program may appear in several tools ("git log", "git show"); an exec is
 * allowed when any of them matches.
 *
 * Everything here is pure: which file a program name stands for is decided
 * by the Linux side (notify_exec.c), which passes, for each tool, whether the
 * file being executed is that tool's program. */
#ifndef RF_MODES_H
#define RF_MODES_H

#include <stdbool.h>
#include <stddef.h>

#include "ringfence.h"

struct rf_error;

struct rf_tool {
	char *spec;     /* as written: "git log" */
	char *program;  /* "git" or "/usr/bin/git" */
	char **args;    /* the required leading arguments ("log"), NULL-terminated */
	size_t nargs;
	char *source;   /* "default", "/home/u/.config/ringfence/config.toml:12" */
};

struct rf_tool_list {
	struct rf_tool *v;
	size_t n, cap;
};

/* The built-in plan tool list (also review's, unless configured). */
extern const char *const rf_default_plan_tools[];

/* Parse one tool string. Fails on an empty string, or a program that is
 * neither a plain name nor an absolute path. */
int rf_tool_parse(const char *spec, const char *source, struct rf_tool *out, struct rf_error *e);
void rf_tool_free(struct rf_tool *t);
int rf_tools_add(struct rf_tool_list *l, const char *spec, const char *source, struct rf_error *e);
void rf_tools_add_defaults(struct rf_tool_list *l);
void rf_tools_copy(struct rf_tool_list *dst, const struct rf_tool_list *src);
void rf_tools_free(struct rf_tool_list *l);

/* Does `wide` allow everything `narrow` allows? (same program as written,
 * and wide's arguments a prefix of narrow's.) */
bool rf_tool_covers(const struct rf_tool *wide, const struct rf_tool *narrow);
/* The tool of `l` that covers t, or NULL. */
const struct rf_tool *rf_tools_covering(const struct rf_tool_list *l, const struct rf_tool *t);

/* The index of git's subcommand in argv (after its global options), or
 * argc when there is none or an option ringfence does not know comes first
 * (then no "git SUBCOMMAND" tool can match: fail closed). --version and
 * --help count as the subcommands "version" and "help" (*alias set). */
size_t rf_git_subcommand(char *const *argv, size_t argc, const char **alias);

/* The verdict on one exec in plan/review mode. */
enum rf_exec_decision {
	RF_EXEC_ALLOWED,
	RF_EXEC_NOT_A_TOOL,    /* the program is in no tool of the list */
	RF_EXEC_ARGS_REFUSED,  /* it is, but no tool allows these arguments */
};

struct rf_exec_verdict {
	enum rf_exec_decision decision;
	const struct rf_tool *tool; /* ALLOWED: the tool that allows it; ARGS_REFUSED: the first tool of that program */
	char why[256];              /* one line: "git commit is not in the plan tool list" */
};

/* is_program[i]: the file being executed is tool i's program. argv[0] is
 * not looked at (any name). argv may hold only the first arguments of a
 * longer command line (the supervisor reads a bounded number): a tool that
 * needs more than are there does not match. */
void rf_tools_decide(const struct rf_tool_list *l, const bool *is_program, char *const *argv, size_t argc,
		     enum rf_conversation_mode mode, struct rf_exec_verdict *v);

#endif
