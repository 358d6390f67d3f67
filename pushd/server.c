/*
 * pushd's event loop: WebSocket clients, the notify datagrams, the
 * metrics endpoint and the timers, all on one libwebsockets context.
 *
 * Data flow.  The events table is the truth; head is the last seq read
 * from it.  Each event is rendered once per group and written once into
 * that group's ring (ring.h); a live client is a position in its ring.
 * After a fetch every client of the group is written what it has not had
 * yet, as frames batched into one write (frame.h), at once; only a client
 * whose socket is full waits for lws's WRITEABLE.  A client that connects
 * with ?since=SEQ below what the ring covers is replayed from the table
 * up to head, and then follows the ring from where the replay stopped:
 * its position is always a seq, so nothing is lost or sent twice while
 * events keep arriving.
 *
 * Close codes sent by pushd:
 *   1001  going away: pushd is stopping (SIGTERM); reconnect with since.
 *   4008  too slow: the client had messages waiting and took none for
 *         PUSHD_STALL seconds (max(ping_seconds, 2)); reconnect with since.
 * A client that merely falls behind the ring is not closed: it gets
 * {"type":"resync","seq":HEAD} and follows from HEAD.
 *
 * Keepalive is pushd's own, in the once-a-second sweep: a client silent
 * for ping_seconds gets a PING, one silent (no pong, no data) for
 * hangup_seconds is dropped.  lws's per-connection validity timers would
 * do the same, but lws 4.1 keeps them in one sorted list and re-inserts
 * one (a linear walk) on every write: quadratic in a fan-out to 10k.
 */
#include "server.h"

#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

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
#include <sqlite3.h>

#include "coalesce.h"
#include "cookie.h"
#include "config.h"
#include "db.h"
#include "event.h"
#include "filter.h"
#include "frame.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "ring.h"
#include "timeutil.h"
#include "token.h"

#define PUSHD_FETCH_MS		250	/* poll the table in case a hint is lost */
#define PUSHD_FETCH_BATCH	512	/* events per fetch before yielding */
#define PUSHD_FETCH_GAP_US	4000	/* hints closer than this: one fetch */
#define PUSHD_COALESCE_MS	250	/* user stats_updated: at most 4 a second */
#define PUSHD_PRESENCE_MS	250	/* presence: at most 4 a second */
#define PUSHD_SWEEP_MS		1000	/* slow-consumer check */
#define PUSHD_STOP_GRACE_MS	2000	/* SIGTERM: wait this long for closes */
#define PUSHD_REPLAY_SCAN	2000	/* rows looked at per replay step */
#define PUSHD_WRITE_BYTES	16384	/* one write's frames; more wait a turn */
#define PUSHD_DB_WAIT_MS	10000	/* start: wait for the database */
#define PUSHD_CTL_MAX		256	/* hello, resync, presence */
#define PUSHD_CLOSE_TOO_SLOW	4008

#define GROUP_INDEX(g)	((g) == EVENT_GROUP_ADMIN ? 0 : 1)

enum client_state { CLIENT_REPLAY, CLIENT_LIVE };

/* Per-connection data, allocated and zeroed by lws (the pss). */
struct client {
	struct lws		*wsi;
	TAILQ_ENTRY(client)	 entry;
	int			 group;		/* EVENT_GROUP_* */
	int			 registered;	/* in a client list */
	int			 has_since;
	int64_t			 since;
	enum client_state	 state;
	int64_t			 cseq;		/* last seq delivered or passed */
	uint64_t		 tail;		/* next ring position (live) */
	int			 hello_sent;
	int			 resync;	/* a resync is due */
	int			 doomed;	/* closing as too slow */
	int			 peer_closed;	/* sent a close: nothing more */
	int			 ping_due;	/* send a PING next */
	int64_t			 rx_us;		/* last data or pong from it */
	int64_t			 ping_us;	/* last PING sent */
	uint32_t		 presence_gen;	/* presence last sent */
	int64_t			 progress_us;	/* last write, or last idle */
};
TAILQ_HEAD(client_list, client);

/* Per-request data of the metrics endpoint. */
struct metrics_req {
	int		 len;
	unsigned char	 buf[LWS_PRE + 8192];
};

static struct pushd {
	const struct config	*cfg;
	struct lws_context	*ctx;
	struct ev_loop		*loop;		/* epoll; NULL: lws's poll(2) */
	struct lws_vhost	*vh_ws;
	struct lws_vhost	*vh_metrics;
	sqlite3			*db;
	sqlite3_stmt		*st_after;	/* events (?1, ?2] in order */
	sqlite3_stmt		*st_first;	/* oldest kept seq */
	sqlite3_stmt		*st_admin;	/* valid admin session */
	struct ring		 rings[2];	/* by GROUP_INDEX */
	struct client_list	 clients[2];
	struct coalesce		 stats;		/* user stats_updated */
	struct ws_batch		 out;		/* frames for one client's write */
	int64_t			 head;		/* last seq fanned out */
	int64_t			 fetch_us;	/* last fetch */
	int64_t			 fetch_due_us;	/* next fetch on the timer */
	int			 hint_waiting;	/* a hint waits out the gap */
	unsigned char		*presence;	/* LWS_PRE + current presence */
	size_t			 presence_len;
	uint32_t		 presence_gen;
	int			 presence_raters, presence_admins;
	int64_t			 presence_last_us;
	int			 presence_pending;
	lws_sorted_usec_list_t	 sul_fetch, sul_coalesce, sul_presence,
				 sul_sweep, sul_stop;
	lws_retry_bo_t		 retry;		/* all zero: no lws validity */
	int64_t			 ping_us, hangup_us;
	int			 notify_fd, sig_fd;
	int			 stopping, done, status;
	struct pushd_metrics	 m;
} P;

static int64_t
now_us(void)
{
	return (int64_t)time_monotonic_us();
}

static struct ring *
ring_of(int group)
{
	return &P.rings[GROUP_INDEX(group)];
}

static void
pushd_finish(int status)
{
	if (P.done)
		return;
	P.done = 1;
	P.status = status;
	if (P.loop != NULL)
		ev_break(P.loop, EVBREAK_ALL);
	else
		lws_cancel_service(P.ctx);
}

/* --- the database ---------------------------------------------------------- */

static int
db_prepare(void)
{
	static const struct {
		sqlite3_stmt	**st;
		const char	 *sql;
	} stmts[] = {
		{ &P.st_after, "SELECT seq,type,data,ts FROM events "
		    "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq" },
		{ &P.st_first, "SELECT min(seq) FROM events" },
		{ &P.st_admin, "SELECT 1 FROM admin_sessions "
		    "WHERE token_hash = ?1 AND expires_at > ?2" },
	};

	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		if (sqlite3_prepare_v3(P.db, stmts[i].sql, -1,
		    SQLITE_PREPARE_PERSISTENT, stmts[i].st, NULL) != SQLITE_OK) {
			log_debug("%s: %s", __func__, sqlite3_errmsg(P.db));
			return -1;
		}
	}
	return 0;
}

static void
db_close_all(void)
{
	sqlite3_finalize(P.st_after);
	sqlite3_finalize(P.st_first);
	sqlite3_finalize(P.st_admin);
	P.st_after = P.st_first = P.st_admin = NULL;
	sqlite3_close_v2(P.db);
	P.db = NULL;
}

/*
 * The workers create and migrate the database; at boot pushd may come
 * first, so it waits a little for a schema it can read.
 */
static int
db_start(const char *path)
{
	int64_t deadline = now_us() + PUSHD_DB_WAIT_MS * 1000LL;

	for (;;) {
		if ((P.db = db_open(path, DB_READONLY)) != NULL &&
		    db_prepare() == 0 && (P.head = event_head(P.db)) >= 0)
			return 0;
		db_close_all();
		if (now_us() > deadline) {
			log_warnx("%s: %s: no readable events table", __func__,
			    path);
			return -1;
		}
		usleep(100 * 1000);
	}
}

/* The oldest seq still in the table, 0 if it is empty, -1 on error. */
static int64_t
db_first_seq(void)
{
	int64_t first = -1;

	if (sqlite3_step(P.st_first) == SQLITE_ROW)
		first = sqlite3_column_int64(P.st_first, 0);
	else
		log_warnx("%s: %s", __func__, sqlite3_errmsg(P.db));
	sqlite3_reset(P.st_first);
	return first;
}

static int
db_admin_valid(const char *token)
{
	unsigned char hash[SHA256_BYTES];
	int ok;

	token_sha256(token, strlen(token), hash);
	sqlite3_bind_blob(P.st_admin, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(P.st_admin, 2, time_unix_now());
	ok = sqlite3_step(P.st_admin) == SQLITE_ROW;
	sqlite3_reset(P.st_admin);
	sqlite3_clear_bindings(P.st_admin);
	return ok;
}

/* --- fan-out --------------------------------------------------------------- */

static int client_write(struct client *);
static int client_has_work(const struct client *);
static void client_doom(struct client *, const char *);

static void
wake_group(int group)
{
	struct client *c;

	for (c = TAILQ_FIRST(&P.clients[GROUP_INDEX(group)]); c != NULL;
	    c = TAILQ_NEXT(c, entry))
		lws_callback_on_writable(c->wsi);
}

/*
 * Writes to every client of the group what waits for it, now.  Asking
 * lws for WRITEABLE instead would cost two changes of the poll set per
 * client (on, then off again: two epoll_ctl(2) calls) and a loop turn
 * for every event; a socket that did not take a whole write is left to
 * lws, which finishes it and then asks for WRITEABLE itself.
 */
static void
flush_group(int group)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(&P.clients[GROUP_INDEX(group)]); c != NULL;
	    c = next) {
		next = TAILQ_NEXT(c, entry);
		/* A newcomer's first write (hello) waits for its WRITEABLE. */
		if (c->doomed || c->peer_closed || !c->hello_sent ||
		    !client_has_work(c))
			continue;
		if (lws_partial_buffered(c->wsi))
			lws_callback_on_writable(c->wsi);
		else if (client_write(c) == -1)
			client_doom(c, "could not be written to");
	}
}

static void
push_user(int64_t seq, const char *payload, size_t len)
{
	if (ring_push(ring_of(EVENT_GROUP_USER), seq, payload, len) == -1)
		log_warnx("%s: seq %" PRId64 " dropped", __func__, seq);
}

/* Sends the held stats_updated now; 1 if there was one. */
static int
coalesce_flush(void)
{
	int64_t seq;
	char *payload;
	size_t len;

	if (!coalesce_take(&P.stats, now_us(), &seq, &payload, &len))
		return 0;
	push_user(seq, payload, len);
	free(payload);
	return 1;
}

static void
coalesce_timer(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	if (coalesce_flush())
		flush_group(EVENT_GROUP_USER);
}

/* Puts one rendered event into the rings; returns the groups touched. */
static int
fanout_event(int64_t seq, struct pushd_render *r)
{
	int touched = 0;

	if (r->admin != NULL) {
		if (ring_push(ring_of(EVENT_GROUP_ADMIN), seq, r->admin,
		    r->admin_len) == -1)
			log_warnx("%s: seq %" PRId64 " dropped", __func__, seq);
		touched |= EVENT_GROUP_ADMIN;
	}
	if (r->user == NULL)
		return touched;
	if (!r->user_latest_wins) {
		/* Nothing may overtake a held stats_updated. */
		coalesce_flush();
		push_user(seq, r->user, r->user_len);
		return touched | EVENT_GROUP_USER;
	}
	if (coalesce_offer(&P.stats, now_us(), seq, r->user, r->user_len)) {
		push_user(seq, r->user, r->user_len);
		return touched | EVENT_GROUP_USER;
	}
	r->user = NULL;		/* held: P.stats owns it now */
	lws_sul_schedule(P.ctx, 0, &P.sul_coalesce, coalesce_timer,
	    coalesce_due(&P.stats) - now_us());
	return touched;
}

static void fetch_timer(lws_sorted_usec_list_t *);

static void
fetch_schedule(int64_t delay_us)
{
	P.fetch_due_us = now_us() + delay_us;
	lws_sul_schedule(P.ctx, 0, &P.sul_fetch, fetch_timer, delay_us);
}

/*
 * Reads the events after head, fans them out and wakes the clients of
 * the groups that got something.  Bounded per call so a burst cannot
 * starve the clients; the rest follows soon from the timer.  Returns 1
 * if more may be waiting.
 */
static int
pushd_fetch(void)
{
	struct pushd_render r;
	int touched = 0, n = 0, rc = SQLITE_DONE, batch;

	/* Half a ring at a time: a burst must not lap a client that keeps
	 * up before it had a chance to write. */
	batch = (int)(P.rings[0].size / 2 < PUSHD_FETCH_BATCH ?
	    P.rings[0].size / 2 : PUSHD_FETCH_BATCH);
	sqlite3_bind_int64(P.st_after, 1, P.head);
	sqlite3_bind_int64(P.st_after, 2, INT64_MAX);
	while (n < batch &&
	    (rc = sqlite3_step(P.st_after)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(P.st_after, 0);

		n++;
		if (pushd_render_event(seq,
		    (const char *)sqlite3_column_text(P.st_after, 1),
		    (const char *)sqlite3_column_text(P.st_after, 2),
		    (const char *)sqlite3_column_text(P.st_after, 3),
		    EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r) == 0) {
			touched |= fanout_event(seq, &r);
			pushd_render_clear(&r);
		}
		P.head = seq;
	}
	if (n < batch && rc != SQLITE_DONE)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(P.db));
	sqlite3_reset(P.st_after);
	P.fetch_us = now_us();
	P.hint_waiting = 0;
	P.m.fetches++;
	P.m.events_read += (uint64_t)n;
	if (touched & EVENT_GROUP_ADMIN)
		flush_group(EVENT_GROUP_ADMIN);
	if (touched & EVENT_GROUP_USER)
		flush_group(EVENT_GROUP_USER);
	fetch_schedule(n == batch ? 1000 : PUSHD_FETCH_MS * LWS_US_PER_MS);
	return n == batch;	/* more may be waiting */
}

static void
fetch_timer(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	(void)pushd_fetch();
}

/* --- presence -------------------------------------------------------------- */

static void
presence_timer(lws_sorted_usec_list_t *sul)
{
	char text[PUSHD_CTL_MAX];
	unsigned char *buf;
	int n;

	(void)sul;
	P.presence_pending = 0;
	P.presence_last_us = now_us();
	if (P.presence != NULL && P.presence_raters == P.m.clients_user &&
	    P.presence_admins == P.m.clients_admin) {
		/* Same counts: only the newcomers (gen 0) still need it. */
		flush_group(EVENT_GROUP_USER);
		flush_group(EVENT_GROUP_ADMIN);
		return;
	}
	n = pushd_fmt_presence(text, sizeof(text), P.m.clients_user,
	    P.m.clients_admin);
	if ((buf = malloc(LWS_PRE + (size_t)n)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return;
	}
	memcpy(buf + LWS_PRE, text, (size_t)n);
	free(P.presence);
	P.presence = buf;
	P.presence_len = (size_t)n;
	P.presence_gen++;
	P.presence_raters = P.m.clients_user;
	P.presence_admins = P.m.clients_admin;
	flush_group(EVENT_GROUP_USER);
	flush_group(EVENT_GROUP_ADMIN);
}

/* Counts changed: tell everyone, at most every PUSHD_PRESENCE_MS. */
static void
presence_changed(void)
{
	int64_t wait;

	if (P.presence_pending || P.stopping)
		return;
	P.presence_pending = 1;
	wait = P.presence_last_us + PUSHD_PRESENCE_MS * LWS_US_PER_MS - now_us();
	lws_sul_schedule(P.ctx, 0, &P.sul_presence, presence_timer,
	    wait > 0 ? wait : 1);
}

/* --- one client ------------------------------------------------------------ */

/* Skips the client ahead to head; it reloads its state from the API. */
static void
client_resync(struct client *c)
{
	c->resync = 1;
	c->state = CLIENT_LIVE;
	c->cseq = P.head;
	c->tail = ring_of(c->group)->head;
}

/* Where a new client starts: the ring, a replay, or a resync. */
static void
client_position(struct client *c)
{
	struct ring *r = ring_of(c->group);
	int64_t first;

	/* A newcomer starts from (and its hello tells) the head as it is
	 * now, not as of before the hints that wait out the gap. */
	if (P.hint_waiting)
		(void)pushd_fetch();
	if (!c->has_since) {
		c->state = CLIENT_LIVE;
		c->cseq = P.head;
		c->tail = r->head;
		return;
	}
	/* It may have read a seq from the API before our hint arrived. */
	while (c->since > P.head && pushd_fetch())
		;
	if (c->since > P.head) {
		client_resync(c);
		return;
	}
	if (c->since >= r->base_seq) {
		c->state = CLIENT_LIVE;
		c->cseq = c->since;
		c->tail = ring_find_after(r, c->since);
		return;
	}
	first = db_first_seq();
	if (first < 0 || (first > 0 && c->since < first - 1)) {
		client_resync(c);
		return;
	}
	c->state = CLIENT_REPLAY;
	c->cseq = c->since;
	P.m.replays++;
}

/* Queues a message for the client's next write (client_write). */
static int
client_send(const void *payload, size_t len)
{
	if (ws_batch_add(&P.out, WS_OP_TEXT, payload, len) == -1)
		return -1;
	P.m.messages_sent++;
	return 0;
}

static int
client_send_text(const char *text, int n)
{
	if (n < 0 || n >= PUSHD_CTL_MAX)
		return -1;
	return client_send(text, (size_t)n);
}

/* An event went out: the client is making progress (resyncs and the
 * other control messages do not count: a client that only ever gets
 * resync is not keeping up). */
static void
count_event(struct client *c)
{
	c->progress_us = now_us();
	if (c->group == EVENT_GROUP_ADMIN)
		P.m.events_sent_admin++;
	else
		P.m.events_sent_user++;
}

/*
 * One replay step: sends the next event after cseq the group may see,
 * from the table, up to head.  Returns 1 if it sent one, 2 if it only
 * moved on (more to do), 0 when the replay is over (the client is live
 * now), -1 to close.
 */
static int
client_replay(struct client *c)
{
	struct ring *r = ring_of(c->group);
	struct pushd_render rd;
	int rc, scanned = 0, sent = 0, gap = 0;
	int64_t seq;

	if (c->cseq >= r->base_seq) {
		c->state = CLIENT_LIVE;
		c->tail = ring_find_after(r, c->cseq);
		return 0;
	}
	sqlite3_bind_int64(P.st_after, 1, c->cseq);
	sqlite3_bind_int64(P.st_after, 2, P.head);
	while (!sent && scanned < PUSHD_REPLAY_SCAN &&
	    (rc = sqlite3_step(P.st_after)) == SQLITE_ROW) {
		const char *type, *text;

		seq = sqlite3_column_int64(P.st_after, 0);
		/* Seqs never have holes: one means the rows were pruned. */
		if (seq != c->cseq + 1) {
			gap = 1;
			break;
		}
		c->cseq = seq;
		scanned++;
		type = (const char *)sqlite3_column_text(P.st_after, 1);
		if (!(event_groups(type) & c->group) ||
		    pushd_render_event(seq, type,
		    (const char *)sqlite3_column_text(P.st_after, 2),
		    (const char *)sqlite3_column_text(P.st_after, 3), c->group,
		    &rd) == -1)
			continue;
		text = c->group == EVENT_GROUP_ADMIN ? rd.admin : rd.user;
		if (text != NULL) {
			if (client_send(text, strlen(text)) == -1) {
				pushd_render_clear(&rd);
				sqlite3_reset(P.st_after);
				return -1;
			}
			count_event(c);
			P.m.replayed_events++;
			sent = 1;
		}
		pushd_render_clear(&rd);
	}
	sqlite3_reset(P.st_after);
	if (sent)
		return 1;
	if (scanned == PUSHD_REPLAY_SCAN && !gap)
		return 2;
	if (gap || c->cseq < P.head) {
		log_info("replay: events after %" PRId64 " are gone; resync",
		    c->cseq);
		client_resync(c);
		return 2;
	}
	c->state = CLIENT_LIVE;
	c->tail = ring_find_after(r, c->cseq);
	return 0;
}

/* One live step: the next ring message; 1 sent, 0 none, -1 close. */
static int
client_live(struct client *c)
{
	struct ring *r = ring_of(c->group);
	const struct ring_msg *m;

	while (c->tail < r->head) {
		if (c->tail < ring_oldest(r)) {
			/* Fell behind the ring: skip ahead, it reloads. */
			client_resync(c);
			return 0;
		}
		m = ring_get(r, c->tail);
		c->tail++;
		if (m->seq <= c->cseq)
			continue;	/* replayed already */
		if (client_send(ring_payload(m), m->len) == -1)
			return -1;
		c->cseq = m->seq;
		count_event(c);
		return 1;
	}
	return 0;
}

/* Presence is due unless a fresher one is about to be built. */
static int
client_presence_due(const struct client *c)
{
	return P.presence != NULL && !P.presence_pending &&
	    c->presence_gen != P.presence_gen;
}

static int
client_has_work(const struct client *c)
{
	return c->ping_due || !c->hello_sent || c->resync ||
	    c->state == CLIENT_REPLAY ||
	    client_presence_due(c) || c->tail < ring_of(c->group)->head;
}

/* One message (or one move), in the order the protocol wants: hello,
 * resync, presence, then events.  1 sent, 0 not, -1 close. */
static int
client_step(struct client *c)
{
	char text[PUSHD_CTL_MAX];
	int rc = 0, n;

	if (c->ping_due) {
		c->ping_due = 0;
		c->ping_us = now_us();
		return ws_batch_add(&P.out, WS_OP_PING, "p", 1) == -1 ? -1 : 1;
	}
	if (!c->hello_sent) {
		n = pushd_fmt_hello(text, sizeof(text), P.head, c->group);
		rc = client_send_text(text, n);
		c->hello_sent = 1;
	} else if (c->resync) {
		n = pushd_fmt_resync(text, sizeof(text), c->cseq);
		rc = client_send_text(text, n);
		c->resync = 0;
		P.m.resyncs++;
	} else if (client_presence_due(c)) {
		rc = client_send(P.presence + LWS_PRE, P.presence_len);
		c->presence_gen = P.presence_gen;
	} else {
		if (c->state == CLIENT_REPLAY)
			rc = client_replay(c);
		if (rc == 0 && c->state == CLIENT_LIVE && !c->resync)
			rc = client_live(c);
	}
	return rc < 0 ? -1 : 1;
}

/*
 * WRITEABLE: what is waiting, up to PUSHD_WRITE_BYTES (to be fair to the
 * others), framed into one buffer and written at once.  Whatever the
 * socket does not take lws keeps and sends before the next WRITEABLE, so
 * a client never holds more than one write's worth in pushd's memory.
 */
static int
client_write(struct client *c)
{
	int rc;

	if (c->doomed)
		return -1;
	if (c->peer_closed)
		return 0;	/* lws answers the close; data may not follow */
	if (P.stopping) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_GOINGAWAY,
		    (unsigned char *)"server stopping", 15);
		return -1;
	}
	ws_batch_reset(&P.out);
	do {
		if (client_step(c) == -1)
			return -1;
	} while (client_has_work(c) && P.out.len < PUSHD_WRITE_BYTES);
	if (P.out.len > 0) {
		rc = lws_write(c->wsi, ws_batch_data(&P.out), P.out.len,
		    LWS_WRITE_RAW);
		if (rc < (int)P.out.len) {
			log_debug("%s: write failed", __func__);
			return -1;
		}
		P.m.writes++;
	}
	if (client_has_work(c))
		lws_callback_on_writable(c->wsi);
	return 0;
}

static void
client_open(struct lws *wsi, struct client *c)
{
	c->wsi = wsi;
	c->registered = 1;
	c->progress_us = c->rx_us = c->ping_us = now_us();
	TAILQ_INSERT_TAIL(&P.clients[GROUP_INDEX(c->group)], c, entry);
	if (c->group == EVENT_GROUP_ADMIN)
		P.m.clients_admin++;
	else
		P.m.clients_user++;
	P.m.connections++;
	client_position(c);
	presence_changed();
	lws_callback_on_writable(wsi);
}

static void
client_closed(struct client *c)
{
	if (!c->registered)
		return;
	log_debug("%s client closed at seq %" PRId64 "%s%s",
	    pushd_group_name(c->group), c->cseq, c->doomed ? " (doomed)" : "",
	    lws_partial_buffered(c->wsi) ? " with a write pending" : "");
	c->registered = 0;
	TAILQ_REMOVE(&P.clients[GROUP_INDEX(c->group)], c, entry);
	if (c->group == EVENT_GROUP_ADMIN)
		P.m.clients_admin--;
	else
		P.m.clients_user--;
	presence_changed();
	if (P.stopping && TAILQ_EMPTY(&P.clients[0]) &&
	    TAILQ_EMPTY(&P.clients[1]))
		pushd_finish(0);
}

/* Closes a client from outside its callbacks (lws does it soon after). */
static void
client_doom(struct client *c, const char *why)
{
	c->doomed = 1;
	log_info("closing a %s client that %s", pushd_group_name(c->group), why);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/*
 * Keepalive (see the top of the file), and closes clients that have had
 * messages waiting without taking any for
 * the stall time: they stopped reading (the kernel buffers are full) and
 * would only hold memory.  Close code 4008; they resume with since.
 */
static void
sweep_timer(lws_sorted_usec_list_t *sul)
{
	int64_t now = now_us(), stall;
	struct client *c;

	(void)sul;
	stall = (int64_t)(P.cfg->ping_seconds > 2 ? P.cfg->ping_seconds : 2) *
	    LWS_US_PER_SEC;
	for (int g = 0; g < 2; g++) {
		for (c = TAILQ_FIRST(&P.clients[g]); c != NULL;
		    c = TAILQ_NEXT(c, entry)) {
			if (c->doomed)
				continue;
			if (now - c->rx_us >= P.hangup_us) {
				client_doom(c, "was silent too long (no pong)");
				P.m.hangups++;
				continue;
			}
			/* Stalled?  Judged before this turn's ping is due. */
			if (!client_has_work(c) && !lws_partial_buffered(c->wsi))
				c->progress_us = now;
			else if (now - c->progress_us >= stall) {
				P.m.slow_closes++;
				lws_close_reason(c->wsi, PUSHD_CLOSE_TOO_SLOW,
				    (unsigned char *)"too slow", 8);
				client_doom(c, "stopped reading (4008)");
				continue;
			}
			if (now - c->rx_us >= P.ping_us && !c->ping_due &&
			    now - c->ping_us >= P.ping_us) {
				c->ping_due = 1;
				lws_callback_on_writable(c->wsi);
			}
		}
	}
	lws_sul_schedule(P.ctx, 0, &P.sul_sweep, sweep_timer,
	    PUSHD_SWEEP_MS * LWS_US_PER_MS);
}

/* --- the upgrade ----------------------------------------------------------- */

static int
refuse(struct lws *wsi, unsigned int status, uint64_t *counter,
    const char *why)
{
	(*counter)++;
	log_info("refused upgrade (%u): %s", status, why);
	if (lws_return_http_status(wsi, status, NULL))
		return -1;
	return 1;
}

/* HTTP_CONFIRM_UPGRADE: the headers are parsed, nothing is answered yet. */
static int
confirm_upgrade(struct lws *wsi)
{
	char path[128], origin[256], cookie[2048], token[256], arg[64];
	const char *since;
	int64_t v;
	int group, n;

	origin[0] = '\0';
	if (P.stopping)
		return refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    &P.m.refused_request, "stopping");
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0 ||
	    (group = pushd_path_group(path)) == 0)
		return refuse(wsi, HTTP_STATUS_NOT_FOUND, &P.m.refused_path,
		    "unknown path");
	n = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
	if (n > 0 && (n >= (int)sizeof(origin) ||
	    lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0 ||
	    !pushd_origin_ok(origin, P.cfg->site_origin))) {
		log_info("origin %.80s is not %s", n < (int)sizeof(origin) ?
		    origin : "(too long)", P.cfg->site_origin);
		return refuse(wsi, HTTP_STATUS_FORBIDDEN, &P.m.refused_origin,
		    "origin");
	}
	since = lws_get_urlarg_by_name(wsi, "since=", arg, sizeof(arg));
	if (since != NULL && pushd_parse_since(since, &v) == -1)
		return refuse(wsi, HTTP_STATUS_BAD_REQUEST, &P.m.refused_request,
		    "bad since");
	if (group == EVENT_GROUP_ADMIN &&
	    (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) >=
	    (int)sizeof(cookie) ||
	    lws_hdr_copy(wsi, cookie, sizeof(cookie), WSI_TOKEN_HTTP_COOKIE) <= 0 ||
	    pushd_cookie_get(cookie, COOKIE_ADMIN, token, sizeof(token)) == -1 ||
	    !db_admin_valid(token)))
		return refuse(wsi, HTTP_STATUS_UNAUTHORIZED, &P.m.refused_auth,
		    "no valid admin session");
	return 0;
}

/* FILTER_PROTOCOL_CONNECTION: the pss exists now; note what was asked. */
static int
client_prepare(struct lws *wsi, struct client *c)
{
	char path[128], arg[64];
	const char *since;

	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0 ||
	    (c->group = pushd_path_group(path)) == 0)
		return -1;
	since = lws_get_urlarg_by_name(wsi, "since=", arg, sizeof(arg));
	if (since != NULL && pushd_parse_since(since, &c->since) == 0)
		c->has_since = 1;
	return 0;
}

/* --- the adopted descriptors ----------------------------------------------- */

static void
notify_readable(void)
{
	int64_t seq, wait;
	int got = 0;

	for (int i = 0; i < 256; i++) {
		if ((seq = notify_receive(P.notify_fd)) == 0)
			break;
		P.m.notify_datagrams++;
		got = 1;
		if (seq < 0)
			log_debug("%s: malformed datagram", __func__);
	}
	if (!got)
		return;
	/*
	 * In a burst (ratings at thousands a second), fetching on every
	 * hint would write to every client once per event; waiting out the
	 * gap sends each client what came meanwhile in one write.  A lone
	 * event still goes out at once.
	 */
	wait = P.fetch_us + PUSHD_FETCH_GAP_US - now_us();
	if (wait <= 0) {
		(void)pushd_fetch();
		return;
	}
	P.hint_waiting = 1;
	if (P.fetch_due_us > now_us() + wait)
		fetch_schedule(wait);	/* never later than already due */
}

static void
stop_timer(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	log_info("stop: %d clients did not close in time",
	    P.m.clients_user + P.m.clients_admin);
	pushd_finish(0);
}

static void
pushd_stop(void)
{
	if (P.stopping)
		return;
	P.stopping = 1;
	log_info("stopping: closing %d clients",
	    P.m.clients_user + P.m.clients_admin);
	if (TAILQ_EMPTY(&P.clients[0]) && TAILQ_EMPTY(&P.clients[1])) {
		pushd_finish(0);
		return;
	}
	wake_group(EVENT_GROUP_USER);
	wake_group(EVENT_GROUP_ADMIN);
	lws_sul_schedule(P.ctx, 0, &P.sul_stop, stop_timer,
	    PUSHD_STOP_GRACE_MS * LWS_US_PER_MS);
}

static void
signal_readable(void)
{
	struct signalfd_siginfo si;

	while (read(P.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			pushd_stop();
		else if (si.ssi_signo == SIGHUP)
			log_info("SIGHUP: nothing to reload; clients stay");
	}
}

/* --- lws callbacks --------------------------------------------------------- */

static int
callback_push(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
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
		return confirm_upgrade(wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return client_prepare(wsi, c);
	case LWS_CALLBACK_ESTABLISHED:
		client_open(wsi, c);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_write(c);
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_RECEIVE_PONG:
		/* Clients send nothing we use; anything proves they live. */
		log_debug("%s from a %s client", reason == LWS_CALLBACK_RECEIVE ?
		    "data" : "pong", pushd_group_name(c->group));
		c->rx_us = now_us();
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c->peer_closed = 1;
		return 0;
	case LWS_CALLBACK_CLOSED:
		client_closed(c);
		return 0;
	case LWS_CALLBACK_RAW_RX_FILE:
		if (lws_get_socket_fd(wsi) == P.notify_fd)
			notify_readable();
		else if (lws_get_socket_fd(wsi) == P.sig_fd)
			signal_readable();
		return 0;
	default:
		return 0;
	}
}

static void
metrics_snapshot(void)
{
	P.m.head_seq = P.head;
	P.m.ring_messages_admin = P.rings[0].count;
	P.m.ring_bytes_admin = P.rings[0].bytes;
	P.m.ring_messages_user = P.rings[1].count;
	P.m.ring_bytes_user = P.rings[1].bytes;
	P.m.coalesced = P.stats.superseded;
}

static int
callback_metrics(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct metrics_req *mr = user;
	unsigned char hdr[LWS_PRE + 512], *p = hdr + LWS_PRE,
	    *end = hdr + sizeof(hdr);

	(void)len;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if (strcmp((const char *)in, "/metrics") != 0) {
			if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND,
			    NULL) || lws_http_transaction_completed(wsi))
				return -1;
			return 0;
		}
		metrics_snapshot();
		mr->len = metrics_render(&P.m, (char *)mr->buf + LWS_PRE,
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
#define PUSHD_RX_BUFFER		256
#define PUSHD_TX_PACKET		(4 * PUSHD_WRITE_BYTES)

static const struct lws_protocols push_protocols[] = {
	{ "memeter-push", callback_push, sizeof(struct client), PUSHD_RX_BUFFER,
	    0, NULL, PUSHD_TX_PACKET },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocols metrics_protocols[] = {
	{ "memeter-metrics", callback_metrics, sizeof(struct metrics_req), 0, 0,
	    NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* --- setup ----------------------------------------------------------------- */

static void
lws_log_emit(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_warnx("lws: %.*s", (int)n, line);
	else
		log_info("lws: %.*s", (int)n, line);
}

static struct lws_vhost *
listen_unix(const char *name, const char *path,
    const struct lws_protocols *protocols, const lws_retry_bo_t *retry)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.protocols = protocols;
	info.port = 0;
	info.iface = path;
	info.options = LWS_SERVER_OPTION_UNIX_SOCK |
	    LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	info.retry_and_idle_policy = retry;
	if (path[0] != '@')
		(void)unlink(path);	/* stale after a crash */
	if ((vh = lws_create_vhost(P.ctx, &info)) == NULL) {
		log_warnx("%s: cannot listen on %s", __func__, path);
		return NULL;
	}
	if (path[0] != '@' && chmod(path, 0660) == -1)
		log_warn("%s: chmod %s", __func__, path);
	return vh;
}

static struct lws_vhost *
listen_tcp(const char *name, int port, const struct lws_protocols *protocols,
    const lws_retry_bo_t *retry)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.protocols = protocols;
	info.port = port;
	info.iface = "127.0.0.1";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
	    LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	info.retry_and_idle_policy = retry;
	if ((vh = lws_create_vhost(P.ctx, &info)) == NULL)
		log_warnx("%s: cannot listen on 127.0.0.1:%d", __func__, port);
	return vh;
}

static int
adopt_fd(int fd)
{
	lws_sock_file_fd_type u;

	u.filefd = fd;
	if (lws_adopt_descriptor_vhost(P.vh_ws, LWS_ADOPT_RAW_FILE_DESC, u,
	    "memeter-push", NULL) == NULL) {
		log_warnx("%s: cannot adopt fd %d", __func__, fd);
		return -1;
	}
	return 0;
}

/*
 * lws's own loop is poll(2): every turn walks every socket, most of the
 * time of a fan-out to 10k clients.  So pushd brings an epoll loop
 * (libev) that lws joins through its libev glue, a plugin Debian ships
 * apart (libwebsockets-evlib-ev); without it, poll(2) still works.
 */
static int
context_create(void)
{
	static void *foreign_loops[1];
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	info.port = CONTEXT_PORT_NO_LISTEN;
	if ((P.loop = ev_loop_new(EVBACKEND_EPOLL)) != NULL) {
		foreign_loops[0] = P.loop;
		info.foreign_loops = foreign_loops;
		info.options |= LWS_SERVER_OPTION_LIBEV;
		if ((P.ctx = lws_create_context(&info)) != NULL)
			return 0;
		log_warnx("%s: no libev support in libwebsockets; using poll(2)",
		    __func__);
		ev_loop_destroy(P.loop);
		P.loop = NULL;
		info.foreign_loops = NULL;
		info.options &= ~LWS_SERVER_OPTION_LIBEV;
	}
	if ((P.ctx = lws_create_context(&info)) == NULL) {
		log_warnx("%s: lws_create_context failed", __func__);
		return -1;
	}
	return 0;
}

static int
pushd_setup(const struct config *cfg, int sigfd)
{
	int ping = cfg->ping_seconds, hangup = cfg->hangup_seconds;

	memset(&P, 0, sizeof(P));
	P.cfg = cfg;
	P.notify_fd = P.sig_fd = -1;
	TAILQ_INIT(&P.clients[0]);
	TAILQ_INIT(&P.clients[1]);
	coalesce_init(&P.stats, PUSHD_COALESCE_MS * LWS_US_PER_MS);
	if (db_start(cfg->db_path) == -1)
		return -1;
	if (ring_init(&P.rings[0], (size_t)cfg->send_queue, P.head) == -1 ||
	    ring_init(&P.rings[1], (size_t)cfg->send_queue, P.head) == -1)
		return -1;
	if (hangup <= ping) {
		log_warnx("%s: hangup_seconds %d <= ping_seconds %d; using %d",
		    __func__, hangup, ping, ping * 2);
		hangup = ping * 2;
	}
	P.ping_us = (int64_t)ping * LWS_US_PER_SEC;
	P.hangup_us = (int64_t)hangup * LWS_US_PER_SEC;

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
	if (context_create() == -1)
		return -1;
	P.vh_ws = cfg->pushd_port > 0 ?
	    listen_tcp("memeter", cfg->pushd_port, push_protocols, &P.retry) :
	    listen_unix("memeter", cfg->pushd_socket, push_protocols, &P.retry);
	if (P.vh_ws == NULL)
		return -1;
	if ((P.vh_metrics = listen_unix("metrics", cfg->metrics_socket,
	    metrics_protocols, NULL)) == NULL)
		return -1;
	if ((P.notify_fd = notify_receiver_open(cfg->notify_socket)) == -1 ||
	    adopt_fd(P.notify_fd) == -1)
		return -1;
	P.sig_fd = sigfd;
	if (adopt_fd(sigfd) == -1)
		return -1;
	fetch_schedule(PUSHD_FETCH_MS * LWS_US_PER_MS);
	lws_sul_schedule(P.ctx, 0, &P.sul_sweep, sweep_timer,
	    PUSHD_SWEEP_MS * LWS_US_PER_MS);
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
pushd_teardown(void)
{
	P.stopping = P.done = 1;	/* closes below must not re-arm timers */
	if (P.ctx != NULL)
		lws_context_destroy(P.ctx);
	P.ctx = NULL;
	if (P.loop != NULL)
		ev_loop_destroy(P.loop);
	P.loop = NULL;
	close_if_open(P.notify_fd);
	if (P.cfg->notify_socket[0] != '\0' && P.notify_fd >= 0)
		(void)unlink(P.cfg->notify_socket);
	ring_free(&P.rings[0]);
	ring_free(&P.rings[1]);
	coalesce_free(&P.stats);
	ws_batch_free(&P.out);
	free(P.presence);
	P.presence = NULL;
	db_close_all();
}

int
pushd_serve(const struct config *cfg, int sigfd)
{
	if (pushd_setup(cfg, sigfd) == -1) {
		pushd_teardown();
		return 1;
	}
	if (cfg->pushd_port > 0)
		log_info("listening on 127.0.0.1:%d", cfg->pushd_port);
	else
		log_info("listening on %s", cfg->pushd_socket);
	log_info("head seq %" PRId64 ", %d messages per ring, metrics on %s",
	    P.head, cfg->send_queue, cfg->metrics_socket);
	log_info("event loop: %s", P.loop != NULL ? "epoll" : "poll");
	if (P.loop != NULL)
		ev_run(P.loop, 0);
	else
		while (!P.done)
			if (lws_service(P.ctx, 0) < 0)
				break;
	pushd_teardown();
	log_info("stopped");
	return P.status;
}
