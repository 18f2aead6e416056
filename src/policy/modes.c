/* Tool lists of the plan and review modes. See modes.h. */
#include "modes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Programs that read and report, never change anything by design. The
 * kernel layers hold regardless (the workspace is read-only, only the
 * private /tmp is writable and it is noexec): a tool that can write only
 * writes to /tmp, and one that runs programs (find -exec, xargs, env, the
 * shells) can run only the programs of this list.
 *
 * The shells are on it because agent harnesses hand every command to one
 * (`bash -lc "..."`); without them plan mode would refuse everything. A
 * shell can compute, loop and redirect into /tmp, but it cannot execute a
 * program that is not listed, nor load code from a writable place.
 *
 * Not listed on purpose: interpreters (python3, perl, node: they run any
 * code), compilers, package managers, editors, pagers (they spawn shells
 * and editors), tee/cp/mv/rm/touch (their only purpose is writing). */
const char *const rf_default_plan_tools[] = {
	"sh", "bash", "dash",
	"ls", "cat", "head", "tail", "wc", "nl", "grep", "egrep", "fgrep", "rg", "find", "xargs",
	"sed", "awk", "file", "stat", "du", "tree", "diff", "cmp", "sort", "uniq", "cut", "tr",
	"echo", "printf", "test", "[", "true", "false", "pwd", "basename", "dirname", "realpath",
	"readlink", "env", "id", "whoami", "uname", "date", "which", "jq",
	"git log", "git show", "git diff", "git status", "git blame", "git grep", "git ls-files",
	"git ls-tree", "git rev-parse", "git rev-list", "git cat-file", "git describe", "git shortlog",
	"git show-ref", "git for-each-ref", "git merge-base", "git name-rev", "git version", "git help",
	NULL,
};

void rf_tool_free(struct rf_tool *t)
{
	free(t->spec);
	free(t->program);
	for (size_t i = 0; i < t->nargs; i++)
		free(t->args[i]);
	free(t->args);
	free(t->source);
	memset(t, 0, sizeof *t);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int rf_tool_parse(const char *spec, const char *source, struct rf_tool *out, struct rf_error *e)
{
	memset(out, 0, sizeof *out);
	struct rf_strv words = {0};
	for (const char *c = spec; *c;) {
		while (is_blank(*c))
			c++;
		if (!*c)
			break;
		size_t n = 0;
		while (c[n] && !is_blank(c[n]))
			n++;
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)c[k] < 0x20 || c[k] == 0x7f) {
				rf_strv_free(&words);
				return rf_fail(e, 0, "tool '%s' contains a control character", spec);
			}
		rf_strv_push_take(&words, rf_xstrndup(c, n));
		c += n;
	}
	if (words.n == 0)
		return rf_fail(e, 0, "empty tool");
	const char *prog = words.v[0];
	if (prog[0] != '/' && strchr(prog, '/')) {
		rf_fail(e, 0, "tool '%s': the program must be a name looked up in PATH or an absolute path", spec);
		rf_strv_free(&words);
		return -1;
	}
	if (prog[0] == '/') {
		cleanup_free char *norm = rf_path_normalize(prog);
		if (!norm || strcmp(norm, "/") == 0) {
			rf_fail(e, 0, "tool '%s': invalid program path", spec);
			rf_strv_free(&words);
			return -1;
		}
		free(words.v[0]);
		words.v[0] = rf_steal_ptr(&norm);
	}
	out->spec = rf_xstrdup(spec);
	out->program = words.v[0];
	out->nargs = words.n - 1;
	out->args = rf_xcalloc(words.n, sizeof *out->args);
	for (size_t i = 1; i < words.n; i++)
		out->args[i - 1] = words.v[i];
	out->source = rf_xstrdup(source ? source : "default");
	free(words.v); /* the strings now belong to *out */
	return 0;
}

static void push(struct rf_tool_list *l, const struct rf_tool *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = rf_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *t;
}

int rf_tools_add(struct rf_tool_list *l, const char *spec, const char *source, struct rf_error *e)
{
	struct rf_tool t;
	if (rf_tool_parse(spec, source, &t, e) < 0)
		return -1;
	push(l, &t);
	return 0;
}

void rf_tools_add_defaults(struct rf_tool_list *l)
{
	for (size_t i = 0; rf_default_plan_tools[i]; i++) {
		struct rf_error e;
		if (rf_tools_add(l, rf_default_plan_tools[i], "default", &e) < 0)
			abort(); /* the built-in list is well-formed */
	}
}

void rf_tools_copy(struct rf_tool_list *dst, const struct rf_tool_list *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct rf_error e;
		if (rf_tools_add(dst, src->v[i].spec, src->v[i].source, &e) < 0)
			abort(); /* parsed once already */
	}
}

void rf_tools_free(struct rf_tool_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		rf_tool_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static bool is_git(const struct rf_tool *t)
{
	const char *slash = strrchr(t->program, '/');
	return strcmp(slash ? slash + 1 : t->program, "git") == 0;
}

bool rf_tool_covers(const struct rf_tool *wide, const struct rf_tool *narrow)
{
	if (strcmp(wide->program, narrow->program) != 0 || wide->nargs > narrow->nargs)
		return false;
	for (size_t i = 0; i < wide->nargs; i++)
		if (strcmp(wide->args[i], narrow->args[i]) != 0)
			return false;
	return true;
}

const struct rf_tool *rf_tools_covering(const struct rf_tool_list *l, const struct rf_tool *t)
{
	for (size_t i = 0; i < l->n; i++)
		if (rf_tool_covers(&l->v[i], t))
			return &l->v[i];
	return NULL;
}

/* git's global options (git(1), "OPTIONS"), as far as ringfence lets them
 * stand before a subcommand. Those taking a value as the next argument: */
static const char *const git_opts_with_value[] = {
	"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix", NULL,
};
/* ... as --opt=value: */
static const char *const git_opts_with_equals[] = {
	"--git-dir=", "--work-tree=", "--namespace=", "--config-env=", "--super-prefix=", "--exec-path=",
	"--attr-source=", NULL,
};
/* ... and without a value: */
static const char *const git_flags[] = {
	"--no-pager", "-P", "--paginate", "-p", "--bare", "--no-replace-objects", "--literal-pathspecs",
	"--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs", "--no-optional-locks", "--no-advice",
	"--no-lazy-fetch", NULL,
};

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static bool has_prefix_in(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strncmp(s, list[i], strlen(list[i])) == 0)
			return true;
	return false;
}

size_t rf_git_subcommand(char *const *argv, size_t argc, const char **alias)
{
	*alias = NULL;
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-')
			return i;
		if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0) {
			*alias = "version";
			return i;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*alias = "help";
			return i;
		}
		if (in_list(a, git_opts_with_value)) {
			i++; /* its value */
			continue;
		}
		if (has_prefix_in(a, git_opts_with_equals) || in_list(a, git_flags))
			continue;
		return argc; /* unknown: do not guess where the subcommand is */
	}
	return argc;
}

/* Does tool t allow argv (whose program is t's)? */
static bool args_match(const struct rf_tool *t, char *const *argv, size_t argc)
{
	if (t->nargs == 0)
		return true;
	size_t first = 1;
	const char *alias = NULL;
	if (is_git(t)) {
		first = rf_git_subcommand(argv, argc, &alias);
		if (first >= argc)
			return false;
	}
	for (size_t k = 0; k < t->nargs; k++) {
		size_t i = first + k;
		if (i >= argc)
			return false; /* missing, or beyond what the caller read: fail closed */
		const char *a = k == 0 && alias ? alias : argv[i];
		if (strcmp(a, t->args[k]) != 0)
			return false;
	}
	return true;
}

static const char *mode_word(enum rf_conversation_mode m)
{
	return rf_conversation_mode_name(m);
}

void rf_tools_decide(const struct rf_tool_list *l, const bool *is_program, char *const *argv, size_t argc,
		     enum rf_conversation_mode mode, struct rf_exec_verdict *v)
{
	memset(v, 0, sizeof *v);
	const struct rf_tool *first = NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (!is_program[i])
			continue;
		if (!first)
			first = &l->v[i];
		if (args_match(&l->v[i], argv, argc)) {
			v->decision = RF_EXEC_ALLOWED;
			v->tool = &l->v[i];
			return;
		}
	}
	if (!first) {
		v->decision = RF_EXEC_NOT_A_TOOL;
		snprintf(v->why, sizeof v->why, "not in the %s mode tool list", mode_word(mode));
		return;
	}
	v->decision = RF_EXEC_ARGS_REFUSED;
	v->tool = first;
	/* name what was asked: "git commit", "python3 script.py" */
	const char *prog = strrchr(first->program, '/') ? strrchr(first->program, '/') + 1 : first->program;
	const char *alias = NULL;
	size_t sub = is_git(first) ? rf_git_subcommand(argv, argc, &alias) : 1;
	const char *what = sub < argc ? (alias ? alias : argv[sub]) : NULL;
	if (what)
		snprintf(v->why, sizeof v->why, "%s %.100s is not in the %s mode tool list", prog, what,
			 mode_word(mode));
	else
		snprintf(v->why, sizeof v->why, "%s with these arguments is not in the %s mode tool list", prog,
			 mode_word(mode));
}
