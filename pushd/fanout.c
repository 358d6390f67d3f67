#include "fanout.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "event.h"
#include "log.h"
#include "source.h"

#define FANOUT_PRESENCE_MAX	256

#define GROUP_INDEX(g)	((g) == EVENT_GROUP_ADMIN ? 0 : 1)

int
fanout_init(struct fanout *f, size_t ring_size, int64_t head,
    int64_t coalesce_us)
{
	memset(f, 0, sizeof(*f));
	f->head = head;
	coalesce_init(&f->stats, coalesce_us);
	if (ring_init(&f->rings[0], ring_size, head) == -1 ||
	    ring_init(&f->rings[1], ring_size, head) == -1) {
		fanout_free(f);
		return -1;
	}
	return 0;
}

void
fanout_free(struct fanout *f)
{
	ring_free(&f->rings[0]);
	ring_free(&f->rings[1]);
	coalesce_free(&f->stats);
	free(f->presence);
	f->presence = NULL;
}

struct ring *
fanout_ring(struct fanout *f, int group)
{
	return &f->rings[GROUP_INDEX(group)];
}

static void
push(struct fanout *f, int group, int64_t seq, const char *payload,
    size_t len)
{
	if (ring_push(fanout_ring(f, group), seq, payload, len) == -1)
		log_warnx("%s: seq %" PRId64 " dropped", __func__, seq);
}

int
fanout_release(struct fanout *f, int64_t now_us)
{
	int64_t seq;
	char *payload;
	size_t len;

	if (!coalesce_take(&f->stats, now_us, &seq, &payload, &len))
		return 0;
	push(f, EVENT_GROUP_USER, seq, payload, len);
	free(payload);
	return 1;
}

/* Puts one rendered event into the rings; returns the groups touched. */
static int
fanout_add(struct fanout *f, int64_t now_us, int64_t seq,
    struct envelope_set *e)
{
	int touched = 0;

	if (e->admin != NULL) {
		push(f, EVENT_GROUP_ADMIN, seq, e->admin, e->admin_len);
		touched |= EVENT_GROUP_ADMIN;
	}
	if (e->user == NULL)
		return touched;
	if (!e->user_latest_wins) {
		/* Nothing may overtake a held stats_updated. */
		fanout_release(f, now_us);
		push(f, EVENT_GROUP_USER, seq, e->user, e->user_len);
		return touched | EVENT_GROUP_USER;
	}
	if (coalesce_offer(&f->stats, now_us, seq, e->user, e->user_len)) {
		push(f, EVENT_GROUP_USER, seq, e->user, e->user_len);
		return touched | EVENT_GROUP_USER;
	}
	e->user = NULL;		/* held: f->stats owns it now */
	return touched;
}

struct read_state {
	struct fanout	*f;
	int64_t		 now_us;
	int		 touched;
};

static int
read_one(const struct source_event *ev, void *arg)
{
	struct read_state *rs = arg;
	struct envelope_set e;

	if (rs->f->observe != NULL)
		rs->f->observe(ev, rs->f->observe_arg);
	if (envelope_render(ev, EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &e) == 0) {
		rs->touched |= fanout_add(rs->f, rs->now_us, ev->seq, &e);
		envelope_clear(&e);
	}
	rs->f->head = ev->seq;
	return 0;
}

int
fanout_read(struct fanout *f, struct source *src, int limit, int64_t now_us,
    int *touched, int64_t *held_due)
{
	struct read_state rs = { f, now_us, 0 };
	int n;

	n = source_events_after(src, f->head, limit, read_one, &rs);
	*touched = rs.touched;
	*held_due = f->stats.held ? coalesce_due(&f->stats) : 0;
	return n;
}

int64_t
fanout_presence_changed(struct fanout *f, int64_t now_us, int64_t interval_us)
{
	int64_t wait;

	if (f->presence_pending)
		return -1;
	f->presence_pending = 1;
	wait = f->presence_last_us + interval_us - now_us;
	return wait > 0 ? wait : 1;
}

int
fanout_presence_build(struct fanout *f, int64_t now_us, int raters,
    int admins)
{
	char text[FANOUT_PRESENCE_MAX];
	unsigned char *buf;
	int n;

	f->presence_pending = 0;
	f->presence_last_us = now_us;
	/* Same counts: only the newcomers (gen 0) still need it. */
	if (f->presence != NULL && f->presence_raters == raters &&
	    f->presence_admins == admins)
		return 0;
	n = envelope_presence(text, sizeof(text), raters, admins);
	if (n < 0 || n >= (int)sizeof(text) ||
	    (buf = malloc(RING_PRE + (size_t)n)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	memcpy(buf + RING_PRE, text, (size_t)n);
	free(f->presence);
	f->presence = buf;
	f->presence_len = (size_t)n;
	f->presence_gen++;
	f->presence_raters = raters;
	f->presence_admins = admins;
	return 1;
}

int
fanout_presence_due(const struct fanout *f, uint32_t gen)
{
	return f->presence != NULL && !f->presence_pending &&
	    gen != f->presence_gen;
}
