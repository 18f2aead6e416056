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
	memset(plan, 0, sizeof *plan);
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

/* Which kind wins when two entries name the same path. */
static int kind_priority(enum rf_plan_kind k)
{
	switch (k) {
	case RF_PLAN_HIDE:
		return 6;
	case RF_PLAN_PROTECT:
		return 5;
	case RF_PLAN_BIND_RW:
	case RF_PLAN_CACHE:
		return 4;
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
	return kind_priority(a->kind) - kind_priority(b->kind);
}

/* Sort, then keep only the strongest entry for each path. */
static void sort_and_dedupe(struct rf_plan *plan)
{
	qsort(plan->v, plan->n, sizeof *plan->v, entry_cmp);
	size_t o = 0;
	for (size_t i = 0; i < plan->n; i++) {
		if (i + 1 < plan->n && strcmp(plan->v[i].path, plan->v[i + 1].path) == 0) {
			free(plan->v[i].path);
			free(plan->v[i].target);
			free(plan->v[i].rule);
			free(plan->v[i].source);
			continue; /* a stronger entry for the same path follows */
		}
		plan->v[o++] = plan->v[i];
	}
	plan->n = o;
}

/* realpath() that tolerates a missing path (returns NULL, errno set). */
static char *resolve(const char *path)
{
	return realpath(path, NULL);
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
	return resolve(abs);
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
	return resolve(abs);
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
	if (strcmp(bn, "locked") == 0)
		return RF_PLACEHOLDER_LOCKED; /* git shows it as the lock reason */
	return NULL;
}

static bool placeholder_is_dir(const char *path, bool final)
{
	const char *bn = strrchr(path, '/') + 1;
	if (!final)
		return true;
	return strcmp(bn, "config") != 0 && strcmp(bn, "commondir") != 0 && strcmp(bn, "config.worktree") != 0 &&
	       strcmp(bn, "gitdir") != 0 && strcmp(bn, "locked") != 0;
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

/* The other linked worktrees registered in BASE/GITREL/worktrees/NAME (the
 * common git dir; BASE is the bound root it lies in, GITREL its path below
 * BASE, "" when it is BASE itself). own_admin: our own worktree's admin dir,
 * NULL when the workspace is the main checkout.
 *
 * Their working trees are hidden. In a writable run their admin dirs are
 * writable (`git gc` locks and expires every worktree's reflog there), but
 * not what says where git goes next or what it reads as config (commondir,
 * gitdir, config.worktree), nor the worktree's HEAD and index; and `locked`
 * neither. With the working tree hidden, git in
 * the sandbox takes the worktree for deleted, and `git gc` or `git worktree
 * prune` would delete the admin dir of a worktree that lives on outside; a
 * `locked` placeholder (removed after the run) keeps them off it.
 *
 * Only entries git could have made count: a real directory with a regular
 * `gitdir` file. A symlink planted in `worktrees` would otherwise turn into a
 * read-only bind of any host path (other users' homes, the host's /tmp) in the
 * next run. And a tree is hidden only if its .git file points back to the
 * admin dir, so a planted `gitdir` cannot hide /usr from every later run. */
static int guard_other_worktrees(struct rf_plan *plan, const char *base, const char *gitrel, const char *own_admin,
				 bool writable, struct rf_error *e)
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
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *admin = rf_path_join(wtdir, de->d_name);
		cleanup_free char *gf = rf_path_join(admin, "gitdir");
		struct stat ast, gst;
		if (lstat(admin, &ast) < 0 || !S_ISDIR(ast.st_mode) || lstat(gf, &gst) < 0 || !S_ISREG(gst.st_mode))
			continue; /* not a worktree admin dir git made */
		if (own_admin && strcmp(admin, own_admin) == 0)
			continue;
		if (writable) {
			/* HEAD and index only when present: a placeholder index
			 * would break that worktree for you while the run lasts */
			static const char *const files[] = {"commondir", "gitdir", "config.worktree", "locked",
							    "HEAD", "index", NULL};
			for (size_t i = 0; rc == 0 && files[i]; i++) {
				cleanup_free char *f = rf_path_join(admin, files[i]);
				struct stat fst;
				if (i >= 4 && lstat(f, &fst) < 0)
					continue;
				cleanup_free char *spec = rf_xasprintf("other worktree admin %s", files[i]);
				rc = protect_admin_file(plan, base, admin, files[i], spec, e);
			}
		}
		char buf[PATH_MAX + 1];
		if (rc < 0 || rf_read_file(gf, buf, sizeof buf) <= 0)
			continue;
		buf[strcspn(buf, "\r\n")] = '\0';
		cleanup_free char *named = buf[0] == '/' ? rf_xstrdup(buf) : rf_path_join(admin, buf);
		cleanup_free char *dotgit = resolve(named);
		if (!dotgit || !worktree_points_back(dotgit, admin))
			continue; /* stale (moved or removed): nothing of it to hide */
		cleanup_free char *tree = rf_xstrdup(dotgit);
		char *slash = strrchr(tree, '/');
		if (slash == tree)
			continue;
		*slash = '\0';
		if (rf_path_is_within(plan->workspace, tree))
			continue; /* never hide our own workspace */
		cleanup_free char *rule = rf_xasprintf("hidden:other-worktree:%s", tree);
		add(plan, RF_PLAN_HIDE, tree, rule, "default", true);
	}
	closedir(d);
	return rc;
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
		return resolve(abs);
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
		cleanup_free char *back = resolve(named);
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
		cleanup_free char *real = resolve(p->writable_roots.v[i].path);
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
			if (guard_other_worktrees(plan, named, "", common ? admin : NULL, false, e) < 0)
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
	    guard_other_worktrees(plan, git_base, git_rel, common ? admin : NULL, writable, e) < 0)
		return -1;

	if (writable && protect_root(plan, p, root, gitdir, e) < 0)
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
		if (lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				add(plan, RF_PLAN_CACHE, path, rule, "default", true);
			continue; /* a symlink or a file: left read-only */
		}
		if (errno != ENOENT || !home_caches[i].make || !may_make)
			continue;
		/* the first missing component, under real directories only */
		size_t k = strlen(plan->home) + 1;
		for (;; k++) {
			if (path[k] != '/' && path[k] != '\0')
				continue;
			char c = path[k];
			path[k] = '\0';
			int r = lstat(path, &st);
			if (r < 0 || c == '\0')
				break;
			path[k] = c;
			if (!S_ISDIR(st.st_mode))
				break;
		}
		if (lstat(path, &st) == 0 || errno != ENOENT)
			continue; /* a symlink or a file on the way */
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
		cleanup_free char *rc = resolve("/etc/resolv.conf");
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
		char *real = resolve(p->writable_roots.v[i].path);
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
	plan->workspace = resolve(ws_spec);
	if (!plan->workspace)
		return rf_fail(e, errno, "cannot use workspace %s", ws_spec);
	if (!is_dir_path(plan->workspace))
		return rf_fail(e, ENOTDIR, "cannot use workspace %s", ws_spec);
	const char *home = h && h->home ? h->home : p->home;
	if (home)
		plan->home = resolve(home);

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

	/* Hidden paths: cover the real location (a symlinked ~/.ssh is covered
	 * where it points). Missing ones need no cover. */
	for (size_t i = 0; i < p->hidden.n; i++) {
		const struct rf_path_rule *r = &p->hidden.v[i];
		cleanup_free char *real = resolve(r->path);
		cleanup_free char *spec = r->spec[0] == '~' ? rf_xstrdup(r->spec) : home_spec(plan, r->path);
		cleanup_free char *rule = rf_xasprintf("hidden:%s", spec);
		if (!real) {
			if (errno != ENOENT && errno != ENOTDIR)
				return rf_fail(e, errno, "cannot inspect hidden path %s", r->spec);
			continue;
		}
		add(plan, RF_PLAN_HIDE, real, rule, r->source, is_dir_path(real));
	}

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
