#include "relay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "store/admin_list.h"
#include "store/store.h"
#include "timeutil.h"
#include "token.h"

#define RELAY_TIMEOUT_MS	2000	/* a Redis call longer than this: reconnect */

int
relay_init(struct relay *r, const struct config *cfg, struct store *store)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->store = store;
	if (stream_url_parse(cfg->redis_url, r->host, sizeof(r->host),
	    &r->port) == -1) {
		log_warnx("%s: redis_url \"%s\" is not redis://host:port",
		    __func__, cfg->redis_url);
		return -1;
	}
	if (snprintf(r->key, sizeof(r->key), "%s", cfg->redis_stream) >=
	    (int)sizeof(r->key) || stream_key(r->key_admin,
	    sizeof(r->key_admin), r->key, "admin") == -1 ||
	    stream_key(r->key_relay, sizeof(r->key_relay), r->key,
	    "relay") == -1) {
		log_warnx("%s: redis_stream is too long", __func__);
		return -1;
	}
	return 0;
}

static void
relay_drop(struct relay *r, const char *why)
{
	if (r->redis == NULL)
		return;
	log_warnx("redis %s:%d: %s; reconnecting", r->host, r->port,
	    r->redis->err ? r->redis->errstr : why);
	redisFree(r->redis);
	r->redis = NULL;
}

void
relay_free(struct relay *r)
{
	if (r->redis != NULL)
		redisFree(r->redis);
	r->redis = NULL;
}

int
relay_error_is_duplicate(const char *msg)
{
	return msg != NULL && strstr(msg, "equal or smaller") != NULL;
}

/* The seq of the stream's last entry (0: empty or missing); 0 or -1. */
static int
relay_stream_last(struct relay *r, int64_t *last)
{
	redisReply *rep;
	int rc = -1;

	*last = 0;
	rep = redisCommand(r->redis, "XREVRANGE %s + - COUNT 1", r->key);
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 0)
		rc = 0;
	else if (rep->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->elements == 2 &&
	    rep->element[0]->element[0]->type == REDIS_REPLY_STRING) {
		*last = stream_id_seq(rep->element[0]->element[0]->str,
		    rep->element[0]->element[0]->len);
		if (*last < 0)
			log_warnx("%s: %s's last id %s is not <seq>-0: not "
			    "the relay's stream", __func__, r->key,
			    rep->element[0]->element[0]->str);
		else
			rc = 0;
	} else
		log_warnx("%s: XREVRANGE: %s", __func__, rep->type ==
		    REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
	freeReplyObject(rep);
	return rc;
}

/* Where to append from, given the stream and the outbox as they are. */
static int
relay_position(struct relay *r)
{
	int64_t last, first, head;

	if (relay_stream_last(r, &last) == -1)
		return -1;
	if (store_event_first(r->store, &first) != STORE_OK ||
	    store_event_head(r->store, &head) != STORE_OK)
		return -1;
	r->after = stream_relay_after(last, first, head);
	r->outbox_head = head;
	if (last > head)
		log_warnx("%s: %s ends at seq %" PRId64 ", the outbox at %"
		    PRId64 ": another database's stream?  Appending from "
		    "%" PRId64, __func__, r->key, last, head, last);
	else if (r->after > last)
		log_warnx("%s: the outbox no longer keeps seq %" PRId64 "..%"
		    PRId64 "; edges answer resync for them", __func__,
		    last + 1, r->after);
	log_info("stream %s ends at seq %" PRId64 ", outbox head %" PRId64
	    ": appending after %" PRId64, r->key, last, head, r->after);
	return 0;
}

int
relay_connect(struct relay *r)
{
	struct timeval tv = { RELAY_TIMEOUT_MS / 1000,
	    (RELAY_TIMEOUT_MS % 1000) * 1000 };

	if (r->redis != NULL)
		return 0;
	r->redis = redisConnectWithTimeout(r->host, r->port, tv);
	if (r->redis == NULL || r->redis->err) {
		log_debug("%s: %s:%d: %s", __func__, r->host, r->port,
		    r->redis != NULL ? r->redis->errstr : "out of memory");
		if (r->redis != NULL)
			redisFree(r->redis);
		r->redis = NULL;
		return -1;
	}
	if (redisSetTimeout(r->redis, tv) != REDIS_OK ||
	    relay_position(r) == -1) {
		relay_drop(r, "cannot read the stream");
		return -1;
	}
	log_info("connected to redis %s:%d", r->host, r->port);
	return 0;
}

struct relay_batch {
	struct relay	*r;
	int64_t		 seqs[RELAY_BATCH];
	int		 n, failed, stuck;
};

/* Queues one XADD (hiredis buffers it; nothing is sent yet). */
static int
relay_queue(const struct store_event *ev, void *arg)
{
	struct relay_batch *b = arg;
	char id[STREAM_ID_MAX], sid[24], maxlen[24];
	const char *argv[16];
	size_t lens[16];
	int argc = 0;

#define ARG(s, l)	do { argv[argc] = (s); lens[argc] = (l); argc++; } while (0)
	if (stream_id_format(id, sizeof(id), ev->seq) == -1 ||
	    event_type_name(ev->type) == NULL) {
		/* Skipping it would be a hole on every edge: wait instead. */
		if (b->r->stuck_seq != ev->seq)
			log_warnx("%s: seq %" PRId64 " has an event type this "
			    "relay does not know (older than the pool?); "
			    "waiting: upgrade memeter-relay", __func__, ev->seq);
		b->r->stuck_seq = ev->seq;
		b->stuck = 1;
		return 1;
	}
	snprintf(sid, sizeof(sid), "%" PRId64, ev->session_id);
	snprintf(maxlen, sizeof(maxlen), "%d", b->r->cfg->event_retention);
	ARG("XADD", 4);
	ARG(b->r->key, strlen(b->r->key));
	ARG("MAXLEN", 6);
	ARG("~", 1);
	ARG(maxlen, strlen(maxlen));
	ARG(id, strlen(id));
	ARG("type", 4);
	ARG(event_type_name(ev->type), strlen(event_type_name(ev->type)));
	ARG("session_id", 10);
	ARG(sid, strlen(sid));
	ARG("ts", 2);
	ARG(ev->ts, strlen(ev->ts));
	ARG("data", 4);
	ARG(ev->data, ev->data_len);
	if (ev->user_data != NULL) {
		ARG("user_data", 9);
		ARG(ev->user_data, ev->user_data_len);
	}
#undef ARG
	if (redisAppendCommandArgv(b->r->redis, argc, argv, lens) != REDIS_OK) {
		b->failed = 1;
		return 1;
	}
	b->seqs[b->n++] = ev->seq;
	return 0;
}

/* Reads the replies of the queued XADDs in order; 0 or -1. */
static int
relay_collect(struct relay *r, const struct relay_batch *b)
{
	redisReply *rep;
	void *p;

	for (int i = 0; i < b->n; i++) {
		if (redisGetReply(r->redis, &p) != REDIS_OK || p == NULL)
			return -1;
		rep = p;
		if (rep->type == REDIS_REPLY_ERROR &&
		    relay_error_is_duplicate(rep->str))
			r->already_there++;
		else if (rep->type == REDIS_REPLY_ERROR) {
			log_warnx("%s: XADD seq %" PRId64 ": %s", __func__,
			    b->seqs[i], rep->str);
			freeReplyObject(rep);
			return -1;
		} else
			r->appended++;
		r->after = b->seqs[i];
		freeReplyObject(rep);
	}
	return 0;
}

int
relay_step(struct relay *r)
{
	struct relay_batch *b;
	int n, rc;

	if (relay_connect(r) == -1)
		return -1;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	b->r = r;
	n = store_events_after(r->store, r->after, RELAY_BATCH, relay_queue, b);
	rc = n < 0 || relay_collect(r, b) == -1 || b->failed ? -1 : b->n;
	if (rc == -1)
		relay_drop(r, "append failed");
	else if (r->after > r->outbox_head)
		r->outbox_head = r->after;
	free(b);
	return rc;
}

/* One HSET field of the admin sessions hash, queued. */
static void
relay_admin_field(const struct admin_list_entry *e, void *arg)
{
	struct relay *r = arg;
	char hex[65], val[48];

	token_hex(e->hash, sizeof(e->hash), hex);
	snprintf(val, sizeof(val), "%" PRId64 " %" PRId64, e->session_id,
	    e->expires_at);
	redisAppendCommand(r->redis, "HSET %s:new %s %s", r->key_admin, hex,
	    val);
}

/*
 * The valid admin sessions replace the hash in one MULTI: an edge never
 * sees half a list, and a logout disappears within a second.  The field
 * "_" (when it was published) is always there, so an edge tells "not
 * published yet" (Redis just restarted empty: keep the admins) from
 * "not valid" (close them).
 */
static int
relay_publish_admins(struct relay *r)
{
	int n, replies, rc = 0;
	void *p;

	redisAppendCommand(r->redis, "MULTI");
	redisAppendCommand(r->redis, "DEL %s:new", r->key_admin);
	redisAppendCommand(r->redis, "HSET %s:new _ %lld", r->key_admin,
	    (long long)time_unix_now());
	n = store_admin_sessions_valid(r->store, time_unix_now(),
	    relay_admin_field, r);
	redisAppendCommand(r->redis, "RENAME %s:new %s", r->key_admin,
	    r->key_admin);
	redisAppendCommand(r->redis, n < 0 ? "DISCARD" : "EXEC");
	replies = 5 + (n > 0 ? n : 0);
	for (int i = 0; i < replies; i++) {
		if (redisGetReply(r->redis, &p) != REDIS_OK || p == NULL)
			return -1;
		if (((redisReply *)p)->type == REDIS_REPLY_ERROR) {
			log_warnx("%s: %s", __func__, ((redisReply *)p)->str);
			rc = -1;
		}
		freeReplyObject(p);
	}
	return rc;
}

int
relay_tick(struct relay *r)
{
	redisReply *rep;
	int64_t last;

	if (relay_connect(r) == -1)
		return -1;
	/* A FLUSHALL or a replica promoted with less: append again. */
	if (relay_stream_last(r, &last) == -1)
		goto drop;
	if (last < r->after) {
		log_warnx("stream %s ends at seq %" PRId64 " but had %" PRId64
		    ": redis lost data; refilling", r->key, last, r->after);
		if (relay_position(r) == -1)
			goto drop;
	}
	if (relay_publish_admins(r) == -1)
		goto drop;
	if (store_event_head(r->store, &last) == STORE_OK)
		r->outbox_head = last;
	rep = redisCommand(r->redis, "HSET %s outbox_head %lld relayed %lld "
	    "at %lld", r->key_relay, (long long)r->outbox_head,
	    (long long)r->after, (long long)time_unix_now());
	if (rep == NULL)
		goto drop;
	freeReplyObject(rep);
	return 0;
drop:
	relay_drop(r, "tick failed");
	return -1;
}
