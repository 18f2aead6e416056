/* The host side of the mounts that protect and hide (namespace backend).
 *
 * A mount sits on a dentry. When something outside the sandbox renames a
 * new file over a protected one during the run (`git config` on the host
 * rewrites .git/config by renaming config.lock over it), or removes it and
 * makes another, the kernel drops the sandbox's read-only mount with the old
 * file, and the sandbox sees the new one: writable, as the rest of the
 * workspace. No mount can prevent that, so the supervisor watches (inotify)
 * every name on the way from the mount that holds a covered path down to
 * it, and when one of them stops being the file it was at the start (its
 * device and inode), the run is stopped: exit 125, saying which path and
 * why. What the command does in the instant between the host's rename and
 * the stop is not prevented (docs/threat-model.md).
 *
 * Watched: every protected path, the writable mounts that pin a protected
 * path's parent, and the hidden paths Landlock does not carve out (inside a
 * writable mount, or every one when Landlock is unavailable). The other
 * hidden paths need no watch: a file renamed over one is a new inode that
 * no Landlock rule reaches (landlock.c, mirror_read). */
#ifndef RF_COVER_WATCH_H
#define RF_COVER_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "plan.h"
#include "util.h"

struct rf_cover_link; /* one name on the way to a covered path */

struct rf_cover_watch {
	int fd;                      /* inotify; -1: nothing watched */
	struct rf_cover_link *links;
	size_t n;
	char lost[1024];             /* set once a cover is lost: what and why */
};

/* Which plan entries are watched (pure): `landlock` says whether the
 * Landlock layer carves hidden paths out of the read rules. */
bool rf_cover_watch_wants(const struct rf_plan *plan, size_t i, bool landlock);

/* Watch the plan's covered paths as they are now. Call after the
 * placeholders exist and before the sandbox makes its mounts. */
int rf_cover_watch_start(struct rf_cover_watch *w, const struct rf_plan *plan, bool landlock, struct rf_error *e);
/* Read what inotify reports; true once a cover is lost (w->lost says which). */
bool rf_cover_watch_check(struct rf_cover_watch *w);
void rf_cover_watch_free(struct rf_cover_watch *w);

#endif
