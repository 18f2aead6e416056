/* Landlock rules from the filesystem plan. See landlock.h.
 *
 * Debian 12's <linux/landlock.h> knows ABI 2; the newer constants are
 * defined here (values from the kernel's uapi header). */
#include "landlock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* ---- constants newer than the system header ---- */

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#endif
#ifndef LANDLOCK_RULE_NET_PORT
#define LANDLOCK_RULE_NET_PORT 2 /* ABI 4; enum in newer headers */
/* kernel ABI structs: filled and passed by pointer to landlock_*(2), which
 * cppcheck cannot see read them */
struct landlock_net_port_attr {
	uint64_t allowed_access; // cppcheck-suppress unusedStructMember
	uint64_t port;           // cppcheck-suppress unusedStructMember
};
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1) /* ABI 6 */
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0) /* ABI 7 */
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1) /* ABI 7 */
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2) /* ABI 7 */
#endif

/* The full ruleset attribute; the size passed to the kernel follows the ABI
 * (8 bytes up to ABI 3, 16 for ABI 4-5, 24 from ABI 6). */
struct rf_ll_ruleset_attr {
	uint64_t handled_access_fs;  // cppcheck-suppress unusedStructMember ; read by the kernel
	uint64_t handled_access_net; // cppcheck-suppress unusedStructMember ; ABI 4; never set: network is handled elsewhere
	uint64_t scoped;             // cppcheck-suppress unusedStructMember ; ABI 6
};

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_EXECUTE)
#define LL_WRITE_V1                                                                                 \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |        \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |     \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_FILE_ALL                                                                                  \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |      \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* ---- access masks ---- */

uint64_t rf_landlock_handled_fs(int abi)
{
	if (abi < 1)
		return 0;
	uint64_t m = LL_READ | LL_WRITE_V1;
	if (abi >= 2)
		m |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		m |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		m |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return m;
}

uint64_t rf_landlock_rights(enum rf_access a, int abi)
{
	switch (a) {
	case RF_ACCESS_READ:
		return abi >= 1 ? LL_READ : 0;
	case RF_ACCESS_WRITE:
		return rf_landlock_handled_fs(abi);
	case RF_ACCESS_NONE:
		break;
	}
	return 0;
}

uint64_t rf_landlock_file_rights(int abi)
{
	return rf_landlock_handled_fs(abi) & LL_FILE_ALL;
}

static const char *const bit_names[] = {
	"execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
	"make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
	"make_sym",  "refer",      "truncate",  "ioctl_dev",
};

void rf_landlock_describe_rights(uint64_t rights, bool is_dir, int abi, char *buf, size_t cap)
{
	uint64_t mask = is_dir ? rf_landlock_handled_fs(abi) : rf_landlock_file_rights(abi);
	if (cap == 0)
		return;
	buf[0] = '\0';
	if (rights && rights == (rf_landlock_rights(RF_ACCESS_WRITE, abi) & mask)) {
		snprintf(buf, cap, "write");
	} else if (rights && rights == (rf_landlock_rights(RF_ACCESS_READ, abi) & mask)) {
		snprintf(buf, cap, "read");
	} else if (rights == LANDLOCK_ACCESS_FS_READ_DIR) {
		snprintf(buf, cap, "list");
	} else {
		size_t off = 0;
		for (unsigned i = 0; i < sizeof bit_names / sizeof bit_names[0]; i++) {
			if (!(rights & (1ULL << i)))
				continue;
			int n = snprintf(buf + off, cap - off, "%s%s", off ? "+" : "", bit_names[i]);
			if (n < 0 || (size_t)n >= cap - off)
				break;
			off += (size_t)n;
		}
	}
}

/* ---- kernel interface ---- */

static int ll_create_ruleset(const struct rf_ll_ruleset_attr *attr, size_t size, uint32_t flags)
{
	return (int)syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

static int ll_add_rule(int ruleset_fd, int type, const void *attr)
{
	return (int)syscall(SYS_landlock_add_rule, ruleset_fd, type, attr, 0U);
}

static int ll_restrict_self(int ruleset_fd, uint32_t flags)
{
	return (int)syscall(SYS_landlock_restrict_self, ruleset_fd, flags);
}

int rf_landlock_abi(void)
{
	int abi = ll_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : abi;
}

/* ---- the host filesystem ---- */

static enum rf_landlock_ftype mode_type(mode_t m)
{
	if (S_ISDIR(m))
		return RF_LL_DIR;
	if (S_ISLNK(m))
		return RF_LL_SYMLINK;
	return RF_LL_FILE;
}

static int host_type(void *ctx, const char *path, enum rf_landlock_ftype *out, struct rf_error *e)
{
	(void)ctx;
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*out = RF_LL_MISSING;
			return 0;
		}
		return rf_fail(e, errno, "cannot inspect %s", path);
	}
	*out = mode_type(st.st_mode);
	return 0;
}

static int dirent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rf_landlock_dirent *)a)->name,
		      ((const struct rf_landlock_dirent *)b)->name);
}

void rf_landlock_dirents_free(struct rf_landlock_dirent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static int host_list(void *ctx, const char *dir, size_t max, struct rf_landlock_dirent **out, size_t *nout,
		     struct rf_error *e)
{
	(void)ctx;
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how);
	if (fd < 0)
		return rf_fail(e, errno, "cannot list %s for the Landlock rules", dir);
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return rf_fail(e, err, "cannot list %s for the Landlock rules", dir);
	}
	struct rf_landlock_dirent *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n >= max) {
			rf_landlock_dirents_free(v, n);
			closedir(d);
			return rf_fail(e, 0,
				       "cannot build the Landlock rules: %s has more than %zu entries to "
				       "enumerate (it holds both paths the sandbox may use and hidden or "
				       "protected ones; narrow the policy or use the namespace backend)",
				       dir, max);
		}
		enum rf_landlock_ftype t;
		switch (de->d_type) {
		case DT_DIR:
			t = RF_LL_DIR;
			break;
		case DT_LNK:
			t = RF_LL_SYMLINK;
			break;
		case DT_UNKNOWN: {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT)
					continue; /* gone meanwhile */
				int err = errno;
				rf_landlock_dirents_free(v, n);
				closedir(d);
				return rf_fail(e, err, "cannot inspect %s/%s", dir, de->d_name);
			}
			t = mode_type(st.st_mode);
			break;
		}
		default:
			t = RF_LL_FILE;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = rf_xrealloc(v, cap * sizeof *v);
		}
		v[n].name = rf_xstrdup(de->d_name);
		v[n].type = t;
		n++;
		errno = 0;
	}
	int err = errno;
	closedir(d);
	if (err) {
		rf_landlock_dirents_free(v, n);
		return rf_fail(e, err, "cannot list %s for the Landlock rules", dir);
	}
	*out = v;
	*nout = n;
	return 0;
}

const struct rf_landlock_fs rf_landlock_host_fs = {
	.type = host_type,
	.list = host_list,
	.ctx = NULL,
};

/* ---- the rule computation ---- */

void rf_landlock_rules_free(struct rf_landlock_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	rf_strv_free(&r->no_new_entries);
	memset(r, 0, sizeof *r);
}

static void push_rule(struct rf_landlock_rules *r, const char *path, uint64_t access, bool is_dir,
		      bool optional)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = rf_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = (struct rf_landlock_rule){
		.path = rf_xstrdup(path),
		.access = access,
		.is_dir = is_dir,
		.optional = optional,
	};
}

struct walk {
	const struct rf_plan *plan;
	const struct rf_landlock_fs *fs;
	int abi;
	struct rf_landlock_rules *out;
};

/* What ENFORCE mode grants at `path` on the host: the plan's verdict, except
 * that the fresh private filesystems of the namespace backend (TMPFS, DEV)
 * do not exist on the host and so grant nothing there (private_tmp and the
 * device list are added separately). */
static enum rf_access host_access(const struct walk *w, const char *path)
{
	struct rf_plan_verdict v = rf_plan_lookup(w->plan, path);
	if (v.entry && (v.entry->kind == RF_PLAN_TMPFS || v.entry->kind == RF_PLAN_DEV))
		return RF_ACCESS_NONE;
	if (v.entry && v.entry->kind == RF_PLAN_CACHE)
		return RF_ACCESS_READ; /* no private layer without a mount namespace */
	return v.access;
}

/* Strictly beneath: path lies within dir and is not dir itself. */
static bool strictly_within(const char *path, const char *dir)
{
	return strcmp(path, dir) != 0 && rf_path_is_within(path, dir);
}

static bool restricting(enum rf_plan_kind k)
{
	return k == RF_PLAN_HIDE || k == RF_PLAN_PROTECT;
}

/* Add (path, access) unless Landlock already grants all of it beneath the
 * ancestors' rules (`inherited`). The rule carries all of `access`, so the
 * verbose output reads "read"/"write" rather than a difference. */
static int add_rule_checked(struct walk *w, const char *path, uint64_t access, uint64_t inherited,
			    bool is_dir, struct rf_error *e)
{
	if (!is_dir)
		access &= rf_landlock_file_rights(w->abi);
	if (!(access & ~inherited))
		return 0;
	if (w->out->n >= RF_LANDLOCK_MAX_RULES)
		return rf_fail(e, 0, "cannot build the Landlock rules: more than %d rules needed (at %s)",
			       RF_LANDLOCK_MAX_RULES, path);
	push_rule(w->out, path, access, is_dir, false);
	return 0;
}

/* A symlink at `path` on the way to plan entries: Landlock checks the
 * target under its real path, which gets its own rule, so a granting entry
 * behind it simply does not apply through the link. A hiding or protecting
 * entry behind it cannot be enforced: fail closed. */
static int check_symlink(struct walk *w, const char *path, struct rf_error *e)
{
	for (size_t i = 0; i < w->plan->n; i++) {
		const struct rf_plan_entry *en = &w->plan->v[i];
		if (en->kind != RF_PLAN_SYMLINK && restricting(en->kind) && rf_path_is_within(en->path, path))
			return rf_fail(e, 0,
				       "cannot enforce %s (%s) with Landlock: %s is a symlink; %s its "
				       "target instead",
				       en->path, en->rule ? en->rule : "?", path,
				       en->kind == RF_PLAN_HIDE ? "hide" : "protect");
	}
	return 0;
}

static bool is_entry_ancestor_or_equal(const struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->plan->n; i++) {
		const struct rf_plan_entry *en = &w->plan->v[i];
		if (en->kind != RF_PLAN_SYMLINK && rf_path_is_within(en->path, path))
			return true;
	}
	return false;
}

/* `inherited`: the union of the rights of the rules on D's ancestors, which
 * Landlock grants beneath them anyway. */
static int walk_node(struct walk *w, const char *d, enum rf_landlock_ftype type, uint64_t inherited,
		     int depth, struct rf_error *e)
{
	if (depth > 256)
		return rf_fail(e, ELOOP, "cannot build the Landlock rules at %s", d);
	enum rf_access a = host_access(w, d);
	uint64_t own = rf_landlock_rights(a, w->abi);

	if (type != RF_LL_DIR)
		return add_rule_checked(w, d, own, inherited, false, e);

	enum rf_access min = a;
	/* no_new_dirs: a writable directory where no directory may be made is
	 * heterogeneous by itself (nothing at all can be created in it here) */
	struct rf_plan_verdict dv = rf_plan_lookup(w->plan, d);
	bool hetero = a == RF_ACCESS_WRITE && dv.entry && dv.entry->no_new_dirs && strcmp(dv.entry->path, d) == 0;
	if (hetero)
		min = RF_ACCESS_READ; /* its children get their own rules, it read only */
	for (size_t i = 0; i < w->plan->n; i++) {
		const struct rf_plan_entry *en = &w->plan->v[i];
		if (en->kind == RF_PLAN_SYMLINK || !strictly_within(en->path, d))
			continue;
		enum rf_access ea = host_access(w, en->path);
		if (ea != a) {
			hetero = true;
			if (ea < min)
				min = ea;
		}
	}
	if (!hetero)
		return add_rule_checked(w, d, own, inherited, true, e);

	uint64_t r = rf_landlock_rights(min, w->abi) | (a >= RF_ACCESS_READ ? LANDLOCK_ACCESS_FS_READ_DIR : 0);
	r &= rf_landlock_handled_fs(w->abi);
	if (add_rule_checked(w, d, r, inherited, true, e) < 0)
		return -1;
	uint64_t below = inherited | r;
	if (a == RF_ACCESS_WRITE)
		rf_strv_push(&w->out->no_new_entries, d);

	if (min == a) {
		/* Everything beneath D that no entry covers inherits D's rule
		 * already: only the ways to the (more permissive) entries need
		 * visiting, no enumeration. */
		size_t dl = strlen(d);
		struct rf_strv seen = {0};
		for (size_t i = 0; i < w->plan->n; i++) {
			const struct rf_plan_entry *en = &w->plan->v[i];
			if (en->kind == RF_PLAN_SYMLINK || !strictly_within(en->path, d))
				continue;
			const char *rest = en->path + (strcmp(d, "/") == 0 ? 1 : dl + 1);
			size_t cl = strcspn(rest, "/");
			cleanup_free char *comp = rf_xstrdup(rest);
			comp[cl] = '\0';
			bool dup = false;
			for (size_t k = 0; k < seen.n && !dup; k++)
				dup = strcmp(seen.v[k], comp) == 0;
			if (dup)
				continue;
			rf_strv_push(&seen, comp);
			cleanup_free char *c = rf_path_join(d, comp);
			enum rf_landlock_ftype ct;
			if (w->fs->type(w->fs->ctx, c, &ct, e) < 0) {
				rf_strv_free(&seen);
				return -1;
			}
			int rc = 0;
			if (ct == RF_LL_SYMLINK)
				rc = check_symlink(w, c, e);
			else if (ct != RF_LL_MISSING)
				rc = walk_node(w, c, ct, below, depth + 1, e);
			if (rc < 0) {
				rf_strv_free(&seen);
				return -1;
			}
		}
		rf_strv_free(&seen);
		return 0;
	}

	/* Some of D's subtree must get less than D: every child needs its own
	 * rule. */
	struct rf_landlock_dirent *kids = NULL;
	size_t nk = 0;
	if (w->fs->list(w->fs->ctx, d, RF_LANDLOCK_MAX_CHILDREN, &kids, &nk, e) < 0)
		return -1;
	if (nk > 0) /* an empty directory lists as NULL, and qsort(NULL) is undefined */
		qsort(kids, nk, sizeof *kids, dirent_cmp);
	for (size_t i = 0; i < nk; i++) {
		cleanup_free char *c = rf_path_join(d, kids[i].name);
		int rc = 0;
		if (kids[i].type == RF_LL_SYMLINK) {
			rc = check_symlink(w, c, e);
		} else if (is_entry_ancestor_or_equal(w, c)) {
			rc = walk_node(w, c, kids[i].type, below, depth + 1, e);
		} else {
			uint64_t cr = rf_landlock_rights(host_access(w, c), w->abi);
			rc = add_rule_checked(w, c, cr, below, kids[i].type == RF_LL_DIR, e);
		}
		if (rc < 0) {
			rf_landlock_dirents_free(kids, nk);
			return -1;
		}
	}
	rf_landlock_dirents_free(kids, nk);
	return 0;
}

/* ENFORCE mode: the minimal device set a DEV entry stands for. */
static void add_dev_rules(struct rf_landlock_rules *out, const char *dev, int abi)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};
	uint64_t rw = (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		       LANDLOCK_ACCESS_FS_IOCTL_DEV) &
		      rf_landlock_file_rights(abi);
	push_rule(out, dev, LANDLOCK_ACCESS_FS_READ_DIR, true, true);
	for (size_t i = 0; nodes[i]; i++) {
		cleanup_free char *p = rf_path_join(dev, nodes[i]);
		push_rule(out, p, rw, false, true);
	}
	cleanup_free char *shm = rf_path_join(dev, "shm");
	push_rule(out, shm, rf_landlock_rights(RF_ACCESS_WRITE, abi), true, true);
}

/* Plan/review: no rule gives the execute right ... */
static void strip_execute(const struct rf_landlock_opts *o, struct rf_landlock_rules *out)
{
	for (size_t i = 0; o->exec_allow && i < out->n; i++)
		out->v[i].access &= ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE;
}

/* ... but the rules on the files exec_allow names. */
static void restrict_execute(const struct rf_landlock_opts *o, struct rf_landlock_rules *out, int abi)
{
	if (!o->exec_allow)
		return;
	strip_execute(o, out);
	uint64_t run = (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE) & rf_landlock_file_rights(abi);
	for (char *const *f = o->exec_allow; *f; f++)
		push_rule(out, *f, run, false, false);
}

/* Everything that makes a directory entry other than a regular file. */
#define MAKE_NON_REGULAR                                                                                   \
	(LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_MAKE_CHAR |        \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SOCK)

/* MIRROR mode, a writable directory EN with no_new_dirs (plan.h): its own
 * rule can make regular files only (with no_new_files, nothing); each subdirectory the plan leaves
 * writable gets the full write rule (Landlock grants a rule's rights to the
 * whole tree beneath it, so new directories are possible there). A
 * subdirectory created later cannot exist at the top, so none is missed. */
static int no_new_dirs_rules(const struct rf_plan *plan, const struct rf_landlock_fs *fs,
			     const struct rf_plan_entry *en, int abi, struct rf_landlock_rules *out, struct rf_error *e)
{
	uint64_t all = rf_landlock_rights(RF_ACCESS_WRITE, abi);
	uint64_t withheld = MAKE_NON_REGULAR | (en->no_new_files ? LANDLOCK_ACCESS_FS_MAKE_REG : 0);
	push_rule(out, en->path, all & ~withheld, true, true);
	struct rf_landlock_dirent *kids = NULL;
	size_t nk = 0;
	if (fs->list(fs->ctx, en->path, RF_LANDLOCK_MAX_CHILDREN, &kids, &nk, e) < 0)
		return rf_fail_wrap(e, "cannot build the Landlock rules for %s", en->path);
	for (size_t i = 0; i < nk; i++) {
		if (kids[i].type != RF_LL_DIR)
			continue; /* files: the directory's rule; symlinks: not followed */
		cleanup_free char *c = rf_path_join(en->path, kids[i].name);
		if (rf_plan_lookup(plan, c).access == RF_ACCESS_WRITE)
			push_rule(out, c, all, true, true);
	}
	rf_landlock_dirents_free(kids, nk);
	return 0;
}

/* ---- MIRROR mode: the read-only tree with the hidden paths carved out ----
 *
 * The mounts hide a path by covering it, and a mount sits on a dentry: when
 * the host renames a new file over a hidden one during the run (a tool
 * rewriting ~/.netrc or ~/.config/gh/hosts.yml atomically, passwd writing
 * /etc/shadow), the kernel drops the cover with the old file and the
 * sandbox would see the new one; a hidden path missing at the start has no
 * cover at all. Landlock rules sit on inodes, so the read rule is not one on
 * "/": each directory on the way to a hidden path gets the right to list
 * only, every other child of it its own read rule, and the hidden path
 * none. A file the host puts there later is then a new inode no rule
 * reaches. Hidden paths inside a writable entry are out of reach of this
 * (the write rule reads everything beneath it; see the supervisor's watch). */

static bool is_writable_entry(const struct rf_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if (rf_plan_kind_writable(plan->v[i].kind) && strcmp(path, plan->v[i].path) == 0)
			return true;
	return false;
}

/* Is `path` (or, with `beneath`, something strictly beneath it) one of the
 * hidden paths the read rules carve out? */
static bool carved(const struct rf_strv *carve, const char *path, bool beneath)
{
	for (size_t i = 0; i < carve->n; i++)
		if (beneath ? strictly_within(carve->v[i], path) : strcmp(carve->v[i], path) == 0)
			return true;
	return false;
}

struct mirror {
	const struct rf_plan *plan;
	const struct rf_strv *carve;
	const struct rf_strv *skip; /* host roots whose rules the supervisor holds, or NULL */
	const struct rf_landlock_fs *fs;
	int abi;
	struct rf_landlock_rules *out;
};

static bool in_strv(const struct rf_strv *v, const char *s)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

static int mirror_read(const struct mirror *m, const char *d, int depth, struct rf_error *e)
{
	uint64_t read = rf_landlock_rights(RF_ACCESS_READ, m->abi);
	if (in_strv(m->skip, d))
		return 0;
	if (!carved(m->carve, d, true)) {
		push_rule(m->out, d, read, true, depth > 0);
		return 0;
	}
	if (depth > 64)
		return rf_fail(e, ELOOP, "cannot build the Landlock rules at %s", d);
	push_rule(m->out, d, LANDLOCK_ACCESS_FS_READ_DIR, true, depth > 0);
	struct rf_landlock_dirent *kids = NULL;
	size_t nk = 0;
	if (m->fs->list(m->fs->ctx, d, RF_LANDLOCK_MAX_CHILDREN, &kids, &nk, e) < 0) {
		if (e->err != EACCES)
			return -1;
		/* a directory the caller may not list: what lies in it stays
		 * unreadable (it could only be reached by name) */
		*e = (struct rf_error){0};
		return 0;
	}
	int rc = 0;
	for (size_t i = 0; i < nk && rc == 0; i++) {
		cleanup_free char *c = rf_path_join(d, kids[i].name);
		if (kids[i].type == RF_LL_SYMLINK || carved(m->carve, c, false) || is_writable_entry(m->plan, c))
			continue; /* a link: its target has a rule of its own; a hidden path: none;
				   * a writable entry: its write rule */
		if (kids[i].type == RF_LL_DIR && carved(m->carve, c, true)) {
			rc = mirror_read(m, c, depth + 1, e);
			continue;
		}
		bool dir = kids[i].type == RF_LL_DIR;
		push_rule(m->out, c, dir ? read : read & rf_landlock_file_rights(m->abi), dir, true);
		m->out->v[m->out->n - 1].beside_hidden = true;
	}
	rf_landlock_dirents_free(kids, nk);
	return rc;
}

/* The hidden paths the read rules carve out: those outside writable entries
 * (a write rule reads everything beneath it: nothing to carve there; the
 * supervisor watches those instead, cover_watch.h). */
static void carve_list(const struct rf_plan *plan, struct rf_strv *carve)
{
	for (size_t i = 0; i < plan->landlock_hidden.n; i++)
		if (!rf_plan_beneath_writable(plan, plan->landlock_hidden.v[i]))
			rf_strv_push(carve, plan->landlock_hidden.v[i]);
}

/* Does the sandbox see the host's inode at `path` (through a bind of the same
 * path)? Not in its own filesystems (the root tmpfs and the mount points made
 * in it, /proc, /tmp, /dev, a cache's layer) nor under a cover. */
static bool host_backed(const struct rf_plan *plan, const char *path)
{
	const struct rf_plan_entry *en = rf_plan_lookup(plan, path).entry;
	return en && (en->kind == RF_PLAN_BIND_RO || en->kind == RF_PLAN_BIND_RW || en->kind == RF_PLAN_PROTECT);
}

/* The first host-backed directory above carved path `h`, from "/" down,
 * into buf (PATH_MAX); false when there is none. */
static bool first_host_backed(const struct rf_plan *plan, const char *h, char *buf)
{
	size_t n = strlen(h);
	if (n >= PATH_MAX)
		return false;
	for (size_t len = 1; len < n; len++) {
		if (len > 1 && h[len] != '/')
			continue;
		memcpy(buf, h, len);
		buf[len] = '\0';
		if (host_backed(plan, buf))
			return true;
	}
	return false;
}

/* Is every directory from `root` down to each carved path beneath it host-backed? */
static bool host_subtree(const struct rf_plan *plan, const struct rf_strv *carve, const char *root)
{
	size_t rl = strlen(root);
	char buf[PATH_MAX];
	for (size_t i = 0; i < carve->n; i++) {
		const char *h = carve->v[i];
		size_t n = strlen(h);
		if (!strictly_within(h, root))
			continue;
		if (n >= sizeof buf)
			return false; /* cannot look: the sandbox does it */
		/* the directories strictly between root and h */
		for (size_t len = rl + 1; len < n; len++) {
			if (h[len] != '/')
				continue;
			memcpy(buf, h, len);
			buf[len] = '\0';
			if (!host_backed(plan, buf))
				return false;
		}
	}
	return true;
}

void rf_landlock_host_roots(const struct rf_plan *plan, struct rf_strv *out)
{
	struct rf_strv carve = {0}, candidates = {0};
	carve_list(plan, &carve);
	char buf[PATH_MAX];
	for (size_t i = 0; i < carve.n; i++)
		if (first_host_backed(plan, carve.v[i], buf) && !in_strv(&candidates, buf))
			rf_strv_push(&candidates, buf);
	/* below a candidate whose subtree is not all the host's, the sandbox
	 * does the whole of it */
	for (size_t i = 0; i < candidates.n; i++)
		if (host_subtree(plan, &carve, candidates.v[i]))
			rf_strv_push(out, candidates.v[i]);
	rf_strv_free(&candidates);
	rf_strv_free(&carve);
}

static int compute(const struct rf_landlock_opts *o, int abi, const struct rf_landlock_fs *fs,
		   struct rf_landlock_rules *out, struct rf_error *e);

int rf_landlock_compute(const struct rf_landlock_opts *o, int abi, const struct rf_landlock_fs *fs,
			struct rf_landlock_rules *out, struct rf_error *e)
{
	if (compute(o, abi, fs, out, e) < 0)
		return -1;
	restrict_execute(o, out, abi);
	return 0;
}

static int compute(const struct rf_landlock_opts *o, int abi, const struct rf_landlock_fs *fs,
		   struct rf_landlock_rules *out, struct rf_error *e)
{
	memset(out, 0, sizeof *out);
	if (!o || !o->plan)
		return rf_fail(e, EINVAL, "cannot build the Landlock rules: no plan");
	if (abi < 1)
		return rf_fail(e, 0, "cannot build the Landlock rules: Landlock is not available");
	const struct rf_plan *plan = o->plan;

	if (!fs)
		fs = &rf_landlock_host_fs;
	if (o->mode == RF_LANDLOCK_MIRROR) {
		struct rf_strv carve = {0};
		carve_list(plan, &carve);
		struct mirror m = {.plan = plan, .carve = &carve, .skip = o->host_roots, .fs = fs, .abi = abi, .out = out};
		int rc = mirror_read(&m, "/", 0, e);
		rf_strv_free(&carve);
		if (rc < 0) {
			rf_landlock_rules_free(out);
			return -1;
		}
		for (size_t i = 0; i < plan->n; i++) {
			const struct rf_plan_entry *en = &plan->v[i];
			if (en->kind != RF_PLAN_BIND_RW && en->kind != RF_PLAN_TMPFS && en->kind != RF_PLAN_DEV &&
			    en->kind != RF_PLAN_CACHE)
				continue;
			uint64_t r = rf_landlock_rights(RF_ACCESS_WRITE, abi);
			bool dir = en->is_dir || en->kind != RF_PLAN_BIND_RW;
			if (!dir)
				r &= rf_landlock_file_rights(abi);
			if (dir && en->no_new_dirs) {
				if (no_new_dirs_rules(plan, fs, en, abi, out, e) < 0) {
					rf_landlock_rules_free(out);
					return -1;
				}
				continue;
			}
			push_rule(out, en->path, r, dir, true);
		}
		return 0;
	}

	struct walk w = {.plan = plan, .fs = fs, .abi = abi, .out = out};
	if (walk_node(&w, "/", RF_LL_DIR, 0, 0, e) < 0) {
		rf_landlock_rules_free(out);
		return -1;
	}
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].kind == RF_PLAN_DEV)
			add_dev_rules(out, plan->v[i].path, abi);
	if (o->private_tmp)
		push_rule(out, o->private_tmp, rf_landlock_rights(RF_ACCESS_WRITE, abi), true, false);
	return 0;
}

int rf_landlock_compute_host(const struct rf_landlock_opts *o, const struct rf_strv *roots, int abi,
			     const struct rf_landlock_fs *fs, struct rf_landlock_rules *out, struct rf_error *e)
{
	memset(out, 0, sizeof *out);
	if (!o || !o->plan || o->mode != RF_LANDLOCK_MIRROR)
		return rf_fail(e, EINVAL, "cannot build the Landlock rules: no plan to mirror");
	if (!fs)
		fs = &rf_landlock_host_fs;
	struct rf_strv carve = {0};
	carve_list(o->plan, &carve);
	struct mirror m = {.plan = o->plan, .carve = &carve, .fs = fs, .abi = abi, .out = out};
	int rc = 0;
	for (size_t i = 0; i < roots->n && rc == 0; i++) {
		/* as the sandbox would find it in its parent's listing: a
		 * directory (a link or nothing there: no rule) */
		enum rf_landlock_ftype t;
		rc = fs->type(fs->ctx, roots->v[i], &t, e);
		if (rc == 0 && t == RF_LL_DIR)
			rc = mirror_read(&m, roots->v[i], 1, e);
	}
	rf_strv_free(&carve);
	if (rc < 0) {
		rf_landlock_rules_free(out);
		return -1;
	}
	strip_execute(o, out);
	return 0;
}

/* ---- enforcement ---- */

static void say(const struct rf_landlock_opts *o, uint64_t access, bool is_dir, int abi, const char *what)
{
	if (!o->verbose)
		return;
	char buf[256];
	rf_landlock_describe_rights(access, is_dir, abi, buf, sizeof buf);
	fprintf(o->verbose, "landlock: allow %s %s\n", buf, what);
}

static int add_path_rule(const struct rf_landlock_opts *o, int rs, const struct rf_landlock_rule *r, int abi,
			 struct rf_error *e)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_fd int fd = (int)syscall(SYS_openat2, AT_FDCWD, r->path, &how, sizeof how);
	if (fd < 0) {
		if (errno == ENOENT && r->optional)
			return 0;
		if (errno == ELOOP)
			return rf_fail(e, ELOOP, "cannot add Landlock rule for %s: a symlink is in the way",
				       r->path);
		return rf_fail(e, errno, "cannot add Landlock rule for %s", r->path);
	}
	/* the many entries beside hidden paths were just listed with their
	 * types: no fstat (changed meanwhile, a directory is refused as a file
	 * rule's target by the kernel, and a rule on a symlink grants nothing) */
	bool dir = r->is_dir;
	if (!r->beside_hidden) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return rf_fail(e, errno, "cannot add Landlock rule for %s", r->path);
		if (S_ISLNK(st.st_mode))
			return rf_fail(e, ELOOP, "cannot add Landlock rule for %s: it is a symlink", r->path);
		dir = S_ISDIR(st.st_mode);
	}
	uint64_t access = r->access & rf_landlock_handled_fs(abi);
	if (!dir)
		access &= rf_landlock_file_rights(abi);
	if (!access)
		return 0;
	struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
	if (ll_add_rule(rs, LANDLOCK_RULE_PATH_BENEATH, &pb) < 0)
		return rf_fail(e, errno, "cannot add Landlock rule for %s", r->path);
	if (!r->beside_hidden)
		say(o, access, dir, abi, r->path);
	return 0;
}

static int add_fd_rule(const struct rf_landlock_opts *o, int rs, int fd, int abi, struct rf_error *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		if (errno == EBADF)
			return 0; /* not open: nothing to grant */
		return rf_fail(e, errno, "cannot add Landlock rule for inherited fd %d", fd);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return rf_fail(e, errno, "cannot add Landlock rule for inherited fd %d", fd);
	if (fl & O_PATH)
		return 0;
	bool rd = (fl & O_ACCMODE) == O_RDONLY || (fl & O_ACCMODE) == O_RDWR;
	bool wr = (fl & O_ACCMODE) == O_WRONLY || (fl & O_ACCMODE) == O_RDWR;
	uint64_t access = 0;
	if (S_ISREG(st.st_mode)) {
		access = (rd ? LANDLOCK_ACCESS_FS_READ_FILE : 0) | (wr ? LANDLOCK_ACCESS_FS_WRITE_FILE : 0);
		if (wr && !(fl & O_APPEND))
			access |= LANDLOCK_ACCESS_FS_TRUNCATE;
	} else if (S_ISCHR(st.st_mode)) {
		access = (rd ? LANDLOCK_ACCESS_FS_READ_FILE : 0) | (wr ? LANDLOCK_ACCESS_FS_WRITE_FILE : 0) |
			 LANDLOCK_ACCESS_FS_IOCTL_DEV;
	} else {
		return 0; /* pipes, sockets, directories: Landlock does not check reopening them */
	}
	access &= rf_landlock_file_rights(abi);
	if (!access)
		return 0;
	struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
	if (ll_add_rule(rs, LANDLOCK_RULE_PATH_BENEATH, &pb) < 0) {
		if (errno == EBADFD)
			return 0; /* memfd and other internal files: never reached by a path */
		return rf_fail(e, errno, "cannot add Landlock rule for inherited fd %d", fd);
	}
	if (o->verbose) {
		char what[64];
		snprintf(what, sizeof what, "inherited fd %d", fd);
		say(o, access, false, abi, what);
	}
	return 0;
}

/* The ruleset for o at abi (1..RF_LANDLOCK_ABI_KNOWN): never less than
 * asked (ENFORCE mode needs ABI 3, the scopes ABI 6). */
static int create_ruleset(const struct rf_landlock_opts *o, int abi, struct rf_error *e)
{
	if (o->mode == RF_LANDLOCK_ENFORCE && abi < 3)
		return rf_fail(e, 0,
			       "cannot enforce the filesystem policy with Landlock ABI %d: truncate(2) of "
			       "read-only files can only be denied from ABI 3 (Linux 6.2)",
			       abi);
	uint64_t scoped = (o->scope_abstract_unix ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET : 0) |
			  (o->scope_signal ? LANDLOCK_SCOPE_SIGNAL : 0);
	if (scoped && abi < 6)
		return rf_fail(e, 0,
			       "cannot scope %s with Landlock ABI %d: scopes need ABI 6 (Linux 6.12)",
			       o->scope_abstract_unix && o->scope_signal ? "abstract unix sockets and signals"
			       : o->scope_signal                         ? "signals"
									 : "abstract unix sockets",
			       abi);

	struct rf_ll_ruleset_attr attr = {
		.handled_access_fs = rf_landlock_handled_fs(abi),
		.scoped = scoped,
	};
	size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
	int rs = ll_create_ruleset(&attr, size, 0);
	if (rs < 0)
		return rf_fail(e, errno, "cannot create the Landlock ruleset (ABI %d)", abi);
	return rs;
}

static int add_path_rules(const struct rf_landlock_opts *o, int rs, const struct rf_landlock_rules *rules, int abi,
			  struct rf_error *e)
{
	size_t beside = 0;
	for (size_t i = 0; i < rules->n; i++) {
		if (add_path_rule(o, rs, &rules->v[i], abi, e) < 0)
			return -1;
		beside += rules->v[i].beside_hidden;
	}
	if (o->verbose && beside)
		fprintf(o->verbose, "landlock: allow read on %zu entries beside the hidden paths, a rule each "
				    "(none on a hidden name: what the host puts there stays unreadable)\n", beside);
	return 0;
}

int rf_landlock_build_host_part(const struct rf_landlock_opts *o, int abi, struct rf_error *e)
{
	if (abi < 1)
		return rf_fail(e, 0, "cannot enable Landlock: not available in this kernel");
	if (abi > RF_LANDLOCK_ABI_KNOWN)
		abi = RF_LANDLOCK_ABI_KNOWN;
	struct rf_strv roots = {0};
	rf_landlock_host_roots(o->plan, &roots);
	struct rf_landlock_rules rules;
	int rc = rf_landlock_compute_host(o, &roots, abi, &rf_landlock_host_fs, &rules, e);
	rf_strv_free(&roots);
	if (rc < 0)
		return -1;
	int rs = create_ruleset(o, abi, e);
	if (rs >= 0 && add_path_rules(o, rs, &rules, abi, e) < 0) {
		close(rs);
		rs = -1;
	}
	rf_landlock_rules_free(&rules);
	return rs;
}

int rf_landlock_apply_rules(const struct rf_landlock_opts *o, const struct rf_landlock_rules *rules, int abi,
			    struct rf_error *e)
{
	/* the supervisor's part, when there is one: ours to close */
	cleanup_fd int host = o->host_roots ? o->host_ruleset_fd : -1;
	if (abi < 1)
		return rf_fail(e, 0, "cannot enable Landlock: not available in this kernel");
	if (abi > RF_LANDLOCK_ABI_KNOWN)
		abi = RF_LANDLOCK_ABI_KNOWN;
	cleanup_fd int own = o->host_roots ? -1 : create_ruleset(o, abi, e);
	if (!o->host_roots && own < 0)
		return -1;
	int rs = o->host_roots ? host : own;
	if (add_path_rules(o, rs, rules, abi, e) < 0)
		return -1;
	for (size_t i = 0; i < o->n_inherited_fds && o->inherited_fds; i++) {
		if (o->inherited_fds[i] < 0)
			break;
		if (add_fd_rule(o, rs, o->inherited_fds[i], abi, e) < 0)
			return -1;
	}
	if (o->verbose && (o->scope_abstract_unix || o->scope_signal))
		fprintf(o->verbose, "landlock: scope%s%s\n",
			o->scope_abstract_unix ? " abstract-unix-sockets" : "", o->scope_signal ? " signals" : "");
	if (ll_restrict_self(rs, 0) < 0)
		return rf_fail(e, errno, "cannot enforce the Landlock ruleset");
	return abi;
}

int rf_landlock_apply(const struct rf_landlock_opts *o, struct rf_error *e)
{
	int abi = rf_landlock_abi();
	if (abi < 1)
		return rf_fail(e, 0, "cannot enable Landlock: not available in this kernel");
	if (abi > RF_LANDLOCK_ABI_KNOWN)
		abi = RF_LANDLOCK_ABI_KNOWN;
	struct rf_landlock_rules rules;
	if (rf_landlock_compute(o, abi, &rf_landlock_host_fs, &rules, e) < 0) {
		if (o->host_roots)
			close(o->host_ruleset_fd);
		return -1;
	}
	if (o->no_new_entries)
		for (size_t i = 0; i < rules.no_new_entries.n; i++)
			rf_strv_push(o->no_new_entries, rules.no_new_entries.v[i]);
	int rc = rf_landlock_apply_rules(o, &rules, abi, e);
	rf_landlock_rules_free(&rules);
	return rc;
}
