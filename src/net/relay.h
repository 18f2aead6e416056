/* One direction of a relayed TCP connection (proxy.c): bytes read from
 * `from` are written to `to`, through a pipe with splice(2) (no copy into
 * user space) or, when no pipe could be had, through a small buffer.
 * Everything is non-blocking; the caller waits for the readiness the
 * direction asks for (rf_relay_dir_pending / _wants_read). */
#ifndef RF_NET_RELAY_H
#define RF_NET_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rf_relay_dir {
	int from, to;
	char *buf; /* bytes to send first (a reply, a rewritten head), or the buffer */
	size_t len, off, cap;
	int pipe[2]; /* -1: buffer mode */
	size_t in_pipe;
	size_t pipe_cap;
	bool eof;  /* `from` said EOF */
	bool shut; /* EOF passed on: shutdown(to, SHUT_WR) */
	unsigned long long bytes;
};

void rf_relay_dir_init(struct rf_relay_dir *d, int from, int to);
/* Bytes to send before anything read from `from` (copied). */
void rf_relay_dir_queue(struct rf_relay_dir *d, const void *data, size_t n);
/* Choose the mode: a pipe of pipe_size bytes (pipe_size > 0 and a pipe can
 * be had), else a buffer of buf_size. */
void rf_relay_dir_start(struct rf_relay_dir *d, int pipe_size, size_t buf_size);
/* Move what can be moved now. Returns the bytes read or written (0: none
 * could), or -1 with errno on a fatal error. */
ssize_t rf_relay_dir_pump(struct rf_relay_dir *d);
bool rf_relay_dir_pending(const struct rf_relay_dir *d);    /* waits for `to` */
bool rf_relay_dir_wants_read(const struct rf_relay_dir *d); /* waits for `from` */
bool rf_relay_dir_done(const struct rf_relay_dir *d);       /* EOF passed on, nothing left */
/* Closes the pipe and frees the buffer (not the sockets). */
void rf_relay_dir_free(struct rf_relay_dir *d);

#endif
