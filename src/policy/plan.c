/* Policy -> filesystem plan. See plan.h.
 *
 * Precedence at one path (and, by the longest-prefix rule, beneath it):
 * hidden > protected > writable > read-only. Entries are sorted so parents
 * come before children; a deeper entry overrides a shallower one for its
 * subtree, which is exactly how stacked mounts behave. */
#include "plan.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

/* System trees bound read-only (when they exist). */
static const char *const system_dirs[] = {
	"/usr", "/etc", "/opt", "/var", "/srv", "/sys", "/nix", "/snap", NULL,
};
/* Bound when directories, recreated when symlinks (merged /usr). */
static const char *const system_links[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL,
};

static void add(struct rf_plan *plan, enum rf_plan_kind kind, const char *path, const char *rule,
		const char *source, bool is_dir)
{
	if (plan->n == plan->cap) {
		plan->cap = plan->cap ? plan->cap * 2 : 32;
		plan->v = rf_xrealloc(plan->v, plan->cap * sizeof *plan->v);
	}
	plan->v[plan->n++] = (struct rf_plan_entry){
		.kind = kind,
		.path = rf_xstrdup(path),
		.rule = rf_xstrdup(rule),
		.source = rf_xstrdup(source ? source : "default"),
		.is_dir = is_dir,
	};
}

static struct rf_plan_entry *last(struct rf_plan *plan)
{
	return &plan->v[plan->n - 1];
}

/* The entry at exactly PATH of one of the kinds (a bitmask of 1 << kind), or
 * NULL. */
static const struct rf_plan_entry *entry_of_kind(const struct rf_plan *plan, const char *path, unsigned kinds)
{
	for (size_t i = 0; i < plan->n; i++)
		if ((kinds & 1u << plan->v[i].kind) && strcmp(plan->v[i].path, path) == 0)
			return &plan->v[i];
	return NULL;
}

void rf_plan_free(struct rf_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->v[i].path);
		free(plan->v[i].target);
		free(plan->v[i].rule);
		free(plan->v[i].source);
	}
	free(plan->v);
	free(plan->workspace);
	free(plan->home);
	free(plan->warnings);
	rf_strv_free(&plan->landlock_hidden);
	memset(plan, 0, sizeof *plan);
}

bool rf_plan_kind_writable(enum rf_plan_kind k)
{
	return k == RF_PLAN_BIND_RW || k == RF_PLAN_TMPFS || k == RF_PLAN_DEV || k == RF_PLAN_CACHE;
}

bool rf_plan_beneath_writable(const struct rf_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if (rf_plan_kind_writable(plan->v[i].kind) && strcmp(plan->v[i].path, path) != 0 &&
		    rf_path_is_within(path, plan->v[i].path))
			return true;
	return false;
}

const char *rf_plan_kind_name(enum rf_plan_kind k)
{
	static const char *const names[] = {"symlink", "ro", "rw", "tmpfs", "proc", "dev", "protect", "hide", "cache"};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static enum rf_access kind_access(enum rf_plan_kind k)
{
	switch (k) {
	case RF_PLAN_BIND_RW:
	case RF_PLAN_TMPFS:
	case RF_PLAN_DEV:
	case RF_PLAN_CACHE:
		return RF_ACCESS_WRITE;
	case RF_PLAN_BIND_RO:
	case RF_PLAN_PROTECT:
	case RF_PLAN_PROC:
		return RF_ACCESS_READ;
	case RF_PLAN_HIDE:
	case RF_PLAN_SYMLINK:
		break;
	}
	return RF_ACCESS_NONE;
}

/* Which entry wins when two name the same path. An explicit writable root
 * beats a default private layer (a cache the user grants is really
 * writable); a private layer beats a bind whose only purpose is to make a
 * directory a mount point (protected-parent: any mount does that). */
static int entry_priority(const struct rf_plan_entry *en)
{
	switch (en->kind) {
	case RF_PLAN_HIDE:
		return 8;
	case RF_PLAN_PROTECT:
		return 7;
	case RF_PLAN_BIND_RW:
		return strncmp(en->rule, "protected-parent:", 17) == 0 ? 4 : 6;
	case RF_PLAN_CACHE:
		return 5;
	case RF_PLAN_BIND_RO:
		return 3;
	default:
		return 1;
	}
}

struct rf_plan_verdict rf_plan_lookup(const struct rf_plan *plan, const char *path)
{
	struct rf_plan_verdict v = {RF_ACCESS_NONE, NULL};
	size_t best = 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if (en->kind == RF_PLAN_SYMLINK || !rf_path_is_within(path, en->path))
			continue;
		size_t len = strlen(en->path);
		/* ">=" so that for equal paths the later (stronger) entry wins */
		if (!v.entry || len >= best) {
			best = len;
			v.entry = en;
			v.access = kind_access(en->kind);
		}
	}
	return v;
}

/* Path order: parents before children ("/a" < "/a/b" < "/a-b"). */
static int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)(*a == '/' ? 1 : *a);
		unsigned char cb = (unsigned char)(*b == '/' ? 1 : *b);
		if (ca != cb || !ca)
			return (int)ca - (int)cb;
	}
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct rf_plan_entry *a = pa, *b = pb;
	int c = path_cmp(a->path, b->path);
	if (c)
		return c;
	return entry_priority(a) - entry_priority(b);
}

static void entry_free(struct rf_plan_entry *en)
{
	free(en->path);
	free(en->target);
	free(en->rule);
	free(en->source);
}

/* A bind that only makes a directory a mount point (protected-parent) is a
 * read-write clone of the host directory: inside a read-only entry (a
 * protected .git as a whole, the main checkout's modules/) it would make
 * that part writable again. Nothing can be renamed in a read-only tree, so
 * there it is dropped. Entries come sorted, parents first. */
static bool parent_bind_needed(const struct rf_plan *plan, size_t upto, const struct rf_plan_entry *en)
{
	const struct rf_plan_entry *cover = NULL;
	size_t best = 0;
	for (size_t i = 0; i < upto; i++) {
		const struct rf_plan_entry *c = &plan->v[i];
		size_t len = strlen(c->path);
		if (c->kind != RF_PLAN_SYMLINK && rf_path_is_within(en->path, c->path) && len >= best) {
			best = len;
			cover = c;
		}
	}
	return !cover || kind_access(cover->kind) == RF_ACCESS_WRITE;
}

/* Sort, then keep only the strongest entry for each path. */
static void sort_and_dedupe(struct rf_plan *plan)
{
	qsort(plan->v, plan->n, sizeof *plan->v, entry_cmp);
	size_t o = 0;
	for (size_t i = 0; i < plan->n; i++) {
		if (i + 1 < plan->n && strcmp(plan->v[i].path, plan->v[i + 1].path) == 0) {
			entry_free(&plan->v[i]);
			continue; /* a stronger entry for the same path follows */
		}
		if (plan->v[i].kind == RF_PLAN_BIND_RW && strncmp(plan->v[i].rule, "protected-parent:", 17) == 0 &&
		    !parent_bind_needed(plan, o, &plan->v[i])) {
			entry_free(&plan->v[i]);
			continue;
		}
		plan->v[o++] = plan->v[i];
	}
	plan->n = o;
}

/* Where a missing PATH would be: its deepest existing ancestor resolved,
 * the rest appended (a symlinked ~/.config puts ~/.config/gh where it
 * points). NULL when not even "/" resolves. */
static char *resolve_missing(const char *path)
{
	cleanup_free char *parent = rf_xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return rf_xstrdup(path);
	*slash = '\0';
	cleanup_free char *rp = rf_realpath(parent);
	if (!rp) {
		if (errno != ENOENT && errno != ENOTDIR)
			return NULL;
		rp = resolve_missing(parent);
		if (!rp)
			return NULL;
	}
	return rf_path_join(rp, slash + 1);
}

/* Could the caller read what the host puts at hidden path `real` (see
 * rf_plan.landlock_hidden)? */
static bool caller_could_read(const struct rf_plan *plan, const struct rf_path_rule *r, const char *real,
			      bool exists)
{
	if (geteuid() == 0 || r->spec[0] == '~' || (plan->home && rf_path_is_within(real, plan->home)))
		return true;
	return exists && access(real, R_OK) == 0;
}

static bool is_dir_path(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *home_spec(const struct rf_plan *plan, const char *path)
{
	if (plan->home && rf_path_is_within(path, plan->home) && strcmp(plan->home, "/") != 0)
		return rf_xasprintf("~%s", path + strlen(plan->home));
	return rf_xstrdup(path);
}

/* ---- git: linked worktrees and their source checkout ---- */

/* Read "gitdir: X" from a worktree's .git file. */
static char *read_gitdir_file(const char *dotgit, const char *base)
{
	char buf[PATH_MAX + 16];
	if (rf_read_file(dotgit, buf, sizeof buf) <= 0 || strncmp(buf, "gitdir: ", 8) != 0)
		return NULL;
	char *v = buf + 8;
	v[strcspn(v, "\r\n")] = '\0';
	cleanup_free char *abs = v[0] == '/' ? rf_xstrdup(v) : rf_path_join(base, v);
	return rf_realpath(abs);
}

/* The common git dir of a linked worktree's git dir G (G/commondir). */
static char *read_commondir(const char *gitdir)
{
	char buf[PATH_MAX + 1];
	cleanup_free char *f = rf_path_join(gitdir, "commondir");
	if (rf_read_file(f, buf, sizeof buf) <= 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	cleanup_free char *abs = buf[0] == '/' ? rf_xstrdup(buf) : rf_path_join(gitdir, buf);
	return rf_realpath(abs);
}

/* What a missing file must hold for git to read it as if it were absent:
 * a commondir of "." names the git dir itself. */
static const char *placeholder_content(const char *path)
{
	const char *bn = strrchr(path, '/') + 1;
	if (strcmp(bn, "commondir") == 0)
		return ".\n";
	if (strcmp(bn, "config") == 0 || strcmp(bn, "config.worktree") == 0)
		return RF_PLACEHOLDER_CONFIG; /* a comment: valid, empty git config */
	return NULL;
}

static bool placeholder_is_dir(const char *path, bool final)
{
	const char *bn = strrchr(path, '/') + 1;
	if (!final)
		return true;
	return strcmp(bn, "config") != 0 && strcmp(bn, "commondir") != 0 && strcmp(bn, "config.worktree") != 0 &&
	       strcmp(bn, "gitdir") != 0;
}

/* Protect base/rel. Walk the components: the first one that is missing gets
 * a placeholder; one that is a non-directory in the middle (a worktree's
 * .git file) is itself protected; a symlink anywhere is refused, because the
 * bind would land wherever it points. */
static int protect_path(struct rf_plan *plan, const char *base, const char *rel, const char *spec,
			const char *source, struct rf_error *e)
{
	cleanup_free char *path = rf_path_join(base, rel);
	cleanup_free char *rule = rf_xasprintf("protected:%s", spec);
	size_t blen = strlen(base);
	cleanup_free char *cur = rf_xstrdup(path);
	for (size_t k = blen + 1;; k++) {
		char c = path[k];
		if (c != '/' && c != '\0')
			continue;
		cur[k] = '\0';
		bool final = c == '\0';
		struct stat st;
		if (lstat(cur, &st) < 0) {
			if (errno != ENOENT)
				return rf_fail(e, errno, "cannot inspect protected path %s", cur);
			cleanup_free char *prule =
				final ? rf_xstrdup(rule)
				      : rf_xasprintf("protected:%s (missing; stands in for %s)", cur + blen + 1, spec);
			add(plan, RF_PLAN_PROTECT, cur, prule, source, placeholder_is_dir(cur, final));
			last(plan)->missing = true;
			last(plan)->content = final ? placeholder_content(cur) : NULL;
			return 0;
		}
		if (S_ISLNK(st.st_mode))
			return rf_fail(e, 0,
				       "cannot protect %s: %s is a symlink (ringfence will not follow "
				       "symlinks for protected paths; replace it with the real file or directory)",
				       path, cur);
		if (final || !S_ISDIR(st.st_mode)) {
			add(plan, RF_PLAN_PROTECT, cur, rule, source, S_ISDIR(st.st_mode));
			/* it may be another run's placeholder: whichever run ends
			 * last recognises it by its content and removes it */
			if (final && S_ISREG(st.st_mode))
				last(plan)->content = placeholder_content(cur);
			return 0;
		}
		/* Another run's placeholder (a concurrent run on this workspace):
		 * it stands in for everything beneath, as it does in that run. */
		char mark[16];
		if (lgetxattr(cur, RF_PLACEHOLDER_XATTR, mark, sizeof mark) > 0) {
			cleanup_free char *prule =
				rf_xasprintf("protected:%s (missing; stands in for %s)", cur + blen + 1, spec);
			add(plan, RF_PLAN_PROTECT, cur, prule, source, true);
			return 0;
		}
		/* An existing directory between the root and the protected path
		 * (.git for .git/hooks): bound onto itself so it is a mount point,
		 * which the kernel refuses to rename or remove (EBUSY). Otherwise
		 * `mv .git .git2` would carry the protected mounts away and a
		 * fresh .git/hooks could be created. */
		cleanup_free char *prule = rf_xasprintf("protected-parent:%s", spec);
		add(plan, RF_PLAN_BIND_RW, cur, prule, source, true);
		cur[k] = c;
	}
}

/* The protected entries of one writable root. `gitdir`: where the root's
 * ".git/X" names really live when .git is a file (linked worktree, or
 * --separate-git-dir); NULL for a plain .git directory. */
static int protect_root(struct rf_plan *plan, const struct rf_policy *p, const char *root, const char *gitdir,
			struct rf_error *e)
{
	for (size_t i = 0; i < p->protected_paths.n; i++) {
		const struct rf_path_rule *r = &p->protected_paths.v[i];
		int rc = gitdir && strncmp(r->path, ".git/", 5) == 0
				 ? protect_path(plan, gitdir, r->path + 5, r->spec, r->source, e)
				 : protect_path(plan, root, r->path, r->spec, r->source, e);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* base/rel, where base is a bound root (a mount point) and rel names a file
 * in a worktree admin dir: protected like every protected path, so that the
 * directories between base and the file are mount points too. A worktree's
 * admin dir (or the `worktrees` dir holding it) that could be renamed away
 * would take its protected files along and leave room for a fresh admin dir
 * with a planted `commondir` (git then reads a config of the agent's choosing,
 * core.fsmonitor included, the next time you run git in that worktree). */
static int protect_admin_file(struct rf_plan *plan, const char *base, const char *admin, const char *file,
			      const char *spec, struct rf_error *e)
{
	size_t bl = strlen(base);
	if (strcmp(admin, base) != 0 && rf_path_is_within(admin, base)) {
		cleanup_free char *rel = rf_xasprintf("%s/%s", admin + bl + 1, file);
		return protect_path(plan, base, rel, spec, "default", e);
	}
	return protect_path(plan, admin, file, spec, "default", e);
}

/* "gitdir: X" of the worktree whose admin dir's `gitdir` file names DOTGIT:
 * does that .git file really point back to ADMIN? */
static bool worktree_points_back(const char *dotgit, const char *admin)
{
	struct stat st;
	if (lstat(dotgit, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	cleanup_free char *tree = rf_xstrdup(dotgit);
	*strrchr(tree, '/') = '\0';
	cleanup_free char *back = read_gitdir_file(dotgit, tree);
	return back && strcmp(back, admin) == 0;
}

/* Is DIR the workspace or one of the policy's writable roots (real paths)?
 * Such a worktree is one the sandbox works in: its own add_writable_root()
 * protects its admin files, and it is no "other" worktree. */
static bool is_plan_root(const struct rf_plan *plan, const struct rf_policy *p, const char *dir)
{
	if (plan->mode != RF_SANDBOX_WORKSPACE_WRITE)
		return false;
	if (strcmp(dir, plan->workspace) == 0)
		return true;
	for (size_t i = 0; i < p->writable_roots.n; i++) {
		cleanup_free char *real = rf_realpath(p->writable_roots.v[i].path);
		if (real && strcmp(real, dir) == 0)
			return true;
	}
	return false;
}

/* The working tree of the linked worktree whose admin dir is ADMIN (its
 * `gitdir` file GF names TREE/.git), or NULL when that .git file does not
 * point back (stale, moved, or a planted admin dir). */
static char *worktree_tree(const char *admin, const char *gf)
{
	char buf[PATH_MAX + 1];
	if (rf_read_file(gf, buf, sizeof buf) <= 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	cleanup_free char *named = buf[0] == '/' ? rf_xstrdup(buf) : rf_path_join(admin, buf);
	cleanup_free char *dotgit = rf_realpath(named);
	if (!dotgit || !worktree_points_back(dotgit, admin))
		return NULL;
	char *slash = strrchr(dotgit, '/');
	if (slash == dotgit)
		return NULL;
	*slash = '\0';
	return rf_steal_ptr(&dotgit);
}

/* Every directory strictly between BASE (a bound root) and DIR becomes a
 * mount point, so that none can be renamed away with DIR in it. */
static void pin_parents(struct rf_plan *plan, const char *base, const char *dir, const char *spec)
{
	size_t bl = strlen(base);
	if (strcmp(dir, base) == 0 || !rf_path_is_within(dir, base))
		return;
	cleanup_free char *cur = rf_xstrdup(dir);
	cleanup_free char *rule = rf_xasprintf("protected-parent:%s", spec);
	for (size_t k = bl + 1; dir[k]; k++) {
		if (dir[k] != '/')
			continue;
		cur[k] = '\0';
		add(plan, RF_PLAN_BIND_RW, cur, rule, "default", true);
		cur[k] = '/';
	}
}

/* The admin dir ADMIN (BASE/.../worktrees/NAME) of a linked worktree the
 * sandbox does not work in. Everything in it is that worktree's business
 * alone: HEAD, index, and the state of an operation in progress there
 * (rebase-merge/git-rebase-todo with its `exec` lines, sequencer/, MERGE_MSG,
 * modules/ with its submodules' config and hooks), which git in that
 * worktree reads and runs the next time you use it. So the admin dir is seen
 * through a private layer, discarded after the run: `git gc` may lock and
 * expire that worktree's reflog, nothing written there survives.
 *   - logs/ is the real one: what gc expires there matches what it prunes
 *     from the shared object store;
 *   - HEAD and index stay read-only: a command that would move that
 *     worktree's checkout (`git branch -m` of its branch) fails visibly
 *     rather than being discarded in silence;
 *   - the private layer starts with a `locked` file (unless the worktree is
 *     locked already): with its working tree hidden, git in the sandbox takes
 *     the worktree for deleted, and `git gc` or `git worktree prune` would
 *     otherwise remove its admin dir (in the layer, but for the rest of the
 *     run).
 * The admin dir is a mount point (the layer), so it cannot be renamed away
 * and replaced; `worktrees` too. */
static void private_admin(struct rf_plan *plan, const char *base, const char *admin, const char *name)
{
	cleanup_free char *spec = rf_xasprintf("other worktree admin %s", name);
	pin_parents(plan, base, admin, spec);
	cleanup_free char *rule = rf_xasprintf("private:other-worktree admin %s (private layer, discarded)", name);
	add(plan, RF_PLAN_CACHE, admin, rule, "default", true);
	cleanup_free char *lk = rf_path_join(admin, "locked");
	struct stat st;
	if (lstat(lk, &st) < 0 && errno == ENOENT) {
		last(plan)->layer_file = "locked";
		last(plan)->layer_content = RF_PLACEHOLDER_LOCKED;
	}
	static const char *const files[] = {"HEAD", "index", NULL};
	for (size_t i = 0; files[i]; i++) {
		cleanup_free char *f = rf_path_join(admin, files[i]);
		if (lstat(f, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* a symlink stays in the private layer, like the rest */
		cleanup_free char *r = rf_xasprintf("protected:other worktree admin %s/%s", name, files[i]);
		add(plan, RF_PLAN_PROTECT, f, r, "default", false);
	}
	cleanup_free char *logs = rf_path_join(admin, "logs");
	if (lstat(logs, &st) == 0 && S_ISDIR(st.st_mode)) {
		cleanup_free char *r = rf_xasprintf("other worktree admin %s/logs (git gc expires its reflogs)", name);
		add(plan, RF_PLAN_BIND_RW, logs, r, "default", true);
	}
}

/* The other linked worktrees registered in BASE/GITREL/worktrees/NAME (the
 * common git dir; BASE is the bound root it lies in, GITREL its path below
 * BASE, "" when it is BASE itself). own_admin: our own worktree's admin dir,
 * NULL when the workspace is the main checkout.
 *
 * Their working trees are hidden; in a writable run their admin dirs get a
 * private layer (private_admin). Worktrees that are themselves the workspace
 * or a writable root are not "other": their own root protects them.
 *
 * Only entries git could have made count: a real directory with a regular
 * `gitdir` file. A symlink planted in `worktrees` would otherwise turn into a
 * read-only bind of any host path (other users' homes, the host's /tmp) in the
 * next run. And a tree is hidden only if its .git file points back to the
 * admin dir, so a planted `gitdir` cannot hide /usr from every later run. */
static int guard_other_worktrees(struct rf_plan *plan, const struct rf_policy *p, const char *base,
				 const char *gitrel, const char *own_admin, bool writable, struct rf_error *e)
{
	cleanup_free char *common = gitrel[0] ? rf_path_join(base, gitrel) : rf_xstrdup(base);
	cleanup_free char *wtdir = rf_path_join(common, "worktrees");
	struct stat st;
	if (lstat(wtdir, &st) < 0)
		return 0; /* no linked worktrees */
	if (!S_ISDIR(st.st_mode))
		return rf_fail(e, 0, "cannot protect the linked worktrees of %s: %s is not a directory (a symlink?)",
			       common, wtdir);
	DIR *d = opendir(wtdir);
	if (!d)
		return rf_fail(e, errno, "cannot list the linked worktrees in %s", wtdir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *admin = rf_path_join(wtdir, de->d_name);
		cleanup_free char *gf = rf_path_join(admin, "gitdir");
		struct stat ast, gst;
		if (lstat(admin, &ast) < 0 || !S_ISDIR(ast.st_mode) || lstat(gf, &gst) < 0 || !S_ISREG(gst.st_mode))
			continue; /* not a worktree admin dir git made */
		if (own_admin && strcmp(admin, own_admin) == 0)
			continue;
		cleanup_free char *tree = worktree_tree(admin, gf);
		if (tree && is_plan_root(plan, p, tree))
			continue;
		if (writable)
			private_admin(plan, base, admin, de->d_name);
		if (!tree || rf_path_is_within(plan->workspace, tree))
			continue; /* stale: nothing to hide; never hide our own workspace */
		cleanup_free char *rule = rf_xasprintf("hidden:other-worktree:%s", tree);
		add(plan, RF_PLAN_HIDE, tree, rule, "default", true);
	}
	closedir(d);
	return 0;
}

/* core.worktree of the git dir GITDIR, resolved against it, or NULL. git
 * records it for a submodule's git dir absorbed into .git/modules. */
static char *read_core_worktree(const char *gitdir)
{
	char buf[16384];
	cleanup_free char *cfg = rf_path_join(gitdir, "config");
	if (rf_read_file(cfg, buf, sizeof buf) <= 0)
		return NULL;
	bool core = false;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		line += strspn(line, " \t");
		if (line[0] == '[') {
			core = strncasecmp(line, "[core]", 6) == 0;
			continue;
		}
		if (!core || strncasecmp(line, "worktree", 8) != 0)
			continue;
		char *v = line + 8;
		v += strspn(v, " \t");
		if (*v++ != '=')
			continue;
		v += strspn(v, " \t\"");
		v[strcspn(v, "\"\r")] = '\0';
		for (size_t n = strlen(v); n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
			v[n - 1] = '\0';
		cleanup_free char *abs = v[0] == '/' ? rf_xstrdup(v) : rf_path_join(gitdir, v);
		return rf_realpath(abs);
	}
	return NULL;
}

/* Does the git dir that ROOT's .git file names belong to ROOT? Anyone who
 * could write in a directory (an earlier run whose workspace held it) can
 * make its .git a file naming any directory; granting that directory when
 * the directory becomes a workspace of its own (its cwd, in a monorepo)
 * would make $HOME or another repository writable. So the git dir must say
 * it is ROOT's: a linked worktree's admin dir lies in <common>/worktrees and
 * its gitdir file names ROOT/.git; a submodule's git dir has ROOT as its
 * core.worktree. `git init --separate-git-dir` records nothing of the kind. */
static bool git_dir_is_roots(const char *root, const char *dotgit, const char *admin, const char *common)
{
	if (common) {
		cleanup_free char *wtdir = rf_path_join(common, "worktrees");
		cleanup_free char *parent = rf_xstrdup(admin);
		char *slash = strrchr(parent, '/');
		if (!slash || slash == parent)
			return false;
		*slash = '\0';
		if (strcmp(parent, wtdir) != 0)
			return false;
		char buf[PATH_MAX + 1];
		cleanup_free char *gf = rf_path_join(admin, "gitdir");
		if (rf_read_file(gf, buf, sizeof buf) <= 0)
			return false;
		buf[strcspn(buf, "\r\n")] = '\0';
		cleanup_free char *named = buf[0] == '/' ? rf_xstrdup(buf) : rf_path_join(admin, buf);
		cleanup_free char *back = rf_realpath(named);
		return back && strcmp(back, dotgit) == 0;
	}
	cleanup_free char *wt = read_core_worktree(admin);
	return wt && strcmp(wt, root) == 0;
}

/* Is PATH inside the workspace or one of the policy's writable roots? */
static bool in_a_writable_root(const struct rf_plan *plan, const struct rf_policy *p, const char *path)
{
	if (plan->mode != RF_SANDBOX_WORKSPACE_WRITE)
		return false;
	if (rf_path_is_within(path, plan->workspace))
		return true;
	for (size_t i = 0; i < p->writable_roots.n; i++) {
		cleanup_free char *real = rf_realpath(p->writable_roots.v[i].path);
		if (real && rf_path_is_within(path, real))
			return true;
	}
	return false;
}

static void plan_warn(struct rf_plan *plan, const char *msg)
{
	char *old = plan->warnings;
	plan->warnings = old ? rf_xasprintf("%s\n%s", old, msg) : rf_xstrdup(msg);
	free(old);
}

/* The main checkout of the common git dir COMMON: core.worktree, else the
 * directory holding a `.git` common dir; NULL for a bare repository. */
static char *main_checkout(const char *common)
{
	char *wt = read_core_worktree(common);
	if (wt)
		return wt;
	size_t cl = strlen(common);
	if (cl > 5 && strcmp(common + cl - 5, "/.git") == 0)
		return rf_xstrndup(common, cl - 5);
	return NULL;
}

/* The main checkout's own state: git keeps it at the top of the common dir
 * (everything there but what git shares between worktrees). */
static const char *const main_worktree_state[] = {
	"HEAD", "index", "ORIG_HEAD", "FETCH_HEAD", "AUTO_MERGE", "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE",
	"MERGE_RR", "SQUASH_MSG", "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "BISECT_LOG",
	"BISECT_START", "BISECT_TERMS", "BISECT_NAMES", "BISECT_EXPECTED_REV", "BISECT_ANCESTORS_OK",
	"BISECT_HEAD", "BISECT_FIRST_PARENT", "rebase-merge", "rebase-apply", "sequencer", "modules", NULL,
};

/* A linked worktree's common git dir (entry IDX, bound writable) whose main
 * checkout the sandbox does not work in. The top of the common dir is also
 * the main checkout's admin dir: a `rebase-merge/git-rebase-todo` with
 * `exec` lines planted there runs at your next `git rebase --continue` in
 * the main checkout, a `modules/X/config` at your next `git status`. It
 * cannot get a private layer like another linked worktree's admin dir: the
 * shared refs (packed-refs) are rewritten there by rename. So:
 *   - what of that state exists (HEAD, index, an operation in progress, the
 *     submodules) is read-only;
 *   - nothing but regular files may be created at its top (no_new_dirs,
 *     Landlock): no rebase-merge/, rebase-apply/, sequencer/, modules/, and
 *     no symlink in their place, while packed-refs.lock and HEAD.lock (git gc
 *     expires the main checkout's reflog) still can be. */
static int guard_main_worktree(struct rf_plan *plan, const struct rf_policy *p, const char *common, size_t idx,
			       struct rf_error *e)
{
	cleanup_free char *main = main_checkout(common);
	if (!main || in_a_writable_root(plan, p, main))
		return 0; /* bare, or a checkout the sandbox may write anyway */
	for (size_t i = 0; main_worktree_state[i]; i++) {
		cleanup_free char *f = rf_path_join(common, main_worktree_state[i]);
		struct stat st;
		if (lstat(f, &st) < 0)
			continue;
		cleanup_free char *spec = rf_xasprintf("main checkout's %s", main_worktree_state[i]);
		if (protect_path(plan, common, main_worktree_state[i], spec, "default", e) < 0)
			return -1;
	}
	/* Landlock grants a rule's rights to everything beneath it, across
	 * mounts: under a writable place (a writable root, or a mount point in
	 * the private /tmp, /run) the restriction cannot hold */
	const char *above = NULL;
	for (size_t i = 0; i < plan->n && !above; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if ((en->kind == RF_PLAN_TMPFS || en->kind == RF_PLAN_DEV || en->kind == RF_PLAN_CACHE ||
		     (en->kind == RF_PLAN_BIND_RW && i != idx)) &&
		    strcmp(en->path, common) != 0 && rf_path_is_within(common, en->path))
			above = en->path;
	}
	if (above || in_a_writable_root(plan, p, common)) {
		cleanup_free char *w = rf_xasprintf(
			"new directories at the top of %s (the state of a rebase or cherry-pick in the main checkout %s) "
			"are not prevented: it lies in the writable %s",
			common, main, above ? above : "root");
		plan_warn(plan, w);
		return 0;
	}
	plan->v[idx].no_new_dirs = true;
	return 0;
}

/* ---- submodules ---- */

size_t rf_gitmodules_paths(char *text, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (strncasecmp(line, "path", 4) != 0)
			continue;
		char *v = line + 4;
		v += strspn(v, " \t");
		if (*v++ != '=')
			continue;
		v += strspn(v, " \t\"");
		v[strcspn(v, "\"\r")] = '\0';
		for (size_t l = strlen(v); l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t' || v[l - 1] == '/'); l--)
			v[l - 1] = '\0';
		if (!v[0] || v[0] == '/' || strstr(v, "..") || strstr(v, "//") || strcmp(v, ".") == 0 ||
		    strncmp(v, "./", 2) == 0 || strstr(v, "/./") || (strlen(v) >= 2 && strcmp(v + strlen(v) - 2, "/.") == 0))
			continue; /* absolute, leaving the root, or not normalised: git refuses those too */
		out[n++] = v;
	}
	return n;
}

/* Protect REL inside the git dir GITDIR, which lies in the bound root ROOT
 * or is bound itself (a linked worktree's common dir, a separate git dir):
 * the directories between the bound root and REL become mount points. */
static int protect_in_gitdir(struct rf_plan *plan, const char *root, const char *gitdir, const char *rel,
			     const char *spec, struct rf_error *e)
{
	if (strcmp(gitdir, root) != 0 && rf_path_is_within(gitdir, root)) {
		cleanup_free char *r = rf_xasprintf("%s/%s", gitdir + strlen(root) + 1, rel);
		return protect_path(plan, root, r, spec, "default", e);
	}
	return protect_path(plan, gitdir, rel, spec, "default", e);
}

/* A submodule's git dir git absorbed into <git dir>/modules/NAME is as
 * dangerous as the superproject's: `git status` in the superproject runs git
 * in every checked-out submodule, which reads its config (core.fsmonitor)
 * and follows its commondir; `git commit` there runs its hooks. hooks,
 * config and info are protected also when missing; commondir and
 * config.worktree only when present: a `commondir` placeholder, whatever it
 * holds, makes git ignore the git dir's core.worktree, which `git submodule
 * update` then tries to write back (and fails). */
static const char *const submodule_protected[] = {"hooks", "config", "info", NULL};
static const char *const submodule_protected_present[] = {"commondir", "config.worktree", NULL};
#define SUBMODULE_MAX 512   /* git dirs looked at under one modules/ */
#define SUBMODULE_DEPTH 16  /* a submodule's name may hold slashes */

struct submodules {
	struct rf_plan *plan;
	const struct rf_policy *p;
	const char *root;   /* the bound root */
	const char *gitdir; /* the git dir whose modules/ this is */
	size_t seen;
};

static int protect_module_dir(struct submodules *sm, const char *dir, int depth, struct rf_error *e);

/* DIR (below modules/) is a submodule's git dir when git could use it as one. */
static bool looks_like_git_dir(const char *dir)
{
	cleanup_free char *head = rf_path_join(dir, "HEAD");
	cleanup_free char *cfg = rf_path_join(dir, "config");
	struct stat st;
	return (lstat(head, &st) == 0 && S_ISREG(st.st_mode)) || (lstat(cfg, &st) == 0 && S_ISREG(st.st_mode));
}

static int protect_one_module(struct submodules *sm, const char *dir, struct rf_error *e)
{
	if (++sm->seen > SUBMODULE_MAX) {
		cleanup_free char *w = rf_xasprintf("more than %d submodule git dirs in %s/modules: the others' hooks "
						    "and config are not protected",
						    SUBMODULE_MAX, sm->gitdir);
		if (sm->seen == SUBMODULE_MAX + 1)
			plan_warn(sm->plan, w);
		return 0;
	}
	const char *rel = dir + strlen(sm->gitdir) + 1; /* modules/NAME */
	for (size_t i = 0; submodule_protected[i]; i++) {
		cleanup_free char *r = rf_xasprintf("%s/%s", rel, submodule_protected[i]);
		cleanup_free char *spec = rf_xasprintf(".git/%s", r);
		if (protect_in_gitdir(sm->plan, sm->root, sm->gitdir, r, spec, e) < 0)
			return -1;
	}
	struct stat st;
	for (size_t i = 0; submodule_protected_present[i]; i++) {
		cleanup_free char *f = rf_path_join(dir, submodule_protected_present[i]);
		if (lstat(f, &st) < 0)
			continue;
		cleanup_free char *r = rf_xasprintf("%s/%s", rel, submodule_protected_present[i]);
		cleanup_free char *spec = rf_xasprintf(".git/%s", r);
		if (protect_in_gitdir(sm->plan, sm->root, sm->gitdir, r, spec, e) < 0)
			return -1;
	}
	/* its checkout's .git file says which git dir (and so which config)
	 * git uses there: it must not be pointed elsewhere */
	cleanup_free char *wt = read_core_worktree(dir);
	if (wt && in_a_writable_root(sm->plan, sm->p, wt)) {
		cleanup_free char *dotgit = rf_path_join(wt, ".git");
		cleanup_free char *back = NULL;
		if (lstat(dotgit, &st) == 0 && S_ISREG(st.st_mode) && (back = read_gitdir_file(dotgit, wt)) &&
		    strcmp(back, dir) == 0)
			add(sm->plan, RF_PLAN_PROTECT, dotgit, "protected:.git (submodule link)", "default", false);
	}
	/* its own submodules */
	cleanup_free char *nested = rf_path_join(dir, "modules");
	if (lstat(nested, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct submodules inner = *sm;
		cleanup_free char *spec_gitdir = rf_xstrdup(dir);
		inner.gitdir = spec_gitdir;
		int rc = protect_module_dir(&inner, nested, 0, e);
		sm->seen = inner.seen;
		return rc;
	}
	return 0;
}

/* Walk DIR (modules/ or a directory of a slashed name below it). */
static int protect_module_dir(struct submodules *sm, const char *dir, int depth, struct rf_error *e)
{
	if (depth > SUBMODULE_DEPTH)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : rf_fail(e, errno, "cannot list the submodule git dirs in %s", dir);
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = rf_path_join(dir, de->d_name);
		struct stat st;
		if (lstat(sub, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			/* git would follow it to a git dir of anyone's making */
			rc = rf_fail(e, 0,
				     "cannot protect the submodule git dir %s: it is a symlink (ringfence will not follow "
				     "symlinks for protected paths; replace it with the real directory or remove it)",
				     sub);
			break;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		rc = looks_like_git_dir(sub) ? protect_one_module(sm, sub, e) : protect_module_dir(sm, sub, depth + 1, e);
	}
	closedir(d);
	return rc;
}

/* A submodule checked out the old way, its git dir in the checkout
 * (`path/.git` a directory): found through ROOT/.gitmodules. The file is the
 * sandbox's to write, so it only says where to look: a path through a
 * symlink, or outside ROOT, is not looked at (git refuses those too). */
#define GITMODULES_MAX 65536
static int protect_inline_submodules(struct rf_plan *plan, const char *root, struct rf_error *e)
{
	cleanup_free char *gm = rf_path_join(root, ".gitmodules");
	struct stat st;
	if (lstat(gm, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	cleanup_free char *buf = rf_xcalloc(1, GITMODULES_MAX + 1);
	if (rf_read_file(gm, buf, GITMODULES_MAX + 1) <= 0)
		return 0;
	char *paths[SUBMODULE_MAX];
	size_t np = rf_gitmodules_paths(buf, paths, SUBMODULE_MAX);
	for (size_t k = 0; k < np; k++) {
		const char *v = paths[k];
		/* every component a real directory, none a symlink */
		cleanup_free char *dir = rf_path_join(root, v);
		bool real = true;
		for (char *c = dir + strlen(root); real && *c; c++) {
			if (*c != '/')
				continue;
			*c = '\0';
			real = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
			*c = '/';
		}
		if (!real || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		cleanup_free char *dotgit = rf_path_join(dir, ".git");
		if (lstat(dotgit, &st) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			/* absorbed: its git dir is in modules/ (protected there);
			 * the link must not be pointed elsewhere */
			add(plan, RF_PLAN_PROTECT, dotgit, "protected:.git (submodule link)", "default", false);
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		for (size_t i = 0; submodule_protected[i]; i++) {
			cleanup_free char *r = rf_xasprintf("%s/.git/%s", v, submodule_protected[i]);
			cleanup_free char *spec = rf_xasprintf("%s (submodule)", r);
			if (protect_path(plan, root, r, spec, "default", e) < 0)
				return -1;
		}
		for (size_t i = 0; submodule_protected_present[i]; i++) {
			cleanup_free char *r = rf_xasprintf("%s/.git/%s", v, submodule_protected_present[i]);
			cleanup_free char *f = rf_path_join(root, r);
			cleanup_free char *spec = rf_xasprintf("%s (submodule)", r);
			if (lstat(f, &st) == 0 && protect_path(plan, root, r, spec, "default", e) < 0)
				return -1;
		}
	}
	return 0;
}

/* The submodules of the writable root ROOT whose git dir is GITDIR (NULL:
 * ROOT/.git), and of its own linked-worktree admin dir ADMIN (git keeps a
 * linked worktree's submodules there). */
static int protect_submodules(struct rf_plan *plan, const struct rf_policy *p, const char *root, const char *gitdir,
			      const char *admin, struct rf_error *e)
{
	cleanup_free char *own = gitdir ? NULL : rf_path_join(root, ".git");
	const char *dirs[2] = {gitdir ? gitdir : own, admin && gitdir && strcmp(admin, gitdir) != 0 ? admin : NULL};
	for (size_t i = 0; i < 2; i++) {
		if (!dirs[i] || !is_dir_path(dirs[i]))
			continue;
		cleanup_free char *modules = rf_path_join(dirs[i], "modules");
		struct stat st;
		if (lstat(modules, &st) < 0 || entry_of_kind(plan, modules, 1u << RF_PLAN_PROTECT))
			continue; /* none, or read-only as a whole (the main checkout's, guard_main_worktree) */
		if (!S_ISDIR(st.st_mode))
			return rf_fail(e, 0, "cannot protect the submodules of %s: %s is not a directory (a symlink?)",
				       dirs[i], modules);
		/* the bound root the git dir lies in */
		const char *base = rf_path_is_within(dirs[i], root) ? root : gitdir;
		if (i == 1 && !rf_path_is_within(admin, gitdir) && !rf_path_is_within(admin, root))
			base = admin;
		struct submodules sm = {.plan = plan, .p = p, .root = base, .gitdir = dirs[i]};
		if (protect_module_dir(&sm, modules, 0, e) < 0)
			return -1;
	}
	return protect_inline_submodules(plan, root, e);
}

/* A writable root (the workspace or --writable-root) and all that comes with
 * it: its protected paths and, for git linked worktrees, the common git dir. */
static int add_writable_root(struct rf_plan *plan, const struct rf_policy *p, const char *root,
			     const char *rule, const char *source, bool writable, struct rf_error *e)
{
	add(plan, writable ? RF_PLAN_BIND_RW : RF_PLAN_BIND_RO, root, rule, source, true);

	/* Git: a linked worktree has a .git *file* naming its git dir. */
	cleanup_free char *dotgit = rf_path_join(root, ".git");
	struct stat st;
	cleanup_free char *common = NULL;
	cleanup_free char *admin = NULL;
	if (lstat(dotgit, &st) == 0 && S_ISREG(st.st_mode)) {
		admin = read_gitdir_file(dotgit, root);
		if (admin)
			common = read_commondir(admin);
		const char *named = common ? common : admin;
		if (admin && !git_dir_is_roots(root, dotgit, admin, common) && !rf_path_is_within(named, root) &&
		    !in_a_writable_root(plan, p, named)) {
			/* not granted: only the .git file itself is protected */
			cleanup_free char *w = rf_xasprintf(
				"the git dir %s named by %s is not made visible or writable: nothing in it says it "
				"belongs to %s (git init --separate-git-dir records nothing); grant it with "
				"--writable-root or --read-only if it is yours",
				named, dotgit, root);
			plan_warn(plan, w);
			/* its other linked worktrees are hidden all the same:
			 * hiding takes nothing from anyone */
			if (guard_other_worktrees(plan, p, named, "", common ? admin : NULL, false, e) < 0)
				return -1;
			free(admin);
			free(common);
			admin = common = NULL;
		}
		if (common && !rf_path_is_within(common, root)) {
			/* The source checkout behind the worktree is hidden; its git
			 * dir comes back so commits work. */
			size_t cl = strlen(common);
			if (cl > 5 && strcmp(common + cl - 5, "/.git") == 0) {
				cleanup_free char *src = rf_xstrndup(common, cl - 5);
				if (!rf_path_is_within(root, src)) {
					cleanup_free char *r2 = rf_xasprintf("hidden:worktree-source:%s", src);
					add(plan, RF_PLAN_HIDE, src, r2, "default", true);
				}
			}
			add(plan, writable ? RF_PLAN_BIND_RW : RF_PLAN_BIND_RO, common,
			    "git-common-dir", "default", true);
			if (writable && guard_main_worktree(plan, p, common, plan->n - 1, e) < 0)
				return -1;
		}
	}
	/* The git dir a .git file names: the common dir of a linked worktree,
	 * or the directory of `git init --separate-git-dir`. Its hooks and
	 * config are as dangerous as the workspace's own. */
	const char *gitdir = common ? common : admin;
	if (gitdir && !common && !rf_path_is_within(gitdir, root))
		add(plan, writable ? RF_PLAN_BIND_RW : RF_PLAN_BIND_RO, gitdir, "git-dir", "default", true);

	/* The git dir's other linked worktrees, relative to the bound root the
	 * git dir lies in (itself, or this root). */
	const char *git_base = gitdir && !rf_path_is_within(gitdir, root) ? gitdir : root;
	const char *git_rel = !gitdir ? ".git"
			      : git_base != root || strcmp(gitdir, root) == 0 ? ""
									   : gitdir + strlen(root) + 1;
	if ((gitdir || is_dir_path(dotgit)) &&
	    guard_other_worktrees(plan, p, git_base, git_rel, common ? admin : NULL, writable, e) < 0)
		return -1;

	if (writable && protect_root(plan, p, root, gitdir, e) < 0)
		return -1;
	if (writable && rf_policy_protect_submodules(p) && protect_submodules(plan, p, root, gitdir, common ? admin : NULL, e) < 0)
		return -1;
	if (writable && admin) {
		/* A .git file says which git dir (and so which hooks and config)
		 * git uses: it must not be rewritten either (when the git dir is
		 * not granted, protect_root() protected it already). */
		add(plan, RF_PLAN_PROTECT, dotgit, "protected:.git (worktree link)", "default", false);
	}
	if (writable && common && admin && strcmp(common, admin) != 0) {
		/* The worktree's own admin dir: commondir and gitdir say where
		 * git goes next; config.worktree is read as config. */
		static const char *const admin_files[] = {"commondir", "gitdir", "config.worktree", NULL};
		for (size_t i = 0; admin_files[i]; i++) {
			cleanup_free char *spec = rf_xasprintf("worktree admin %s", admin_files[i]);
			if (protect_admin_file(plan, git_base, admin, admin_files[i], spec, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- a home in a writable root ---- */

/* A writable entry strictly above PATH other than entry SKIP: Landlock
 * grants its rights beneath it, across mounts, so no restriction of PATH's
 * own rule can hold there. */
static const char *writable_above(const struct rf_plan *plan, const char *path, size_t skip)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if (i != skip && kind_access(en->kind) == RF_ACCESS_WRITE && strcmp(en->path, path) != 0 &&
		    rf_path_is_within(path, en->path))
			return en->path;
	}
	return NULL;
}

/* Configuration by convention: what at the top of a home runs or is read
 * outside the sandbox later. Every dotfile and dot-directory (shell startup
 * files, ~/.gitconfig, ~/.config with autostart/ and systemd/, ~/.local/bin,
 * editor and agent settings, ~/.cargo/bin...), and ~/bin, which ~/.profile
 * puts on PATH. Not the workspace's own .git and .ringfence (protected paths
 * already), and not what the plan hides or gives a private layer. */
static bool home_entry_guarded(const char *name)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, ".git") == 0 ||
	    strcmp(name, ".ringfence") == 0)
		return false;
	return name[0] == '.' || strcmp(name, "bin") == 0;
}

/* The repositories in a writable home, down to HOME_SCAN_DEPTH below it
 * (~/src/org/repo), looked for in at most HOME_SCAN_DIRS directories: their
 * hooks and config run at your next git command there, so they get the
 * protected paths of a writable root, and each becomes a mount point (a
 * repository renamed away could make room for a planted one). */
#define HOME_SCAN_DEPTH 3
#define HOME_SCAN_DIRS 20000

struct home_scan {
	struct rf_plan *plan;
	const struct rf_policy *p;
	size_t dirs;
	bool truncated;
};

static int guard_home_repo(struct home_scan *hs, const char *dir, const struct stat *gst, struct rf_error *e)
{
	cleanup_free char *dotgit = rf_path_join(dir, ".git");
	add(hs->plan, RF_PLAN_BIND_RW, dir, "protected-parent:repository in the writable home", "--allow-home-write",
	    true);
	if (S_ISREG(gst->st_mode)) {
		/* a linked worktree or a submodule: what it points to stays as it is */
		add(hs->plan, RF_PLAN_PROTECT, dotgit, "protected:.git (repository in the writable home)", "default",
		    false);
		return 0;
	}
	if (protect_root(hs->plan, hs->p, dir, NULL, e) < 0 ||
	    (rf_policy_protect_submodules(hs->p) && protect_submodules(hs->plan, hs->p, dir, NULL, NULL, e) < 0))
		return -1;
	/* its linked worktrees' admin files: where git goes next from there */
	cleanup_free char *wtdir = rf_path_join(dotgit, "worktrees");
	DIR *d = opendir(wtdir);
	if (!d)
		return 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *admin = rf_path_join(wtdir, de->d_name);
		struct stat ast;
		if (lstat(admin, &ast) < 0 || !S_ISDIR(ast.st_mode))
			continue;
		static const char *const files[] = {"commondir", "gitdir", "config.worktree", NULL};
		for (size_t i = 0; rc == 0 && files[i]; i++) {
			cleanup_free char *spec = rf_xasprintf("worktree admin %s", files[i]);
			rc = protect_admin_file(hs->plan, dir, admin, files[i], spec, e);
		}
	}
	closedir(d);
	return rc;
}

static int scan_home_repos(struct home_scan *hs, const char *dir, int depth, struct rf_error *e)
{
	if (depth > HOME_SCAN_DEPTH)
		return 0;
	if (++hs->dirs > HOME_SCAN_DIRS) {
		hs->truncated = true;
		return 0;
	}
	if (depth > 0) {
		cleanup_free char *dotgit = rf_path_join(dir, ".git");
		struct stat gst;
		if (lstat(dotgit, &gst) == 0 && (S_ISDIR(gst.st_mode) || S_ISREG(gst.st_mode)) &&
		    guard_home_repo(hs, dir, &gst, e) < 0)
			return -1;
	}
	if (depth == HOME_SCAN_DEPTH)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* unreadable: nothing the caller could plant there either */
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && !hs->truncated && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue; /* dot-directories are read-only as a whole */
		cleanup_free char *sub = rf_path_join(dir, de->d_name);
		struct stat st;
		if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue; /* not followed: a symlink leads where the plan decides */
		if (entry_of_kind(hs->plan, sub, 1u << RF_PLAN_HIDE | 1u << RF_PLAN_CACHE))
			continue;
		rc = scan_home_repos(hs, sub, depth + 1, e);
	}
	closedir(d);
	return rc;
}

/* The caller's home HOME in a writable root. Writable, it would let a
 * command plant what runs outside the sandbox at your next login, shell, git
 * command or editor start. Refused unless --allow-home-write. With the
 * flag:
 *   - nothing can be created directly in the home (Landlock: no new
 *     ~/.bash_profile, ~/.emacs, ~/.xsession that would take precedence over
 *     what you have; not where the home lies beneath another writable
 *     place, a directory holding it for one: the plan warns), and it is a
 *     mount point;
 *   - every dotfile and dot-directory there, and ~/bin, is read-only (for a
 *     symlinked one, its target where the sandbox could write it);
 *   - its repositories (scan_home_repos) keep their hooks and config. */
static int guard_home(struct rf_plan *plan, const struct rf_policy *p, const char *home, struct rf_error *e)
{
	const char *what = NULL, *root = NULL, *source = NULL;
	cleanup_free char *real = NULL;
	if (plan->mode != RF_SANDBOX_WORKSPACE_WRITE)
		return 0;
	if (rf_path_is_within(home, plan->workspace)) {
		what = "workspace";
		root = plan->workspace;
		source = p->workspace ? rf_setting_source(p, RF_SET_WORKSPACE) : "the current directory";
	}
	for (size_t i = 0; !root && i < p->writable_roots.n; i++) {
		free(real);
		real = rf_realpath(p->writable_roots.v[i].path);
		if (real && rf_path_is_within(home, real)) {
			what = "writable root";
			root = real;
			source = p->writable_roots.v[i].source;
		}
	}
	if (!root) {
		/* a writable root inside the home is the user's explicit grant;
		 * say it when it is configuration */
		for (size_t i = 0; i < p->writable_roots.n; i++) {
			cleanup_free char *r = rf_realpath(p->writable_roots.v[i].path);
			if (!r || !rf_path_is_within(r, home) || strcmp(r, home) == 0)
				continue;
			const char *first = r + strlen(home) + 1;
			size_t fl = strcspn(first, "/");
			cleanup_free char *name = rf_xstrndup(first, fl);
			if (!home_entry_guarded(name) || entry_of_kind(plan, r, 1u << RF_PLAN_CACHE))
				continue;
			cleanup_free char *w = rf_xasprintf("writable root %s (%s) is configuration in your home: what the "
							    "command writes there can run outside the sandbox later",
							    r, p->writable_roots.v[i].source);
			plan_warn(plan, w);
		}
		return 0;
	}
	if (strcmp(root, home) != 0 && !p->allow_home_write)
		return rf_fail(e, 0,
			       "cannot use %s %s (%s): it holds your home directory %s, and writable it would let the "
			       "command plant what runs outside the sandbox later (~/.bashrc, ~/.gitconfig, "
			       "~/.config/autostart, ~/.local/bin, your agents' settings); grant the directories you need "
			       "instead, or pass --allow-home-write to accept it (the home's dotfiles, ~/bin and its "
			       "repositories' hooks and config then stay read-only)",
			       what, root, source, home);
	if (strcmp(root, home) != 0) {
		/* the home inside the root: a mount point of its own, so that
		 * it cannot be renamed away and replaced */
		pin_parents(plan, root, home, "home in a writable root");
		add(plan, RF_PLAN_BIND_RW, home, "home-in-writable-root:~", "--allow-home-write", true);
	}
	if (!p->allow_home_write)
		return rf_fail(e, 0,
			       "cannot use %s %s (%s): it is your home directory, and writable it would let the command "
			       "plant what runs outside the sandbox later (~/.bashrc, ~/.gitconfig, ~/.config/autostart, "
			       "~/.local/bin, your agents' settings); use a project directory, or pass --allow-home-write "
			       "to accept it (its dotfiles, ~/bin and its repositories' hooks and config then stay "
			       "read-only, and nothing new can be made directly in it)",
			       what, home, source);

	/* the home's own entry (the root itself) */
	size_t idx = plan->n;
	for (size_t i = 0; i < plan->n && idx == plan->n; i++)
		if (plan->v[i].kind == RF_PLAN_BIND_RW && strcmp(plan->v[i].path, home) == 0 &&
		    strncmp(plan->v[i].rule, "protected-parent:", 17) != 0)
			idx = i;
	if (idx == plan->n)
		return rf_fail(e, 0, "cannot protect the writable home %s: it has no entry in the plan", home);
	const char *above = writable_above(plan, home, idx);
	if (above) {
		cleanup_free char *w = rf_xasprintf("new files and directories directly in your home %s cannot be "
						    "prevented: it lies in the writable %s",
						    home, above);
		plan_warn(plan, w);
	} else {
		plan->v[idx].no_new_dirs = plan->v[idx].no_new_files = true;
	}

	DIR *d = opendir(home);
	if (!d)
		return rf_fail(e, errno, "cannot list the writable home %s", home);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!home_entry_guarded(de->d_name))
			continue;
		cleanup_free char *full = rf_path_join(home, de->d_name);
		cleanup_free char *spec = rf_xasprintf("~/%s (writable home)", de->d_name);
		cleanup_free char *rule = rf_xasprintf("protected:%s", spec);
		struct stat st;
		if (lstat(full, &st) < 0 || entry_of_kind(plan, full, 1u << RF_PLAN_HIDE | 1u << RF_PLAN_CACHE))
			continue;
		if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			add(plan, RF_PLAN_PROTECT, full, rule, "default", S_ISDIR(st.st_mode));
			continue;
		}
		if (!S_ISLNK(st.st_mode))
			continue; /* a socket or FIFO is no configuration */
		/* a symlinked dotfile (a dotfile manager's): the link cannot be
		 * replaced (nothing new in the home), its target must not be
		 * rewritten either */
		cleanup_free char *target = rf_realpath(full);
		struct stat tst;
		if (!target || stat(target, &tst) < 0 || (!S_ISDIR(tst.st_mode) && !S_ISREG(tst.st_mode)) ||
		    !in_a_writable_root(plan, p, target))
			continue; /* dangling, or read-only in the sandbox anyway */
		if (entry_of_kind(plan, target, 1u << RF_PLAN_HIDE | 1u << RF_PLAN_CACHE))
			continue;
		cleanup_free char *trule = rf_xasprintf("protected:%s, the target of ~/%s (writable home)", target, de->d_name);
		add(plan, RF_PLAN_PROTECT, target, trule, "default", S_ISDIR(tst.st_mode));
	}
	closedir(d);

	struct home_scan hs = {.plan = plan, .p = p};
	if (scan_home_repos(&hs, home, 0, e) < 0)
		return -1;
	if (hs.truncated) {
		cleanup_free char *w = rf_xasprintf("more than %d directories under %s: repositories deeper in were not "
						    "looked for, and their hooks and config are writable",
						    HOME_SCAN_DIRS, home);
		plan_warn(plan, w);
	}
	return 0;
}

/* The homes to guard: $HOME, and the caller's home in the password
 * database when $HOME names another (a harness may set HOME elsewhere;
 * your login still runs the real one's startup files). */
static int guard_homes(struct rf_plan *plan, const struct rf_policy *p, struct rf_error *e)
{
	if (plan->home && strcmp(plan->home, "/") != 0 && is_dir_path(plan->home) &&
	    guard_home(plan, p, plan->home, e) < 0)
		return -1;
	struct passwd *pw = getpwuid(getuid());
	if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/' || strcmp(pw->pw_dir, "/") == 0)
		return 0;
	cleanup_free char *real = rf_realpath(pw->pw_dir);
	if (!real || !is_dir_path(real) || (plan->home && strcmp(real, plan->home) == 0))
		return 0;
	return guard_home(plan, p, real, e);
}

static int check_not_hidden(const struct rf_plan *plan, const char *path, const char *what,
			    struct rf_error *e)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		if (en->kind == RF_PLAN_HIDE && rf_path_is_within(path, en->path) &&
		    strncmp(en->rule, "hidden:worktree-source", 22) != 0 &&
		    strncmp(en->rule, "hidden:other-worktree", 21) != 0)
			return rf_fail(e, 0, "cannot use %s %s: it is inside hidden path %s (%s)", what, path,
				       en->rule + strlen("hidden:"), en->source);
	}
	return 0;
}

/* Package-manager caches under $HOME: writable through a private layer, so
 * `npm ci`, pip, cargo, go and maven work, yet nothing they write survives the
 * run (a poisoned cache would otherwise run in your next build outside).
 * `make`: also when missing (a fresh account has no ~/.npm yet, and npm, pip
 * and cargo fail on a read-only home instead of doing without): the first
 * missing component is made on the host, empty, as the tool would make it
 * outside (rf_placeholders_create), and gets the private layer. The others
 * only when they exist, so as not to litter every home with ~/go or ~/.m2. */
static const struct {
	const char *rel;
	bool make;
} home_caches[] = {
	{".npm", true}, {".cache", true}, {".cargo/registry", true}, {".cargo/git", true},
	{"go/pkg/mod", false}, {".m2/repository", false}, {".gradle/caches", false},
	{".local/share/pnpm", false}, {".yarn/berry/cache", false},
};

/* Walk `path` below `home` part by part, following no link: the length of
 * its first missing part (0: it all exists; *st is then the last part's
 * lstat), or -1 when a part cannot be looked at. A part before the last
 * that is a symlink or not a directory ends the walk, its length in *via
 * (else 0). */
static ssize_t walk_below_home(const char *home, char *path, size_t *via, struct stat *st)
{
	*via = 0;
	size_t n = strlen(path);
	for (size_t k = strlen(home) + 1; k <= n; k++) {
		if (path[k] != '/' && path[k] != '\0')
			continue;
		char c = path[k];
		path[k] = '\0';
		int r = lstat(path, st);
		path[k] = c;
		if (r < 0)
			return errno == ENOENT ? (ssize_t)k : -1;
		if (c != '\0' && !S_ISDIR(st->st_mode)) {
			*via = k;
			return 0;
		}
	}
	return 0;
}

static void add_caches(struct rf_plan *plan)
{
	if (!plan->home || strcmp(plan->home, "/") == 0)
		return;
	struct stat hst;
	/* made only in a home of the caller's own */
	bool may_make = lstat(plan->home, &hst) == 0 && S_ISDIR(hst.st_mode) && hst.st_uid == geteuid();
	for (size_t i = 0; i < sizeof home_caches / sizeof home_caches[0]; i++) {
		cleanup_free char *path = rf_path_join(plan->home, home_caches[i].rel);
		cleanup_free char *rule = rf_xasprintf("cache:~/%s (private layer, discarded)", home_caches[i].rel);
		struct stat st;
		size_t via;
		ssize_t missing = walk_below_home(plan->home, path, &via, &st);
		if (missing < 0)
			continue;
		/* a layer is mounted on the path itself, never through a link */
		if (via) {
			if (home_caches[i].make || stat(path, &st) == 0) {
				cleanup_free char *w = rf_xasprintf(
					"~/%s gets no private cache layer, so it stays read-only: ~/%.*s is a symlink or "
					"a file, and a layer is only laid on real directories",
					home_caches[i].rel, (int)(via - strlen(plan->home) - 1), path + strlen(plan->home) + 1);
				plan_warn(plan, w);
			}
			continue;
		}
		if (missing == 0) {
			if (S_ISDIR(st.st_mode))
				add(plan, RF_PLAN_CACHE, path, rule, "default", true);
			continue; /* a symlink or a file: left read-only */
		}
		if (!home_caches[i].make || !may_make)
			continue;
		path[missing] = '\0'; /* the first missing component, under real directories only */
		cleanup_free char *mrule = rf_xasprintf("cache:~/%s (missing: made, empty; private layer, discarded)",
							path + strlen(plan->home) + 1);
		add(plan, RF_PLAN_CACHE, path, mrule, "default", true);
		last(plan)->missing = true;
		last(plan)->optional = true; /* if it cannot be made: no cache */
	}
}

static void add_system(struct rf_plan *plan, const struct rf_policy *p)
{
	for (size_t i = 0; system_links[i]; i++) {
		struct stat st;
		if (lstat(system_links[i], &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(system_links[i], target, sizeof target - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			add(plan, RF_PLAN_SYMLINK, system_links[i], "system", "default", false);
			last(plan)->target = rf_xstrdup(target);
		} else if (S_ISDIR(st.st_mode)) {
			cleanup_free char *rule = rf_xasprintf("system:%s", system_links[i]);
			add(plan, RF_PLAN_BIND_RO, system_links[i], rule, "default", true);
		}
	}
	for (size_t i = 0; system_dirs[i]; i++) {
		if (!is_dir_path(system_dirs[i]))
			continue;
		cleanup_free char *rule = rf_xasprintf("system:%s", system_dirs[i]);
		add(plan, RF_PLAN_BIND_RO, system_dirs[i], rule, "default", true);
	}
	add(plan, RF_PLAN_TMPFS, "/run", "private:/run", "default", true);
	add(plan, RF_PLAN_TMPFS, "/tmp", "private:/tmp", "default", true);
	add(plan, RF_PLAN_DEV, "/dev", "minimal:/dev", "default", true);
	add(plan, RF_PLAN_PROC, "/proc", "private:/proc", "default", true);

	/* /etc/resolv.conf often points into /run (systemd-resolved): with the
	 * network on, bring that one file back. */
	if (p->network != RF_NET_OFFLINE) {
		cleanup_free char *rc = rf_realpath("/etc/resolv.conf");
		if (rc && rf_path_is_within(rc, "/run"))
			add(plan, RF_PLAN_BIND_RO, rc, "network:resolv.conf", "default", false);
	}
}

/* The workspace or writable root (real path) DIR lies in: somewhere a
 * sandbox, in this run or an earlier one, could have made a symlink. NULL
 * when none. */
static char *sandbox_could_write(const struct rf_plan *plan, const struct rf_policy *p, const char *dir)
{
	if (plan->workspace && rf_path_is_within(dir, plan->workspace))
		return rf_xstrdup(plan->workspace);
	for (size_t i = 0; i < p->writable_roots.n; i++) {
		char *real = rf_realpath(p->writable_roots.v[i].path);
		if (real && rf_path_is_within(dir, real))
			return real;
		free(real);
	}
	return NULL;
}

/* realpath() for the paths a grant names (--read-only, --writable-root),
 * refusing to follow a symlink that lies where a sandbox can write: a run
 * can replace the workspace's vendor/ by a symlink to /home, and the next
 * run's `--read-only WS/vendor` would then show other users' homes (or
 * `--writable-root WS/build` make $HOME writable). Symlinks elsewhere (the
 * user's own, ~/work -> /data/work) are followed as usual. Returns NULL with
 * errno set; ELOOP with *bad = the refused symlink, *area = where it lies. */
static char *resolve_grant(const struct rf_plan *plan, const struct rf_policy *p, const char *path, char **bad,
			   char **area)
{
	*bad = *area = NULL;
	if (path[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	cleanup_free char *cur = rf_xstrdup("/");
	cleanup_free char *rest = rf_xstrdup(path + 1);
	int links = 0;
	while (rest[0]) {
		size_t n = strcspn(rest, "/");
		cleanup_free char *name = rf_xstrndup(rest, n);
		cleanup_free char *tail = rf_xstrdup(rest + n + (rest[n] == '/'));
		free(rest);
		rest = rf_steal_ptr(&tail);
		if (n == 0 || strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			char *slash = strrchr(cur, '/');
			if (slash == cur)
				cur[1] = '\0';
			else
				*slash = '\0';
			continue;
		}
		cleanup_free char *full = rf_path_join(cur, name);
		struct stat st;
		if (lstat(full, &st) < 0)
			return NULL;
		if (!S_ISLNK(st.st_mode)) {
			free(cur);
			cur = rf_steal_ptr(&full);
			continue;
		}
		*area = sandbox_could_write(plan, p, cur);
		if (*area) {
			*bad = rf_steal_ptr(&full);
			errno = ELOOP;
			return NULL;
		}
		char target[PATH_MAX];
		ssize_t tl = readlink(full, target, sizeof target - 1);
		if (tl < 0)
			return NULL;
		target[tl] = '\0';
		if (++links > 40) {
			errno = ELOOP;
			return NULL;
		}
		cleanup_free char *spliced = rf_xasprintf("%s/%s", target[0] == '/' ? target + 1 : target, rest);
		free(rest);
		rest = rf_steal_ptr(&spliced);
		if (target[0] == '/') {
			free(cur);
			cur = rf_xstrdup("/");
		}
	}
	return rf_steal_ptr(&cur);
}

/* resolve_grant() with the error said: "cannot WHAT SPEC (SOURCE): ..." */
static char *grant_path(const struct rf_plan *plan, const struct rf_policy *p, const struct rf_path_rule *r,
			const char *what, struct rf_error *e)
{
	cleanup_free char *bad = NULL;
	cleanup_free char *area = NULL;
	char *real = resolve_grant(plan, p, r->path, &bad, &area);
	if (!real && bad)
		rf_fail(e, 0,
			"cannot %s %s (%s): %s is a symlink inside the writable %s, which the sandbox could "
			"have planted; name the real path instead",
			what, r->spec, r->source, bad, area);
	else if (!real)
		rf_fail(e, errno, "cannot %s %s (%s)", what, r->spec, r->source);
	return real;
}

/* Plan/review modes: entries from `from` on are places the command could
 * write, now or in an earlier run. */
static void mark_noexec(struct rf_plan *plan, size_t from)
{
	for (size_t i = from; plan->exec_restricted && i < plan->n; i++)
		plan->v[i].noexec = true;
}

/* The hidden paths come in groups that share a directory (~, ~/.config,
 * /etc, ...): each directory is resolved once, and a path whose directory
 * is missing is known to be missing without a lookup of its own. */
struct dir_memo {
	char *dir;   /* as the rules name it */
	char *where; /* its real path, or where it would be (resolve_missing); NULL: cannot tell */
	bool exists;
};

struct dir_memos {
	struct dir_memo *v;
	size_t n;
};

static const struct dir_memo *memo_dir(struct dir_memos *m, const char *dir)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].dir, dir) == 0)
			return &m->v[i];
	struct dir_memo d = {.dir = rf_xstrdup(dir), .where = rf_realpath(dir)};
	d.exists = d.where != NULL;
	if (!d.where && (errno == ENOENT || errno == ENOTDIR)) {
		const char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			cleanup_free char *parent = rf_xstrndup(dir, (size_t)(slash - dir));
			const struct dir_memo *up = memo_dir(m, parent); /* may move m->v */
			if (up->where)
				d.where = rf_path_join(up->where, slash + 1);
		}
	}
	m->v = rf_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
	m->v[m->n] = d;
	return &m->v[m->n++];
}

static void dir_memos_free(struct dir_memos *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].dir);
		free(m->v[i].where);
	}
	free(m->v);
}

/* Where hidden path `path` is: its real path (*exists), or where it would
 * be. NULL with errno when that cannot be told. */
static char *locate_hidden(struct dir_memos *memos, const char *path, bool *exists)
{
	*exists = false;
	const char *slash = strrchr(path, '/');
	if (slash && slash != path) {
		cleanup_free char *dir = rf_xstrndup(path, (size_t)(slash - path));
		const struct dir_memo *d = memo_dir(memos, dir);
		if (d->where && !d->exists)
			return rf_path_join(d->where, slash + 1);
		if (d->where) {
			char *at = rf_path_join(d->where, slash + 1);
			char *real = rf_realpath(at);
			if (real || (errno != ENOENT && errno != ENOTDIR)) {
				free(at);
				*exists = real != NULL;
				return real;
			}
			return at;
		}
		/* the directory cannot be looked at: the path itself says why */
	}
	char *real = rf_realpath(path);
	if (real) {
		*exists = true;
		return real;
	}
	return errno == ENOENT || errno == ENOTDIR ? resolve_missing(path) : NULL;
}

/* The hidden paths' covers: the real location (a symlinked ~/.ssh is
 * covered where it points). Missing ones need no cover, only their place
 * in the Landlock carve-out (rf_plan.landlock_hidden). */
static int add_hidden(struct rf_plan *plan, const struct rf_policy *p, struct rf_error *e)
{
	int rc = 0;
	struct dir_memos memos = {0};
	for (size_t i = 0; i < p->hidden.n && rc == 0; i++) {
		const struct rf_path_rule *r = &p->hidden.v[i];
		bool exists;
		cleanup_free char *real = locate_hidden(&memos, r->path, &exists);
		if (!real) {
			rc = rf_fail(e, errno, "cannot inspect hidden path %s", r->spec);
			continue;
		}
		if (!exists) {
			if (caller_could_read(plan, r, real, false))
				rf_strv_push_take(&plan->landlock_hidden, rf_steal_ptr(&real));
			continue;
		}
		cleanup_free char *spec = r->spec[0] == '~' ? rf_xstrdup(r->spec) : home_spec(plan, r->path);
		cleanup_free char *rule = rf_xasprintf("hidden:%s", spec);
		if (caller_could_read(plan, r, real, true))
			rf_strv_push(&plan->landlock_hidden, real);
		add(plan, RF_PLAN_HIDE, real, rule, r->source, is_dir_path(real));
	}
	dir_memos_free(&memos);
	return rc;
}

int rf_plan_build(const struct rf_policy *p, const struct rf_plan_host *h, struct rf_plan *plan,
		  struct rf_error *e)
{
	memset(plan, 0, sizeof *plan);
	plan->mode = p->sandbox_mode;
	plan->exec_restricted = rf_policy_conversation_mode(p) != RF_MODE_CHAT;

	cleanup_free char *cwd = h && h->cwd ? rf_xstrdup(h->cwd) : getcwd(NULL, 0);
	const char *ws_spec = p->workspace ? p->workspace : cwd;
	if (!ws_spec)
		return rf_fail(e, errno, "cannot determine the workspace (current directory)");
	plan->workspace = rf_realpath(ws_spec);
	if (!plan->workspace)
		return rf_fail(e, errno, "cannot use workspace %s", ws_spec);
	if (!is_dir_path(plan->workspace))
		return rf_fail(e, ENOTDIR, "cannot use workspace %s", ws_spec);
	const char *home = h && h->home ? h->home : p->home;
	if (home)
		plan->home = rf_realpath(home);

	if (p->sandbox_mode == RF_SANDBOX_DANGER_FULL_ACCESS) {
		add(plan, RF_PLAN_BIND_RW, "/", "danger-full-access", "sandbox_mode", true);
		add(plan, RF_PLAN_PROC, "/proc", "private:/proc", "default", true);
		sort_and_dedupe(plan);
		return 0;
	}
	if (strcmp(plan->workspace, "/") == 0)
		return rf_fail(e, 0, "cannot use workspace /: it is the whole filesystem (use --sandbox-mode "
				     "danger-full-access if that is really meant)");

	add_system(plan, p);
	for (size_t i = 0; i < plan->n; i++) /* /tmp, /run, /dev (its shm) */
		if (plan->v[i].kind == RF_PLAN_TMPFS || plan->v[i].kind == RF_PLAN_DEV)
			plan->v[i].noexec = plan->exec_restricted;
	if (plan->home && strcmp(plan->home, "/") != 0 && is_dir_path(plan->home)) {
		add(plan, RF_PLAN_BIND_RO, plan->home, "home:~", "default", true);
		if (p->sandbox_mode == RF_SANDBOX_WORKSPACE_WRITE)
			add_caches(plan);
	}

	for (size_t i = 0; i < p->read_only.n; i++) {
		const struct rf_path_rule *r = &p->read_only.v[i];
		cleanup_free char *real = grant_path(plan, p, r, "grant read-only access to", e);
		if (!real)
			return -1;
		cleanup_free char *rule = rf_xasprintf("read-only:%s", r->spec);
		add(plan, RF_PLAN_BIND_RO, real, rule, r->source, is_dir_path(real));
	}

	if (add_hidden(plan, p, e) < 0)
		return -1;
	bool writable = p->sandbox_mode == RF_SANDBOX_WORKSPACE_WRITE;
	if (check_not_hidden(plan, plan->workspace, "workspace", e) < 0)
		return -1;
	size_t roots_from = plan->n;
	if (add_writable_root(plan, p, plan->workspace, writable ? "workspace" : "workspace (read-only mode)",
			      "workspace", writable, e) < 0)
		return -1;
	for (size_t i = 0; i < p->writable_roots.n; i++) {
		const struct rf_path_rule *r = &p->writable_roots.v[i];
		cleanup_free char *real = grant_path(plan, p, r, "use writable root", e);
		if (!real)
			return -1;
		if (!is_dir_path(real))
			return rf_fail(e, ENOTDIR, "cannot use writable root %s (%s)", r->spec, r->source);
		if (strcmp(real, "/") == 0)
			return rf_fail(e, 0, "cannot use writable root / (%s): it is the whole filesystem", r->source);
		if (check_not_hidden(plan, real, "writable root", e) < 0)
			return -1;
		cleanup_free char *rule = rf_xasprintf("writable-root:%s", r->spec);
		if (add_writable_root(plan, p, real, rule, r->source, writable, e) < 0)
			return -1;
	}
	if (guard_homes(plan, p, e) < 0)
		return -1;
	mark_noexec(plan, roots_from);
	sort_and_dedupe(plan);
	return 0;
}

void rf_plan_describe(const struct rf_plan *plan, FILE *out)
{
	fprintf(out, "ringfence: mount plan (%zu entries):\n", plan->n);
	for (size_t i = 0; i < plan->n; i++) {
		const struct rf_plan_entry *en = &plan->v[i];
		fprintf(out, "ringfence:   %-7s %s", rf_plan_kind_name(en->kind), en->path);
		if (en->kind == RF_PLAN_SYMLINK)
			fprintf(out, " -> %s", en->target);
		fprintf(out, "  [%s%s]\n", en->rule, en->missing && en->kind == RF_PLAN_PROTECT ? ", placeholder" : "");
	}
}
