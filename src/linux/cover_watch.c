/* Watching the host side of protected and hidden paths (see cover_watch.h). */
#include "cover_watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* One name on the way from the mount that holds a covered path down to it,
 * and the file it was when the watch started. */
struct rf_cover_link {
	int wd;
	char *dir, *name;
	bool present;
	dev_t dev;
	ino_t ino;
	const struct rf_plan_entry *entry; /* the covered path it leads to */
};

static bool is_bind(enum rf_plan_kind k)
{
	return k == RF_PLAN_BIND_RO || k == RF_PLAN_BIND_RW;
}

/* The entry whose mount holds `path`: the plan's verdict on its parent
 * (the deepest entry above it), or NULL. */
static const struct rf_plan_entry *holder(const struct rf_plan *plan, const char *path)
{
	cleanup_free char *parent = rf_xstrdup(path);
	char *slash = strrchr(parent, '/');
	if (!slash || !slash[1])
		return NULL; /* "/" itself, or not a path the plan holds */
	slash[slash == parent ? 1 : 0] = '\0';
	return rf_plan_lookup(plan, parent).entry;
}

static bool has_protected_beneath(const struct rf_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].kind == RF_PLAN_PROTECT && strcmp(plan->v[i].path, path) != 0 &&
		    rf_path_is_within(plan->v[i].path, path))
			return true;
	return false;
}

bool rf_cover_watch_wants(const struct rf_plan *plan, size_t i, bool landlock)
{
	const struct rf_plan_entry *en = &plan->v[i];
	const struct rf_plan_entry *h = holder(plan, en->path);
	if (!h || !is_bind(h->kind))
		return false; /* on the sandbox's own tmpfs: no host file beneath */
	bool writable = h->kind == RF_PLAN_BIND_RW; /* else a new file there is read-only too */
	switch (en->kind) {
	case RF_PLAN_PROTECT:
		return writable;
	case RF_PLAN_HIDE:
		/* Landlock carves a hidden path out of the read rules only where no
		 * write rule lies above it (a rule grants all beneath it, across
		 * mounts: a home under the private /tmp is reached by /tmp's) */
		return !landlock || rf_plan_beneath_writable(plan, en->path);
	case RF_PLAN_BIND_RW:
		return writable && has_protected_beneath(plan, en->path); /* a pin, e.g. .git */
	default:
		return false;
	}
}

static void record(struct rf_cover_link *l)
{
	cleanup_free char *p = rf_path_join(l->dir, l->name);
	struct stat st;
	l->present = lstat(p, &st) == 0;
	l->dev = l->present ? st.st_dev : 0;
	l->ino = l->present ? st.st_ino : 0;
}

static int add_link(struct rf_cover_watch *w, const char *dir, const char *name, const struct rf_plan_entry *en,
		    struct rf_error *e)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->links[i].dir, dir) == 0 && strcmp(w->links[i].name, name) == 0)
			return 0;
	int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
	if (wd < 0 && errno == ENOSPC)
		return rf_fail(e, errno, "cannot watch %s (it holds %s, %s): the per-user limit of inotify "
					 "watches is reached (sysctl fs.inotify.max_user_watches)",
			       dir, en->path, en->rule ? en->rule : "?");
	if (wd < 0)
		return rf_fail(e, errno, "cannot watch %s (it holds %s, %s)", dir, en->path, en->rule ? en->rule : "?");
	w->links = rf_xrealloc(w->links, (w->n + 1) * sizeof *w->links);
	struct rf_cover_link *l = &w->links[w->n++];
	*l = (struct rf_cover_link){.wd = wd, .dir = rf_xstrdup(dir), .name = rf_xstrdup(name), .entry = en};
	record(l);
	return 0;
}

/* Every name from the holding mount's root down to the entry. */
static int watch_entry(struct rf_cover_watch *w, const struct rf_plan *plan, const struct rf_plan_entry *en,
		       struct rf_error *e)
{
	const struct rf_plan_entry *h = holder(plan, en->path);
	size_t from = strlen(h->path);
	cleanup_free char *dir = rf_xstrdup(h->path);
	const char *rest = en->path + from;
	while (*rest == '/') {
		rest++;
		size_t len = strcspn(rest, "/");
		cleanup_free char *name = rf_xstrndup(rest, len);
		if (add_link(w, dir, name, en, e) < 0)
			return -1;
		char *next = rf_path_join(dir, name);
		free(dir);
		dir = next;
		rest += len;
	}
	return 0;
}

int rf_cover_watch_start(struct rf_cover_watch *w, const struct rf_plan *plan, bool landlock, struct rf_error *e)
{
	*w = (struct rf_cover_watch){.fd = -1};
	for (size_t i = 0; i < plan->n; i++) {
		if (!rf_cover_watch_wants(plan, i, landlock))
			continue;
		if (w->fd < 0) {
			w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			if (w->fd < 0 && errno == EMFILE)
				return rf_fail(e, errno, "cannot watch the protected paths: the per-user limit of "
							 "inotify instances is reached (sysctl "
							 "fs.inotify.max_user_instances; each running sandbox uses one), "
							 "or this process's limit of open files");
			if (w->fd < 0)
				return rf_fail(e, errno, "cannot watch the protected paths (inotify)");
		}
		if (watch_entry(w, plan, &plan->v[i], e) < 0) {
			rf_cover_watch_free(w);
			return -1;
		}
	}
	return 0;
}

static bool still_there(const struct rf_cover_link *l)
{
	cleanup_free char *p = rf_path_join(l->dir, l->name);
	struct stat st;
	bool present = lstat(p, &st) == 0;
	if (present != l->present)
		return false;
	return !present || (st.st_dev == l->dev && st.st_ino == l->ino);
}

static void say_lost(struct rf_cover_watch *w, const struct rf_cover_link *l)
{
	const struct rf_plan_entry *en = l->entry;
	bool hidden = en->kind == RF_PLAN_HIDE;
	cleanup_free char *p = rf_path_join(l->dir, l->name);
	cleanup_free char *way = strcmp(p, en->path) == 0 ? rf_xstrdup("") : rf_xasprintf(", on the way to %s", en->path);
	snprintf(w->lost, sizeof w->lost,
		 "%s (%s%s) was %s outside the sandbox during the run: the %s went with the old file, so the "
		 "sandbox was stopped before the command could %s the new one; run the command again",
		 p, en->rule ? en->rule : "?", way, l->present ? "replaced, moved or removed" : "created",
		 hidden ? "mount that hid it" : "read-only mount on it", hidden ? "read" : "change");
}

bool rf_cover_watch_check(struct rf_cover_watch *w)
{
	if (w->fd < 0 || w->lost[0])
		return w->lost[0] != '\0';
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool recheck = false;
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN)
				recheck = true; /* cannot tell: look */
			break;
		}
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				recheck = true;
				continue;
			}
			for (size_t i = 0; i < w->n && !recheck; i++)
				recheck = w->links[i].wd == ev->wd && ev->len && strcmp(w->links[i].name, ev->name) == 0;
		}
	}
	if (!recheck)
		return false;
	for (size_t i = 0; i < w->n; i++)
		if (!still_there(&w->links[i])) {
			say_lost(w, &w->links[i]);
			return true;
		}
	return false;
}

void rf_cover_watch_free(struct rf_cover_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	for (size_t i = 0; i < w->n; i++) {
		free(w->links[i].dir);
		free(w->links[i].name);
	}
	free(w->links);
	w->links = NULL;
	w->n = 0;
	w->fd = -1;
}
