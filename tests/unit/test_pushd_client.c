/*
 * Unit tests of pushd's client state machine (pushd/client.c) without
 * sockets: a fake source of in-memory events behind the source
 * interface, a fake transport that decodes the frames it is given, and
 * the real fanout (rings, presence) in between.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "../../pushd/client.h"
#include "../../pushd/fanout.h"
#include "../../pushd/metrics.h"
#include "../../pushd/source.h"

#define SEC		1000000LL
#define MAX_EVENTS	512
#define MAX_FRAMES	1024

/* --- a source of in-memory events ------------------------------------------ */

struct fake_event {
	int64_t		 seq;
	enum event_type	 type;
	char		*data;
	int		 users;		/* users see it (user_data = data) */
};

struct fake_source {
	struct fake_event	 ev[MAX_EVENTS];
	int			 n;
	int			 reads;		/* events_after calls */
	int			 admin_rc;	/* what admin_session answers */
	int64_t			 admin_id, admin_expires;
};

static int
fake_events_after(void *h, int64_t after, int limit, source_event_fn fn,
    void *arg)
{
	struct fake_source *fs = h;
	struct source_event ev;
	int n = 0;

	fs->reads++;
	for (int i = 0; i < fs->n && n < limit; i++) {
		if (fs->ev[i].seq <= after)
			continue;
		ev.seq = fs->ev[i].seq;
		ev.session_id = 1;
		ev.type = fs->ev[i].type;
		ev.ts = "2026-12-01T20:00:00.000Z";
		ev.data = fs->ev[i].data;
		ev.data_len = strlen(ev.data);
		ev.user_data = fs->ev[i].users ? ev.data : NULL;
		ev.user_data_len = fs->ev[i].users ? ev.data_len : 0;
		n++;
		if (fn(&ev, arg) != 0)
			break;
	}
	return n;
}

static int
fake_head(void *h, int64_t *head)
{
	struct fake_source *fs = h;

	*head = fs->n > 0 ? fs->ev[fs->n - 1].seq : 0;
	return 0;
}

static int
fake_first(void *h, int64_t *first)
{
	struct fake_source *fs = h;

	*first = fs->n > 0 ? fs->ev[0].seq : 0;
	return 0;
}

static int
fake_admin_session(void *h, const unsigned char hash[32], int64_t *id,
    int64_t *expires)
{
	struct fake_source *fs = h;

	(void)hash;
	*id = fs->admin_id;
	*expires = fs->admin_expires;
	return fs->admin_rc;
}

static const struct source_ops fake_ops = {
	"fake", NULL, NULL, fake_events_after, fake_head, fake_first,
	fake_admin_session
};

/* Appends events seq from..to of type with about pad bytes of data. */
static void
fake_add(struct fake_source *fs, int64_t from, int64_t to, const char *type,
    size_t pad)
{
	for (int64_t s = from; s <= to; s++) {
		struct fake_event *e = &fs->ev[fs->n++];
		char *p;

		assert_true(fs->n <= MAX_EVENTS);
		e->seq = s;
		e->type = event_type_from_name(type);
		e->users = (event_type_groups(e->type) & EVENT_GROUP_USER) != 0;
		assert_non_null(p = malloc(pad + 64));
		sprintf(p, "{\"session_id\":1,\"pad\":\"%*s\"}", (int)pad, "");
		e->data = p;
	}
}

/* Forgets the events up to seq (pruned). */
static void
fake_prune(struct fake_source *fs, int64_t upto)
{
	int k = 0;

	for (int i = 0; i < fs->n; i++) {
		if (fs->ev[i].seq <= upto)
			free(fs->ev[i].data);
		else
			fs->ev[k++] = fs->ev[i];
	}
	fs->n = k;
}

/* --- a transport that keeps what it was given ------------------------------ */

struct frame {
	const struct client *c;	/* written to */
	int	 op;
	char	*text;
};

struct fake_io {
	struct frame	 frames[MAX_FRAMES];
	int		 nframes;
	int		 writes;
	int		 busy;		/* the socket is full */
	int		 fail;		/* writes fail */
	int		 wants;		/* want_write calls */
	int		 code;		/* close code set */
	int		 killed;
	int		 kill_secs;	/* of the last kill */
	int		 broken;	/* the peer broke the protocol */
};

static struct fake_io IO;	/* the transport of the test running */

static int
io_write(struct client *c, unsigned char *buf, size_t len)
{
	size_t off = 0;

	if (IO.fail)
		return -1;
	IO.writes++;
	while (off < len) {
		size_t n = buf[off + 1] & 0x7f, hdr = 2;

		if (n == 126) {
			n = (size_t)buf[off + 2] << 8 | buf[off + 3];
			hdr = 4;
		} else if (n == 127) {
			n = 0;
			for (int i = 0; i < 8; i++)
				n = n << 8 | buf[off + 2 + i];
			hdr = 10;
		}
		assert_true(IO.nframes < MAX_FRAMES);
		IO.frames[IO.nframes].c = c;
		IO.frames[IO.nframes].op = buf[off] & 0x0f;
		IO.frames[IO.nframes].text = strndup((char *)buf + off + hdr, n);
		IO.nframes++;
		off += hdr + n;
	}
	assert_int_equal(off, len);
	return 0;
}

static int
io_busy(const struct client *c)
{
	(void)c;
	return IO.busy;
}

static void
io_want_write(struct client *c)
{
	(void)c;
	IO.wants++;
}

static void
io_close_reason(struct client *c, int code, const char *reason)
{
	(void)c;
	(void)reason;
	IO.code = code;
}

static void
io_kill(struct client *c, int secs)
{
	(void)c;
	IO.killed++;
	IO.kill_secs = secs;
}

static int
io_broken(const struct client *c)
{
	(void)c;
	return IO.broken;
}

static const struct client_io fake_client_io = {
	io_write, io_busy, io_want_write, io_close_reason, io_kill, io_broken
};

/* --- the world of one test ------------------------------------------------- */

struct world {
	struct fake_source	 fs;
	struct source		 src;
	struct fanout		 fan;
	struct pushd_metrics	 m;
	struct client_hub	 hub;
	int64_t			 now;
};

/* Forgets what the transport was given and set. */
static void
io_reset(void)
{
	for (int i = 0; i < IO.nframes; i++)
		free(IO.frames[i].text);
	memset(&IO, 0, sizeof(IO));
}

static void
world_init(struct world *w, size_t ring_size, int64_t head)
{
	memset(&IO, 0, sizeof(IO));
	memset(w, 0, sizeof(*w));
	w->src.ops = &fake_ops;
	w->src.h = &w->fs;
	w->now = 100 * SEC;
	assert_int_equal(fanout_init(&w->fan, ring_size, head, 250000), 0);
	client_hub_init(&w->hub, &fake_client_io, &w->fan, &w->src, &w->m);
	w->hub.ping_us = 5 * SEC;
	w->hub.hangup_us = 10 * SEC;
	w->hub.stall_us = 5 * SEC;
}

static void
world_free(struct world *w)
{
	fake_prune(&w->fs, INT64_MAX);
	fanout_free(&w->fan);
	client_hub_free(&w->hub);
	io_reset();
}

/* Reads what the source has into the rings and writes to the clients,
 * as the server does after a notify datagram. */
static int
world_fetch(struct world *w, int limit)
{
	int touched, n;
	int64_t held;

	n = fanout_read(&w->fan, &w->src, limit, w->now, &touched, &held);
	if (touched & EVENT_GROUP_ADMIN)
		client_flush_group(&w->hub, EVENT_GROUP_ADMIN, w->now);
	if (touched & EVENT_GROUP_USER)
		client_flush_group(&w->hub, EVENT_GROUP_USER, w->now);
	return n;
}

static void
open_client(struct world *w, struct client *c, int group, int64_t since)
{
	memset(c, 0, sizeof(*c));
	c->group = group;
	if (since >= 0) {
		c->has_since = 1;
		c->since = since;
	}
	client_open(&w->hub, c, w->now);
}

/* Write turns until nothing waits; returns how many turns. */
static int
drain(struct world *w, struct client *c)
{
	int turns = 0;

	while (client_has_work(&w->hub, c)) {
		assert_int_equal(client_write(&w->hub, c, w->now), 0);
		assert_true(++turns < 1000);
	}
	return turns;
}

static struct json_object *
frame_json(int i)
{
	struct json_object *o;

	assert_true(i < IO.nframes);
	assert_int_equal(IO.frames[i].op, WS_OP_TEXT);
	assert_non_null(o = json_tokener_parse(IO.frames[i].text));
	return o;
}

static const char *
frame_type(int i)
{
	static char type[32];
	struct json_object *o = frame_json(i), *v;

	assert_true(json_object_object_get_ex(o, "type", &v));
	snprintf(type, sizeof(type), "%s", json_object_get_string(v));
	json_object_put(o);
	return type;
}

static int64_t
frame_seq(int i)
{
	struct json_object *o = frame_json(i), *v;
	int64_t seq;

	assert_true(json_object_object_get_ex(o, "seq", &v));
	seq = json_object_get_int64(v);
	json_object_put(o);
	return seq;
}

/* 1 if frame i is an event (it has a ts). */
static int
frame_is_event(int i)
{
	struct json_object *o = frame_json(i), *v;
	int is = json_object_object_get_ex(o, "ts", &v);

	json_object_put(o);
	return is;
}

/* The event frames c got from frame from on must be exactly seq lo..hi. */
static void
assert_client_events(const struct client *c, int from, int64_t lo, int64_t hi)
{
	int64_t want = lo;

	for (int i = from; i < IO.nframes; i++) {
		if (IO.frames[i].c != c || !frame_is_event(i))
			continue;
		assert_int_equal(frame_seq(i), want);
		want++;
	}
	assert_int_equal(want, hi + 1);
}

/* --- the tests ------------------------------------------------------------- */

static void
hello_comes_first(void **state)
{
	struct world w;
	struct client c;

	(void)state;
	world_init(&w, 16, 0);
	fake_add(&w.fs, 1, 5, "session_started", 0);
	assert_int_equal(world_fetch(&w, 100), 5);
	open_client(&w, &c, EVENT_GROUP_USER, 2);
	assert_true(IO.wants > 0);		/* its first write waits */
	/* A fetch meanwhile writes nothing to it before its hello. */
	fake_add(&w.fs, 6, 6, "session_started", 0);
	world_fetch(&w, 100);
	assert_int_equal(IO.nframes, 0);
	drain(&w, &c);
	/* The hello tells the head as of its write. */
	assert_string_equal(IO.frames[0].text,
	    "{\"type\":\"hello\",\"seq\":6,\"group\":\"user\"}");
	assert_client_events(&c, 1, 3, 6);
	client_closed(&w.hub, &c);
	world_free(&w);
}

/*
 * since below the ring: replayed from the source (with events arriving
 * meanwhile), then the ring from exactly the next seq.
 */
static void
replay_joins_ring_without_gap_or_duplicate(void **state)
{
	struct world w;
	struct client c, live;
	int turns;

	(void)state;
	world_init(&w, 16, 20);			/* pushd began at seq 20 */
	fake_add(&w.fs, 1, 30, "session_started", 3000);
	assert_int_equal(world_fetch(&w, 100), 10);	/* 21..30 in the ring */
	assert_int_equal(fanout_ring(&w.fan, EVENT_GROUP_ADMIN)->base_seq, 20);
	open_client(&w, &live, EVENT_GROUP_ADMIN, -1);
	open_client(&w, &c, EVENT_GROUP_ADMIN, 5);
	assert_int_equal(c.state, CLIENT_REPLAY);
	assert_int_equal(w.m.replays, 1);
	drain(&w, &live);

	/* One write (16 kB, about five events): still replaying. */
	assert_int_equal(client_write(&w.hub, &c, w.now), 0);
	assert_int_equal(c.state, CLIENT_REPLAY);
	assert_true(c.cseq > 5 && c.cseq < 20);
	/* Events arrive meanwhile: into the ring, not yet to c. */
	fake_add(&w.fs, 31, 40, "session_started", 3000);
	world_fetch(&w, 100);
	turns = drain(&w, &c);
	assert_true(turns > 1);
	drain(&w, &live);	/* a 16 kB write each turn: it had more too */
	assert_int_equal(c.state, CLIENT_LIVE);
	assert_int_equal(c.cseq, 40);
	assert_string_equal(frame_type(0), "hello");	/* the live one's */
	/* c got 6..40 once each, in order; the live one 31..40. */
	assert_client_events(&c, 0, 6, 40);
	assert_client_events(&live, 0, 31, 40);
	/* 31..40 evicted 21..24 from the ring of 16 meanwhile: the replay
	 * followed the ring's base up, 6..24 came from the source. */
	assert_int_equal(fanout_ring(&w.fan, EVENT_GROUP_ADMIN)->base_seq, 24);
	assert_int_equal(w.m.replayed_events, 19);
	assert_int_equal(w.m.events_sent_admin, 35 + 10);
	client_closed(&w.hub, &live);
	client_closed(&w.hub, &c);
	world_free(&w);
}

/* The replay of a user skips what users may not see. */
static void
replay_skips_what_the_group_may_not_see(void **state)
{
	struct world w;
	struct client c;

	(void)state;
	world_init(&w, 16, 10);
	fake_add(&w.fs, 1, 4, "session_started", 0);
	fake_add(&w.fs, 5, 8, "new_rating", 0);		/* admins only */
	fake_add(&w.fs, 9, 10, "session_started", 0);
	open_client(&w, &c, EVENT_GROUP_USER, 2);
	drain(&w, &c);
	assert_string_equal(frame_type(0), "hello");
	assert_int_equal(IO.nframes, 5);		/* hello, 3 4 9 10 */
	assert_int_equal(frame_seq(1), 3);
	assert_int_equal(frame_seq(2), 4);
	assert_int_equal(frame_seq(3), 9);
	assert_int_equal(frame_seq(4), 10);
	assert_int_equal(c.state, CLIENT_LIVE);
	client_closed(&w.hub, &c);
	world_free(&w);
}

static void
resync_when_since_is_older_than_first_kept(void **state)
{
	struct world w;
	struct client old, edge;

	(void)state;
	world_init(&w, 16, 60);
	fake_add(&w.fs, 50, 60, "session_started", 0);	/* 1..49 pruned */
	open_client(&w, &old, EVENT_GROUP_USER, 10);
	drain(&w, &old);
	assert_int_equal(IO.nframes, 2);
	assert_string_equal(frame_type(1), "resync");
	assert_int_equal(frame_seq(1), 60);
	assert_int_equal(w.m.resyncs, 1);
	assert_int_equal(w.m.replays, 0);

	/* since = first - 1 still has everything: a replay, no resync. */
	open_client(&w, &edge, EVENT_GROUP_USER, 49);
	assert_int_equal(edge.state, CLIENT_REPLAY);
	drain(&w, &edge);
	assert_client_events(&edge, 0, 50, 60);
	assert_int_equal(w.m.resyncs, 1);

	/* Both follow live after that. */
	fake_add(&w.fs, 61, 61, "session_started", 0);
	world_fetch(&w, 100);
	assert_int_equal(frame_seq(IO.nframes - 2), 61);
	assert_int_equal(frame_seq(IO.nframes - 1), 61);
	client_closed(&w.hub, &old);
	client_closed(&w.hub, &edge);
	world_free(&w);
}

static void
resync_when_since_is_ahead_or_pruned_during_replay(void **state)
{
	struct world w;
	struct client ahead, c;

	(void)state;
	world_init(&w, 16, 30);
	fake_add(&w.fs, 1, 30, "session_started", 3000);
	/* Another database: since above head. */
	open_client(&w, &ahead, EVENT_GROUP_USER, 99);
	drain(&w, &ahead);
	assert_string_equal(frame_type(1), "resync");
	assert_int_equal(frame_seq(1), 30);

	/* Events pruned under a replay: resync at head, not a gap. */
	open_client(&w, &c, EVENT_GROUP_USER, 0);
	assert_int_equal(client_write(&w.hub, &c, w.now), 0);
	assert_true(c.cseq < 25);
	fake_prune(&w.fs, 25);
	drain(&w, &c);
	assert_string_equal(frame_type(IO.nframes - 1), "resync");
	assert_int_equal(frame_seq(IO.nframes - 1), 30);
	assert_int_equal(c.state, CLIENT_LIVE);
	client_closed(&w.hub, &ahead);
	client_closed(&w.hub, &c);
	world_free(&w);
}

/*
 * A client whose socket is full is not written to; one that fell behind
 * the ring meanwhile is skipped ahead with resync once it takes writes
 * again, and then follows live.
 */
static void
slow_client_waits_then_resyncs(void **state)
{
	struct world w;
	struct client c;
	int writes;

	(void)state;
	world_init(&w, 8, 0);
	open_client(&w, &c, EVENT_GROUP_USER, -1);
	drain(&w, &c);				/* hello */
	IO.busy = 1;
	writes = IO.writes;
	fake_add(&w.fs, 1, 20, "session_started", 0);
	while (world_fetch(&w, 4) > 0)
		;
	assert_int_equal(IO.writes, writes);	/* nothing while it is full */
	assert_int_equal(w.fan.head, 20);
	IO.busy = 0;
	drain(&w, &c);
	assert_string_equal(frame_type(IO.nframes - 1), "resync");
	assert_int_equal(frame_seq(IO.nframes - 1), 20);
	fake_add(&w.fs, 21, 21, "session_started", 0);
	world_fetch(&w, 100);
	assert_int_equal(frame_seq(IO.nframes - 1), 21);
	assert_int_equal(IO.killed, 0);
	client_closed(&w.hub, &c);
	world_free(&w);
}

/* One that takes nothing for stall_us while messages wait: 4008. */
static void
stuck_client_is_closed_with_4008(void **state)
{
	struct world w;
	struct client stuck, idle;

	(void)state;
	world_init(&w, 8, 0);
	open_client(&w, &stuck, EVENT_GROUP_USER, -1);
	open_client(&w, &idle, EVENT_GROUP_USER, -1);
	drain(&w, &stuck);
	drain(&w, &idle);
	IO.busy = 1;
	fake_add(&w.fs, 1, 1, "session_started", 0);
	world_fetch(&w, 100);
	IO.busy = 0;
	drain(&w, &idle);		/* idle took its event */
	IO.busy = 1;			/* stuck still has it waiting */
	w.now += 2 * SEC;
	client_heard(&stuck, w.now);
	client_heard(&idle, w.now);
	client_sweep(&w.hub, w.now, 1000);
	assert_int_equal(IO.killed, 0);		/* not yet */
	w.now += 3 * SEC;
	client_heard(&stuck, w.now);
	client_heard(&idle, w.now);
	IO.busy = 0;
	/* idle: nothing waits for it; only stuck's turn matters.  The fake
	 * transport is one for both, so judge stuck alone. */
	TAILQ_REMOVE(client_list_of(&w.hub, EVENT_GROUP_USER), &idle, entry);
	idle.registered = 0;
	client_sweep(&w.hub, w.now, 1000);
	assert_int_equal(IO.killed, 1);
	assert_int_equal(IO.code, CLIENT_CLOSE_TOO_SLOW);
	assert_int_equal(IO.kill_secs, CLIENT_CLOSE_GRACE_S);
	assert_true(stuck.doomed);
	assert_int_equal(w.m.slow_closes, 1);
	/* A doomed client is not written to any more. */
	assert_int_equal(client_write(&w.hub, &stuck, w.now), -1);
	client_closed(&w.hub, &stuck);
	assert_int_equal(w.m.clients_user, 1);	/* idle left the list above */
	world_free(&w);
}

static void
keepalive_pings_then_hangs_up(void **state)
{
	struct world w;
	struct client c;
	int n;

	(void)state;
	world_init(&w, 8, 0);
	open_client(&w, &c, EVENT_GROUP_USER, -1);
	drain(&w, &c);
	w.now += 5 * SEC;
	client_sweep(&w.hub, w.now, 1000);
	assert_true(c.ping_due);
	n = IO.nframes;
	drain(&w, &c);
	assert_int_equal(IO.nframes, n + 1);
	assert_int_equal(IO.frames[n].op, WS_OP_PING);
	w.now += 5 * SEC;		/* silent for hangup_us */
	client_sweep(&w.hub, w.now, 1000);
	assert_true(c.doomed);
	assert_int_equal(IO.code, 0);		/* no close frame: gone */
	assert_int_equal(IO.kill_secs, 0);
	assert_int_equal(w.m.hangups, 1);
	client_closed(&w.hub, &c);
	world_free(&w);
}

static void
admin_client_closed_when_its_session_ends(void **state)
{
	struct world w;
	struct client a;

	(void)state;
	world_init(&w, 8, 0);
	w.fs.admin_rc = 1;
	w.fs.admin_id = 7;
	w.fs.admin_expires = 2000;
	open_client(&w, &a, EVENT_GROUP_ADMIN, -1);
	assert_non_null(a.admin = calloc(1, sizeof(*a.admin)));
	a.admin->session_id = 7;
	a.admin->expires_at = 1500;
	drain(&w, &a);
	client_heard(&a, w.now);
	client_sweep(&w.hub, w.now, 1000);
	assert_false(a.doomed);
	assert_int_equal(a.admin->expires_at, 2000);	/* learnt from the source */
	/* Logged out: the source no longer knows the session. */
	w.fs.admin_rc = 0;
	client_sweep(&w.hub, w.now, 1001);
	assert_true(a.doomed);
	assert_int_equal(IO.code, CLIENT_CLOSE_ADMIN_ENDED);
	assert_int_equal(w.m.admin_closes, 1);
	/* Its next write turn closes it (sending the close frame). */
	assert_int_equal(client_write(&w.hub, &a, w.now), -1);
	client_closed(&w.hub, &a);
	assert_null(a.admin);

	/* Expired, even when the source cannot be asked. */
	io_reset();
	w.fs.admin_rc = -1;
	open_client(&w, &a, EVENT_GROUP_ADMIN, -1);
	assert_non_null(a.admin = calloc(1, sizeof(*a.admin)));
	a.admin->session_id = 7;
	a.admin->expires_at = 1500;
	client_sweep(&w.hub, w.now, 1499);
	assert_false(a.doomed);			/* error: ask again later */
	client_sweep(&w.hub, w.now, 1500);
	assert_true(a.doomed);
	assert_int_equal(IO.code, CLIENT_CLOSE_ADMIN_ENDED);
	client_closed(&w.hub, &a);
	world_free(&w);
}

static void
stopping_closes_with_1001(void **state)
{
	struct world w;
	struct client c;

	(void)state;
	world_init(&w, 8, 0);
	open_client(&w, &c, EVENT_GROUP_USER, -1);
	w.hub.stopping = 1;
	assert_int_equal(client_write(&w.hub, &c, w.now), -1);
	assert_int_equal(IO.code, CLIENT_CLOSE_GOING_AWAY);
	assert_int_equal(IO.nframes, 0);
	client_closed(&w.hub, &c);
	world_free(&w);
}

/* A peer that broke the protocol below lws (an unmasked frame): 1002. */
static void
broken_peer_closed_with_1002(void **state)
{
	struct world w;
	struct client c;

	(void)state;
	world_init(&w, 8, 0);
	open_client(&w, &c, EVENT_GROUP_USER, -1);
	drain(&w, &c);
	client_sweep(&w.hub, w.now, 1000);
	assert_false(c.doomed);
	IO.broken = 1;
	client_sweep(&w.hub, w.now, 1000);
	assert_true(c.doomed);
	assert_int_equal(IO.code, CLIENT_CLOSE_PROTOCOL_ERROR);
	client_closed(&w.hub, &c);
	world_free(&w);
}

static void
presence_reaches_everyone_after_hello(void **state)
{
	struct world w;
	struct client a, b;

	(void)state;
	world_init(&w, 8, 0);
	open_client(&w, &a, EVENT_GROUP_USER, -1);
	open_client(&w, &b, EVENT_GROUP_ADMIN, -1);
	assert_true(fanout_presence_changed(&w.fan, w.now, 250000) > 0);
	assert_true(fanout_presence_changed(&w.fan, w.now, 250000) < 0);
	drain(&w, &a);			/* pending: hello only */
	assert_int_equal(IO.nframes, 1);
	assert_int_equal(fanout_presence_build(&w.fan, w.now, 1, 1), 1);
	drain(&w, &a);
	drain(&w, &b);
	assert_string_equal(IO.frames[1].text,
	    "{\"type\":\"presence\",\"data\":{\"raters\":1,\"admins\":1}}");
	assert_string_equal(frame_type(2), "hello");
	assert_string_equal(frame_type(3), "presence");
	assert_int_equal(fanout_presence_build(&w.fan, w.now, 1, 1), 0);
	assert_false(client_has_work(&w.hub, &a));
	client_closed(&w.hub, &a);
	client_closed(&w.hub, &b);
	world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_comes_first),
		cmocka_unit_test(replay_joins_ring_without_gap_or_duplicate),
		cmocka_unit_test(replay_skips_what_the_group_may_not_see),
		cmocka_unit_test(resync_when_since_is_older_than_first_kept),
		cmocka_unit_test(resync_when_since_is_ahead_or_pruned_during_replay),
		cmocka_unit_test(slow_client_waits_then_resyncs),
		cmocka_unit_test(stuck_client_is_closed_with_4008),
		cmocka_unit_test(keepalive_pings_then_hangs_up),
		cmocka_unit_test(admin_client_closed_when_its_session_ends),
		cmocka_unit_test(stopping_closes_with_1001),
		cmocka_unit_test(broken_peer_closed_with_1002),
		cmocka_unit_test(presence_reaches_everyone_after_hello),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
