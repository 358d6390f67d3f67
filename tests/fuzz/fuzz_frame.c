/*
 * pushd/frame.c, the batches of WebSocket frames pushd writes.  Input: a
 * program of operations, each a byte (opcode bit, reset bit, a length
 * class) then the payload bytes it takes from the input, repeated to
 * reach frame lengths of every header form (7-bit, 16-bit, 64-bit).
 * Before each reset and at the end the batch, decoded as a browser would (RFC 6455
 * section 5.2), is exactly the frames added since the last reset: final,
 * unmasked, minimal length form, same opcode and payload; the LWS_PRE
 * headroom is there to write.
 *
 * fuzz-sources: pushd/frame.c pushd/ring.c shared/log.c
 * fuzz-libs: -lwebsockets
 */
#include "fuzz.h"

#include "pushd/frame.h"
#include "pushd/ring.h"
#include "shared/log.h"

#define MAX_FRAMES	64
#define MAX_BYTES	(256 * 1024)	/* per input: keeps execs fast */

struct expect {
	int		 op;
	unsigned char	*payload;	/* owned */
	size_t		 len;
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	return 0;
}

/* seed[0..n) repeated to len bytes, malloc'd. */
static unsigned char *
repeat(const uint8_t *seed, size_t n, size_t len)
{
	unsigned char *p = malloc(len + 1);
	size_t have = len < n ? len : n;

	FUZZ_CHECK(p != NULL);
	memcpy(p, seed, have);
	for (; have < len; have *= 2)
		memcpy(p + have, p, have < len - have ? have : len - have);
	return p;
}

static void
free_expect(struct expect *e, int n)
{
	for (int i = 0; i < n; i++)
		free(e[i].payload);
}

static void
check_batch(const struct ws_batch *b, const struct expect *e, int n)
{
	const unsigned char *p, *end;
	uint64_t len;
	size_t hdr;

	FUZZ_CHECK(b->frames == n);
	if (b->buf == NULL) {		/* nothing added yet */
		FUZZ_CHECK(n == 0 && b->len == 0);
		return;
	}
	FUZZ_CHECK(b->len <= b->cap);
	memset(b->buf, 0xa5, RING_PRE);	/* lws_write() writes here */
	p = ws_batch_data(b);
	end = p + b->len;
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(end - p >= 2);
		FUZZ_CHECK(p[0] == (0x80 | e[i].op));	/* FIN, no RSV */
		FUZZ_CHECK((p[1] & 0x80) == 0);		/* not masked */
		len = p[1] & 0x7f;
		hdr = 2;
		if (len == 126) {
			FUZZ_CHECK(end - p >= 4);
			len = (uint64_t)p[2] << 8 | p[3];
			FUZZ_CHECK(len >= 126);
			hdr = 4;
		} else if (len == 127) {
			FUZZ_CHECK(end - p >= 10);
			len = 0;
			for (int j = 0; j < 8; j++)
				len = len << 8 | p[2 + j];
			FUZZ_CHECK(len > UINT16_MAX && len >> 63 == 0);
			hdr = 10;
		}
		FUZZ_CHECK(len == e[i].len);
		FUZZ_CHECK((uint64_t)(end - p) >= hdr + len);
		FUZZ_CHECK(memcmp(p + hdr, e[i].payload, len) == 0);
		p += hdr + len;
	}
	FUZZ_CHECK(p == end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t classes[] = { 0, 1, 125, 126, 127, 65535, 65536,
	    70000 };
	struct ws_batch b = { 0 };
	struct expect e[MAX_FRAMES];
	size_t i = 0, seed_len, len, total = 0;
	int n = 0;

	while (i < size) {
		uint8_t op = data[i++];

		if (op & 0x40) {
			check_batch(&b, e, n);
			ws_batch_reset(&b);
			free_expect(e, n);
			n = 0;
		}
		if (n == MAX_FRAMES)
			break;
		seed_len = (op >> 3 & 0x7) + 1;
		if (size - i < seed_len)
			break;
		len = op & 0x80 ? classes[op & 0x7] : op & 0x7;
		if (len == 0 && (op & 0x80) == 0)
			len = seed_len;
		if (total + len > MAX_BYTES)
			break;
		total += len;
		e[n].payload = repeat(data + i, seed_len, len);
		e[n].op = op & 0x20 ? WS_OP_PING : WS_OP_TEXT;
		e[n].len = len;
		FUZZ_CHECK(ws_batch_add(&b, e[n].op, e[n].payload, len) == 0);
		n++;
		i += seed_len;
	}
	check_batch(&b, e, n);
	free_expect(e, n);
	ws_batch_free(&b);
	FUZZ_CHECK(b.buf == NULL && b.len == 0 && b.frames == 0);
	return 0;
}
