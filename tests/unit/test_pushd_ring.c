/* Unit tests of pushd's broadcast ring and stats coalescing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pushd/coalesce.h"
#include "../../pushd/ring.h"

static void
push_text(struct ring *r, int64_t seq)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "msg %lld", (long long)seq);

	assert_int_equal(ring_push(r, seq, text, (size_t)n), 0);
}

static void
ring_keeps_messages_in_order(void **state)
{
	struct ring r;
	const struct ring_msg *m;

	(void)state;
	assert_int_equal(ring_init(&r, 4, 10), 0);
	push_text(&r, 11);
	push_text(&r, 13);
	assert_int_equal(r.head, 2);
	assert_int_equal(ring_oldest(&r), 0);
	m = ring_get(&r, 1);
	assert_non_null(m);
	assert_int_equal(m->seq, 13);
	assert_int_equal(m->len, strlen("msg 13"));
	/* The payload sits after the lws headroom, NUL-terminated. */
	assert_string_equal((char *)ring_payload(m), "msg 13");
	assert_null(ring_get(&r, 2));
	assert_int_equal(r.base_seq, 10);
	assert_int_equal(r.bytes, strlen("msg 11") + strlen("msg 13"));
	ring_free(&r);
}

static void
ring_evicts_oldest_and_raises_base(void **state)
{
	struct ring r;

	(void)state;
	assert_int_equal(ring_init(&r, 3, 0), 0);
	for (int64_t s = 1; s <= 5; s++)
		push_text(&r, s * 2);
	/* Positions 0 and 1 (seqs 2, 4) are gone; 6, 8, 10 remain. */
	assert_int_equal(r.count, 3);
	assert_int_equal(ring_oldest(&r), 2);
	assert_null(ring_get(&r, 1));
	assert_int_equal(ring_get(&r, 2)->seq, 6);
	assert_int_equal(ring_get(&r, 4)->seq, 10);
	/* Every event after seq 4 is still held. */
	assert_int_equal(r.base_seq, 4);
	assert_int_equal(r.bytes, 2 * strlen("msg 6") + strlen("msg 10"));
	ring_free(&r);
}

static void
ring_find_after_seq(void **state)
{
	struct ring r;

	(void)state;
	assert_int_equal(ring_init(&r, 8, 0), 0);
	assert_int_equal(ring_find_after(&r, 0), 0);	/* empty: head */
	for (int64_t s = 1; s <= 10; s++)
		push_text(&r, s * 10);	/* 10..100; 30..100 kept */
	assert_int_equal(ring_oldest(&r), 2);
	assert_int_equal(ring_find_after(&r, 0), 2);
	assert_int_equal(ring_find_after(&r, 30), 3);
	assert_int_equal(ring_find_after(&r, 35), 3);
	assert_int_equal(ring_find_after(&r, 99), 9);
	assert_int_equal(ring_find_after(&r, 100), 10);
	assert_int_equal(ring_find_after(&r, 1000), 10);
	ring_free(&r);
}

static void
ring_rejects_zero_size(void **state)
{
	struct ring r;

	(void)state;
	assert_int_equal(ring_init(&r, 0, 0), -1);
}

static char *
dup_text(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

static void
coalesce_first_goes_at_once(void **state)
{
	struct coalesce c;
	char *p = dup_text("a");

	(void)state;
	coalesce_init(&c, 250000);
	assert_int_equal(coalesce_offer(&c, 1000000, 7, p, 1), 1);
	free(p);	/* the caller kept it */
	assert_int_equal(c.held, 0);
	coalesce_free(&c);
}

static void
coalesce_latest_wins_within_interval(void **state)
{
	struct coalesce c;
	int64_t seq;
	char *payload, *first = dup_text("s1");
	size_t len;

	(void)state;
	coalesce_init(&c, 250000);
	assert_int_equal(coalesce_offer(&c, 1000000, 1, first, 2), 1);
	assert_null(c.payload);	/* nothing held */
	free(first);
	assert_int_equal(coalesce_offer(&c, 1010000, 2, dup_text("s2"), 2), 0);
	assert_int_equal(coalesce_offer(&c, 1020000, 3, dup_text("s3"), 2), 0);
	assert_int_equal(c.superseded, 1);
	assert_int_equal(coalesce_due(&c), 1250000);
	assert_int_equal(coalesce_take(&c, 1250000, &seq, &payload, &len), 1);
	assert_int_equal(seq, 3);
	assert_string_equal(payload, "s3");
	assert_int_equal(len, 2);
	free(payload);
	assert_int_equal(coalesce_take(&c, 1250000, &seq, &payload, &len), 0);
	/* Right after a take the next one waits a whole interval again. */
	assert_int_equal(coalesce_offer(&c, 1300000, 4, dup_text("s4"), 2), 0);
	assert_int_equal(coalesce_due(&c), 1500000);
	coalesce_free(&c);
}

static void
coalesce_quiet_interval_resets(void **state)
{
	struct coalesce c;
	char *p;

	(void)state;
	coalesce_init(&c, 250000);
	p = dup_text("x");
	assert_int_equal(coalesce_offer(&c, 0, 1, p, 1), 1);
	assert_int_equal(coalesce_offer(&c, 250000, 2, p, 1), 1);
	assert_int_equal(coalesce_offer(&c, 600000, 3, p, 1), 1);
	free(p);
	assert_int_equal(c.superseded, 0);
	coalesce_free(&c);
}

/* At a high rate, at most one message per interval goes out. */
static void
coalesce_bounds_the_rate(void **state)
{
	struct coalesce c;
	int out = 0;
	int64_t seq, last = 0;
	char *payload;
	size_t len;

	(void)state;
	coalesce_init(&c, 250000);
	for (int64_t t = 0; t < 2000000; t += 1000) {	/* 1000/s for 2 s */
		char *p = dup_text("r");

		if (c.held && t >= coalesce_due(&c) &&
		    coalesce_take(&c, t, &seq, &payload, &len)) {
			assert_true(seq > last);
			last = seq;
			free(payload);
			out++;
		}
		if (coalesce_offer(&c, t, t + 1, p, 1)) {
			assert_true(t + 1 > last);
			last = t + 1;
			free(p);
			out++;
		}
	}
	assert_true(out >= 7 && out <= 9);
	assert_true(coalesce_take(&c, 2000000, &seq, &payload, &len) == 1);
	assert_int_equal(seq, 1999001);	/* the latest is never lost */
	free(payload);
	coalesce_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_keeps_messages_in_order),
		cmocka_unit_test(ring_evicts_oldest_and_raises_base),
		cmocka_unit_test(ring_find_after_seq),
		cmocka_unit_test(ring_rejects_zero_size),
		cmocka_unit_test(coalesce_first_goes_at_once),
		cmocka_unit_test(coalesce_latest_wins_within_interval),
		cmocka_unit_test(coalesce_quiet_interval_resets),
		cmocka_unit_test(coalesce_bounds_the_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
