/* The allowlist proxy's event loop: see proxy.h and docs/network.md.
 *
 * A connection goes through these states:
 *
 *   HEAD ──(HTTP head / SOCKS5 handshake complete, policy admits)──┐
 *     │                                                            v
 *     │ refused, malformed, too large, too slow      RESOLVING (admitted names only)
 *     v                                                            │
 *   LINGER <───────────────(no address passes, lookup fails)───────┤
 *     │                                                            v
 *   closed <──(every address failed, time-out)────────────── CONNECTING
 *     ^                                                            │
 *     └──────────────(EOF both ways, error, idle)─────────── RELAY <┘
 *
 * A host-port listener's connections start in CONNECTING. LINGER sends the
 * error answer, shuts down our side and reads (and drops) what the client
 * still sends for a moment, so that closing does not reset the connection
 * before the client has read why it was refused. */
#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "http.h"
#include "peer.h"
#include "relay.h"
#include "resolve.h"
#include "socks.h"
#include "util.h"

#define RESOLVER_THREADS 4
#define ATTEMPT_TIMEOUT 5.0   /* per address, when another one is left to try */
#define PEER_LOOKUPS_PER_S 20 /* /proc walks to name a refused client */
#define LINGER_MAX_BYTES (64 * 1024)
#define ACCEPT_BATCH 64

enum ep_type { EP_LISTENER, EP_STOP, EP_RESOLVER, EP_CLIENT, EP_UPSTREAM };

struct rf_proxy;
struct conn;

struct endpoint {
	enum ep_type type;
	int fd;
	uint32_t events; /* registered interest */
	bool added;
	struct conn *conn;      /* EP_CLIENT, EP_UPSTREAM */
	struct listener *lis;   /* EP_LISTENER */
};

struct listener {
	struct endpoint ep;
	struct rf_proxy_listener cfg;
	bool paused;
};

enum conn_state { ST_HEAD, ST_RESOLVING, ST_CONNECTING, ST_RELAY, ST_LINGER };
enum conn_proto { P_UNKNOWN, P_HTTP, P_SOCKS, P_FORWARD };

struct conn {
	struct rf_proxy *px;
	struct conn *prev, *next;
	struct endpoint client, upstream;
	enum conn_state st;
	enum conn_proto proto;
	bool http_forward; /* P_HTTP: plain forwarding (else CONNECT) */
	bool closed;
	/* the head */
	char *head;
	size_t head_len, scanned;
	bool socks_greeted;
	/* the target */
	struct rf_net_host host;
	int port;
	char target[RF_NET_NAME_MAX + 16]; /* "host:port", for logs and events */
	struct rf_net_decision decision;
	struct rf_resolve_job *job;
	struct rf_net_addr addrs[RF_RESOLVE_MAX_ADDRS];
	size_t n_addrs, next_addr;
	int last_err;
	/* time */
	double created, deadline, connect_deadline, last_active;
	/* relay; pre-relay queued bytes live in up/down too */
	struct rf_relay_dir up, down; /* client -> upstream, upstream -> client */
	size_t lingered;
};

struct rf_proxy {
	struct rf_proxy_config cfg;
	struct rf_proxy_limits lim;
	struct listener *listeners;
	size_t n_listeners;
	int epfd;
	struct endpoint stop_ep, resolver_ep;
	struct rf_resolver *resolver;
	struct conn *conns, *conns_tail; /* oldest first */
	struct conn *dead;
	double now, next_sweep, sweep_every;
	double peer_window;
	unsigned peer_lookups;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t stats_lock;
	struct rf_proxy_stats stats;
	struct rlimit saved_nofile;
	bool nofile_raised;
};

static void stat_add(struct rf_proxy *px, unsigned long *field)
{
	pthread_mutex_lock(&px->stats_lock);
	(*field)++;
	pthread_mutex_unlock(&px->stats_lock);
}

/* ---- epoll ---- */

static void ep_set(struct rf_proxy *px, struct endpoint *ep, uint32_t events)
{
	if (ep->fd < 0 || (ep->added && ep->events == events))
		return;
	struct epoll_event ev = {.events = events, .data.ptr = ep};
	if (epoll_ctl(px->epfd, ep->added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, ep->fd, &ev) == 0) {
		ep->added = true;
		ep->events = events;
	}
}

static void ep_del(struct rf_proxy *px, struct endpoint *ep)
{
	if (ep->fd >= 0 && ep->added)
		(void)epoll_ctl(px->epfd, EPOLL_CTL_DEL, ep->fd, NULL);
	ep->added = false;
	ep->events = 0;
}

static void ep_close(struct rf_proxy *px, struct endpoint *ep)
{
	ep_del(px, ep);
	if (ep->fd >= 0)
		close(ep->fd);
	ep->fd = -1;
}

/* ---- logging and reporting ---- */

static void vlog(struct rf_proxy *px, const char *fmt, ...) RF_PRINTF(2, 3);
static void vlog(struct rf_proxy *px, const char *fmt, ...)
{
	if (!px->cfg.verbose)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(px->cfg.verbose, "ringfence: proxy: %s\n", line);
	fflush(px->cfg.verbose);
}

/* The sandbox process behind a refused connection, within a budget. */
static pid_t peer_pid(struct conn *c)
{
	struct rf_proxy *px = c->px;
	if (px->now - px->peer_window >= 1.0) {
		px->peer_window = px->now;
		px->peer_lookups = 0;
	}
	if (c->client.fd < 0 || px->peer_lookups >= PEER_LOOKUPS_PER_S)
		return 0;
	px->peer_lookups++;
	return rf_net_peer_pid(px->cfg.sandbox_init, c->client.fd);
}

static void report(struct conn *c, const char *rule, const char *source)
{
	struct rf_violation v = {
		.operation = "connect",
		.target = c->target[0] ? c->target : "?",
		.rule = rule,
		.source = source ? source : "default",
		.pid = peer_pid(c),
	};
	rf_events_violation(c->px->cfg.events, &v);
	stat_add(c->px, &c->px->stats.refused);
}

static void set_target(struct conn *c)
{
	if (c->host.kind == RF_NET_HOST_ADDR && c->host.addr.family == AF_INET6)
		snprintf(c->target, sizeof c->target, "[%s]:%d", c->host.name, c->port);
	else
		snprintf(c->target, sizeof c->target, "%s:%d", c->host.name, c->port);
}

/* ---- connection lifetime ---- */

static void resume_accepting(struct rf_proxy *px)
{
	for (size_t i = 0; i < px->n_listeners; i++)
		if (px->listeners[i].paused) {
			px->listeners[i].paused = false;
			ep_set(px, &px->listeners[i].ep, EPOLLIN);
		}
}

static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	struct rf_proxy *px = c->px;
	c->closed = true;
	if (c->job) {
		rf_resolver_abandon(px->resolver, c->job);
		c->job = NULL;
	}
	ep_close(px, &c->client);
	ep_close(px, &c->upstream);
	rf_relay_dir_free(&c->up);
	rf_relay_dir_free(&c->down);
	free(c->head);
	c->head = NULL;
	/* off the live list, onto the one freed after this batch of events */
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		px->conns_tail = c->prev;
	c->next = px->dead;
	px->dead = c;
	pthread_mutex_lock(&px->stats_lock);
	px->stats.active--;
	pthread_mutex_unlock(&px->stats_lock);
	resume_accepting(px);
}

static void free_dead(struct rf_proxy *px)
{
	while (px->dead) {
		struct conn *c = px->dead;
		px->dead = c->next;
		free(c);
	}
}

/* Send a small answer now: a fresh connection's send buffer holds it. */
static void send_now(struct conn *c, const void *data, size_t n)
{
	if (c->client.fd >= 0 && n)
		(void)send(c->client.fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void linger(struct conn *c)
{
	struct rf_proxy *px = c->px;
	free(c->head);
	c->head = NULL;
	ep_close(px, &c->upstream);
	if (c->job) {
		rf_resolver_abandon(px->resolver, c->job);
		c->job = NULL;
	}
	(void)shutdown(c->client.fd, SHUT_WR);
	c->st = ST_LINGER;
	c->deadline = px->now + px->lim.linger_ms / 1000.0;
	ep_set(px, &c->client, EPOLLIN);
}

/* An HTTP error answer or a SOCKS5 reply code, then LINGER. */
static void answer_error(struct conn *c, int status, const char *reason, unsigned char socks_code,
			 const char *proxy_error, const char *body)
{
	if (c->proto == P_HTTP) {
		char out[2048];
		size_t n = rf_http_response(out, sizeof out, status, reason, proxy_error, body);
		send_now(c, out, n);
	} else if (c->proto == P_SOCKS && c->socks_greeted) {
		unsigned char rep[RF_SOCKS_REPLY_LEN];
		rf_socks_reply(socks_code, rep);
		send_now(c, rep, sizeof rep);
	}
	if (c->proto == P_FORWARD) {
		conn_close(c);
		return;
	}
	linger(c);
}

/* Not a policy matter: the request was malformed, slow, or the upstream
 * could not be reached. */
static void fail(struct conn *c, int status, const char *reason, unsigned char socks_code, const char *fmt, ...)
	RF_PRINTF(5, 6);
static void fail(struct conn *c, int status, const char *reason, unsigned char socks_code, const char *fmt, ...)
{
	char msg[600], hdr[700], body[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	stat_add(c->px, &c->px->stats.failed);
	vlog(c->px, "%s%s%s", c->target[0] ? c->target : "", c->target[0] ? ": " : "", msg);
	snprintf(hdr, sizeof hdr, "ringfence proxy: %s", msg);
	snprintf(body, sizeof body, "ringfence proxy: %s\n", msg);
	answer_error(c, status, reason, socks_code, hdr, body);
}

/* The policy said no. */
static void refuse(struct conn *c, const struct rf_net_decision *d)
{
	char hdr[sizeof d->rule + 64], body[1024];
	report(c, d->rule, d->source);
	snprintf(hdr, sizeof hdr, "blocked by ringfence policy: %s", d->rule);
	snprintf(body, sizeof body, "ringfence: %s refused by the network policy: %s (rule %s, from %s)\n",
		 c->target, d->why[0] ? d->why : "not allowed", d->rule, d->source ? d->source : "default");
	answer_error(c, 403, "Forbidden", RF_SOCKS_NOT_ALLOWED, hdr, body);
}

static void refuse_rule(struct conn *c, const char *rule, const char *why)
{
	struct rf_net_decision d = {.allowed = false, .source = "default"};
	snprintf(d.rule, sizeof d.rule, "%s", rule);
	snprintf(d.why, sizeof d.why, "%s", why);
	refuse(c, &d);
}

/* ---- relay ---- */

static void relay_update(struct conn *c)
{
	struct rf_proxy *px = c->px;
	ssize_t a = rf_relay_dir_pump(&c->up);
	ssize_t b = a < 0 ? -1 : rf_relay_dir_pump(&c->down);
	if (a < 0 || b < 0) {
		conn_close(c);
		return;
	}
	if (a > 0 || b > 0)
		c->last_active = px->now;
	bool up_done = rf_relay_dir_done(&c->up), down_done = rf_relay_dir_done(&c->down);
	/* a forwarded HTTP request is one request: the answer ends it */
	if ((up_done && down_done) || (c->http_forward && down_done)) {
		conn_close(c);
		return;
	}
	/* A socket whose both ways are finished is taken off the loop: it
	 * would report HUP forever while the other side drains. */
	if (c->up.eof && c->down.shut)
		ep_del(px, &c->client);
	else
		ep_set(px, &c->client, (rf_relay_dir_wants_read(&c->up) ? EPOLLIN : 0) |
					       (rf_relay_dir_pending(&c->down) ? EPOLLOUT : 0));
	if (c->down.eof && c->up.shut)
		ep_del(px, &c->upstream);
	else
		ep_set(px, &c->upstream, (rf_relay_dir_wants_read(&c->down) ? EPOLLIN : 0) |
						 (rf_relay_dir_pending(&c->up) ? EPOLLOUT : 0));
}

static void connected(struct conn *c)
{
	struct rf_proxy *px = c->px;
	int one = 1;
	(void)setsockopt(c->client.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(c->upstream.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	stat_add(px, &px->stats.tunnels);
	if (c->proto != P_FORWARD && px->cfg.verbose) {
		char addr[RF_NET_ADDR_TEXT], via[sizeof c->decision.rule + RF_NET_ADDR_TEXT + 16] = "";
		rf_net_addr_format(&c->addrs[c->next_addr], addr, sizeof addr);
		/* a name's address that only an IP rule let through: name that rule too */
		struct rf_net_decision d = c->decision;
		rf_net_decide_address(px->cfg.rules, &c->addrs[c->next_addr], c->port, NULL, 0, &d);
		if (c->host.kind == RF_NET_HOST_NAME && strcmp(d.rule, c->decision.rule) != 0)
			snprintf(via, sizeof via, "; %s by %s", addr, d.rule);
		vlog(px, "%s %s -> %s (%s, from %s%s)",
		     c->proto == P_SOCKS ? "SOCKS5" : c->http_forward ? "HTTP" : "CONNECT", c->target, addr,
		     c->decision.rule, c->decision.source ? c->decision.source : "default", via);
	}
	if (c->proto == P_HTTP && !c->http_forward) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		rf_relay_dir_queue(&c->down, ok, sizeof ok - 1);
	} else if (c->proto == P_SOCKS) {
		unsigned char rep[RF_SOCKS_REPLY_LEN];
		rf_socks_reply(RF_SOCKS_OK, rep);
		rf_relay_dir_queue(&c->down, rep, sizeof rep);
	}
	c->up.from = c->down.to = c->client.fd;
	c->up.to = c->down.from = c->upstream.fd;
	rf_relay_dir_start(&c->up, px->lim.pipe_size, px->lim.relay_buf);
	rf_relay_dir_start(&c->down, px->lim.pipe_size, px->lim.relay_buf);
	c->st = ST_RELAY;
	c->deadline = 0;
	c->last_active = px->now;
	relay_update(c);
}

/* ---- connecting ---- */

static void connect_failed(struct conn *c)
{
	int err = c->last_err ? c->last_err : ECONNREFUSED;
	if (c->proto == P_FORWARD) {
		vlog(c->px, "host port %s: %s", c->target, strerror(err));
		conn_close(c);
		return;
	}
	unsigned char code = err == ECONNREFUSED ? RF_SOCKS_REFUSED
			     : err == ENETUNREACH ? RF_SOCKS_NET_UNREACHABLE
						   : RF_SOCKS_HOST_UNREACHABLE;
	if (err == ETIMEDOUT)
		fail(c, 504, "Gateway Timeout", code, "cannot connect to %s: %s", c->target, strerror(err));
	else
		fail(c, 502, "Bad Gateway", code, "cannot connect to %s: %s", c->target, strerror(err));
}

static void start_connect(struct conn *c)
{
	struct rf_proxy *px = c->px;
	for (; c->next_addr < c->n_addrs; c->next_addr++) {
		struct sockaddr_storage ss;
		socklen_t len = rf_net_addr_to_sockaddr(&c->addrs[c->next_addr], c->port, &ss);
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			c->last_err = errno;
			continue;
		}
		c->upstream.fd = fd;
		if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
			connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->st = ST_CONNECTING;
			double left = c->connect_deadline - px->now;
			c->deadline = px->now + (c->next_addr + 1 < c->n_addrs && left > ATTEMPT_TIMEOUT ? ATTEMPT_TIMEOUT : left);
			ep_set(px, &c->upstream, EPOLLOUT);
			ep_set(px, &c->client, 0);
			return;
		}
		c->last_err = errno;
		ep_close(px, &c->upstream);
	}
	connect_failed(c);
}

static void finish_connect(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(c->upstream.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		connected(c);
		return;
	}
	c->last_err = err;
	ep_close(c->px, &c->upstream);
	c->next_addr++;
	start_connect(c);
}

/* ---- resolution ---- */

static void addresses_known(struct conn *c, const struct rf_net_addr *own, size_t n_own)
{
	/* stage 2: keep the addresses the policy lets through, in order */
	struct rf_net_decision first_refusal;
	bool refused = false;
	size_t kept = 0;
	for (size_t i = 0; i < c->n_addrs; i++) {
		struct rf_net_decision d = c->decision;
		rf_net_decide_address(c->px->cfg.rules, &c->addrs[i], c->port, own, n_own, &d);
		if (d.allowed) {
			c->addrs[kept++] = c->addrs[i];
		} else if (!refused) {
			first_refusal = d;
			refused = true;
		}
	}
	c->n_addrs = kept;
	c->next_addr = 0;
	if (kept == 0) {
		refuse(c, &first_refusal);
		return;
	}
	start_connect(c);
}

static void start_resolve(struct conn *c)
{
	struct rf_proxy *px = c->px;
	c->connect_deadline = px->now + px->lim.connect_timeout_ms / 1000.0;
	c->deadline = c->connect_deadline;
	ep_set(px, &c->client, 0); /* nothing more is read until the tunnel is up */
	if (c->host.kind == RF_NET_HOST_ADDR) {
		/* an IP literal the rules allowed by IP: nothing more to judge */
		c->addrs[0] = c->host.addr;
		c->n_addrs = 1;
		c->next_addr = 0;
		start_connect(c);
		return;
	}
	struct rf_resolve_job *j = rf_xcalloc(1, sizeof *j);
	snprintf(j->name, sizeof j->name, "%s", c->host.name);
	j->owner = c;
	struct rf_error e = {0};
	if (rf_resolver_submit(px->resolver, j, &e) < 0) {
		free(j);
		fail(c, 502, "Bad Gateway", RF_SOCKS_FAILURE, "%s", e.msg);
		return;
	}
	c->job = j;
	c->st = ST_RESOLVING;
}

static void on_resolved(struct rf_proxy *px)
{
	for (struct rf_resolve_job *j = rf_resolver_take_done(px->resolver), *next; j; j = next) {
		next = j->next;
		struct conn *c = j->owner;
		if (c && !c->closed && c->job == j) {
			c->job = NULL;
			if (j->error) {
				fail(c, 502, "Bad Gateway", RF_SOCKS_HOST_UNREACHABLE, "cannot resolve %s: %s", c->host.name,
				     gai_strerror(j->error));
			} else {
				memcpy(c->addrs, j->addrs, j->n * sizeof j->addrs[0]);
				c->n_addrs = j->n;
				addresses_known(c, j->own, j->n_own);
			}
		}
		free(j);
	}
}

/* ---- requests ---- */

static bool take_host(struct conn *c, const char *s, size_t len, int port)
{
	const char *why = NULL;
	c->port = port;
	if (rf_net_host_parse(s, len, &c->host, &why) < 0) {
		/* a name the proxy cannot read is no name it will look up */
		snprintf(c->target, sizeof c->target, "%.*s:%d", (int)(len > 200 ? 200 : len), s, port);
		for (char *p = c->target; *p; p++)
			if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
				*p = '?';
		refuse_rule(c, "network:invalid-host", why);
		return false;
	}
	set_target(c);
	return true;
}

/* Stage 1, then resolution. `rest` is what the client sent after the
 * request: it goes upstream first. */
static void admit(struct conn *c, const char *rest, size_t rest_len)
{
	rf_net_decide_host(c->px->cfg.rules, &c->host, c->port, &c->decision);
	if (!c->decision.allowed) {
		refuse(c, &c->decision);
		return;
	}
	rf_relay_dir_queue(&c->up, rest, rest_len);
	free(c->head);
	c->head = NULL;
	start_resolve(c);
}

static void on_http_head(struct conn *c, size_t head_len)
{
	struct rf_http_request req;
	enum rf_http_result r = rf_http_parse_request(c->head, head_len, &req);
	if (r == RF_HTTP_VERSION) {
		fail(c, 505, "HTTP Version Not Supported", 0, "%s", req.error);
		return;
	}
	if (r != RF_HTTP_OK) {
		fail(c, 400, "Bad Request", 0, "malformed request: %s", req.error);
		return;
	}
	c->http_forward = !req.is_connect;
	if (!take_host(c, req.host, req.host_len, req.port))
		return;
	if (!c->http_forward) {
		admit(c, c->head + head_len, c->head_len - head_len);
		return;
	}
	/* plain HTTP: the rewritten head, then whatever body bytes came along */
	size_t cap = head_len + 256 + c->head_len;
	cleanup_free char *out = rf_xmalloc(cap);
	size_t body = c->head_len - head_len;
	ssize_t n = rf_http_forward_head(c->head, &req, out, cap - body);
	if (n < 0) {
		fail(c, 431, "Request Header Fields Too Large", 0, "request head too large");
		return;
	}
	memcpy(out + n, c->head + head_len, body);
	admit(c, out, (size_t)n + body);
}

static void on_socks_request(struct conn *c, const struct rf_socks_request *req, size_t used)
{
	if (req->cmd != RF_SOCKS_CMD_CONNECT) {
		/* BIND and UDP ASSOCIATE would open the sandbox to more than one
		 * checked destination */
		snprintf(c->target, sizeof c->target, "socks5-%s", req->cmd == RF_SOCKS_CMD_UDP ? "udp" : "bind");
		refuse_rule(c, req->cmd == RF_SOCKS_CMD_UDP ? "network:socks-udp" : "network:socks-command",
			    "only SOCKS5 CONNECT is served");
		return;
	}
	if (req->atyp == RF_SOCKS_ATYP_NAME) {
		if (!take_host(c, req->name, req->name_len, req->port))
			return;
	} else {
		char text[RF_NET_ADDR_TEXT];
		rf_net_addr_format(&req->addr, text, sizeof text);
		if (!take_host(c, text, strlen(text), req->port))
			return;
	}
	admit(c, c->head + used, c->head_len - used);
}

/* The SOCKS5 handshake so far; returns after answering or when it needs
 * more bytes. */
static void on_socks_bytes(struct conn *c)
{
	if (!c->socks_greeted) {
		bool no_auth;
		int n = rf_socks_parse_greeting((unsigned char *)c->head, c->head_len, &no_auth);
		if (n == 0)
			return;
		if (n < 0) {
			fail(c, 0, "", RF_SOCKS_FAILURE, "malformed SOCKS5 greeting");
			return;
		}
		if (!no_auth) {
			static const unsigned char none[2] = {RF_SOCKS_VERSION, 0xff};
			send_now(c, none, sizeof none);
			fail(c, 0, "", RF_SOCKS_FAILURE, "SOCKS5 client offers no method without authentication");
			return;
		}
		static const unsigned char ok[2] = {RF_SOCKS_VERSION, 0};
		send_now(c, ok, sizeof ok);
		c->socks_greeted = true;
		memmove(c->head, c->head + n, c->head_len - (size_t)n);
		c->head_len -= (size_t)n;
	}
	struct rf_socks_request req;
	unsigned char code;
	int n = rf_socks_parse_request((unsigned char *)c->head, c->head_len, &req, &code);
	if (n == 0)
		return;
	if (n < 0) {
		fail(c, 0, "", code, "malformed SOCKS5 request");
		return;
	}
	on_socks_request(c, &req, (size_t)n);
}

static void on_head_bytes(struct conn *c)
{
	struct rf_proxy *px = c->px;
	ssize_t n = recv(c->client.fd, c->head + c->head_len, px->lim.max_head - c->head_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c); /* the client went away before asking */
		return;
	}
	if (n < 0)
		return;
	c->head_len += (size_t)n;
	if (c->proto == P_UNKNOWN) {
		unsigned char first = (unsigned char)c->head[0];
		if (first == RF_SOCKS_VERSION) {
			c->proto = P_SOCKS;
		} else if (first == 4) {
			static const unsigned char socks4_rejected[8] = {0, 0x5b};
			send_now(c, socks4_rejected, sizeof socks4_rejected);
			c->proto = P_SOCKS;
			fail(c, 0, "", 0, "SOCKS4 is not served (use socks5h://)");
			return;
		} else {
			c->proto = P_HTTP;
		}
	}
	if (c->proto == P_SOCKS) {
		on_socks_bytes(c);
		if (!c->closed && c->st == ST_HEAD && c->head_len >= px->lim.max_head)
			fail(c, 0, "", RF_SOCKS_FAILURE, "SOCKS5 handshake too long");
		return;
	}
	size_t end = rf_http_head_end(c->head, c->head_len, c->scanned);
	c->scanned = c->head_len;
	if (end) {
		on_http_head(c, end);
		return;
	}
	if (c->head_len >= px->lim.max_head)
		fail(c, 431, "Request Header Fields Too Large", 0, "request head larger than %zu bytes", px->lim.max_head);
}

/* ---- accepting ---- */

static struct conn *conn_new(struct rf_proxy *px, int fd, struct listener *l)
{
	struct conn *c = rf_xcalloc(1, sizeof *c);
	c->px = px;
	c->client = (struct endpoint){.type = EP_CLIENT, .fd = fd, .conn = c};
	c->upstream = (struct endpoint){.type = EP_UPSTREAM, .fd = -1, .conn = c};
	rf_relay_dir_init(&c->up, -1, -1);
	rf_relay_dir_init(&c->down, -1, -1);
	c->created = c->last_active = px->now;
	c->prev = px->conns_tail;
	if (px->conns_tail)
		px->conns_tail->next = c;
	else
		px->conns = c;
	px->conns_tail = c;
	pthread_mutex_lock(&px->stats_lock);
	px->stats.accepted++;
	if (++px->stats.active > px->stats.max_active)
		px->stats.max_active = px->stats.active;
	pthread_mutex_unlock(&px->stats_lock);
	if (l->cfg.kind == RF_PROXY_LISTEN_FORWARD) {
		c->proto = P_FORWARD;
		rf_net_addr_from_sockaddr((struct sockaddr *)&l->cfg.target, l->cfg.target_len, &c->addrs[0], &c->port);
		c->n_addrs = 1;
		c->host.kind = RF_NET_HOST_ADDR;
		c->host.addr = c->addrs[0];
		rf_net_addr_format(&c->addrs[0], c->host.name, sizeof c->host.name);
		set_target(c);
		c->connect_deadline = px->now + px->lim.connect_timeout_ms / 1000.0;
		start_connect(c);
		return c;
	}
	c->head = rf_xmalloc(px->lim.max_head);
	c->st = ST_HEAD;
	c->deadline = px->now + px->lim.head_timeout_ms / 1000.0;
	ep_set(px, &c->client, EPOLLIN);
	return c;
}

static unsigned active(struct rf_proxy *px)
{
	pthread_mutex_lock(&px->stats_lock);
	unsigned n = px->stats.active;
	pthread_mutex_unlock(&px->stats_lock);
	return n;
}

/* At the limit: the oldest connection that is still sending its head makes
 * room (a slow or silent client cannot hold slots against real ones). */
static bool evict_one(struct rf_proxy *px)
{
	for (struct conn *c = px->conns; c; c = c->next)
		if (c->st == ST_HEAD) {
			stat_add(px, &px->stats.evicted);
			fail(c, 503, "Service Unavailable", RF_SOCKS_FAILURE, "too many connections");
			conn_close(c);
			return true;
		}
	return false;
}

static void pause_listener(struct rf_proxy *px, struct listener *l)
{
	l->paused = true;
	ep_set(px, &l->ep, 0);
}

static void on_accept(struct rf_proxy *px, struct listener *l)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		if (active(px) >= px->lim.max_conns && !evict_one(px)) {
			pause_listener(px, l);
			return;
		}
		int fd = accept4(l->ep.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_listener(px, l); /* until a connection closes, or the next sweep */
			return;
		}
		conn_new(px, fd, l);
	}
}

/* ---- time ---- */

static void sweep(struct rf_proxy *px)
{
	double now = px->now;
	for (struct conn *c = px->conns, *next; c; c = next) {
		next = c->next;
		switch (c->st) {
		case ST_HEAD:
			if (now >= c->deadline)
				fail(c, 408, "Request Timeout", RF_SOCKS_FAILURE, "no complete request within %d ms",
				     px->lim.head_timeout_ms);
			break;
		case ST_RESOLVING:
			if (now >= c->deadline)
				fail(c, 504, "Gateway Timeout", RF_SOCKS_HOST_UNREACHABLE, "resolving %s took too long",
				     c->host.name);
			break;
		case ST_CONNECTING:
			if (now >= c->deadline) {
				c->last_err = ETIMEDOUT;
				ep_close(px, &c->upstream);
				c->next_addr++;
				if (now >= c->connect_deadline)
					c->next_addr = c->n_addrs;
				start_connect(c);
			}
			break;
		case ST_RELAY:
			if (now - c->last_active >= px->lim.idle_timeout_ms / 1000.0) {
				vlog(px, "%s: idle for %d s, closed", c->target, px->lim.idle_timeout_ms / 1000);
				conn_close(c);
			}
			break;
		case ST_LINGER:
			if (now >= c->deadline)
				conn_close(c);
			break;
		}
	}
	/* a listener paused for want of fds tries again */
	if (active(px) < px->lim.max_conns)
		resume_accepting(px);
}

/* ---- the loop ---- */

static void on_client(struct conn *c, uint32_t events)
{
	switch (c->st) {
	case ST_HEAD:
		on_head_bytes(c);
		break;
	case ST_RELAY:
		if (events & EPOLLERR)
			conn_close(c);
		else
			relay_update(c);
		break;
	case ST_LINGER: {
		char sink[4096];
		ssize_t n = recv(c->client.fd, sink, sizeof sink, MSG_DONTWAIT);
		if (n > 0)
			c->lingered += (size_t)n;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || c->lingered > LINGER_MAX_BYTES)
			conn_close(c);
		break;
	}
	default: /* RESOLVING, CONNECTING: only errors and hang-ups arrive */
		if (events & (EPOLLERR | EPOLLHUP))
			conn_close(c);
		break;
	}
}

static void on_upstream(struct conn *c, uint32_t events)
{
	if (c->st == ST_CONNECTING)
		finish_connect(c);
	else if (c->st == ST_RELAY)
		(events & EPOLLERR) ? conn_close(c) : relay_update(c);
}

static void *loop(void *arg)
{
	struct rf_proxy *px = arg;
	struct epoll_event evs[64];
	for (;;) {
		bool paused = false;
		for (size_t i = 0; i < px->n_listeners; i++)
			paused = paused || px->listeners[i].paused;
		int timeout = px->conns || paused ? (int)(px->sweep_every * 1000) : -1;
		int n = epoll_wait(px->epfd, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			break;
		px->now = rf_now();
		bool stop = false;
		for (int i = 0; i < n; i++) {
			struct endpoint *ep = evs[i].data.ptr;
			switch (ep->type) {
			case EP_STOP:
				stop = true;
				break;
			case EP_RESOLVER:
				on_resolved(px);
				break;
			case EP_LISTENER:
				on_accept(px, ep->lis);
				break;
			case EP_CLIENT:
				if (!ep->conn->closed)
					on_client(ep->conn, evs[i].events);
				break;
			case EP_UPSTREAM:
				if (!ep->conn->closed)
					on_upstream(ep->conn, evs[i].events);
				break;
			}
		}
		if (px->now >= px->next_sweep) {
			sweep(px);
			px->next_sweep = px->now + px->sweep_every;
		}
		free_dead(px);
		if (stop)
			break;
	}
	return NULL;
}

/* ---- start and stop ---- */

static void set_limits(struct rf_proxy *px, const struct rf_proxy_limits *in)
{
	struct rf_proxy_limits l = *in;
	if (!l.max_conns)
		l.max_conns = 1024;
	if (!l.max_head)
		l.max_head = 16 * 1024;
	if (l.max_head < 64)
		l.max_head = 64;
	if (!l.head_timeout_ms)
		l.head_timeout_ms = 10 * 1000;
	if (!l.connect_timeout_ms)
		l.connect_timeout_ms = 30 * 1000;
	if (!l.idle_timeout_ms)
		l.idle_timeout_ms = 10 * 60 * 1000;
	if (!l.linger_ms)
		l.linger_ms = 2000;
	if (!l.relay_buf)
		l.relay_buf = 16 * 1024;
	if (!l.pipe_size)
		l.pipe_size = 1024 * 1024;
	px->lim = l;
	int smallest = l.head_timeout_ms;
	if (l.linger_ms < smallest)
		smallest = l.linger_ms;
	if (l.connect_timeout_ms < smallest)
		smallest = l.connect_timeout_ms;
	px->sweep_every = smallest / 4000.0;
	if (px->sweep_every > 0.25)
		px->sweep_every = 0.25;
	if (px->sweep_every < 0.01)
		px->sweep_every = 0.01;
}

/* The sandbox side of every proxied connection is loopback. BBR, a common
 * default congestion control, paces its sending with timers when no fq
 * qdisc does it (loopback has none): on loopback that is pure cost, and
 * halves a download through the proxy here. Connections accepted on the
 * listener inherit its algorithm, so the proxy's side of them (what it
 * sends to the client) does not pace. The upstream side, on the real
 * network, keeps the host's choice. A failure changes only speed. */
static void loopback_congestion_control(int fd)
{
	char cur[16] = ""; /* TCP_CA_NAME_MAX */
	socklen_t len = sizeof cur;
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cur, &len) < 0 || strncmp(cur, "bbr", 3) != 0)
		return;
	static const char *const calm[] = {"cubic", "reno"};
	for (size_t i = 0; i < 2; i++)
		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, calm[i], (socklen_t)strlen(calm[i])) == 0)
			return;
}

/* Each tunnel holds two sockets and two pipes: room for the limit, and the
 * old limit back when the proxy stops. Raised only after the sandbox was
 * created: the command keeps the limit it was given. */
static void raise_nofile(struct rf_proxy *px)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t need = (rlim_t)px->lim.max_conns * 6 + 256, want = need;
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		want = rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		px->saved_nofile = rl;
		struct rlimit raised = rl;
		raised.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
			px->nofile_raised = true;
			rl = raised;
		}
	}
	/* Fewer fds than the limit wants: fewer connections, so that the limit
	 * (and its eviction of silent clients) is reached before accept() runs
	 * out of fds. Two sockets a connection; pipes are taken when there are
	 * fds to spare. */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rlim_t fit = rl.rlim_cur > 256 ? (rl.rlim_cur - 128) / 2 : 64;
		if (fit < px->lim.max_conns)
			px->lim.max_conns = (unsigned)fit;
	}
}

static void proxy_free(struct rf_proxy *px)
{
	while (px->conns)
		conn_close(px->conns);
	free_dead(px);
	for (size_t i = 0; i < px->n_listeners; i++)
		ep_close(px, &px->listeners[i].ep);
	free(px->listeners);
	ep_close(px, &px->stop_ep);
	ep_del(px, &px->resolver_ep); /* the resolver owns its fd */
	rf_resolver_release(px->resolver);
	if (px->epfd >= 0)
		close(px->epfd);
	if (px->nofile_raised)
		(void)setrlimit(RLIMIT_NOFILE, &px->saved_nofile);
	pthread_mutex_destroy(&px->stats_lock);
	free(px);
}

int rf_proxy_start(const struct rf_proxy_config *c, struct rf_proxy **out, struct rf_error *e)
{
	*out = NULL;
	struct rf_proxy *px = rf_xcalloc(1, sizeof *px);
	px->cfg = *c;
	px->epfd = -1;
	px->stop_ep = (struct endpoint){.type = EP_STOP, .fd = -1};
	px->resolver_ep = (struct endpoint){.type = EP_RESOLVER, .fd = -1};
	pthread_mutex_init(&px->stats_lock, NULL);
	set_limits(px, &c->limits);
	px->listeners = rf_xcalloc(c->n_listeners ? c->n_listeners : 1, sizeof *px->listeners);
	px->n_listeners = c->n_listeners;
	for (size_t i = 0; i < c->n_listeners; i++) {
		px->listeners[i].cfg = c->listeners[i];
		px->listeners[i].ep = (struct endpoint){.type = EP_LISTENER, .fd = c->listeners[i].fd,
							.lis = &px->listeners[i]};
	}
	px->cfg.listeners = NULL;
	int err = 0;
	const char *what = NULL;
	px->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (px->epfd < 0) {
		err = errno, what = "cannot create the proxy's epoll instance";
		goto fail;
	}
	px->stop_ep.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (px->stop_ep.fd < 0) {
		err = errno, what = "cannot create the proxy's eventfd";
		goto fail;
	}
	px->resolver = rf_resolver_new(c->rules->overrides, c->rules->n_overrides, RESOLVER_THREADS, e);
	if (!px->resolver) {
		proxy_free(px);
		return -1;
	}
	px->resolver_ep.fd = rf_resolver_fd(px->resolver);
	ep_set(px, &px->stop_ep, EPOLLIN);
	ep_set(px, &px->resolver_ep, EPOLLIN);
	for (size_t i = 0; i < px->n_listeners; i++) {
		int fd = px->listeners[i].ep.fd;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			err = errno, what = "cannot make a proxy listener non-blocking";
			goto fail;
		}
		loopback_congestion_control(fd);
		ep_set(px, &px->listeners[i].ep, EPOLLIN);
		if (!px->listeners[i].ep.added) {
			err = errno, what = "cannot watch a proxy listener";
			goto fail;
		}
	}
	raise_nofile(px);
	px->now = rf_now();
	px->next_sweep = px->now + px->sweep_every;
	/* the loop takes no signals: they are the supervisor's */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&px->thread, NULL, loop, px);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		what = "cannot start the proxy thread";
		goto fail;
	}
	px->thread_started = true;
	*out = px;
	return 0;
fail:
	proxy_free(px);
	return rf_fail(e, err, "%s", what);
}

void rf_proxy_get_stats(struct rf_proxy *p, struct rf_proxy_stats *st)
{
	struct rf_proxy *px = p;
	pthread_mutex_lock(&px->stats_lock);
	*st = px->stats;
	pthread_mutex_unlock(&px->stats_lock);
}

void rf_proxy_stop(struct rf_proxy *p)
{
	struct rf_proxy *px = p;
	if (!px)
		return;
	if (px->thread_started) {
		uint64_t one = 1;
		(void)!write(px->stop_ep.fd, &one, sizeof one);
		pthread_join(px->thread, NULL);
	}
	proxy_free(px);
}
