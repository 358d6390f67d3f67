#include "ring.h"

#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "log.h"

const size_t RING_PRE = LWS_PRE;

int
ring_init(struct ring *r, size_t size, int64_t base_seq)
{
	memset(r, 0, sizeof(*r));
	if (size == 0 || (r->slots = calloc(size, sizeof(*r->slots))) == NULL) {
		log_warnx("%s: cannot allocate %zu slots", __func__, size);
		return -1;
	}
	r->size = size;
	r->base_seq = base_seq;
	return 0;
}

void
ring_free(struct ring *r)
{
	for (size_t i = 0; r->slots != NULL && i < r->size; i++)
		free(r->slots[i].buf);
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

uint64_t
ring_oldest(const struct ring *r)
{
	return r->head - r->count;
}

int
ring_push(struct ring *r, int64_t seq, const char *payload, size_t len)
{
	struct ring_msg *m = &r->slots[r->head % r->size];
	unsigned char *buf;

	if ((buf = malloc(RING_PRE + len + 1)) == NULL) {
		log_warnx("%s: out of memory for %zu bytes", __func__, len);
		return -1;
	}
	memcpy(buf + RING_PRE, payload, len);
	buf[RING_PRE + len] = '\0';
	if (r->count == r->size) {
		/* Evicting: the ring now covers only what follows it. */
		r->base_seq = m->seq;
		r->bytes -= m->len;
		free(m->buf);
		r->count--;
	}
	m->seq = seq;
	m->len = len;
	m->buf = buf;
	r->bytes += len;
	r->head++;
	r->count++;
	return 0;
}

const struct ring_msg *
ring_get(const struct ring *r, uint64_t pos)
{
	if (pos < ring_oldest(r) || pos >= r->head)
		return NULL;
	return &r->slots[pos % r->size];
}

uint64_t
ring_find_after(const struct ring *r, int64_t seq)
{
	uint64_t lo = ring_oldest(r), hi = r->head;

	/* Seqs increase along the ring: binary search. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (r->slots[mid % r->size].seq > seq)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
