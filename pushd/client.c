#include "client.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "envelope.h"
#include "event.h"
#include "fanout.h"
#include "log.h"
#include "metrics.h"
#include "ring.h"
#include "reactions.h"
#include "source.h"
#include "timeutil.h"

#define CLIENT_REPLAY_SCAN	2000	/* events looked at per replay step */
#define CLIENT_CTL_MAX		256	/* hello, resync */

#define GROUP_INDEX(g)	((g) == EVENT_GROUP_ADMIN ? 0 : 1)

void
client_hub_init(struct client_hub *h, const struct client_io *io,
    struct fanout *fan, struct source *src, struct pushd_metrics *m)
{
	memset(h, 0, sizeof(*h));
	h->io = io;
	h->fan = fan;
	h->src = src;
	h->m = m;
	TAILQ_INIT(&h->lists[0]);
	TAILQ_INIT(&h->lists[1]);
}

void
client_hub_free(struct client_hub *h)
{
	ws_batch_free(&h->out);
}

struct client_list *
client_list_of(struct client_hub *h, int group)
{
	return &h->lists[GROUP_INDEX(group)];
}

static struct ring *
ring_of(struct client_hub *h, const struct client *c)
{
	return fanout_ring(h->fan, c->group);
}

/* Skips the client ahead to head; it reloads its state from the API. */
static void
client_resync(struct client_hub *h, struct client *c)
{
	c->resync = 1;
	c->state = CLIENT_LIVE;
	c->cseq = h->fan->head;
	c->tail = ring_of(h, c)->head;
}

/* Where a new client starts: the ring, a replay, or a resync. */
static void
client_position(struct client_hub *h, struct client *c)
{
	struct ring *r = ring_of(h, c);
	int64_t first;

	if (!c->has_since) {
		c->state = CLIENT_LIVE;
		c->cseq = h->fan->head;
		c->tail = r->head;
		return;
	}
	if (c->since > h->fan->head) {
		client_resync(h, c);
		return;
	}
	if (c->since >= r->base_seq) {
		c->state = CLIENT_LIVE;
		c->cseq = c->since;
		c->tail = ring_find_after(r, c->since);
		return;
	}
	if (source_first(h->src, &first) == -1 ||
	    (first > 0 && c->since < first - 1)) {
		client_resync(h, c);
		return;
	}
	c->state = CLIENT_REPLAY;
	c->cseq = c->since;
	h->m->replays++;
}

void
client_open(struct client_hub *h, struct client *c, int64_t now_us)
{
	c->registered = 1;
	c->progress_us = c->rx_us = c->ping_us = now_us;
	TAILQ_INSERT_TAIL(client_list_of(h, c->group), c, entry);
	if (c->group == EVENT_GROUP_ADMIN)
		h->m->clients_admin++;
	else
		h->m->clients_user++;
	h->m->connections++;
	client_position(h, c);
	h->io->want_write(c);
}

void
client_closed(struct client_hub *h, struct client *c)
{
	free(c->admin);
	c->admin = NULL;
	if (!c->registered)
		return;
	log_debug("%s client closed at seq %" PRId64 "%s%s",
	    envelope_group_name(c->group), c->cseq,
	    c->doomed ? " (doomed)" : "",
	    h->io->busy(c) ? " with a write pending" : "");
	c->registered = 0;
	TAILQ_REMOVE(client_list_of(h, c->group), c, entry);
	if (c->group == EVENT_GROUP_ADMIN)
		h->m->clients_admin--;
	else
		h->m->clients_user--;
}

void
client_heard(struct client *c, int64_t now_us)
{
	c->rx_us = now_us;
}

void
client_doom(struct client_hub *h, struct client *c, int code,
    const char *reason, const char *why)
{
	c->doomed = 1;
	log_info("closing a %s client that %s", envelope_group_name(c->group),
	    why);
	if (code == 0) {
		h->io->kill(c, 0);
		return;
	}
	h->io->close_reason(c, code, reason);
	h->io->want_write(c);
	h->io->kill(c, CLIENT_CLOSE_GRACE_S);
}

/* Queues a message for the client's next write (client_write). */
static int
client_send(struct client_hub *h, const void *payload, size_t len)
{
	if (ws_batch_add(&h->out, WS_OP_TEXT, payload, len) == -1)
		return -1;
	h->m->messages_sent++;
	return 0;
}

static int
client_send_text(struct client_hub *h, const char *text, int n)
{
	if (n < 0 || n >= CLIENT_CTL_MAX)
		return -1;
	return client_send(h, text, (size_t)n);
}

/* An event went out: the client is making progress (resyncs and the
 * other control messages do not count: a client that only ever gets
 * resync is not keeping up). */
static void
count_event(struct client_hub *h, struct client *c, int64_t now_us)
{
	c->progress_us = now_us;
	if (c->group == EVENT_GROUP_ADMIN)
		h->m->events_sent_admin++;
	else
		h->m->events_sent_user++;
}

struct replay_step {
	struct client_hub	*h;
	struct client		*c;
	int64_t			 now_us;
	int			 scanned, sent, gap, failed;
};

/* One event of a replay: stops at the first one sent, a hole, or head. */
static int
replay_one(const struct source_event *ev, void *arg)
{
	struct replay_step *rs = arg;
	struct client *c = rs->c;
	struct envelope_set e;
	const char *text;
	size_t len;

	if (ev->seq > rs->h->fan->head)
		return 1;	/* the ring has it, or will */
	/* Seqs never have holes: one means the events were pruned. */
	if (ev->seq != c->cseq + 1) {
		rs->gap = 1;
		return 1;
	}
	c->cseq = ev->seq;
	rs->scanned++;
	if (envelope_render(ev, c->group, &e) == -1)
		return 0;
	text = c->group == EVENT_GROUP_ADMIN ? e.admin : e.user;
	len = c->group == EVENT_GROUP_ADMIN ? e.admin_len : e.user_len;
	if (text != NULL) {
		if (client_send(rs->h, text, len) == -1)
			rs->failed = 1;
		else {
			count_event(rs->h, c, rs->now_us);
			rs->h->m->replayed_events++;
			rs->sent = 1;
		}
	}
	envelope_clear(&e);
	return rs->sent || rs->failed;
}

/*
 * One replay step: sends the next event after cseq the group may see,
 * from the source, up to head.  Returns 1 if it sent one, 2 if it only
 * moved on (more to do), 0 when the replay is over (the client is live
 * now), -1 to close.
 */
static int
client_replay(struct client_hub *h, struct client *c, int64_t now_us)
{
	struct ring *r = ring_of(h, c);
	struct replay_step rs = { h, c, now_us, 0, 0, 0, 0 };

	if (c->cseq >= r->base_seq) {
		c->state = CLIENT_LIVE;
		c->tail = ring_find_after(r, c->cseq);
		return 0;
	}
	if (source_events_after(h->src, c->cseq, CLIENT_REPLAY_SCAN,
	    replay_one, &rs) == -1)
		rs.gap = 1;	/* cannot read on: treat as lost */
	if (rs.failed)
		return -1;
	if (rs.sent)
		return 1;
	if (rs.scanned == CLIENT_REPLAY_SCAN && !rs.gap)
		return 2;
	if (rs.gap || c->cseq < h->fan->head) {
		log_info("replay: events after %" PRId64 " are gone; resync",
		    c->cseq);
		client_resync(h, c);
		return 2;
	}
	c->state = CLIENT_LIVE;
	c->tail = ring_find_after(r, c->cseq);
	return 0;
}

/* One live step: the next ring message; 1 sent, 0 none, -1 close. */
static int
client_live(struct client_hub *h, struct client *c, int64_t now_us)
{
	struct ring *r = ring_of(h, c);
	const struct ring_msg *m;

	while (c->tail < r->head) {
		if (c->tail < ring_oldest(r)) {
			/* Fell behind the ring: skip ahead, it reloads. */
			client_resync(h, c);
			return 0;
		}
		m = ring_get(r, c->tail);
		c->tail++;
		if (m->seq <= c->cseq)
			continue;	/* replayed already */
		if (client_send(h, ring_payload(m), m->len) == -1)
			return -1;
		c->cseq = m->seq;
		count_event(h, c, now_us);
		return 1;
	}
	return 0;
}

/* Reactions go to admins only, and are not data: no seq, no replay. */
static int
client_reactions_due(const struct client_hub *h, const struct client *c)
{
	return h->reactions != NULL && c->group == EVENT_GROUP_ADMIN &&
	    c->hello_sent &&
	    reactions_due(h->reactions, c->reactions_gen, time_monotonic_us());
}

/* "others are rating now" goes to users only; no seq, no replay. */
static int
client_activity_due(const struct client_hub *h, const struct client *c)
{
	return h->activity != NULL && c->group == EVENT_GROUP_USER &&
	    c->hello_sent && activity_due(h->activity, c->activity_gen);
}

int
client_has_work(const struct client_hub *h, const struct client *c)
{
	const struct ring *r = &h->fan->rings[GROUP_INDEX(c->group)];

	return c->ping_due || !c->hello_sent || c->resync ||
	    c->state == CLIENT_REPLAY ||
	    fanout_presence_due(h->fan, c->presence_gen) ||
	    client_reactions_due(h, c) || client_activity_due(h, c) ||
	    c->tail < r->head;
}

/* One message (or one move), in the order the protocol wants: hello,
 * resync, presence, then events.  1 sent, 0 not, -1 close. */
static int
client_step(struct client_hub *h, struct client *c, int64_t now_us)
{
	char text[CLIENT_CTL_MAX];
	int rc = 0, n;

	if (c->ping_due) {
		c->ping_due = 0;
		c->ping_us = now_us;
		return ws_batch_add(&h->out, WS_OP_PING, "p", 1) == -1 ? -1 : 1;
	}
	if (!c->hello_sent) {
		n = envelope_hello(text, sizeof(text), h->fan->head, c->group);
		rc = client_send_text(h, text, n);
		c->hello_sent = 1;
	} else if (c->resync) {
		n = envelope_resync(text, sizeof(text), c->cseq);
		rc = client_send_text(h, text, n);
		c->resync = 0;
		h->m->resyncs++;
	} else if (fanout_presence_due(h->fan, c->presence_gen)) {
		rc = client_send(h, h->fan->presence + RING_PRE,
		    h->fan->presence_len);
		c->presence_gen = h->fan->presence_gen;
	} else if (client_reactions_due(h, c)) {
		rc = client_send(h, h->reactions->msg,
		    (size_t)h->reactions->msg_len);
		c->reactions_gen = h->reactions->gen;
	} else if (client_activity_due(h, c)) {
		rc = client_send(h, h->activity->msg,
		    (size_t)h->activity->msg_len);
		c->activity_gen = h->activity->gen;
	} else {
		if (c->state == CLIENT_REPLAY)
			rc = client_replay(h, c, now_us);
		if (rc == 0 && c->state == CLIENT_LIVE && !c->resync)
			rc = client_live(h, c, now_us);
	}
	return rc < 0 ? -1 : 1;
}

int
client_write(struct client_hub *h, struct client *c, int64_t now_us)
{
	if (c->doomed)
		return -1;
	if (c->peer_closed)
		return 0;	/* the close is answered; data may not follow */
	if (h->stopping) {
		h->io->close_reason(c, CLIENT_CLOSE_GOING_AWAY,
		    "server stopping");
		return -1;
	}
	ws_batch_reset(&h->out);
	do {
		if (client_step(h, c, now_us) == -1)
			return -1;
	} while (client_has_work(h, c) && h->out.len < CLIENT_WRITE_BYTES);
	if (h->out.len > 0) {
		if (h->io->write(c, ws_batch_data(&h->out), h->out.len) == -1) {
			log_debug("%s: write failed", __func__);
			return -1;
		}
		h->m->writes++;
	}
	if (client_has_work(h, c))
		h->io->want_write(c);
	return 0;
}

/*
 * Asking the transport for a write turn instead would cost two changes
 * of the poll set per client (on, then off again: two epoll_ctl(2)
 * calls) and a loop turn for every event; a socket that did not take a
 * whole write is left to the transport, which asks for a turn itself.
 */
void
client_flush_group(struct client_hub *h, int group, int64_t now_us)
{
	struct client *c, *next;

	for (c = TAILQ_FIRST(client_list_of(h, group)); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* A newcomer's first write (hello) waits for its turn. */
		if (c->doomed || c->peer_closed || !c->hello_sent ||
		    !client_has_work(h, c))
			continue;
		if (h->io->busy(c))
			h->io->want_write(c);
		else if (client_write(h, c, now_us) == -1)
			client_doom(h, c, 0, NULL, "could not be written to");
	}
}

void
client_wake_all(struct client_hub *h)
{
	struct client *c;

	for (int g = 0; g < 2; g++)
		for (c = TAILQ_FIRST(&h->lists[g]); c != NULL;
		    c = TAILQ_NEXT(c, entry))
			h->io->want_write(c);
}

/* 1 if an admin client's session ended: expired, logged out, gone. */
static int
admin_ended(struct client_hub *h, struct client_admin *a, int64_t now_unix)
{
	int64_t id, expires;
	int rc;

	if (now_unix >= a->expires_at)
		return 1;
	if ((rc = source_admin_session(h->src, a->hash, &id, &expires)) == -1)
		return 0;	/* cannot tell now: ask again next time */
	if (rc == 0 || id != a->session_id)
		return 1;
	a->expires_at = expires;
	return 0;
}

/* Judges one client; 1 if it is being closed. */
static int
client_judge(struct client_hub *h, struct client *c, int64_t now,
    int64_t now_unix)
{
	if (h->io->broken(c)) {
		client_doom(h, c, CLIENT_CLOSE_PROTOCOL_ERROR, "protocol error",
		    "broke the protocol (1002)");
		return 1;
	}
	if (now - c->rx_us >= h->hangup_us) {
		client_doom(h, c, 0, NULL, "was silent too long (no pong)");
		h->m->hangups++;
		return 1;
	}
	/* Stalled?  Judged before this turn's ping is due. */
	if (!client_has_work(h, c) && !h->io->busy(c))
		c->progress_us = now;
	else if (now - c->progress_us >= h->stall_us) {
		h->m->slow_closes++;
		client_doom(h, c, CLIENT_CLOSE_TOO_SLOW, "too slow",
		    "stopped reading (4008)");
		return 1;
	}
	if (c->admin != NULL && admin_ended(h, c->admin, now_unix)) {
		h->m->admin_closes++;
		client_doom(h, c, CLIENT_CLOSE_ADMIN_ENDED,
		    "admin session ended", "has no admin session any more (4001)");
		return 1;
	}
	return 0;
}

void
client_sweep(struct client_hub *h, int64_t now, int64_t now_unix)
{
	struct client *c;

	for (int g = 0; g < 2; g++) {
		for (c = TAILQ_FIRST(&h->lists[g]); c != NULL;
		    c = TAILQ_NEXT(c, entry)) {
			if (c->doomed || client_judge(h, c, now, now_unix))
				continue;
			if (now - c->rx_us >= h->ping_us && !c->ping_due &&
			    now - c->ping_us >= h->ping_us) {
				c->ping_due = 1;
				h->io->want_write(c);
			}
		}
	}
}
