/*
 * pushd's event loop: the lws context, its listeners and callbacks, the
 * notify datagrams, the signals, the timers and the metrics endpoint.
 * What the clients are told and when is decided in client.c, what they
 * share in fanout.c, where the events come from in source.c, and the
 * upgrade checks in upgrade.c; this file joins them to libwebsockets.
 *
 * Browsers reach it through nginx (pushd_socket) and, when pushd_listen
 * is set, directly too (listen.c); both serve the same checks, and the
 * direct one caps the WebSockets of each peer address (peers.c) as
 * nginx's limit_conn does on the proxied path.
 *
 * The daemon's state is one struct server, the context's user data:
 * callbacks reach it through lws_context_user(), timers through their
 * lws_sorted_usec_list_t member.
 *
 * Close codes sent by pushd (client.h):
 *   1001  going away: pushd is stopping (SIGTERM); reconnect with since.
 *   4001  admin session ended (logout or expiry); log in again.
 *   4008  too slow: the client had messages waiting and took none for
 *         max(ping_seconds, 2) seconds; reconnect with since.
 *   1002 / 1007  the client broke RFC 6455 (unmasked frame, text that is
 *         not UTF-8).
 *
 * Keepalive is pushd's own, in the once-a-second sweep: a client silent
 * for ping_seconds gets a PING, one silent (no pong, no data) for
 * hangup_seconds is dropped.  lws's per-connection validity timers would
 * do the same, but lws 4.1 keeps them in one sorted list and re-inserts
 * one (a linear walk) on every write: quadratic in a fan-out to 10k.
 */
#include "server.h"

#include <sys/signalfd.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <libwebsockets.h>

#include "acceptor.h"
#include "activity.h"
#include "client.h"
#include "config.h"
#include "envelope.h"
#include "event.h"
#include "fanout.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "linkmsg.h"
#include "peers.h"
#include "reactions.h"
#include "rxguard.h"
#include "source.h"
#include "source_redis.h"
#include "timeutil.h"
#include "upgrade.h"

#define SERVER_FETCH_MS		250	/* poll the source in case a hint is lost */
#define SERVER_FETCH_BATCH	512	/* events per fetch before yielding */
#define SERVER_FETCH_GAP_US	4000	/* hints closer than this: one fetch */
#define SERVER_COALESCE_MS	250	/* user stats_updated: at most 4 a second */
#define SERVER_PRESENCE_MS	250	/* presence: at most 4 a second */
#define SERVER_SWEEP_MS		1000	/* keepalive, slow consumers, admins */
#define SERVER_STOP_GRACE_MS	2000	/* SIGTERM: wait this long for closes */
#define SERVER_SOURCE_WAIT_MS	10000	/* start: wait for the source */
#define SERVER_CLUSTER_MS	1000	/* an edge: presence over all edges */
#define SERVER_ACCEPT_BATCH	16	/* a child's own TCP listener, per wake */
#define SERVER_ACCEPT_PAUSE_MS	100	/* out of descriptors: accept later */

/*
 * A child's listener (pushd_socket or pushd_port; a direct one may
 * join): we accept, lws serves what we hand it (server_accept).
 */
struct server_listener {
	int			 fd;
	int			 shared;	/* every child polls this socket */
	struct lws		*wsi;		/* its adoption (paused when full) */
	struct lws_vhost	*vh;		/* where its connections go */
};
#define SERVER_LISTENERS	2

/* Per-request data of the metrics endpoint. */
struct metrics_req {
	int		 len;
	unsigned char	 buf[LWS_PRE + 8192];
};

struct server {
	const struct config	*cfg;
	struct lws_context	*ctx;
	struct ev_loop		*loop;		/* epoll; NULL: lws's poll(2) */
	struct lws_vhost	*vh_ws;
	struct lws_vhost	*vh_direct;	/* pushd_listen: browsers, no nginx */
	struct lws_vhost	*vh_metrics;
	struct peer_table	 peers;		/* WebSockets per address on vh_direct */
	struct source		 src;
	struct fanout		 fan;
	struct client_hub	 hub;
	struct pushd_metrics	 m;
	int64_t			 fetch_us;	/* last fetch */
	int64_t			 fetch_due_us;	/* next fetch on the timer */
	int			 hint_waiting;	/* a hint waits out the gap */
	int			 edge;		/* source = redis */
	int			 other_raters, other_admins; /* an edge: the others';
						 * a child: its siblings' */
	const struct pushd_child *child;	/* NULL: a lone pushd */
	struct server_listener	 listeners[SERVER_LISTENERS]; /* a child's */
	int			 nlisteners;
	int			 link_fd;	/* a child: to the master, or -1 */
	int			 told_raters, told_admins; /* to the master */
	lws_sorted_usec_list_t	 sul_fetch, sul_coalesce, sul_presence,
				 sul_sweep, sul_stop, sul_cluster, sul_reactions,
				 sul_accept;
	struct reactions	 reactions;	/* summed, to admins 4 a second */
	struct activity		 activity;	/* "others rating now", users */
	lws_sorted_usec_list_t	 sul_activity;
	lws_retry_bo_t		 retry;		/* all zero: no lws validity */
	int			 notify_fd, sig_fd;
	int			 stopping, done, status;
	/* site_origin and public_url as one list: origin_accepted()'s rule. */
	char			 origins[sizeof(((struct config *)0)->site_origin) +
				    sizeof(((struct config *)0)->public_url) + 1];
};

/*
 * A WebSocket's per-session data: the client, and for one on the direct
 * listener the address its count in server.peers is under.  The client
 * comes first: the callbacks take the pss as a struct client.
 */
struct push_pss {
	struct client		 client;
	struct peer_addr	 peer;
	int			 peer_counted;	/* holds one in server.peers */
};

static int64_t
now_us(void)
{
	return (int64_t)time_monotonic_us();
}

static struct server *
server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static void
server_finish(struct server *s, int status)
{
	if (s->done)
		return;
	s->done = 1;
	s->status = status;
	if (s->loop != NULL)
		ev_break(s->loop, EVBREAK_ALL);
	else
		lws_cancel_service(s->ctx);
}

/* --- the clients' transport ------------------------------------------------ */

static int
io_write(struct client *c, unsigned char *buf, size_t len)
{
	return lws_write(c->conn, buf, len, LWS_WRITE_RAW) < (int)len ? -1 : 0;
}

static int
io_busy(const struct client *c)
{
	return lws_partial_buffered(c->conn);
}

static void
io_want_write(struct client *c)
{
	lws_callback_on_writable(c->conn);
}

static void
io_close_reason(struct client *c, int code, const char *reason)
{
	lws_close_reason(c->conn, (enum lws_close_status)code,
	    (unsigned char *)reason, strlen(reason));
}

/* An lws timeout drops the socket without a close frame. */
static void
io_kill(struct client *c, int secs)
{
	lws_set_timeout(c->conn, PENDING_TIMEOUT_USER_OK,
	    secs > 0 ? secs : LWS_TO_KILL_ASYNC);
}

static int
io_broken(const struct client *c)
{
	return rxguard_violated(lws_get_socket_fd(c->conn));
}

static const struct client_io server_io = {
	io_write, io_busy, io_want_write, io_close_reason, io_kill, io_broken
};

/* --- reading the source ---------------------------------------------------- */

static void fetch_timer(lws_sorted_usec_list_t *);
static void coalesce_timer(lws_sorted_usec_list_t *);

static void
fetch_schedule(struct server *s, int64_t delay_us)
{
	s->fetch_due_us = now_us() + delay_us;
	lws_sul_schedule(s->ctx, 0, &s->sul_fetch, fetch_timer, delay_us);
}

/*
 * Reads the events after head, fans them out and writes to the clients
 * of the groups that got something.  Bounded per call so a burst cannot
 * starve the clients; the rest follows soon from the timer.  Returns 1
 * if more may be waiting.
 */
static int
server_fetch(struct server *s)
{
	int64_t now = now_us(), held_due;
	int touched, n, batch;

	/* Half a ring at a time: a burst must not lap a client that keeps
	 * up before it had a chance to write. */
	batch = (int)(s->fan.rings[0].size / 2 < SERVER_FETCH_BATCH ?
	    s->fan.rings[0].size / 2 : SERVER_FETCH_BATCH);
	n = fanout_read(&s->fan, &s->src, batch, now, &touched, &held_due);
	s->fetch_us = now_us();
	s->hint_waiting = 0;
	s->m.fetches++;
	if (n > 0)
		s->m.events_read += (uint64_t)n;
	if (held_due != 0)	/* a stats_updated is held back */
		lws_sul_schedule(s->ctx, 0, &s->sul_coalesce, coalesce_timer,
		    held_due > now ? held_due - now : 1);
	if (touched & EVENT_GROUP_ADMIN)
		client_flush_group(&s->hub, EVENT_GROUP_ADMIN, now);
	if (touched & EVENT_GROUP_USER)
		client_flush_group(&s->hub, EVENT_GROUP_USER, now);
	fetch_schedule(s, n == batch ? 1000 : SERVER_FETCH_MS * LWS_US_PER_MS);
	return n == batch;	/* more may be waiting */
}

static void
fetch_timer(lws_sorted_usec_list_t *sul)
{
	(void)server_fetch(lws_container_of(sul, struct server, sul_fetch));
}

static void
coalesce_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_coalesce);
	int64_t now = now_us();

	if (fanout_release(&s->fan, now))
		client_flush_group(&s->hub, EVENT_GROUP_USER, now);
}

/*
 * Before a newcomer is placed: it starts from (and its hello tells) the
 * head as it is now, not as of before the hints that wait out the gap,
 * and it may have read a seq from the API before our hint arrived.
 */
static void
server_catch_up(struct server *s, const struct client *c)
{
	if (s->hint_waiting)
		(void)server_fetch(s);
	while (c->has_since && c->since > s->fan.head && server_fetch(s))
		;
}

/* --- presence -------------------------------------------------------------- */

/*
 * A child of the master: our counts go to the master, which sums every
 * child's and sends each the others' (server_link_readable).  On an
 * edge the Redis presence hash already has a field per process.
 */
static void
presence_tell_master(struct server *s)
{
	if (s->link_fd < 0 || s->edge ||
	    (s->told_raters == s->m.clients_user &&
	    s->told_admins == s->m.clients_admin))
		return;
	/* A full queue: the sweep tries again within a second. */
	if (linkmsg_send_counts(s->link_fd, LINKMSG_COUNTS, 0, s->m.clients_user,
	    s->m.clients_admin) == 0) {
		s->told_raters = s->m.clients_user;
		s->told_admins = s->m.clients_admin;
	}
}

static void
presence_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_presence);
	int64_t now = now_us();

	presence_tell_master(s);
	if (fanout_presence_build(&s->fan, now, s->other_raters +
	    s->m.clients_user, s->other_admins + s->m.clients_admin) == -1)
		return;
	client_flush_group(&s->hub, EVENT_GROUP_USER, now);
	client_flush_group(&s->hub, EVENT_GROUP_ADMIN, now);
}

/* Counts changed: tell everyone, at most every SERVER_PRESENCE_MS. */
static void
presence_changed(struct server *s)
{
	int64_t wait;

	if (s->stopping || (wait = fanout_presence_changed(&s->fan, now_us(),
	    SERVER_PRESENCE_MS * LWS_US_PER_MS)) < 0)
		return;
	lws_sul_schedule(s->ctx, 0, &s->sul_presence, presence_timer, wait);
}

/* --- reactions ------------------------------------------------------------ */

static void
reactions_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_reactions);
	int64_t now = now_us();

	if (reactions_build(&s->reactions, now) == 1)
		client_flush_group(&s->hub, EVENT_GROUP_ADMIN, now);
}

static void
reaction_received(struct server *s, int64_t session_id, int emoji)
{
	int64_t wait;

	if (s->stopping || (wait = reactions_add(&s->reactions, session_id,
	    emoji, now_us())) < 0)
		return;
	lws_sul_schedule(s->ctx, 0, &s->sul_reactions, reactions_timer, wait);
}

/* --- "others are rating now" (activity.h) ------------------------------- */

static void activity_schedule(struct server *);

static void
activity_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_activity);
	int64_t now = now_us();

	if (activity_tick(&s->activity, activity_clock_ms(), now) == 1)
		client_flush_group(&s->hub, EVENT_GROUP_USER, now);
	activity_schedule(s);	/* pairs left: they expire */
}

static void
activity_schedule(struct server *s)
{
	int64_t wait;

	if (s->ctx == NULL || s->stopping ||
	    (wait = activity_next(&s->activity, now_us())) < 0)
		return;
	lws_sul_schedule(s->ctx, 0, &s->sul_activity, activity_timer, wait);
}

/* fanout's observer: every event read, live or caught up. */
static void
activity_observe(const struct source_event *ev, void *arg)
{
	struct server *s = arg;

	if (activity_event(&s->activity, ev))
		activity_schedule(s);
}

/* An edge: publish our counts, learn everyone's (source_redis.h). */
static void
cluster_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_cluster);
	int raters, admins;

	(void)source_redis_presence(s->src.h, s->m.clients_user,
	    s->m.clients_admin, &raters, &admins);
	s->m.stream_last_seq = source_redis_stream_last(s->src.h);
	source_redis_relay_report(s->src.h, &s->m.writer_head_seq,
	    &s->m.relay_report_time);
	s->m.source_up = source_redis_reachable(s->src.h);
	raters -= s->m.clients_user;	/* ours change between ticks */
	admins -= s->m.clients_admin;
	if (raters != s->other_raters || admins != s->other_admins) {
		s->other_raters = raters;
		s->other_admins = admins;
		presence_changed(s);
	}
	lws_sul_schedule(s->ctx, 0, &s->sul_cluster, cluster_timer,
	    SERVER_CLUSTER_MS * LWS_US_PER_MS);
}

/* --- the sweep ------------------------------------------------------------- */

static void
sweep_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_sweep);

	client_sweep(&s->hub, now_us(), time_unix_now());
	presence_tell_master(s);
	lws_sul_schedule(s->ctx, 0, &s->sul_sweep, sweep_timer,
	    SERVER_SWEEP_MS * LWS_US_PER_MS);
}

/* --- the upgrade ----------------------------------------------------------- */

static int
admin_lookup(void *arg, const unsigned char hash[32], int64_t *session_id,
    int64_t *expires_at)
{
	return source_admin_session(arg, hash, session_id, expires_at);
}

/* Copies what the upgrade checks look at out of lws's headers. */
struct upgrade_headers {
	char	path[128], origin[256], cookie[2048], arg[64];
};

static void
upgrade_request_of(struct server *s, struct lws *wsi,
    struct upgrade_headers *hd, struct upgrade_request *req)
{
	int n;

	memset(req, 0, sizeof(*req));
	req->stopping = s->stopping;
	req->head = s->fan.head;
	req->source_down = s->edge && !source_redis_reachable(s->src.h);
	if (lws_hdr_copy(wsi, hd->path, sizeof(hd->path),
	    WSI_TOKEN_GET_URI) > 0)
		req->path = hd->path;
	n = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
	if (n > 0) {
		if (n >= (int)sizeof(hd->origin) ||
		    lws_hdr_copy(wsi, hd->origin, sizeof(hd->origin),
		    WSI_TOKEN_ORIGIN) <= 0)
			req->origin_too_long = 1;
		else
			req->origin = hd->origin;
	}
	req->since = lws_get_urlarg_by_name(wsi, "since=", hd->arg,
	    sizeof(hd->arg));
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) <
	    (int)sizeof(hd->cookie) && lws_hdr_copy(wsi, hd->cookie,
	    sizeof(hd->cookie), WSI_TOKEN_HTTP_COOKIE) > 0)
		req->cookie = hd->cookie;
}

static uint64_t *
refusal_counter(struct server *s, enum upgrade_verdict v)
{
	switch (v) {
	case UPGRADE_BAD_PATH:
		return &s->m.refused_path;
	case UPGRADE_BAD_ORIGIN:
		return &s->m.refused_origin;
	case UPGRADE_NO_ADMIN:
		return &s->m.refused_auth;
	case UPGRADE_UNAVAILABLE:
		return &s->m.refused_unavailable;
	default:
		return &s->m.refused_request;
	}
}

static int
is_direct(const struct server *s, struct lws *wsi)
{
	return s->vh_direct != NULL && lws_get_vhost(wsi) == s->vh_direct;
}

/*
 * Who asked, for the log: the peer itself on the direct listener, the
 * address nginx puts in X-Forwarded-For on the proxied one.
 */
static void
peer_name(struct server *s, struct lws *wsi, char *buf, size_t len)
{
	struct peer_addr a;

	if (is_direct(s, wsi)) {
		if (peer_addr_of_fd(lws_get_socket_fd(wsi), &a) == 0)
			peer_addr_format(&a, buf, len);
		else
			snprintf(buf, len, "?");
	} else if (lws_hdr_custom_copy(wsi, buf, (int)len,
	    "x-forwarded-for:", 16) <= 0)
		snprintf(buf, len, "nginx");
}

/* A direct peer at its cap gets 429, as nginx's limit_conn answers. */
static int
direct_peer_full(struct server *s, struct lws *wsi)
{
	struct peer_addr a;

	if (!is_direct(s, wsi) ||
	    peer_addr_of_fd(lws_get_socket_fd(wsi), &a) == -1)
		return 0;
	return peer_table_count(&s->peers, &a) >= s->cfg->pushd_ws_per_addr;
}

static int
refuse_upgrade(struct server *s, struct lws *wsi, unsigned int status,
    const char *why)
{
	char peer[INET6_ADDRSTRLEN + 8];

	peer_name(s, wsi, peer, sizeof(peer));
	log_info("refused upgrade (%u) from %s%s: %s", status, peer,
	    is_direct(s, wsi) ? " (direct)" : "", why);
	if (lws_return_http_status(wsi, status, NULL))
		return -1;
	return 1;
}

/* HTTP_CONFIRM_UPGRADE: the headers are parsed, nothing is answered yet. */
static int
confirm_upgrade(struct server *s, struct lws *wsi)
{
	struct upgrade_headers hd;
	struct upgrade_request req;
	struct upgrade_grant grant;
	enum upgrade_verdict v;

	upgrade_request_of(s, wsi, &hd, &req);
	v = upgrade_check(&req, s->origins, admin_lookup, &s->src,
	    &grant);
	if (v == UPGRADE_OK && direct_peer_full(s, wsi)) {
		s->m.refused_request++;
		return refuse_upgrade(s, wsi, 429, "too many WebSockets from "
		    "this address (pushd_ws_per_addr)");
	}
	if (v == UPGRADE_OK)
		return 0;
	if (v == UPGRADE_BAD_ORIGIN)
		log_info("origin %.80s is not %s", req.origin != NULL ?
		    req.origin : "(too long)", s->origins);
	(*refusal_counter(s, v))++;
	return refuse_upgrade(s, wsi, upgrade_status(v), upgrade_reason(v));
}

/* A direct client takes its place under its address, or is refused (a
 * race with another upgrade from there since confirm_upgrade). */
static int
direct_peer_take(struct server *s, struct lws *wsi, struct push_pss *pss)
{
	if (!is_direct(s, wsi))
		return 0;
	if (peer_addr_of_fd(lws_get_socket_fd(wsi), &pss->peer) == -1)
		return -1;
	if (peer_table_take(&s->peers, &pss->peer,
	    s->cfg->pushd_ws_per_addr) != 0)
		return -1;
	pss->peer_counted = 1;
	return 0;
}

/*
 * FILTER_PROTOCOL_CONNECTION: the pss exists now; note what was asked
 * (the checks again: the pss did not exist when they answered).
 */
static int
client_prepare(struct server *s, struct lws *wsi, struct client *c)
{
	struct upgrade_headers hd;
	struct upgrade_request req;
	struct upgrade_grant grant;

	upgrade_request_of(s, wsi, &hd, &req);
	if (upgrade_check(&req, s->origins, admin_lookup, &s->src,
	    &grant) != UPGRADE_OK)
		return -1;
	if (direct_peer_take(s, wsi, (struct push_pss *)c) == -1)
		return -1;
	c->group = grant.group;
	c->has_since = grant.has_since;
	c->since = grant.since;
	if (grant.group == EVENT_GROUP_ADMIN) {
		if ((c->admin = malloc(sizeof(*c->admin))) == NULL)
			return -1;
		memcpy(c->admin->hash, grant.admin_hash, sizeof(c->admin->hash));
		c->admin->session_id = grant.admin_session_id;
		c->admin->expires_at = grant.admin_expires_at;
	}
	return 0;
}

static void
client_established(struct server *s, struct lws *wsi, struct client *c)
{
	c->conn = wsi;
	/* Over TLS recv(2) carries ciphertext: not frames to follow. */
	if (!lws_is_ssl(wsi))
		rxguard_watch(lws_get_socket_fd(wsi));
	server_catch_up(s, c);
	client_open(&s->hub, c, now_us());
	presence_changed(s);
}

static void
client_gone(struct server *s, struct client *c)
{
	int was = c->registered;

	if (c->conn != NULL)
		rxguard_unwatch(lws_get_socket_fd(c->conn));
	client_closed(&s->hub, c);
	if (!was)
		return;
	presence_changed(s);
	if (s->stopping && s->m.clients_user + s->m.clients_admin == 0)
		server_finish(s, 0);
}

/* --- the adopted descriptors ----------------------------------------------- */

static void server_hint(struct server *);

static void
notify_on_readable(struct server *s)
{
	int got = 0;

	for (int i = 0; i < 256; i++) {
		struct notify_msg msg;
		int rc;

		if ((rc = notify_receive_msg(s->notify_fd, &msg)) == 0)
			break;
		s->m.notify_datagrams++;
		if (rc < 0)
			log_debug("%s: malformed datagram", __func__);
		else if (msg.kind == NOTIFY_REACTION)
			reaction_received(s, msg.session_id, msg.emoji);
		else
			got = 1;
	}
	if (got)
		server_hint(s);
}

/* "There is something new": fetch now, or after the gap. */
static void
server_hint(struct server *s)
{
	int64_t wait;

	/*
	 * In a burst (ratings at thousands a second), fetching on every
	 * hint would write to every client once per event; waiting out the
	 * gap sends each client what came meanwhile in one write.  A lone
	 * event still goes out at once.
	 */
	wait = s->fetch_us + SERVER_FETCH_GAP_US - now_us();
	if (wait <= 0) {
		(void)server_fetch(s);
		return;
	}
	s->hint_waiting = 1;
	if (s->fetch_due_us > now_us() + wait)
		fetch_schedule(s, wait);	/* never later than already due */
}

/*
 * An edge: new events from the stream are in the source's window.  This
 * runs in hiredis' libev callback, outside lws's service, and lws 4.1
 * re-arms its libev timer only in its own idle callback: a fetch that
 * server_hint schedules from here would wait for whatever timer was
 * armed before (up to the 250 ms poll).  Waking lws's service makes it
 * see the new timer.
 */
static void
source_ready(void *arg)
{
	struct server *s = arg;

	server_hint(s);
	lws_cancel_service(s->ctx);
}

static void
stop_timer(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_stop);

	log_info("stop: %d clients did not close in time",
	    s->m.clients_user + s->m.clients_admin);
	server_finish(s, 0);
}

static void
server_stop(struct server *s)
{
	if (s->stopping)
		return;
	s->stopping = s->hub.stopping = 1;
	log_info("stopping: closing %d clients",
	    s->m.clients_user + s->m.clients_admin);
	if (s->m.clients_user + s->m.clients_admin == 0) {
		server_finish(s, 0);
		return;
	}
	client_wake_all(&s->hub);
	lws_sul_schedule(s->ctx, 0, &s->sul_stop, stop_timer,
	    SERVER_STOP_GRACE_MS * LWS_US_PER_MS);
}

static void
signal_on_readable(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			server_stop(s);
		else if (si.ssi_signo == SIGHUP)
			log_info("SIGHUP: nothing to reload; clients stay");
	}
}

/* --- a child of the master ------------------------------------------------- */

static void server_metrics_gauges(struct server *);

/* The master renders the sum of its children's metrics. */
static void
server_link_metrics(struct server *s, uint32_t id)
{
	struct linkmsg_msg msg;

	server_metrics_gauges(s);
	memset(&msg, 0, sizeof(msg));
	msg.type = LINKMSG_METRICS;
	msg.id = id;
	msg.m = s->m;
	(void)linkmsg_send(s->link_fd, &msg);
}

/* The master's messages (peer.h).  -1 when it is gone: lws then closes
 * the link, and we stop as on SIGTERM. */
static int
server_link_readable(struct server *s)
{
	struct linkmsg_msg msg;
	int rc;

	while ((rc = linkmsg_receive(s->link_fd, &msg)) > 0) {
		if (msg.type == LINKMSG_OTHERS && !s->edge &&
		    (msg.raters != s->other_raters ||
		    msg.admins != s->other_admins)) {
			s->other_raters = msg.raters;
			s->other_admins = msg.admins;
			presence_changed(s);
		} else if (msg.type == LINKMSG_METRICS_ASK)
			server_link_metrics(s, msg.id);
	}
	if (rc != LINKMSG_CLOSED)
		return 0;
	log_warnx("process %d: the master is gone; stopping",
	    s->child->index);
	s->link_fd = -1;	/* lws closes it */
	server_stop(s);
	return -1;
}

static void
accept_resume(lws_sorted_usec_list_t *sul)
{
	struct server *s = lws_container_of(sul, struct server, sul_accept);

	for (int i = 0; i < s->nlisteners; i++)
		lws_rx_flow_control(s->listeners[i].wsi, 1);
}

static void
server_adopt(int conn, void *arg)
{
	struct server_listener *l = arg;

	/* lws closes conn when it cannot take it. */
	if (lws_adopt_socket_vhost(l->vh, conn) == NULL)
		log_warnx("%s: lws did not take a connection", __func__);
}

/*
 * A connection waits on a listener.  A shared one is every child's: we
 * take one per wake so the others get their turn (the least busy wakes
 * first).  Out of descriptors, we stop polling our listeners for a
 * moment rather than wake again at once; the connection waits in the
 * backlog.
 */
static void
server_accept(struct server *s, struct server_listener *l)
{
	if (acceptor_take(l->fd, l->shared ? 1 : SERVER_ACCEPT_BATCH,
	    server_adopt, l) != -1)
		return;
	for (int i = 0; i < s->nlisteners; i++)
		lws_rx_flow_control(s->listeners[i].wsi, 0);
	lws_sul_schedule(s->ctx, 0, &s->sul_accept, accept_resume,
	    SERVER_ACCEPT_PAUSE_MS * LWS_US_PER_MS);
}

/*
 * A child starts polling a listening socket (it owns fd from now on,
 * closed or not); its connections go to vh.  shared: the same socket
 * is every child's (the master's pushd_socket), else this child's own
 * (acceptor_tcp, SO_REUSEPORT).  0 or -1.
 */
static int
server_listener_add(struct server *s, struct lws_vhost *vh, int fd,
    int shared)
{
	struct server_listener *l;
	lws_sock_file_fd_type u;

	if (fd < 0 || s->nlisteners == SERVER_LISTENERS) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	l = &s->listeners[s->nlisteners++];
	l->fd = fd;
	l->shared = shared;
	l->vh = vh;
	u.filefd = fd;
	if ((l->wsi = lws_adopt_descriptor_vhost(s->vh_ws,
	    LWS_ADOPT_RAW_FILE_DESC, u, "memeter-push", NULL)) == NULL) {
		log_warnx("%s: cannot adopt listener fd %d", __func__, fd);
		return -1;
	}
	return 0;
}

/* A raw descriptor we adopted is readable. */
static int
server_raw_readable(struct server *s, int fd)
{
	if (fd == s->notify_fd)
		notify_on_readable(s);
	else if (fd == s->sig_fd)
		signal_on_readable(s);
	else if (fd == s->link_fd)
		return server_link_readable(s);
	for (int i = 0; i < s->nlisteners; i++)
		if (fd == s->listeners[i].fd)
			server_accept(s, &s->listeners[i]);
	return 0;
}

/* --- lws callbacks --------------------------------------------------------- */

static int
callback_push(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct server *s = server_of(wsi);
	struct client *c = user;

	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* Only upgrades are served here. */
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ||
		    lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return confirm_upgrade(s, wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return client_prepare(s, wsi, c);
	case LWS_CALLBACK_ESTABLISHED:
		client_established(s, wsi, c);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_write(&s->hub, c, now_us());
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_RECEIVE_PONG:
		if (rxguard_violated(lws_get_socket_fd(wsi))) {
			log_info("closing a %s client that sent an unmasked "
			    "frame (1002)", envelope_group_name(c->group));
			lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR,
			    (unsigned char *)"unmasked frame", 14);
			return -1;
		}
		/* Clients send nothing we use; anything proves they live. */
		log_debug("%s from a %s client", reason == LWS_CALLBACK_RECEIVE ?
		    "data" : "pong", envelope_group_name(c->group));
		client_heard(c, now_us());
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c->peer_closed = 1;
		return 0;
	case LWS_CALLBACK_CLOSED:
		client_gone(s, c);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		/* A connection refused after FILTER_PROTOCOL_CONNECTION never
		 * sees CLOSED; what client_prepare allocated goes here. */
		if (c != NULL) {
			struct push_pss *pss = (struct push_pss *)c;

			free(c->admin);
			c->admin = NULL;
			if (pss->peer_counted)
				peer_table_give(&s->peers, &pss->peer);
			pss->peer_counted = 0;
		}
		return 0;
	case LWS_CALLBACK_RAW_RX_FILE:
		return server_raw_readable(s, lws_get_socket_fd(wsi));
	default:
		return 0;
	}
}

/* The gauges, read where the metrics are rendered. */
static void
server_metrics_gauges(struct server *s)
{
	s->m.head_seq = s->fan.head;
	s->m.ring_messages_admin = s->fan.rings[0].count;
	s->m.ring_bytes_admin = s->fan.rings[0].bytes;
	s->m.ring_messages_user = s->fan.rings[1].count;
	s->m.ring_bytes_user = s->fan.rings[1].bytes;
	s->m.coalesced = s->fan.stats.superseded;
}

static int
callback_metrics(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct server *s = server_of(wsi);
	struct metrics_req *mr = user;
	unsigned char hdr[LWS_PRE + 512], *p = hdr + LWS_PRE,
	    *end = hdr + sizeof(hdr);

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (strcmp((const char *)in, "/metrics") != 0) {
			if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND,
			    NULL) || lws_http_transaction_completed(wsi))
				return -1;
			return 0;
		}
		server_metrics_gauges(s);
		mr->len = metrics_render(&s->m, (char *)mr->buf + LWS_PRE,
		    sizeof(mr->buf) - LWS_PRE);
		if (mr->len < 0) {
			log_warnx("%s: metrics do not fit", __func__);
			return -1;
		}
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK,
		    "text/plain; version=0.0.4", (lws_filepos_t)mr->len, &p,
		    end) || lws_finalize_write_http_header(wsi, hdr + LWS_PRE,
		    &p, end))
			return -1;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (lws_write(wsi, mr->buf + LWS_PRE, (size_t)mr->len,
		    LWS_WRITE_HTTP_FINAL) != mr->len)
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/*
 * rx: clients send only pongs, so a small receive buffer (it is per
 * connection).  tx: lws cuts every write into pieces of tx_packet_size,
 * or of rx_buffer_size when that is 0; a batch of frames must go out in
 * one send(), not in 276-byte pieces each waiting for POLLOUT.
 */
#define SERVER_RX_BUFFER	256
#define SERVER_TX_PACKET	(4 * CLIENT_WRITE_BYTES)

static const struct lws_protocols push_protocols[] = {
	{ "memeter-push", callback_push, sizeof(struct push_pss),
	    SERVER_RX_BUFFER, 0, NULL, SERVER_TX_PACKET },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocols metrics_protocols[] = {
	{ "memeter-metrics", callback_metrics, sizeof(struct metrics_req), 0, 0,
	    NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* --- setup ----------------------------------------------------------------- */

static void
server_lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_warnx("lws: %.*s", (int)n, line);
	else
		log_info("lws: %.*s", (int)n, line);
}

static int
adopt_fd(struct server *s, int fd)
{
	lws_sock_file_fd_type u;

	u.filefd = fd;
	if (lws_adopt_descriptor_vhost(s->vh_ws, LWS_ADOPT_RAW_FILE_DESC, u,
	    "memeter-push", NULL) == NULL) {
		log_warnx("%s: cannot adopt fd %d", __func__, fd);
		return -1;
	}
	return 0;
}

/* A lone pushd binds its listeners and the notify socket. */
static int
server_sockets(struct server *s)
{
	const struct config *cfg = s->cfg;

	s->vh_ws = cfg->pushd_port > 0 ?
	    listen_loopback(s->ctx, "memeter", cfg->pushd_port, push_protocols,
	    &s->retry, 0) :
	    listen_unix(s->ctx, "memeter", cfg->pushd_socket, push_protocols,
	    &s->retry, 0);
	if (s->vh_ws == NULL)
		return -1;
	if (cfg->pushd_listen[0] != '\0' && (s->vh_direct = listen_direct(
	    s->ctx, "direct", cfg, push_protocols, &s->retry, 0)) == NULL)
		return -1;
	if ((s->vh_metrics = listen_unix(s->ctx, "metrics", cfg->metrics_socket,
	    metrics_protocols, NULL, 0)) == NULL)
		return -1;
	if ((s->notify_fd = notify_receiver_open(cfg->notify_socket)) == -1 ||
	    adopt_fd(s, s->notify_fd) == -1)
		return -1;
	return 0;
}

/*
 * A child's direct listener: the TLS vhost without a socket, and its own
 * SO_REUSEPORT socket on pushd_listen, so the kernel spreads browsers
 * over the children.
 */
static int
server_child_direct(struct server *s)
{
	char host[64];
	int port;

	if (config_parse_listen(s->cfg->pushd_listen, host, sizeof(host),
	    &port) == -1 || (s->vh_direct = listen_direct_unbound(s->ctx,
	    "direct", s->cfg, push_protocols, &s->retry, 0)) == NULL)
		return -1;
	return server_listener_add(s, s->vh_direct, acceptor_tcp(host, port),
	    0);
}

/*
 * A child of the master: its vhost has no listener of its own
 * (server_accept() hands it the connections of the shared one), the
 * notify datagrams come relayed, and the metrics go to the master.
 */
static int
server_child_sockets(struct server *s)
{
	const struct pushd_child *ch = s->child;
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.vhost_name = "memeter";
	info.protocols = push_protocols;
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.retry_and_idle_policy = &s->retry;
	if ((s->vh_ws = lws_create_vhost(s->ctx, &info)) == NULL) {
		log_warnx("%s: lws_create_vhost failed", __func__);
		return -1;
	}
	if (server_listener_add(s, s->vh_ws, ch->listen_fd >= 0 ?
	    ch->listen_fd : acceptor_tcp("127.0.0.1", s->cfg->pushd_port),
	    ch->listen_fd >= 0) == -1)
		return -1;
	if (s->cfg->pushd_listen[0] != '\0' && server_child_direct(s) == -1)
		return -1;
	s->notify_fd = ch->notify_fd;
	s->link_fd = ch->link_fd;
	if (adopt_fd(s, s->notify_fd) == -1 || adopt_fd(s, s->link_fd) == -1)
		return -1;
	return 0;
}

/*
 * lws's own loop is poll(2): every turn walks every socket, most of the
 * time of a fan-out to 10k clients.  So pushd brings an epoll loop
 * (libev) that lws joins through its libev glue, a plugin Debian ships
 * apart (libwebsockets-evlib-ev); without it, poll(2) still works.
 */
static int
context_create(struct server *s)
{
	static void *foreign_loops[1];
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	/* VALIDATE_UTF8: lws closes a text frame that is not UTF-8 with
	 * 1007 (RFC 6455 8.1); it is read from the context's options. */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS |
	    LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.options |= listen_context_options(s->cfg);
	info.port = CONTEXT_PORT_NO_LISTEN;
	/* Bounds every upgrade request (the direct listener has no nginx to
	 * refuse a huge one first). */
	info.max_http_header_data = LISTEN_MAX_HEADER_BYTES;
	info.user = s;
	if ((s->loop = ev_loop_new(EVBACKEND_EPOLL)) != NULL) {
		foreign_loops[0] = s->loop;
		info.foreign_loops = foreign_loops;
		info.options |= LWS_SERVER_OPTION_LIBEV;
		if ((s->ctx = lws_create_context(&info)) != NULL)
			return 0;
		log_warnx("%s: no libev support in libwebsockets; using poll(2)",
		    __func__);
		ev_loop_destroy(s->loop);
		s->loop = NULL;
		info.foreign_loops = NULL;
		info.options &= ~LWS_SERVER_OPTION_LIBEV;
	}
	if ((s->ctx = lws_create_context(&info)) == NULL) {
		log_warnx("%s: lws_create_context failed", __func__);
		return -1;
	}
	return 0;
}

/*
 * The workers create and migrate the database; at boot pushd may come
 * first, so it waits a little for a source it can read.
 */
static int
source_start(struct server *s, int64_t *head)
{
	int64_t deadline = now_us() + SERVER_SOURCE_WAIT_MS * 1000LL;
	const struct source_ops *ops = s->edge ? &source_redis : &source_store;
	char where[512];

	if (s->edge)
		snprintf(where, sizeof(where), "%s %s", s->cfg->redis_url,
		    s->cfg->redis_stream);
	else
		snprintf(where, sizeof(where), "%s", s->cfg->db_path);
	for (;;) {
		if (source_open(&s->src, ops, where) == 0) {
			if (source_head(&s->src, head) == 0)
				return 0;
			source_close(&s->src);
		}
		if (now_us() > deadline) {
			log_warnx("%s: %s: no readable %s", __func__, where,
			    s->edge ? "stream" : "events table");
			return -1;
		}
		usleep(100 * 1000);
	}
}

static int
server_setup(struct server *s, const struct config *cfg, int sigfd,
    const struct pushd_child *child)
{
	int ping = cfg->ping_seconds, hangup = cfg->hangup_seconds;
	int64_t head;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	snprintf(s->origins, sizeof(s->origins), "%s %s", cfg->site_origin,
	    cfg->public_url);
	s->notify_fd = s->sig_fd = s->link_fd = -1;
	s->child = child;
	client_hub_init(&s->hub, &server_io, &s->fan, &s->src, &s->m);
	reactions_init(&s->reactions);
	s->hub.reactions = &s->reactions;
	if (strcmp(cfg->source, "redis") == 0)
		s->edge = 1;
	else if (strcmp(cfg->source, "sqlite") != 0) {
		log_warnx("%s: source \"%s\" is not sqlite or redis", __func__,
		    cfg->source);
		return -1;
	}
	if (source_start(s, &head) == -1)
		return -1;
	s->m.source_up = 1;
	if (fanout_init(&s->fan, (size_t)cfg->send_queue, head,
	    SERVER_COALESCE_MS * LWS_US_PER_MS) == -1)
		return -1;
	activity_init(&s->activity);
	s->hub.activity = &s->activity;
	s->fan.observe = activity_observe;
	s->fan.observe_arg = s;
	if (hangup <= ping) {
		log_warnx("%s: hangup_seconds %d <= ping_seconds %d; using %d",
		    __func__, hangup, ping, ping * 2);
		hangup = ping * 2;
	}
	s->hub.ping_us = (int64_t)ping * LWS_US_PER_SEC;
	s->hub.hangup_us = (int64_t)hangup * LWS_US_PER_SEC;
	s->hub.stall_us = (int64_t)(ping > 2 ? ping : 2) * LWS_US_PER_SEC;

	lws_set_log_level(LLL_ERR | LLL_WARN, server_lws_log);
	if (context_create(s) == -1)
		return -1;
	if ((child != NULL ? server_child_sockets(s) : server_sockets(s)) == -1)
		return -1;
	s->sig_fd = sigfd;
	if (adopt_fd(s, sigfd) == -1)
		return -1;
	fetch_schedule(s, SERVER_FETCH_MS * LWS_US_PER_MS);
	if (s->edge && s->loop != NULL)
		(void)source_redis_follow(s->src.h, s->loop, source_ready, s);
	if (s->edge)
		cluster_timer(&s->sul_cluster);
	lws_sul_schedule(s->ctx, 0, &s->sul_sweep, sweep_timer,
	    SERVER_SWEEP_MS * LWS_US_PER_MS);
	return 0;
}

/* lws closes adopted descriptors itself in some versions: close only
 * what is still open. */
static void
close_if_open(int fd)
{
	if (fd >= 0 && fcntl(fd, F_GETFD) != -1)
		close(fd);
}

static void
server_teardown(struct server *s)
{
	s->stopping = s->hub.stopping = s->done = 1; /* closes must not re-arm */
	if (s->ctx != NULL)
		lws_context_destroy(s->ctx);
	s->ctx = NULL;
	source_close(&s->src);	/* an edge's Redis watchers are on the loop */
	if (s->loop != NULL)
		ev_loop_destroy(s->loop);
	s->loop = NULL;
	close_if_open(s->notify_fd);
	close_if_open(s->link_fd);
	for (int i = 0; i < s->nlisteners; i++)
		close_if_open(s->listeners[i].fd);
	/* A child's notify_fd is the master's relay; the socket is its. */
	if (s->child == NULL && s->cfg->notify_socket[0] != '\0' &&
	    s->notify_fd >= 0)
		(void)unlink(s->cfg->notify_socket);
	fanout_free(&s->fan);
	activity_free(&s->activity);
	client_hub_free(&s->hub);
	peer_table_free(&s->peers);
}

int
pushd_serve(const struct config *cfg, int sigfd,
    const struct pushd_child *child)
{
	struct server *s;
	int status;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("%s: calloc", __func__);
		return 1;
	}
	if (server_setup(s, cfg, sigfd, child) == -1) {
		server_teardown(s);
		free(s);
		return 1;
	}
	if (child != NULL)
		log_info("process %d of %d: serving %s%s", child->index,
		    cfg->pushd_processes, child->listen_fd >= 0 ?
		    "the shared listener " : "127.0.0.1 with SO_REUSEPORT",
		    child->listen_fd >= 0 ? cfg->pushd_socket : "");
	else if (cfg->pushd_port > 0)
		log_info("listening on 127.0.0.1:%d", cfg->pushd_port);
	else
		log_info("listening on %s", cfg->pushd_socket);
	log_info("head seq %" PRId64 ", %d messages per ring, metrics on %s%s",
	    s->fan.head, cfg->send_queue, cfg->metrics_socket,
	    child != NULL ? " (the master's)" : "");
	log_info("event loop: %s", s->loop != NULL ? "epoll" : "poll");
	if (s->loop != NULL)
		ev_run(s->loop, 0);
	else
		while (!s->done)
			if (lws_service(s->ctx, 0) < 0)
				break;
	server_teardown(s);
	status = s->status;
	free(s);
	log_info("stopped");
	return status;
}
