/* Unit tests of an edge's window of the newest stream events: one run of
 * consecutive seqs, what it can replay, and what it hands out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../pushd/source_redis_window.h"

static int
push(struct window *w, int64_t seq)
{
	char data[32];
	struct source_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.seq = seq;
	ev.session_id = 7;
	ev.type = EVENT_NEW_RATING;
	ev.ts = "2026-12-01T20:00:00.000Z";
	ev.data_len = (size_t)snprintf(data, sizeof(data), "{\"n\":%lld}",
	    (long long)seq);
	ev.data = data;
	ev.user_data = seq % 2 ? "{}" : NULL;
	ev.user_data_len = seq % 2 ? 2 : 0;
	return window_push(w, &ev);
}

struct seen {
	int64_t	seqs[16];
	int	n, stop_after;
};

static int
collect(const struct source_event *ev, void *arg)
{
	struct seen *s = arg;
	char want[32];

	snprintf(want, sizeof(want), "{\"n\":%lld}", (long long)ev->seq);
	assert_string_equal(ev->data, want);
	assert_int_equal(ev->data_len, strlen(want));
	assert_int_equal(ev->type, EVENT_NEW_RATING);
	if (ev->seq % 2)
		assert_string_equal(ev->user_data, "{}");
	else
		assert_null(ev->user_data);
	assert_int_equal(ev->session_id, 7);
	s->seqs[s->n++] = ev->seq;
	return s->stop_after != 0 && s->n == s->stop_after;
}

static void
window_keeps_the_newest_run(void **state)
{
	struct window w;

	(void)state;
	assert_int_equal(window_init(&w, 4), 0);
	assert_int_equal(window_first(&w), 0);
	assert_false(window_covers(&w, 0));
	for (int64_t seq = 10; seq <= 15; seq++)
		assert_int_equal(push(&w, seq), 0);
	assert_int_equal(window_first(&w), 12);
	assert_int_equal(window_last(&w), 15);
	/* An id is never taken twice, nor an older one. */
	assert_int_equal(push(&w, 15), 1);
	assert_int_equal(push(&w, 3), 1);
	assert_int_equal(window_last(&w), 15);
	window_free(&w);
}

static void
window_covers_from_just_before_its_first(void **state)
{
	struct window w;

	(void)state;
	assert_int_equal(window_init(&w, 8), 0);
	for (int64_t seq = 20; seq <= 25; seq++)
		assert_int_equal(push(&w, seq), 0);
	assert_false(window_covers(&w, 18));	/* 19 is not here */
	assert_true(window_covers(&w, 19));
	assert_true(window_covers(&w, 25));
	assert_false(window_covers(&w, 26));
	window_free(&w);
}

static void
a_hole_starts_the_window_again(void **state)
{
	struct window w;

	(void)state;
	assert_int_equal(window_init(&w, 8), 0);
	for (int64_t seq = 1; seq <= 5; seq++)
		assert_int_equal(push(&w, seq), 0);
	assert_int_equal(push(&w, 9), 0);	/* 6..8 lost upstream */
	assert_int_equal(window_first(&w), 9);
	assert_false(window_covers(&w, 5));	/* no silent gap in a replay */
	window_free(&w);
}

static void
events_after_hands_out_in_order_with_limit_and_stop(void **state)
{
	struct window w;
	struct seen s;

	(void)state;
	assert_int_equal(window_init(&w, 16), 0);
	for (int64_t seq = 100; seq <= 110; seq++)
		assert_int_equal(push(&w, seq), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(window_events_after(&w, 104, 3, collect, &s), 3);
	assert_int_equal(s.seqs[0], 105);
	assert_int_equal(s.seqs[2], 107);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(window_events_after(&w, 99, 50, collect, &s), 2);
	assert_int_equal(s.seqs[1], 101);
	memset(&s, 0, sizeof(s));
	assert_int_equal(window_events_after(&w, 110, 50, collect, &s), 0);
	assert_int_equal(window_events_after(&w, 50, 50, collect, &s), 0);
	window_free(&w);
}

static void
events_survive_wrapping(void **state)
{
	struct window w;
	struct seen s;

	(void)state;
	assert_int_equal(window_init(&w, 3), 0);
	for (int64_t seq = 1; seq <= 8; seq++)
		assert_int_equal(push(&w, seq), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(window_events_after(&w, 5, 10, collect, &s), 3);
	assert_int_equal(s.seqs[0], 6);
	assert_int_equal(s.seqs[2], 8);
	/* The user view is kept when the stream had one (odd seqs here). */
	assert_string_equal(w.ev[(w.start + 1) % w.cap].user_data, "{}");
	assert_int_equal(w.ev[(w.start + 1) % w.cap].seq, 7);
	assert_null(w.ev[(w.start + 2) % w.cap].user_data);
	window_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_keeps_the_newest_run),
		cmocka_unit_test(window_covers_from_just_before_its_first),
		cmocka_unit_test(a_hole_starts_the_window_again),
		cmocka_unit_test(events_after_hands_out_in_order_with_limit_and_stop),
		cmocka_unit_test(events_survive_wrapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
