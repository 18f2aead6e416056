/* Small helpers shared by every part of ringfence: error reporting,
 * cleanup attributes, allocation that cannot fail silently, string vectors.
 *
 * Conventions:
 *  - Library functions return 0 / a value on success and -1 on failure,
 *    filling a struct rf_error with a one-line reason ("cannot mount /usr:
 *    Permission denied"). They never exit.
 *  - Code running in the sandbox child before exec has nobody to return to:
 *    it calls rf_child_die(), which sends the reason to the supervisor over
 *    the setup-error pipe and exits with RF_EXIT_SETUP.
 *  - *_or_die names abort on allocation failure only (out of memory is not
 *    a policy decision).
 */
#ifndef RF_UTIL_H
#define RF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RF_EXIT_SETUP 125 /* the sandbox could not be set up: fail closed */

#define RF_UNUSED __attribute__((unused))
#define RF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define RF_NORETURN __attribute__((noreturn))

struct rf_error {
	int err;        /* errno of the failing call, 0 when none */
	char msg[1024]; /* one line, no trailing newline, no "ringfence:" prefix */
};

/* Fill *e with a message (printf-style) and, when errnum != 0, ": strerror".
 * Always returns -1 so callers can `return rf_fail(e, errno, "...")`. */
int rf_fail(struct rf_error *e, int errnum, const char *fmt, ...) RF_PRINTF(3, 4);

/* Prefix an existing error message with more context ("cannot X: " + old). */
int rf_fail_wrap(struct rf_error *e, const char *fmt, ...) RF_PRINTF(2, 3);

/* ---- child side (between clone and exec) ---- */

/* The fd that rf_child_die() reports to; -1 means stderr. */
void rf_child_set_error_fd(int fd);
RF_NORETURN void rf_child_die(int errnum, const char *fmt, ...) RF_PRINTF(2, 3);
RF_NORETURN void rf_child_die_error(const struct rf_error *e);

/* ---- memory ---- */
void *rf_xmalloc(size_t n);
void *rf_xcalloc(size_t n, size_t m);
void *rf_xrealloc(void *p, size_t n);
char *rf_xstrdup(const char *s);
char *rf_xstrndup(const char *s, size_t n);
char *rf_xasprintf(const char *fmt, ...) RF_PRINTF(1, 2);

/* ---- cleanup attributes (bubblewrap style) ---- */
void rf_cleanup_freep(void *p);
void rf_cleanup_fdp(int *fd);
#define cleanup_free __attribute__((cleanup(rf_cleanup_freep)))
#define cleanup_fd __attribute__((cleanup(rf_cleanup_fdp)))

/* Take ownership out of a cleanup variable. */
static inline void *rf_steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
static inline int rf_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

/* ---- string vectors (NULL-terminated) ---- */
struct rf_strv {
	char **v;
	size_t n, cap;
};
void rf_strv_push(struct rf_strv *s, const char *str);      /* copies */
void rf_strv_push_take(struct rf_strv *s, char *str);       /* takes ownership */
void rf_strv_free(struct rf_strv *s);

/* ---- I/O ---- */
/* write(2) the whole buffer, retrying on EINTR and short writes. */
int rf_write_all(int fd, const void *buf, size_t n);
/* Write a small string to a file (e.g. /proc/PID/uid_map). */
int rf_write_file(const char *path, const char *content, struct rf_error *e);
/* Read up to cap-1 bytes of a file into buf, NUL-terminated. Returns length or -1. */
ssize_t rf_read_file(const char *path, char *buf, size_t cap);

/* ---- paths ---- */
/* Lexically normalise an absolute path: collapse //, ., and .. (no symlinks).
 * Returns a new string, or NULL if path is not absolute. */
char *rf_path_normalize(const char *path);
/* True if `path` equals `root` or lies beneath it (lexically, both normalised). */
bool rf_path_is_within(const char *path, const char *root);
/* Join two path pieces with exactly one '/'. */
char *rf_path_join(const char *a, const char *b);
/* realpath(path, NULL), the same answer and errno, in three system calls
 * whatever the depth (see util.c). */
char *rf_realpath(const char *path);

/* The runnable tasks in a /proc/loadavg line ("0.52 0.58 0.59 3/467 1234":
 * 3), or -1 if the line is not of that form. */
int rf_loadavg_runnable(const char *line);

/* Monotonic clock in seconds. */
double rf_now(void);

#endif
