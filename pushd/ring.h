#ifndef PUSHD_RING_H
#define PUSHD_RING_H

#include <stddef.h>
#include <stdint.h>

/*
 * The broadcast ring of one group: every message is written once, with
 * the headroom lws_write() needs in front of it, and sent from there to
 * every client of the group.  A client is just a position (a "tail") in
 * the ring; positions grow forever, slot = position % size.  A client
 * whose tail falls below ring_oldest() has lost messages: it is skipped
 * ahead with a resync.
 *
 * base_seq is the promise replay relies on: every event with a seq above
 * base_seq that the group may see is in the ring (or superseded by a
 * later event of the same kind that is, see coalesce.h).  It starts at
 * the head seq pushd began with and rises as old messages are evicted.
 */
struct ring_msg {
	int64_t		 seq;	/* event seq, increasing along the ring */
	size_t		 len;	/* payload bytes */
	unsigned char	*buf;	/* RING_PRE bytes of headroom, then payload */
};

struct ring {
	struct ring_msg	*slots;
	size_t		 size;		/* slots */
	size_t		 count;		/* slots in use */
	uint64_t	 head;		/* position of the next message */
	int64_t		 base_seq;
	size_t		 bytes;		/* payload bytes held, for metrics */
};

extern const size_t RING_PRE;	/* LWS_PRE */

int	 ring_init(struct ring *r, size_t size, int64_t base_seq);
void	 ring_free(struct ring *r);

/* Copies payload once into the ring (evicting the oldest message when
 * full).  seq must be above every seq already pushed.  0 or -1. */
int	 ring_push(struct ring *r, int64_t seq, const char *payload, size_t len);

/* The oldest position still held. */
uint64_t ring_oldest(const struct ring *r);

/* The message at pos, or NULL if pos is evicted or not written yet. */
const struct ring_msg *ring_get(const struct ring *r, uint64_t pos);

/* The first position whose message has a seq above seq (head if none). */
uint64_t ring_find_after(const struct ring *r, int64_t seq);

/* Payload of a message (after the headroom). */
static inline unsigned char *
ring_payload(const struct ring_msg *m)
{
	return m->buf + RING_PRE;
}

#endif
