/* Unit tests of pushd's WebSocket frame batches (pushd/frame.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../pushd/frame.h"

/* Parses one server frame as a browser would; returns its size or 0. */
static size_t
parse_frame(const unsigned char *p, size_t avail, int *opcode,
    const unsigned char **payload, size_t *len)
{
	size_t hdr = 2;
	uint64_t n;

	if (avail < 2 || !(p[0] & 0x80) || (p[1] & 0x80))
		return 0;	/* not final, or masked */
	*opcode = p[0] & 0x0f;
	n = p[1] & 0x7f;
	if (n == 126) {
		n = (uint64_t)p[2] << 8 | p[3];
		hdr = 4;
	} else if (n == 127) {
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | p[2 + i];
		hdr = 10;
	}
	if (hdr + n > avail)
		return 0;
	*payload = p + hdr;
	*len = (size_t)n;
	return hdr + (size_t)n;
}

static void
headers_use_the_shortest_length_form(void **state)
{
	unsigned char h[WS_FRAME_HEADER_MAX];

	(void)state;
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 0), 2);
	assert_int_equal(h[0], 0x81);
	assert_int_equal(h[1], 0);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 125), 2);
	assert_int_equal(h[1], 125);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 126), 4);
	assert_int_equal(h[1], 126);
	assert_int_equal(h[2], 0);
	assert_int_equal(h[3], 126);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 65535), 4);
	assert_int_equal(h[2], 0xff);
	assert_int_equal(h[3], 0xff);
	assert_int_equal(ws_frame_header(h, WS_OP_PING, 65536), 10);
	assert_int_equal(h[0], 0x89);
	assert_int_equal(h[1], 127);
	assert_memory_equal(h + 2, "\0\0\0\0\0\1\0\0", 8);
}

static void
a_batch_reads_back_as_the_frames_added(void **state)
{
	struct ws_batch b;
	const unsigned char *p, *payload;
	size_t lens[] = { 3, 125, 126, 70000, 1 }, off = 0, len, n;
	char *big;
	int op;

	(void)state;
	memset(&b, 0, sizeof(b));
	big = malloc(70000);
	assert_non_null(big);
	for (size_t i = 0; i < 70000; i++)
		big[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(ws_batch_add(&b, i == 4 ? WS_OP_PING : WS_OP_TEXT,
		    big, lens[i]), 0);
	assert_int_equal(b.frames, 5);
	p = ws_batch_data(&b);
	for (size_t i = 0; i < 5; i++) {
		n = parse_frame(p + off, b.len - off, &op, &payload, &len);
		assert_true(n > 0);
		assert_int_equal(op, i == 4 ? WS_OP_PING : WS_OP_TEXT);
		assert_int_equal(len, lens[i]);
		assert_memory_equal(payload, big, len);
		off += n;
	}
	assert_int_equal(off, b.len);

	/* A reset batch is empty but keeps its buffer for the next client. */
	ws_batch_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.frames, 0);
	assert_true(b.cap >= 70000);
	assert_int_equal(ws_batch_add(&b, WS_OP_TEXT, "hi", 2), 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(ws_batch_data(&b), "\x81\x02hi", 4);
	ws_batch_free(&b);
	assert_null(b.buf);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers_use_the_shortest_length_form),
		cmocka_unit_test(a_batch_reads_back_as_the_frames_added),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
