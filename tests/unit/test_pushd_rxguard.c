/* Unit tests of pushd's check of client frame masks (pushd/rxguard.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../pushd/rxguard.h"

/* A masked client frame: FIN + op, the mask bit, the length, a key. */
static size_t
masked(unsigned char *out, int op, size_t len)
{
	size_t n = 0;

	out[n++] = (unsigned char)(0x80 | op);
	if (len < 126)
		out[n++] = (unsigned char)(0x80 | len);
	else if (len <= 0xffff) {
		out[n++] = 0x80 | 126;
		out[n++] = (unsigned char)(len >> 8);
		out[n++] = (unsigned char)len;
	} else {
		out[n++] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[n++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	memcpy(out + n, "\x11\x22\x33\x44", 4);
	n += 4;
	memset(out + n, 'x', len);
	return n + len;
}

static void
masked_frames_pass(void **state)
{
	static unsigned char buf[3 * 70000 + 64];
	struct rxguard g;
	size_t n = 0;

	(void)state;
	memset(&g, 0, sizeof(g));
	n += masked(buf + n, 0xa, 1);		/* pong */
	n += masked(buf + n, 0x1, 300);		/* 16-bit length */
	n += masked(buf + n, 0x2, 70000);	/* 64-bit length */
	n += masked(buf + n, 0x1, 0);
	assert_int_equal(rxguard_feed(&g, buf, n), 0);
	/* The same stream one byte at a time: headers split anywhere. */
	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rxguard_feed(&g, buf + i, 1), 0);
	assert_int_equal(g.have, 0);
	assert_int_equal(g.left, 0);
}

static void
unmasked_frame_is_caught(void **state)
{
	unsigned char buf[256];
	struct rxguard g;
	size_t n;

	(void)state;
	memset(&g, 0, sizeof(g));
	n = masked(buf, 0x1, 130);
	/* Then an unmasked text frame "hi", split over two reads. */
	memcpy(buf + n, "\x81\x02hi", 4);
	assert_int_equal(rxguard_feed(&g, buf, n + 1), 0);
	assert_int_equal(rxguard_feed(&g, buf + n + 1, 3), -1);
	assert_true(g.violated);
	/* It stays caught whatever follows. */
	n = masked(buf, 0xa, 1);
	assert_int_equal(rxguard_feed(&g, buf, n), -1);
	/* A payload byte that looks like a header is not one. */
	memset(&g, 0, sizeof(g));
	n = masked(buf, 0x1, 4);
	memcpy(buf + n - 4, "\x81\x02hi", 4);
	assert_int_equal(rxguard_feed(&g, buf, n), 0);
}

static void
table_by_descriptor(void **state)
{
	unsigned char buf[16];
	size_t n;

	(void)state;
	assert_false(rxguard_violated(7));
	rxguard_received(7, "\x81\x02hi", 4);	/* not watched: ignored */
	assert_false(rxguard_violated(7));
	rxguard_watch(7);
	n = masked(buf, 0x1, 2);
	rxguard_received(7, buf, n);
	assert_false(rxguard_violated(7));
	rxguard_received(7, "\x81\x02hi", 4);
	assert_true(rxguard_violated(7));
	assert_false(rxguard_violated(8));
	/* A new connection on the same descriptor starts clean. */
	rxguard_unwatch(7);
	assert_false(rxguard_violated(7));
	rxguard_watch(7);
	assert_false(rxguard_violated(7));
	assert_false(rxguard_violated(-1));
	assert_false(rxguard_violated(1 << 30));
	rxguard_table_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(masked_frames_pass),
		cmocka_unit_test(unmasked_frame_is_caught),
		cmocka_unit_test(table_by_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
