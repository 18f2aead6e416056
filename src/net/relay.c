/* One direction of a relay: see relay.h. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Per call, at most this many read/write steps: one busy tunnel must not
 * starve the others on the same loop. */
#define PUMP_STEPS 8

void rf_relay_dir_init(struct rf_relay_dir *d, int from, int to)
{
	memset(d, 0, sizeof *d);
	d->from = from;
	d->to = to;
	d->pipe[0] = d->pipe[1] = -1;
}

void rf_relay_dir_queue(struct rf_relay_dir *d, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (d->len + n > d->cap) {
		d->cap = d->len + n;
		d->buf = rf_xrealloc(d->buf, d->cap);
	}
	memcpy(d->buf + d->len, data, n);
	d->len += n;
}

void rf_relay_dir_start(struct rf_relay_dir *d, int pipe_size, size_t buf_size)
{
	if (pipe_size > 0 && pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) == 0) {
		int got = fcntl(d->pipe[1], F_SETPIPE_SZ, pipe_size);
		if (got < 0)
			got = fcntl(d->pipe[1], F_GETPIPE_SZ);
		d->pipe_cap = got > 0 ? (size_t)got : 65536;
		return;
	}
	d->pipe[0] = d->pipe[1] = -1;
	if (d->cap < buf_size) {
		d->buf = rf_xrealloc(d->buf, buf_size);
		d->cap = buf_size;
	}
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

ssize_t rf_relay_dir_pump(struct rf_relay_dir *d)
{
	ssize_t moved = 0;
	bool piped = d->pipe[0] >= 0;
	for (int step = 0; step < PUMP_STEPS; step++) {
		if (d->off < d->len) {
			ssize_t n = send(d->to, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (would_block())
					break;
				return -1;
			}
			d->off += (size_t)n;
			d->bytes += (unsigned long long)n;
			moved += n;
			if (d->off == d->len) {
				d->off = d->len = 0;
				if (piped) { /* the queued bytes are out: the pipe does the rest */
					free(d->buf);
					d->buf = NULL;
					d->cap = 0;
				}
			}
			continue;
		}
		if (d->in_pipe) {
			ssize_t n = splice(d->pipe[0], NULL, d->to, NULL, d->in_pipe, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n < 0) {
				if (would_block())
					break;
				return -1;
			}
			d->in_pipe -= (size_t)n;
			d->bytes += (unsigned long long)n;
			moved += n;
			continue;
		}
		if (d->eof) {
			if (!d->shut) {
				(void)shutdown(d->to, SHUT_WR);
				d->shut = true;
			}
			break;
		}
		ssize_t n = piped ? splice(d->from, NULL, d->pipe[1], NULL, d->pipe_cap, SPLICE_F_NONBLOCK | SPLICE_F_MOVE)
				  : recv(d->from, d->buf, d->cap, MSG_DONTWAIT);
		if (n == 0) {
			d->eof = true;
			continue;
		}
		if (n < 0) {
			if (would_block())
				break;
			return -1;
		}
		if (piped) {
			d->in_pipe = (size_t)n;
		} else {
			d->len = (size_t)n;
			d->off = 0;
		}
		moved += n;
	}
	return moved;
}

bool rf_relay_dir_pending(const struct rf_relay_dir *d)
{
	return d->off < d->len || d->in_pipe > 0;
}

bool rf_relay_dir_wants_read(const struct rf_relay_dir *d)
{
	return !d->eof && !rf_relay_dir_pending(d);
}

bool rf_relay_dir_done(const struct rf_relay_dir *d)
{
	return d->eof && d->shut && !rf_relay_dir_pending(d);
}

void rf_relay_dir_free(struct rf_relay_dir *d)
{
	for (int i = 0; i < 2; i++)
		if (d->pipe[i] >= 0)
			close(d->pipe[i]);
	d->pipe[0] = d->pipe[1] = -1;
	free(d->buf);
	d->buf = NULL;
	d->len = d->off = d->cap = 0;
}
