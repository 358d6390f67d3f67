/*
 * Unit tests of reactions: the second kind of notify datagram
 * (shared/notify.c: what is a reaction, what is refused) and pushd's
 * aggregation (pushd/reactions.c: sums, the 4-a-second pacing, the
 * message text, newcomers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "notify.h"
#include "../../pushd/reactions.h"

#define MS	1000LL

static void
parse_reactions_and_seqs(void **state)
{
	struct notify_msg m;

	(void)state;
	assert_int_equal(notify_parse("R12:3", 5, &m), 0);
	assert_int_equal(m.kind, NOTIFY_REACTION);
	assert_int_equal(m.session_id, 12);
	assert_int_equal(m.emoji, 3);
	assert_int_equal(notify_parse("42", 2, &m), 0);
	assert_int_equal(m.kind, NOTIFY_SEQ);
	assert_int_equal(m.seq, 42);
}

static void
parse_refuses_the_rest(void **state)
{
	static const char *const bad[] = { "R", "R:", "R1:", "R:1", "R1:6",
	    "R1:9", "R0:1", "R-1:1", "R+1:1", "R 1:1", "R1:1 ", "R1:12",
	    "R1::1", "r1:1", "R1;1", "RR1:1", "R99999999999999999999:1",
	    "R1:a", "1:1", "" };
	struct notify_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(notify_parse(bad[i], strlen(bad[i]), &m), -1);
	/* A NUL inside is not the end of the datagram. */
	assert_int_equal(notify_parse("R1\0:1", 5, &m), -1);
	assert_int_equal(notify_parse("R1:1\0", 5, &m), -1);
}

static void
send_and_receive_both_kinds(void **state)
{
	struct notify_msg m;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv),
	    0);
	assert_int_equal(send(sv[0], "R7:5", 4, 0), 4);
	assert_int_equal(notify_receive_msg(sv[1], &m), 1);
	assert_int_equal(m.kind, NOTIFY_REACTION);
	assert_int_equal(m.session_id * 10 + m.emoji, 75);
	/* The seq-only reader refuses a reaction rather than misread it. */
	assert_int_equal(send(sv[0], "R7:5", 4, 0), 4);
	assert_int_equal(notify_receive(sv[1]), -1);
	assert_int_equal(notify_receive_msg(sv[1], &m), 0);
	close(sv[0]);
	close(sv[1]);
}

static void
emoji_table(void **state)
{
	(void)state;
	for (int i = 0; i < NOTIFY_EMOJI_COUNT; i++)
		assert_int_equal(notify_emoji_index(notify_emoji(i)), i);
	assert_int_equal(notify_emoji_index("\xf0\x9f\x8d\x95"), -1); /* pizza */
	assert_int_equal(notify_emoji_index(""), -1);
	assert_int_equal(notify_emoji_index(NULL), -1);
	assert_null(notify_emoji(NOTIFY_EMOJI_COUNT));
	assert_null(notify_emoji(-1));
}

/* The count of emoji i in the built message (0 if absent). */
static int
msg_count(const struct reactions *r, int i)
{
	struct json_object *o = json_tokener_parse(r->msg), *data, *counts, *v;
	int n = 0;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "data", &data));
	assert_true(json_object_object_get_ex(data, "counts", &counts));
	if (json_object_object_get_ex(counts, notify_emoji(i), &v))
		n = json_object_get_int(v);
	json_object_put(o);
	return n;
}

static void
sums_and_paces(void **state)
{
	struct reactions r;
	int64_t t = 1000 * MS, wait;
	int messages = 0, total = 0;

	(void)state;
	reactions_init(&r);
	/* The first goes out at once. */
	assert_int_equal(reactions_add(&r, 3, 1, t), 0);
	assert_int_equal(reactions_add(&r, 3, 1, t), -1);	/* scheduled */
	assert_int_equal(reactions_build(&r, t), 1);
	assert_int_equal(msg_count(&r, 1), 2);
	assert_int_equal(msg_count(&r, 0), 0);
	assert_non_null(strstr(r.msg, "\"session_id\":3"));
	assert_null(strstr(r.msg, "\"seq\""));
	/* Then at most one per interval, whatever arrives. */
	wait = reactions_add(&r, 3, 0, t + 10 * MS);
	assert_int_equal(wait, REACTIONS_INTERVAL_US - 10 * MS);
	for (int i = 0; i < 500; i++)
		assert_int_equal(reactions_add(&r, 3, i % 6, t + 20 * MS), -1);
	assert_int_equal(reactions_build(&r, t + REACTIONS_INTERVAL_US), 1);
	for (int i = 0; i < NOTIFY_EMOJI_COUNT; i++)
		total += msg_count(&r, i);
	assert_int_equal(total, 501);
	assert_int_equal(msg_count(&r, 0), 1 + 84);
	/* Nothing pending: no message. */
	assert_int_equal(reactions_build(&r, t + 2 * REACTIONS_INTERVAL_US), 0);

	/* A steady stream for 10 s: at most 4 messages a second, and
	 * every reaction in one of them. */
	reactions_init(&r);
	total = 0;
	int64_t due = -1;
	for (int64_t now = 0; now < 10000 * MS; now += 7 * MS) {
		if (due >= 0 && now >= due) {
			assert_int_equal(reactions_build(&r, now), 1);
			messages++;
			for (int i = 0; i < NOTIFY_EMOJI_COUNT; i++)
				total += msg_count(&r, i);
			due = -1;
		}
		if ((wait = reactions_add(&r, 1, (int)(now % 6), now)) >= 0)
			due = now + wait;
	}
	if (due >= 0) {
		assert_int_equal(reactions_build(&r, due), 1);
		messages++;
		for (int i = 0; i < NOTIFY_EMOJI_COUNT; i++)
			total += msg_count(&r, i);
	}
	assert_true(messages <= 41);
	assert_true(messages >= 38);
	assert_int_equal(total, (int)r.received);
}

static void
newcomers_and_sessions(void **state)
{
	struct reactions r;

	(void)state;
	reactions_init(&r);
	assert_false(reactions_due(&r, 0, 0));
	reactions_add(&r, 5, 2, 0);
	reactions_build(&r, 0);
	assert_true(reactions_due(&r, 0, 100 * MS));	/* fresh */
	assert_false(reactions_due(&r, r.gen, 100 * MS));	/* had it */
	assert_false(reactions_due(&r, 0, REACTIONS_FRESH_US));	/* stale */
	/* Another session's reactions replace pending ones. */
	reactions_add(&r, 5, 2, 300 * MS);
	reactions_add(&r, 6, 4, 301 * MS);
	reactions_build(&r, 600 * MS);
	assert_non_null(strstr(r.msg, "\"session_id\":6"));
	assert_int_equal(msg_count(&r, 2), 0);
	assert_int_equal(msg_count(&r, 4), 1);
	/* Bad input is ignored. */
	assert_int_equal(reactions_add(&r, 6, 6, 0), -1);
	assert_int_equal(reactions_add(&r, 0, 1, 0), -1);
	assert_int_equal(r.pending, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_reactions_and_seqs),
		cmocka_unit_test(parse_refuses_the_rest),
		cmocka_unit_test(send_and_receive_both_kinds),
		cmocka_unit_test(emoji_table),
		cmocka_unit_test(sums_and_paces),
		cmocka_unit_test(newcomers_and_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
