#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int child_error_fd = -1;

static void vformat(struct rf_error *e, int errnum, const char *fmt, va_list ap) RF_PRINTF(3, 0);
static void vformat(struct rf_error *e, int errnum, const char *fmt, va_list ap)
{
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof e->msg)
		n = (int)sizeof e->msg - 1;
	if (errnum)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
	e->err = errnum;
}

int rf_fail(struct rf_error *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return -1;
	va_start(ap, fmt);
	vformat(e, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int rf_fail_wrap(struct rf_error *e, const char *fmt, ...)
{
	char prefix[512], old[sizeof e->msg];
	va_list ap;
	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t pl = strnlen(prefix, sizeof prefix - 1);
	memcpy(e->msg, prefix, pl);
	memcpy(e->msg + pl, ": ", 2);
	size_t room = sizeof e->msg - pl - 3;
	size_t ol = strnlen(old, room);
	memcpy(e->msg + pl + 2, old, ol);
	e->msg[pl + 2 + ol] = '\0';
	return -1;
}

void rf_child_set_error_fd(int fd)
{
	child_error_fd = fd;
}

void rf_child_die_error(const struct rf_error *e)
{
	if (child_error_fd >= 0) {
		(void)rf_write_all(child_error_fd, e->msg, strlen(e->msg));
	} else {
		char line[sizeof e->msg + 16];
		int n = snprintf(line, sizeof line, "ringfence: %s\n", e->msg);
		if (n > 0)
			(void)rf_write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	}
	_exit(RF_EXIT_SETUP);
}

void rf_child_die(int errnum, const char *fmt, ...)
{
	struct rf_error e = {0};
	va_list ap;
	va_start(ap, fmt);
	vformat(&e, errnum, fmt, ap);
	va_end(ap);
	rf_child_die_error(&e);
}

static RF_NORETURN void oom(void)
{
	static const char m[] = "ringfence: out of memory\n";
	(void)!write(2, m, sizeof m - 1);
	_exit(RF_EXIT_SETUP);
}

void *rf_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *rf_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *rf_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *rf_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *rf_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *rf_xasprintf(const char *fmt, ...)
{
	char *p = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

void rf_cleanup_freep(void *p)
{
	void **pp = p;
	free(*pp);
	*pp = NULL;
}

void rf_cleanup_fdp(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

void rf_strv_push_take(struct rf_strv *s, char *str)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = rf_xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void rf_strv_push(struct rf_strv *s, const char *str)
{
	rf_strv_push_take(s, rf_xstrdup(str));
}

void rf_strv_free(struct rf_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

int rf_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int rf_write_file(const char *path, const char *content, struct rf_error *e)
{
	cleanup_fd int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return rf_fail(e, errno, "cannot open %s", path);
	if (rf_write_all(fd, content, strlen(content)) < 0)
		return rf_fail(e, errno, "cannot write %s", path);
	return 0;
}

ssize_t rf_read_file(const char *path, char *buf, size_t cap)
{
	/* Regular files only, opened without blocking: the supervisor reads
	 * files a sandbox could have planted (a worktree's gitdir), and a FIFO
	 * there must not hang the next run. /proc files are regular too. */
	cleanup_fd int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t len = 0;
	struct stat st;
	if (fd < 0 || cap == 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	while (len + 1 < cap) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

char *rf_path_normalize(const char *path)
{
	if (!path || path[0] != '/')
		return NULL;
	size_t len = strlen(path);
	char *out = rf_xmalloc(len + 2);
	size_t o = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t seg = end ? (size_t)(end - p) : strlen(p);
		if (seg == 1 && p[0] == '.') {
			/* skip */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop the slash too */
		} else {
			out[o++] = '/';
			memcpy(out + o, p, seg);
			o += seg;
		}
		p += seg;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

bool rf_path_is_within(const char *path, const char *root)
{
	size_t rl = strlen(root);
	if (strcmp(root, "/") == 0)
		return path[0] == '/';
	if (strncmp(path, root, rl) != 0)
		return false;
	return path[rl] == '\0' || path[rl] == '/';
}

char *rf_path_join(const char *a, const char *b)
{
	size_t al = strlen(a);
	while (al > 0 && a[al - 1] == '/')
		al--;
	while (*b == '/')
		b++;
	if (!*b)
		return al ? rf_xasprintf("%.*s", (int)al, a) : rf_xstrdup("/");
	return rf_xasprintf("%.*s/%s", (int)al, a, b);
}

/* An absolute path in normal form: "/", or "/" + names, none of them empty,
 * "." or "..". Such a path is its own real path when nothing on the way is
 * a symlink. */
static bool is_normal_absolute(const char *p)
{
	if (p[0] != '/')
		return false;
	if (p[1] == '\0')
		return true;
	for (const char *c = p; *c;) {
		const char *name = c + 1;
		size_t n = strcspn(name, "/");
		if (n == 0 || (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
			return false;
		c = name + n;
	}
	return true;
}

/* glibc's realpath(3) walks the path itself, a readlink(2) per component:
 * eight for a path under a deep home, some 570 for one run's plan, most of
 * plan building's system calls. The kernel's own walk (open O_PATH, which
 * needs the same search permission and follows the same links) and the
 * name it keeps for what it found (/proc/self/fd/N) give the same answer.
 * Whatever /proc cannot show faithfully (no /proc, a name too long, an
 * unlinked file's " (deleted)", a place outside our root) goes to
 * realpath(3) to decide. */
char *rf_realpath(const char *path)
{
	/* Most paths the policy names have no symlink on the way, and the
	 * kernel can say so in one call: openat2's RESOLVE_NO_SYMLINKS fails
	 * with ELOOP at the first one. A missing part reached without one
	 * (ENOENT, ENOTDIR) is what realpath says too. Anything else takes
	 * the long way below. */
	if (is_normal_absolute(path)) {
		struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS};
		int nfd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
		if (nfd >= 0) {
			close(nfd);
			return rf_xstrdup(path);
		}
		if (errno == ENOENT || errno == ENOTDIR)
			return NULL;
	}
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return NULL; /* ENOENT, ENOTDIR, EACCES, ELOOP: what realpath says */
	char link[32], buf[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof buf);
	close(fd);
	static const char deleted[] = " (deleted)";
	if (n <= 0 || (size_t)n >= sizeof buf || buf[0] != '/' ||
	    ((size_t)n >= sizeof deleted - 1 && memcmp(buf + n - (sizeof deleted - 1), deleted, sizeof deleted - 1) == 0))
		return realpath(path, NULL);
	return rf_xstrndup(buf, (size_t)n);
}

int rf_loadavg_runnable(const char *line)
{
	const char *p = line;
	for (int field = 0; field < 3; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	char *end;
	errno = 0;
	long n = strtol(p, &end, 10);
	if (end == p || *end != '/' || errno || n < 0 || n > 1000000000L)
		return -1;
	return (int)n;
}

double rf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
