/* The allowlist proxy and the host-port forwarder (docs/network.md).
 *
 * One thread, one epoll loop, in the supervisor. It is handed listening
 * sockets that the sandbox's pid 1 created on 127.0.0.1 inside the
 * sandbox's network namespace (a socket keeps the namespace it was made
 * in), so it accepts connections from inside directly and connects upstream
 * from the host's namespace: no process inside relays anything.
 *
 *  - RF_PROXY_LISTEN_PROXY: HTTP CONNECT, plain-HTTP forwarding (absolute
 *    URIs) and SOCKS5 on one port, told apart by the first byte. Every
 *    request is judged by rules.h before anything is resolved; refusals get
 *    403 + X-Proxy-Error (HTTP) or reply 2 (SOCKS5) and are reported as
 *    violations (rf_events_violation).
 *  - RF_PROXY_LISTEN_FORWARD: every connection goes to one fixed host
 *    address (--host-port: the host's 127.0.0.1:PORT).
 *
 * Bounded: a connection limit (when reached, the oldest connection still
 * sending its request head is dropped to make room; established tunnels are
 * never evicted), a maximum head size, time limits for the head, for
 * resolution + connect, and for idle tunnels. Relaying uses splice(2)
 * through a pipe per direction (user-space buffers when pipes run out). */
#ifndef RF_NET_PROXY_H
#define RF_NET_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "events.h"
#include "rules.h"

struct rf_error;

enum rf_proxy_listen_kind {
	RF_PROXY_LISTEN_PROXY,
	RF_PROXY_LISTEN_FORWARD,
};

struct rf_proxy_listener {
	int fd; /* a listening TCP socket; the proxy takes it over */
	enum rf_proxy_listen_kind kind;
	struct sockaddr_storage target; /* FORWARD: where connections go */
	socklen_t target_len;
};

/* 0 = the default given. */
struct rf_proxy_limits {
	unsigned max_conns;     /* 1024 client connections at once */
	size_t max_head;        /* 16 KiB: request head / SOCKS handshake */
	int head_timeout_ms;    /* 10 s from accept to a complete request */
	int connect_timeout_ms; /* 30 s for resolution + connect */
	int idle_timeout_ms;    /* 10 min without a byte either way */
	int linger_ms;          /* 2 s to read what a refused client still sends */
	size_t relay_buf;       /* 16 KiB a direction when there is no pipe */
	int pipe_size;          /* 1 MiB pipes for splice; -1: no splice */
};

struct rf_proxy_config {
	const struct rf_net_rules *rules; /* must outlive the proxy */
	struct rf_proxy_listener *listeners;
	size_t n_listeners;
	struct rf_events *events; /* refusals (may be NULL) */
	FILE *verbose;            /* one line a connection (may be NULL) */
	pid_t sandbox_init;       /* to name the process behind a refusal; 0 = unknown */
	struct rf_proxy_limits limits;
};

struct rf_proxy_stats {
	unsigned long accepted;  /* client connections */
	unsigned long refused;   /* by policy */
	unsigned long failed;    /* malformed, timed out, upstream unreachable */
	unsigned long tunnels;   /* connected upstream */
	unsigned long evicted;   /* dropped at the connection limit */
	unsigned active;         /* open now */
	unsigned max_active;
};

struct rf_proxy;

/* Starts the thread. Listener fds are taken over even on failure. */
int rf_proxy_start(const struct rf_proxy_config *c, struct rf_proxy **out, struct rf_error *e);
void rf_proxy_get_stats(struct rf_proxy *p, struct rf_proxy_stats *st);
/* Stops the thread, closes every connection and listener, frees. NULL ok. */
void rf_proxy_stop(struct rf_proxy *p);

#endif
