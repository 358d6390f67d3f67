/* Unit tests of the stream mapping the relay and edges share (ids
 * <seq>-0, keys, the url, where the relay appends from) and of the
 * relay's reading of Redis's XADD errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../relay/relay.h"
#include "store/stream.h"

static int64_t
seq_of(const char *id)
{
	return stream_id_seq(id, strlen(id));
}

static void
ids_map_seqs_one_to_one(void **state)
{
	char buf[STREAM_ID_MAX];

	(void)state;
	assert_int_equal(stream_id_format(buf, sizeof(buf), 1), 3);
	assert_string_equal(buf, "1-0");
	assert_int_equal(stream_id_format(buf, sizeof(buf), INT64_MAX), 21);
	assert_int_equal(seq_of(buf), INT64_MAX);
	for (int64_t seq = 1; seq < 100000; seq += 997) {
		assert_true(stream_id_format(buf, sizeof(buf), seq) > 0);
		assert_int_equal(seq_of(buf), seq);
	}
	assert_int_equal(stream_id_format(buf, sizeof(buf), 0), -1);
	assert_int_equal(stream_id_format(buf, 3, 12), -1);
}

static void
ids_not_written_by_the_relay_are_refused(void **state)
{
	(void)state;
	assert_int_equal(seq_of("0-0"), -1);
	assert_int_equal(seq_of("1700000000000-1"), -1);
	assert_int_equal(seq_of("12"), -1);
	assert_int_equal(seq_of("-0"), -1);
	assert_int_equal(seq_of("12-00"), -1);
	assert_int_equal(seq_of("a-0"), -1);
	assert_int_equal(seq_of("99999999999999999999-0"), -1);
	assert_int_equal(stream_id_seq("12-0", 3), -1);	/* "12-" */
}

static void
urls_name_host_and_port(void **state)
{
	char host[64];
	int port = 0;

	(void)state;
	assert_int_equal(stream_url_parse("redis://10.0.0.2:6380", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "10.0.0.2");
	assert_int_equal(port, 6380);
	assert_int_equal(stream_url_parse("redis://cache.lan/", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "cache.lan");
	assert_int_equal(port, 6379);
	assert_int_equal(stream_url_parse("127.0.0.1:7000", host, sizeof(host),
	    &port), 0);
	assert_int_equal(port, 7000);
	assert_int_equal(stream_url_parse("redis://h:0", host, sizeof(host),
	    &port), -1);
	assert_int_equal(stream_url_parse("redis://h:70000", host,
	    sizeof(host), &port), -1);
	assert_int_equal(stream_url_parse("redis://h:63x", host, sizeof(host),
	    &port), -1);
	assert_int_equal(stream_url_parse("redis://:6379", host, sizeof(host),
	    &port), -1);
	assert_int_equal(stream_url_parse("redis://h:6379/2", host,
	    sizeof(host), &port), -1);
	assert_int_equal(stream_url_parse("redis://a-very-long-name", host, 4,
	    &port), -1);
}

static void
keys_share_the_stream_prefix(void **state)
{
	char buf[STREAM_KEY_MAX];

	(void)state;
	assert_int_equal(stream_key(buf, sizeof(buf), "memeter:events",
	    "admin"), 0);
	assert_string_equal(buf, "memeter:events:admin");
	assert_int_equal(stream_key(buf, 8, "memeter:events", "admin"), -1);
}

static void
catch_up_appends_only_what_is_missing(void **state)
{
	(void)state;
	/* Up to date, or behind by some: after the stream's last. */
	assert_int_equal(stream_relay_after(50, 1, 50), 50);
	assert_int_equal(stream_relay_after(40, 1, 50), 40);
	/* Redis empty: everything the outbox keeps. */
	assert_int_equal(stream_relay_after(0, 1, 50), 0);
	assert_int_equal(stream_relay_after(0, 31, 50), 30);
	/* The outbox pruned past the stream: what is left of it. */
	assert_int_equal(stream_relay_after(10, 31, 50), 30);
	/* Both empty. */
	assert_int_equal(stream_relay_after(0, 0, 0), 0);
	/* The stream is ahead (another database): never below its last. */
	assert_int_equal(stream_relay_after(80, 1, 50), 80);
}

static void
duplicate_ids_are_recognised(void **state)
{
	(void)state;
	assert_true(relay_error_is_duplicate("ERR The ID specified in XADD "
	    "is equal or smaller than the target stream top item"));
	assert_false(relay_error_is_duplicate("WRONGTYPE Operation against "
	    "a key holding the wrong kind of value"));
	assert_false(relay_error_is_duplicate("OOM command not allowed"));
	assert_false(relay_error_is_duplicate(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_map_seqs_one_to_one),
		cmocka_unit_test(ids_not_written_by_the_relay_are_refused),
		cmocka_unit_test(urls_name_host_and_port),
		cmocka_unit_test(keys_share_the_stream_prefix),
		cmocka_unit_test(catch_up_appends_only_what_is_missing),
		cmocka_unit_test(duplicate_ids_are_recognised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
