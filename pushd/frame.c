#include "frame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ring.h"

size_t
ws_frame_header(unsigned char *out, enum ws_opcode op, size_t len)
{
	out[0] = 0x80 | (unsigned char)op;	/* FIN: never fragmented */
	if (len < 126) {
		out[1] = (unsigned char)len;
		return 2;
	}
	if (len <= UINT16_MAX) {
		out[1] = 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

unsigned char *
ws_batch_data(const struct ws_batch *b)
{
	return b->buf + RING_PRE;
}

static int
ws_batch_reserve(struct ws_batch *b, size_t need)
{
	unsigned char *buf;
	size_t cap = b->cap != 0 ? b->cap : 4096;

	if (b->len + need <= b->cap)
		return 0;
	while (cap < b->len + need)
		cap *= 2;
	if ((buf = realloc(b->buf, RING_PRE + cap)) == NULL) {
		log_warnx("%s: out of memory for %zu bytes", __func__, cap);
		return -1;
	}
	b->buf = buf;
	b->cap = cap;
	return 0;
}

int
ws_batch_add(struct ws_batch *b, enum ws_opcode op, const void *payload,
    size_t len)
{
	unsigned char *p;

	if (ws_batch_reserve(b, WS_FRAME_HEADER_MAX + len) == -1)
		return -1;
	p = ws_batch_data(b) + b->len;
	p += ws_frame_header(p, op, len);
	memcpy(p, payload, len);
	b->len = (size_t)(p + len - ws_batch_data(b));
	b->frames++;
	return 0;
}

void
ws_batch_reset(struct ws_batch *b)
{
	b->len = 0;
	b->frames = 0;
}

void
ws_batch_free(struct ws_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
