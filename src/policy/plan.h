/* The filesystem plan: the policy turned into a list of concrete operations
 * on absolute paths, in the order they must be applied (parents before
 * children; for one path, later entries override earlier ones).
 *
 * It is pure data, computed by the supervisor from the policy and a look at
 * the host filesystem (which paths exist, which are directories, where a
 * linked worktree's git dir lives). The same plan drives:
 *   - mount.c (namespace backend): binds, covers, placeholders, pivot_root;
 *   - landlock.c: the Landlock rules (a mirror in the namespace backend, the
 *     only filesystem enforcement in the Landlock-only fallback);
 *   - rf_plan_lookup(): what `explain` and the violation reporter say.
 */
#ifndef RF_PLAN_H
#define RF_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "util.h"

enum rf_plan_kind {
	RF_PLAN_SYMLINK,  /* create a symlink at path pointing to `target` (/bin -> usr/bin) */
	RF_PLAN_BIND_RO,  /* host path -> same path, recursive, read-only */
	RF_PLAN_BIND_RW,  /* host path -> same path, recursive, read-write (writable root) */
	RF_PLAN_TMPFS,    /* fresh writable tmpfs (/tmp, /dev/shm) */
	RF_PLAN_PROC,     /* fresh procfs for the pid namespace, /proc/sys read-only */
	RF_PLAN_DEV,      /* minimal /dev: null zero full random urandom tty, devpts, shm */
	RF_PLAN_PROTECT,  /* re-bind read-only over a path inside a writable root */
	RF_PLAN_HIDE,     /* cover with an empty, unreadable, read-only dir or file */
	RF_PLAN_CACHE,    /* a host directory (a package cache) seen through a private
			   * writable layer that is discarded after the run: tools can
			   * write their caches, nothing persists to poison later builds */
};

enum rf_access {
	RF_ACCESS_NONE = 0, /* hidden / not visible */
	RF_ACCESS_READ = 1,
	RF_ACCESS_WRITE = 2, /* implies read */
};

/* Placeholders are recognisable, so that whichever run ends last can remove
 * them, whoever made them: a directory carries this extended attribute (not a
 * file: `git add -A` would commit it), a config file holds this comment. On
 * a filesystem without user xattrs a concurrent run may leave an empty
 * directory behind. */
#define RF_PLACEHOLDER_XATTR "user.ringfence"
#define RF_PLACEHOLDER_CONFIG "# ringfence placeholder: removed after the run\n"
/* The `locked` file another linked worktree's admin dir gets in its private
 * layer (never on the host): git shows the content as the lock reason. */
#define RF_PLACEHOLDER_LOCKED "hidden from a ringfence sandbox (in the sandbox only)\n"

struct rf_plan_entry {
	enum rf_plan_kind kind;
	char *path;     /* absolute path inside the sandbox == host path */
	char *target;   /* RF_PLAN_SYMLINK only */
	char *rule;     /* e.g. "hidden:~/.ssh", "protected:.git/hooks", "workspace", "system:/usr" */
	char *source;   /* "default", "--hide", "config.toml:12" */
	bool is_dir;    /* the host path is (or, when missing, will be) a directory */
	bool missing;   /* RF_PLAN_PROTECT: the path does not exist on the host; a
			 * placeholder is created for the run and removed after it */
	bool optional;  /* RF_PLAN_BIND_*: skip silently when the host path is absent */
	const char *content; /* missing file placeholder: its content (static string), NULL = empty */
	bool noexec;    /* plan/review modes: mounted noexec (a place the command or an
			 * earlier run could write: nothing there may be executed or mapped
			 * executable) */
	bool no_new_dirs; /* RF_PLAN_BIND_RW directory: nothing but regular files may be
			   * created directly in it (no directory, symlink, FIFO, socket or
			   * device; its existing subdirectories stay writable). Landlock
			   * enforces it. Used for a common git dir reached from a linked
			   * worktree: its top level also holds the main checkout's own state
			   * (rebase-merge/, sequencer/, with their `exec` lines) */
	bool no_new_files; /* with no_new_dirs: no regular file either; nothing at all can be
			    * created directly in it (a home that is the workspace, where a new
			    * ~/.bash_profile or ~/.gitconfig would run outside later) */
	const char *layer_file;    /* RF_PLAN_CACHE: a file the private layer starts with, when
				    * the host directory has none of that name ... */
	const char *layer_content; /* ... and its content (static strings) */
};

struct rf_plan {
	struct rf_plan_entry *v;
	size_t n, cap;
	char *workspace; /* absolute, resolved */
	char *home;      /* absolute, resolved, may be NULL */
	enum rf_sandbox_mode mode;
	char *warnings;  /* what the plan leaves out and the user should know, one a line; NULL: none */
	bool exec_restricted; /* plan/review: only the mode's tools may run (notify_exec.h) */
	/* The hidden paths the Landlock layer keeps unreadable whatever the host
	 * puts there during the run (landlock.c, mirror_read), existing or not
	 * (where a missing one would be: the existing part of its path
	 * resolved). Those the caller could read if the host made them: all of
	 * them for root; for anyone else those under the home and those
	 * readable now (a root-only /etc/shadow that passwd rewrites stays
	 * root-only, and the caller's permissions already keep it out). */
	struct rf_strv landlock_hidden;
};

/* Facts about the host the plan depends on. Pass NULL members to have them
 * read from the environment (getenv("HOME"), getcwd()). */
struct rf_plan_host {
	const char *home;
	const char *cwd;
};

int rf_plan_build(const struct rf_policy *p, const struct rf_plan_host *h, struct rf_plan *out,
		  struct rf_error *e);
void rf_plan_free(struct rf_plan *plan);

/* Entries the sandbox may write beneath (BIND_RW, TMPFS, DEV, CACHE): each
 * gets a Landlock write rule, which reaches everything beneath it. */
bool rf_plan_kind_writable(enum rf_plan_kind k);
/* Does a writable entry lie strictly above `path`? */
bool rf_plan_beneath_writable(const struct rf_plan *plan, const char *path);

/* What the sandbox allows at `path` (absolute, normalised) and the entry that
 * decides it (NULL when nothing covers the path: not visible). */
struct rf_plan_verdict {
	enum rf_access access;
	const struct rf_plan_entry *entry;
};
struct rf_plan_verdict rf_plan_lookup(const struct rf_plan *plan, const char *path);

/* The `path = X` values of a .gitmodules file (TEXT, NUL-terminated, cut up
 * in place): relative, normalised, inside the root; at most MAX, in order.
 * The file is the sandbox's to write: it only says where to look. */
size_t rf_gitmodules_paths(char *text, char **out, size_t max);

/* Human-readable dump of the plan, one line an entry (for --verbose). */
void rf_plan_describe(const struct rf_plan *plan, FILE *out);

const char *rf_plan_kind_name(enum rf_plan_kind k);

#endif
