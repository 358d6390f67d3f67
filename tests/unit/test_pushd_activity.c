/*
 * Unit tests of pushd/activity.c, "k others are rating this meme now":
 * the window over the stream's own timestamps, the reset rules, the
 * once-a-second pacing, "only when it changed", and the message text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "../../pushd/activity.h"
#include "../../pushd/source.h"

#define SEC		1000000LL	/* monotonic us */
#define T0_MS		1764633600000LL	/* 2025-12-02T00:00:00.000Z */

/* An event as a source hands it over, at T0 + ms. */
struct ev_buf {
	struct source_event	 ev;
	char			 ts[32];
	char			 data[256];
};

static const struct source_event *
ev_at(struct ev_buf *b, enum event_type type, int64_t sid, int64_t ms,
    const char *data)
{
	int64_t t = T0_MS + ms;

	memset(b, 0, sizeof(*b));
	snprintf(b->ts, sizeof(b->ts), "2025-12-02T00:%02lld:%02lld.%03lldZ",
	    (long long)(t - T0_MS) / 60000 % 60,
	    (long long)(t - T0_MS) / 1000 % 60, (long long)(t % 1000));
	snprintf(b->data, sizeof(b->data), "%s", data);
	b->ev.seq = 1;
	b->ev.session_id = sid;
	b->ev.type = type;
	b->ev.ts = b->ts;
	b->ev.data = b->data;
	b->ev.data_len = strlen(b->data);
	return &b->ev;
}

static int
rate(struct activity *a, int64_t sid, int64_t meme, int64_t rater,
    int64_t ms)
{
	struct ev_buf b;
	char data[200];

	snprintf(data, sizeof(data), "{\"session_id\":%lld,\"meme_id\":%lld,"
	    "\"rater\":{\"id\":%lld,\"name\":\"Brave Falcon\"},\"score\":7,"
	    "\"replaced\":false}", (long long)sid, (long long)meme,
	    (long long)rater);
	return activity_event(a, ev_at(&b, EVENT_NEW_RATING, sid, ms, data));
}

/* k for meme in the current message, -1 if the meme is not in it; the
 * message must be JSON of the documented shape. */
static int
count_of(const struct activity *a, int64_t sid, int64_t meme)
{
	struct json_object *o, *v, *d, *m;
	char key[24];
	int k = -1;

	assert_non_null(a->msg);
	assert_non_null(o = json_tokener_parse(a->msg));
	assert_true(json_object_object_get_ex(o, "type", &v));
	assert_string_equal(json_object_get_string(v), "activity");
	assert_false(json_object_object_get_ex(o, "seq", &v));
	assert_true(json_object_object_get_ex(o, "data", &d));
	assert_true(json_object_object_get_ex(d, "session_id", &v));
	assert_int_equal(json_object_get_int64(v), sid);
	assert_true(json_object_object_get_ex(d, "memes", &m));
	snprintf(key, sizeof(key), "%lld", (long long)meme);
	if (json_object_object_get_ex(m, key, &v))
		k = json_object_get_int(v);
	json_object_put(o);
	return k;
}

static void
timestamps(void **state)
{
	(void)state;
	assert_int_equal(activity_ts_ms("2025-12-02T00:00:00.000Z"), T0_MS);
	assert_int_equal(activity_ts_ms("2025-12-02T00:01:02.345Z"),
	    T0_MS + 62345);
	assert_int_equal(activity_ts_ms("2025-12-02T00:00:00Z"), -1);
	assert_int_equal(activity_ts_ms("2025-12-02T00:00:00.000+01"), -1);
	assert_int_equal(activity_ts_ms(NULL), -1);
	assert_true(activity_clock_ms() > T0_MS);
}

static void
counts_raters_per_meme_in_the_window(void **state)
{
	struct activity a;

	(void)state;
	activity_init(&a);
	assert_int_equal(activity_next(&a, 0), -1);	/* nothing yet */
	assert_int_equal(rate(&a, 3, 10, 1, 0), 1);
	assert_int_equal(rate(&a, 3, 10, 2, 500), 1);
	assert_int_equal(rate(&a, 3, 11, 1, 900), 1);
	/* Re-rating the same meme is the same pair: no change. */
	assert_int_equal(rate(&a, 3, 10, 2, 5000), 0);
	assert_int_equal(activity_next(&a, 0), 0);	/* first: at once */
	assert_int_equal(activity_next(&a, 0), -1);	/* scheduled */
	assert_int_equal(activity_tick(&a, T0_MS + 1000, 0), 1);
	assert_int_equal(count_of(&a, 3, 10), 2);
	assert_int_equal(count_of(&a, 3, 11), 1);
	assert_int_equal(count_of(&a, 3, 12), -1);
	/* Rater 1's pairs age out 20 s after their rating, rater 2's on
	 * meme 10 counts from its re-rating at 5 s. */
	assert_int_equal(activity_tick(&a, T0_MS + ACTIVITY_WINDOW_MS + 1000,
	    SEC), 1);
	assert_int_equal(count_of(&a, 3, 10), 1);
	assert_int_equal(count_of(&a, 3, 11), -1);
	assert_int_equal(activity_tick(&a, T0_MS + ACTIVITY_WINDOW_MS + 5000,
	    2 * SEC), 1);
	assert_int_equal(count_of(&a, 3, 10), -1);
	assert_int_equal(a.n, 0);
	/* Empty and quiet: no more ticks. */
	assert_int_equal(activity_next(&a, 3 * SEC), -1);
	activity_free(&a);
}

static void
paced_and_only_when_changed(void **state)
{
	struct activity a;
	uint32_t gen;

	(void)state;
	activity_init(&a);
	rate(&a, 3, 10, 1, 0);
	assert_int_equal(activity_next(&a, 10 * SEC), 0);
	assert_int_equal(activity_tick(&a, T0_MS, 10 * SEC), 1);
	gen = a.gen;
	assert_true(activity_due(&a, 0));	/* a newcomer gets it */
	assert_false(activity_due(&a, gen));
	/* A change soon after waits out the second. */
	rate(&a, 3, 10, 2, 100);
	assert_int_equal(activity_next(&a, 10 * SEC + 300000),
	    ACTIVITY_INTERVAL_US - 300000);
	/* The same counts again build no new message. */
	assert_int_equal(activity_tick(&a, T0_MS + 1000, 11 * SEC), 1);
	gen = a.gen;
	assert_int_equal(activity_next(&a, 11 * SEC), ACTIVITY_INTERVAL_US);
	assert_int_equal(activity_tick(&a, T0_MS + 2000, 12 * SEC), 0);
	assert_int_equal(a.gen, gen);
	activity_free(&a);
}

static void
sessions_and_kicks(void **state)
{
	struct activity a;
	struct ev_buf b;

	(void)state;
	activity_init(&a);
	rate(&a, 3, 10, 1, 0);
	rate(&a, 3, 10, 2, 0);
	rate(&a, 3, 11, 2, 0);
	/* A kick drops every pair of the rater. */
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_RATER_KICKED, 3,
	    10, "{\"session_id\":3,\"rater\":{\"id\":2,\"name\":\"X\"},"
	    "\"removed\":2}")), 1);
	activity_tick(&a, T0_MS + 100, 0);
	assert_int_equal(count_of(&a, 3, 10), 1);
	assert_int_equal(count_of(&a, 3, 11), -1);
	/* A kick of someone without pairs changes nothing. */
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_RATER_KICKED, 3,
	    10, "{\"session_id\":3,\"rater\":{\"id\":9,\"name\":\"Y\"}}")), 0);
	/* Another session's finish is not ours; ours clears the pairs and
	 * says so (the phones hide the line). */
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_SESSION_FINISHED,
	    4, 20, "{\"id\":4}")), 0);
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_SESSION_FINISHED,
	    3, 20, "{\"id\":3}")), 1);
	activity_tick(&a, T0_MS + 200, 2 * SEC);
	assert_int_equal(count_of(&a, 3, 10), -1);
	/* A rating of a new session replaces the old one. */
	rate(&a, 3, 10, 1, 300);
	rate(&a, 5, 50, 1, 400);
	activity_tick(&a, T0_MS + 500, 4 * SEC);
	assert_int_equal(count_of(&a, 5, 50), 1);
	assert_int_equal(count_of(&a, 5, 10), -1);
	/* Bad or foreign input is ignored. */
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_NEW_RATING, 5,
	    0, "{not json")), 0);
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_NEW_RATING, 5,
	    0, "{\"meme_id\":\"50\",\"rater\":{\"id\":2}}")), 0);
	assert_int_equal(activity_event(&a, ev_at(&b, EVENT_STATS_UPDATED, 5,
	    0, "{\"session_id\":5}")), 0);
	assert_int_equal(a.n, 1);
	activity_free(&a);
}

static void
bounded(void **state)
{
	struct activity a;

	(void)state;
	activity_init(&a);
	for (int i = 0; i < ACTIVITY_PAIRS_MAX + 10; i++)
		rate(&a, 3, 1 + i % 100, 1 + i, i % 1000);
	assert_int_equal(a.n, ACTIVITY_PAIRS_MAX);
	assert_int_equal(activity_tick(&a, T0_MS + 1000, 0), 1);
	assert_non_null(strstr(a.msg, "\"memes\":{\"1\":"));
	activity_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timestamps),
		cmocka_unit_test(counts_raters_per_meme_in_the_window),
		cmocka_unit_test(paced_and_only_when_changed),
		cmocka_unit_test(sessions_and_kicks),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
