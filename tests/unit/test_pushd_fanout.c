/*
 * Unit tests of pushd's fan-out (pushd/fanout.c): what a read of the
 * source puts into each group's ring, the user group's coalesced
 * stats_updated (keyed on the type, order kept), and presence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "event.h"
#include "../../pushd/fanout.h"
#include "../../pushd/source.h"

#define MS	1000LL

/* A source of n events: seq i + 1 has type types[i]. */
struct list_source {
	const enum event_type	*types;
	int			 n;
};

static int
list_events_after(void *h, int64_t after, int limit, source_event_fn fn,
    void *arg)
{
	struct list_source *ls = h;
	static const char stats[] = "{\"ratings\":1,\"memes\":[]}";
	static const char stats_user[] = "{\"ratings\":1}";
	static const char other[] = "{\"x\":1}";
	struct source_event ev;
	int n = 0;

	for (int64_t seq = after + 1; seq <= ls->n && n < limit; seq++) {
		enum event_type t = ls->types[seq - 1];
		int users = (event_type_groups(t) & EVENT_GROUP_USER) != 0;

		ev.seq = seq;
		ev.session_id = 1;
		ev.type = t;
		ev.ts = "t";
		ev.data = t == EVENT_STATS_UPDATED ? stats : other;
		ev.data_len = strlen(ev.data);
		ev.user_data = !users ? NULL :
		    t == EVENT_STATS_UPDATED ? stats_user : other;
		ev.user_data_len = ev.user_data ? strlen(ev.user_data) : 0;
		n++;
		if (fn(&ev, arg) != 0)
			break;
	}
	return n;
}

static int
list_head(void *h, int64_t *head)
{
	*head = ((struct list_source *)h)->n;
	return 0;
}

static const struct source_ops list_ops = {
	"list", NULL, NULL, list_events_after, list_head, list_head, NULL
};

/* The seqs in a ring, oldest first, as "1 2 3". */
static const char *
ring_seqs(struct ring *r)
{
	static char out[256];
	size_t n = 0;

	out[0] = '\0';
	for (uint64_t p = ring_oldest(r); p < r->head; p++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%lld",
		    n ? " " : "", (long long)ring_get(r, p)->seq);
	return out;
}

static void
groups_get_their_views(void **state)
{
	static const enum event_type types[] = { EVENT_SESSION_CREATED,
	    EVENT_SESSION_STARTED, EVENT_NEW_RATING, EVENT_MEMES_POPULATED };
	struct list_source ls = { types, 4 };
	struct source src = { &list_ops, &ls };
	struct fanout f;
	int touched;
	int64_t due;

	(void)state;
	assert_int_equal(fanout_init(&f, 8, 0, 250 * MS), 0);
	assert_int_equal(fanout_read(&f, &src, 100, 0, &touched, &due), 4);
	assert_int_equal(touched, EVENT_GROUP_ADMIN | EVENT_GROUP_USER);
	assert_int_equal(due, 0);
	assert_int_equal(f.head, 4);
	assert_string_equal(ring_seqs(fanout_ring(&f, EVENT_GROUP_ADMIN)),
	    "1 2 3 4");
	assert_string_equal(ring_seqs(fanout_ring(&f, EVENT_GROUP_USER)), "2 4");
	/* Nothing new: nothing touched. */
	assert_int_equal(fanout_read(&f, &src, 100, 0, &touched, &due), 0);
	assert_int_equal(touched, 0);
	fanout_free(&f);
}

static void
read_is_bounded(void **state)
{
	static const enum event_type types[] = { EVENT_NEW_RATING,
	    EVENT_NEW_RATING, EVENT_NEW_RATING, EVENT_NEW_RATING,
	    EVENT_NEW_RATING };
	struct list_source ls = { types, 5 };
	struct source src = { &list_ops, &ls };
	struct fanout f;
	int touched;
	int64_t due;

	(void)state;
	assert_int_equal(fanout_init(&f, 8, 0, 250 * MS), 0);
	assert_int_equal(fanout_read(&f, &src, 2, 0, &touched, &due), 2);
	assert_int_equal(f.head, 2);
	assert_int_equal(touched, EVENT_GROUP_ADMIN);	/* admins only */
	assert_int_equal(fanout_read(&f, &src, 2, 0, &touched, &due), 2);
	assert_int_equal(fanout_read(&f, &src, 2, 0, &touched, &due), 1);
	assert_int_equal(f.head, 5);
	fanout_free(&f);
}

/*
 * Users' stats_updated: the first goes at once, later ones within the
 * interval are held (the newest wins), another event flushes the held
 * one ahead of itself, the timer's release puts the last one in.
 * Admins get every one.
 */
static void
stats_are_coalesced_in_order(void **state)
{
	static const enum event_type types[] = { EVENT_STATS_UPDATED,
	    EVENT_STATS_UPDATED, EVENT_STATS_UPDATED, EVENT_SESSION_FINISHED,
	    EVENT_STATS_UPDATED, EVENT_STATS_UPDATED };
	struct list_source ls = { types, 6 };
	struct source src = { &list_ops, &ls };
	struct fanout f;
	int touched;
	int64_t due;

	(void)state;
	assert_int_equal(fanout_init(&f, 16, 0, 250 * MS), 0);
	assert_int_equal(fanout_read(&f, &src, 6, 1000 * MS, &touched, &due), 6);
	assert_string_equal(ring_seqs(fanout_ring(&f, EVENT_GROUP_ADMIN)),
	    "1 2 3 4 5 6");
	/* 1 at once; 2 replaced by 3; 3 flushed before 4; 5 replaced; 6 held. */
	assert_string_equal(ring_seqs(fanout_ring(&f, EVENT_GROUP_USER)),
	    "1 3 4");
	assert_int_equal(due, (1000 + 250) * MS);
	assert_int_equal(f.stats.superseded, 2);
	assert_int_equal(fanout_release(&f, 1250 * MS), 1);
	assert_string_equal(ring_seqs(fanout_ring(&f, EVENT_GROUP_USER)),
	    "1 3 4 6");
	assert_int_equal(fanout_release(&f, 1250 * MS), 0);
	fanout_free(&f);
}

static void
presence_rate_and_changes(void **state)
{
	struct fanout f;

	(void)state;
	assert_int_equal(fanout_init(&f, 8, 0, 250 * MS), 0);
	assert_false(fanout_presence_due(&f, 0));	/* none built yet */
	/* The first change after a quiet interval: at once (1 us). */
	assert_int_equal(fanout_presence_changed(&f, 1000 * MS, 250 * MS), 1);
	assert_int_equal(fanout_presence_changed(&f, 1000 * MS, 250 * MS), -1);
	assert_int_equal(fanout_presence_build(&f, 1000 * MS, 2, 1), 1);
	assert_true(fanout_presence_due(&f, 0));
	assert_false(fanout_presence_due(&f, f.presence_gen));
	/* The next change waits out the interval from the last build. */
	assert_int_equal(fanout_presence_changed(&f, 1100 * MS, 250 * MS),
	    150 * MS);
	assert_false(fanout_presence_due(&f, 0));	/* a newer one is due */
	assert_int_equal(fanout_presence_build(&f, 1250 * MS, 2, 1), 0);
	assert_int_equal(f.presence_len, strlen("{\"type\":\"presence\","
	    "\"data\":{\"raters\":2,\"admins\":1}}"));
	fanout_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(groups_get_their_views),
		cmocka_unit_test(read_is_bounded),
		cmocka_unit_test(stats_are_coalesced_in_order),
		cmocka_unit_test(presence_rate_and_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
