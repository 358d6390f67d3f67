/*
 * The Redis stream as an event source (source_redis.h): the edge's half
 * of memeter-relay.  Two connections: an async one on pushd's libev loop
 * that only ever waits in XREAD BLOCK, and a synchronous one (short
 * timeout) for replays older than the window, the oldest kept seq, the
 * admin sessions and presence.
 */
#include "source_redis.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libev.h>

#include "log.h"
#include "source_redis_window.h"
#include "store/stream.h"
#include "timeutil.h"
#include "token.h"

#define REDIS_WINDOW_EVENTS	16384	/* replays from memory up to this */
#define REDIS_READ_COUNT	512	/* entries per XREAD */
#define REDIS_BLOCK_MS		2000
#define REDIS_TIMEOUT_MS	500	/* a synchronous call longer: give up */
#define REDIS_BACKOFF_US	1000000	/* after a failed call: wait this long */
#define REDIS_FIRST_TTL_US	1000000	/* the oldest kept seq: cached this long */

struct source_redis {
	char			 host[128];
	int			 port;
	char			 key[STREAM_KEY_MAX];
	char			 key_admin[STREAM_KEY_MAX];
	char			 key_presence[STREAM_KEY_MAX];
	char			 key_relay[STREAM_KEY_MAX];
	char			 node[96];	/* this edge in the presence hash */
	redisContext		*sync;
	int64_t			 sync_retry_us;	/* down: not before this */
	redisAsyncContext	*ac;
	struct ev_loop		*loop;
	ev_timer		 watchdog;
	int			 following;	/* the XREAD connection is up */
	int			 reading;	/* an XREAD is out */
	int64_t			 read_sent_us;
	void			 (*ready)(void *);
	void			*ready_arg;
	struct window		 win;
	int64_t			 head;		/* last seq read */
	int64_t			 first, first_at_us;
	int64_t			 stream_last;
	int64_t			 relay_head, relay_at;	/* the relay's report */
};

static int64_t
mono_us(void)
{
	return (int64_t)time_monotonic_us();
}

/* --- the synchronous connection -------------------------------------------- */

static void
sync_drop(struct source_redis *s)
{
	if (s->sync == NULL)
		return;
	log_warnx("redis %s:%d: %s", s->host, s->port, s->sync->err ?
	    s->sync->errstr : "unexpected reply");
	redisFree(s->sync);
	s->sync = NULL;
	s->sync_retry_us = mono_us() + REDIS_BACKOFF_US;
}

/* The synchronous connection, or NULL while Redis is unreachable. */
static redisContext *
sync_conn(struct source_redis *s)
{
	struct timeval tv = { 0, REDIS_TIMEOUT_MS * 1000 };

	if (s->sync != NULL && s->sync->err == 0)
		return s->sync;
	if (s->sync != NULL)
		sync_drop(s);
	if (mono_us() < s->sync_retry_us)
		return NULL;
	s->sync = redisConnectWithTimeout(s->host, s->port, tv);
	if (s->sync == NULL || s->sync->err ||
	    redisSetTimeout(s->sync, tv) != REDIS_OK) {
		if (s->sync != NULL)
			redisFree(s->sync);
		s->sync = NULL;
		s->sync_retry_us = mono_us() + REDIS_BACKOFF_US;
		return NULL;
	}
	return s->sync;
}

/* A command's reply, or NULL (the connection is dropped, logged). */
static redisReply *
sync_command(struct source_redis *s, const char *fmt, ...)
{
	redisContext *c;
	redisReply *rep;
	va_list ap;

	if ((c = sync_conn(s)) == NULL)
		return NULL;
	va_start(ap, fmt);
	rep = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (rep == NULL)
		sync_drop(s);
	return rep;
}

/* --- entries --------------------------------------------------------------- */

static const char *
field_of(const redisReply *fields, const char *name, size_t *len)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, name) == 0 &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING) {
			if (len != NULL)
				*len = fields->element[i + 1]->len;
			return fields->element[i + 1]->str;
		}
	return NULL;
}

/*
 * One stream entry [id, [field, value, ...]] as an event (its strings
 * point into the reply); 0, or -1 for an entry the relay did not write.
 */
static int
entry_event(const redisReply *e, struct source_event *ev)
{
	const redisReply *fields;
	const char *sid, *type;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_ARRAY)
		return -1;
	fields = e->element[1];
	ev->seq = stream_id_seq(e->element[0]->str, e->element[0]->len);
	type = field_of(fields, "type", NULL);
	ev->ts = field_of(fields, "ts", NULL);
	ev->data = field_of(fields, "data", &ev->data_len);
	sid = field_of(fields, "session_id", NULL);
	ev->user_data_len = 0;
	ev->user_data = field_of(fields, "user_data", &ev->user_data_len);
	/* A type newer than this edge: EVENT_UNKNOWN, as from the outbox. */
	ev->type = type != NULL ? event_type_from_name(type) : EVENT_UNKNOWN;
	if (ev->seq < 1 || type == NULL || ev->ts == NULL ||
	    ev->data == NULL || sid == NULL) {
		log_warnx("%s: stream entry %s is not the relay's", __func__,
		    e->element[0]->str);
		return -1;
	}
	ev->session_id = strtoll(sid, NULL, 10);
	return 0;
}

/* A newer event into the window; the head follows. */
static void
window_take(struct source_redis *s, const struct source_event *ev)
{
	if (ev->seq <= s->head)
		return;
	if (s->head > 0 && ev->seq != s->head + 1)
		log_warnx("stream %s skips from seq %" PRId64 " to %" PRId64
		    " (redis lost data the outbox no longer keeps)", s->key,
		    s->head, ev->seq);
	if (window_push(&s->win, ev) == -1)
		log_warnx("%s: out of memory", __func__);
	s->head = ev->seq;
}

/* --- the ops --------------------------------------------------------------- */

static void
redis_close(void *h)
{
	struct source_redis *s = h;

	if (s == NULL)
		return;
	if (s->loop != NULL)
		ev_timer_stop(s->loop, &s->watchdog);
	if (s->ac != NULL) {
		s->ac->data = NULL;
		redisAsyncFree(s->ac);	/* calls back with NULL replies */
	}
	if (s->sync != NULL)
		redisFree(s->sync);
	window_free(&s->win);
	free(s);
}

/* The newest window's worth of the stream, read once at open. */
static int
redis_prefill(struct source_redis *s)
{
	redisReply *rep;
	struct source_event ev;

	rep = sync_command(s, "XREVRANGE %s + - COUNT %d", s->key,
	    REDIS_WINDOW_EVENTS);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		if (rep != NULL)
			log_warnx("%s: XREVRANGE %s: %s", __func__, s->key,
			    rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
		freeReplyObject(rep);
		return -1;
	}
	for (size_t i = rep->elements; i > 0; i--)
		if (entry_event(rep->element[i - 1], &ev) == 0)
			window_take(s, &ev);
	freeReplyObject(rep);
	return 0;
}

static void *
redis_open(const char *where)
{
	struct source_redis *s;
	char url[256], host[64];
	const char *sp = strchr(where, ' ');

	if (sp == NULL || (size_t)(sp - where) >= sizeof(url) ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	memcpy(url, where, (size_t)(sp - where));
	url[sp - where] = '\0';
	if (stream_url_parse(url, s->host, sizeof(s->host), &s->port) == -1 ||
	    snprintf(s->key, sizeof(s->key), "%s", sp + 1) >=
	    (int)sizeof(s->key) ||
	    stream_key(s->key_admin, sizeof(s->key_admin), s->key, "admin") ||
	    stream_key(s->key_presence, sizeof(s->key_presence), s->key,
	    "presence") ||
	    stream_key(s->key_relay, sizeof(s->key_relay), s->key, "relay") || window_init(&s->win, REDIS_WINDOW_EVENTS) == -1) {
		log_warnx("%s: \"%s\" is not \"redis://host:port stream\"",
		    __func__, where);
		free(s);
		return NULL;
	}
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "edge");
	host[sizeof(host) - 1] = '\0';
	snprintf(s->node, sizeof(s->node), "%s:%d", host, (int)getpid());
	if (redis_prefill(s) == -1) {
		log_debug("%s: redis %s:%d not ready", __func__, s->host,
		    s->port);
		redis_close(s);
		return NULL;
	}
	return s;
}

/* XRANGE after+1 .. + into fn; newer events also into the window. */
static int
redis_range(struct source_redis *s, int64_t after, int limit,
    source_event_fn fn, void *arg)
{
	redisReply *rep;
	struct source_event ev;
	int n = 0;

	rep = sync_command(s, "XRANGE %s %lld-0 + COUNT %d", s->key,
	    (long long)after + 1, limit);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		if (rep != NULL)
			log_warnx("%s: XRANGE: %s", __func__,
			    rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
		freeReplyObject(rep);
		return -1;
	}
	for (size_t i = 0; i < rep->elements; i++) {
		if (entry_event(rep->element[i], &ev) == -1)
			continue;
		window_take(s, &ev);
		n++;
		if (fn(&ev, arg) != 0)
			break;
	}
	freeReplyObject(rep);
	return n;
}

static int
redis_events_after(void *h, int64_t after, int limit, source_event_fn fn,
    void *arg)
{
	struct source_redis *s = h;

	if (window_covers(&s->win, after) && after < window_last(&s->win))
		return window_events_after(&s->win, after, limit, fn, arg);
	if (s->loop != NULL && after >= s->head)
		return 0;	/* XREAD brings what comes next */
	return redis_range(s, after, limit, fn, arg);
}

static int
redis_head(void *h, int64_t *head)
{
	*head = ((struct source_redis *)h)->head;
	return 0;
}

/* The oldest seq the stream keeps; asked at most once a second. */
static int
redis_first(void *h, int64_t *first)
{
	struct source_redis *s = h;
	redisReply *rep;
	int64_t now = mono_us();

	if (s->first_at_us != 0 && now - s->first_at_us < REDIS_FIRST_TTL_US) {
		*first = s->first;
		return 0;
	}
	if ((rep = sync_command(s, "XRANGE %s - + COUNT 1", s->key)) == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		return -1;
	}
	s->first = 0;
	if (rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->elements == 2 &&
	    rep->element[0]->element[0]->type == REDIS_REPLY_STRING)
		s->first = stream_id_seq(rep->element[0]->element[0]->str,
		    rep->element[0]->element[0]->len);
	freeReplyObject(rep);
	s->first_at_us = now;
	*first = s->first;
	return 0;
}

static int
redis_admin_session(void *h, const unsigned char hash[32],
    int64_t *session_id, int64_t *expires_at)
{
	struct source_redis *s = h;
	redisReply *rep;
	char hex[65];
	long long id, exp;
	int valid = -1;

	token_hex(hash, 32, hex);
	/* No "_": not published (yet): cannot tell, so no one is closed. */
	if ((rep = sync_command(s, "HMGET %s %s _", s->key_admin, hex)) == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[1]->type != REDIS_REPLY_STRING)
		valid = -1;
	else if (rep->element[0]->type != REDIS_REPLY_STRING)
		valid = 0;
	else if (sscanf(rep->element[0]->str, "%lld %lld", &id, &exp) == 2) {
		valid = exp > time_unix_now();
		*session_id = id;
		*expires_at = exp;
	}
	freeReplyObject(rep);
	return valid;
}

const struct source_ops source_redis = {
	.name = "redis",
	.open = redis_open,
	.close = redis_close,
	.events_after = redis_events_after,
	.head = redis_head,
	.first = redis_first,
	.admin_session = redis_admin_session,
};

/* --- following: XREAD BLOCK on the loop ------------------------------------ */

static void follow_read(struct source_redis *s);

static void
on_xread(redisAsyncContext *ac, void *r, void *priv)
{
	struct source_redis *s = priv;
	redisReply *rep = r, *entries;
	struct source_event ev;
	int64_t before;

	(void)ac;
	if (rep == NULL || ac->data == NULL)
		return;		/* the connection is going */
	s->reading = 0;
	if (rep->type == REDIS_REPLY_ERROR) {
		log_warnx("%s: XREAD: %s", __func__, rep->str);
		redisAsyncDisconnect(s->ac);
		return;
	}
	before = s->head;
	/* [[key, [entry, ...]]], or nil when BLOCK ran out. */
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
	    rep->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->elements == 2) {
		entries = rep->element[0]->element[1];
		for (size_t i = 0; entries->type == REDIS_REPLY_ARRAY &&
		    i < entries->elements; i++)
			if (entry_event(entries->element[i], &ev) == 0)
				window_take(s, &ev);
	}
	follow_read(s);
	if (s->head != before && s->ready != NULL)
		s->ready(s->ready_arg);
}

static void
follow_read(struct source_redis *s)
{
	if (s->ac == NULL || s->reading)
		return;
	if (redisAsyncCommand(s->ac, on_xread, s,
	    "XREAD COUNT %d BLOCK %d STREAMS %s %lld-0", REDIS_READ_COUNT,
	    REDIS_BLOCK_MS, s->key, (long long)s->head) != REDIS_OK)
		return;
	s->reading = 1;
	s->read_sent_us = mono_us();
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct source_redis *s = ac->data;

	if (s == NULL)
		return;
	if (status != REDIS_OK) {
		log_debug("%s: redis %s:%d: %s", __func__, s->host, s->port,
		    ac->errstr);
		s->ac = NULL;	/* hiredis frees it */
		s->reading = s->following = 0;
		return;
	}
	s->following = 1;
	log_info("following stream %s on redis %s:%d after seq %" PRId64,
	    s->key, s->host, s->port, s->head);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct source_redis *s = ac->data;

	if (s == NULL)
		return;
	if (status != REDIS_OK)
		log_warnx("redis %s:%d: %s; reconnecting", s->host, s->port,
		    ac->errstr);
	s->ac = NULL;
	s->reading = s->following = 0;
}

static void
follow_connect(struct source_redis *s)
{
	redisAsyncContext *ac = redisAsyncConnect(s->host, s->port);

	if (ac == NULL)
		return;
	if (ac->err) {
		redisAsyncFree(ac);
		return;
	}
	ac->data = s;
	if (redisLibevAttach(s->loop, ac) != REDIS_OK) {
		redisAsyncFree(ac);
		return;
	}
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	s->ac = ac;
	follow_read(s);		/* queued until the connection is up */
}

/* Once a second: reconnect, and give up on an XREAD that never ends
 * (a peer gone without a FIN). */
static void
on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct source_redis *s = w->data;

	(void)loop;
	(void)revents;
	if (s->ac == NULL)
		follow_connect(s);
	else if (s->reading && mono_us() - s->read_sent_us >
	    (REDIS_BLOCK_MS + 3000) * 1000LL) {
		/* Not redisAsyncDisconnect(): it waits for that very reply. */
		log_warnx("redis %s:%d: no answer to XREAD; reconnecting",
		    s->host, s->port);
		s->ac->data = NULL;
		redisAsyncFree(s->ac);
		s->ac = NULL;
		s->reading = s->following = 0;
	}
}

int
source_redis_follow(void *h, struct ev_loop *loop, void (*ready)(void *),
    void *arg)
{
	struct source_redis *s = h;

	s->loop = loop;
	s->ready = ready;
	s->ready_arg = arg;
	ev_timer_init(&s->watchdog, on_watchdog, 1.0, 1.0);
	s->watchdog.data = s;
	ev_timer_start(loop, &s->watchdog);
	follow_connect(s);
	return 0;
}

int
source_redis_reachable(void *h)
{
	struct source_redis *s = h;

	if (s->loop != NULL)
		return s->following;
	return sync_conn(s) != NULL;
}

/* --- presence and lag ------------------------------------------------------ */

/* Adds the counts of one presence field if it is fresh; 1 if stale. */
static int
presence_add(const char *value, int64_t now, int *raters, int *admins)
{
	long long at;
	int r, a;

	if (sscanf(value, "%d %d %lld", &r, &a, &at) != 3)
		return 1;
	if (at < now - STREAM_PRESENCE_TTL)
		return 1;
	*raters += r;
	*admins += a;
	return 0;
}

/* HMGET <stream>:relay outbox_head at, as the relay wrote it (relay.c). */
static void
relay_report_take(struct source_redis *s, const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
	    rep->element[0]->type != REDIS_REPLY_STRING ||
	    rep->element[1]->type != REDIS_REPLY_STRING)
		return;		/* not reported yet: keep what we had */
	s->relay_head = strtoll(rep->element[0]->str, NULL, 10);
	s->relay_at = strtoll(rep->element[1]->str, NULL, 10);
}

int
source_redis_presence(void *h, int raters, int admins, int *sum_raters,
    int *sum_admins)
{
	struct source_redis *s = h;
	redisContext *c;
	redisReply *rep[4] = { NULL, NULL, NULL, NULL };
	int64_t now = time_unix_now();
	int rc = -1, r = 0, a = 0;
	char value[64];
	void *p;

	*sum_raters = raters;
	*sum_admins = admins;
	if ((c = sync_conn(s)) == NULL)
		return -1;
	snprintf(value, sizeof(value), "%d %d %lld", raters, admins,
	    (long long)now);
	redisAppendCommand(c, "HSET %s %s %s", s->key_presence, s->node, value);
	redisAppendCommand(c, "HGETALL %s", s->key_presence);
	redisAppendCommand(c, "XREVRANGE %s + - COUNT 1", s->key);
	redisAppendCommand(c, "HMGET %s outbox_head at", s->key_relay);
	for (int i = 0; i < 4; i++) {
		if (redisGetReply(c, &p) != REDIS_OK || p == NULL) {
			sync_drop(s);
			goto done;
		}
		rep[i] = p;
	}
	if (rep[1]->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i + 1 < rep[1]->elements; i += 2) {
			if (rep[1]->element[i + 1]->type != REDIS_REPLY_STRING)
				continue;
			if (presence_add(rep[1]->element[i + 1]->str, now, &r,
			    &a))	/* an edge gone: forget it */
				freeReplyObject(redisCommand(c, "HDEL %s %s",
				    s->key_presence, rep[1]->element[i]->str));
		}
		*sum_raters = r;
		*sum_admins = a;
		rc = 0;
	}
	if (rep[2]->type == REDIS_REPLY_ARRAY && rep[2]->elements == 1 &&
	    rep[2]->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep[2]->element[0]->elements == 2)
		s->stream_last = stream_id_seq(
		    rep[2]->element[0]->element[0]->str,
		    rep[2]->element[0]->element[0]->len);
	relay_report_take(s, rep[3]);
done:
	for (int i = 0; i < 4; i++)
		freeReplyObject(rep[i]);
	return rc;
}

int64_t
source_redis_stream_last(void *h)
{
	return ((struct source_redis *)h)->stream_last;
}

void
source_redis_relay_report(void *h, int64_t *outbox_head, int64_t *at)
{
	*outbox_head = ((struct source_redis *)h)->relay_head;
	*at = ((struct source_redis *)h)->relay_at;
}
