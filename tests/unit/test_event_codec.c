/* Unit tests of the event codec (shared/event.c) and the JSON writer
 * (shared/jsonw.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "jsonw.h"

static void
type_names_round_trip(void **state)
{
	static const char *const spec[] = { "session_created",
	    "session_started", "session_finished", "memes_populated",
	    "new_rating", "stats_updated", "results_revealed",
	    "session_deleted", "meme_renamed", "memes_removed",
	    "round_changed", "rater_renamed", "rater_kicked",
	    "session_locked" };

	(void)state;
	/* Every type of SPEC.md, and nothing else. */
	assert_int_equal(EVENT_TYPE_COUNT - 1,
	    (int)(sizeof(spec) / sizeof(spec[0])));
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		enum event_type t = event_type_from_name(spec[i]);

		assert_int_not_equal(t, EVENT_UNKNOWN);
		assert_string_equal(event_type_name(t), spec[i]);
	}
	assert_int_equal(event_type_from_name("hello"), EVENT_UNKNOWN);
	assert_int_equal(event_type_from_name(NULL), EVENT_UNKNOWN);
	assert_null(event_type_name(EVENT_UNKNOWN));
	assert_null(event_type_name(EVENT_TYPE_COUNT));
}

static void
groups_per_spec(void **state)
{
	const int both = EVENT_GROUP_ADMIN | EVENT_GROUP_USER;

	(void)state;
	assert_int_equal(event_type_groups(EVENT_SESSION_CREATED), EVENT_GROUP_ADMIN);
	assert_int_equal(event_type_groups(EVENT_NEW_RATING), EVENT_GROUP_ADMIN);
	assert_int_equal(event_type_groups(EVENT_SESSION_STARTED), both);
	assert_int_equal(event_type_groups(EVENT_SESSION_FINISHED), both);
	assert_int_equal(event_type_groups(EVENT_MEMES_POPULATED), both);
	assert_int_equal(event_type_groups(EVENT_STATS_UPDATED), both);
	assert_int_equal(event_type_groups(EVENT_RESULTS_REVEALED), both);
	/* Open screens follow the host's tidying up. */
	assert_int_equal(event_type_groups(EVENT_SESSION_DELETED), both);
	assert_int_equal(event_type_groups(EVENT_MEME_RENAMED), both);
	assert_int_equal(event_type_groups(EVENT_MEMES_REMOVED), both);
	assert_int_equal(event_type_groups(EVENT_ROUND_CHANGED), both);
	assert_int_equal(event_type_groups(EVENT_RATER_RENAMED), both);
	assert_int_equal(event_type_groups(EVENT_RATER_KICKED), both);
	assert_int_equal(event_type_groups(EVENT_SESSION_LOCKED),
	    EVENT_GROUP_ADMIN);
	assert_int_equal(event_type_groups(EVENT_UNKNOWN), 0);
	assert_int_equal(event_type_groups(event_type_from_name("stats_updated")),
	    both);
	assert_int_equal(event_type_from_name("nonsense"), EVENT_UNKNOWN);
	assert_true(event_type_latest_wins(EVENT_STATS_UPDATED));
	assert_false(event_type_latest_wins(EVENT_NEW_RATING));
}

static void
render_stats_gives_totals_to_users(void **state)
{
	struct json_object *data;
	struct event_views v;

	(void)state;
	data = json_tokener_parse("{\"session_id\":3,\"ratings\":10,"
	    "\"raters\":4,\"avg\":6.5,\"memes\":[{\"meme_id\":9}]}");
	assert_non_null(data);
	assert_int_equal(event_render(EVENT_STATS_UPDATED, data, &v), 0);
	assert_string_equal(v.data, json_object_to_json_string_ext(data,
	    JSON_OUT_FLAGS));
	assert_int_equal(v.data_len, strlen(v.data));
	assert_non_null(v.user_data);
	assert_string_equal(v.user_data,
	    "{\"session_id\":3,\"ratings\":10,\"raters\":4}");
	assert_int_equal(v.user_data_len, strlen(v.user_data));
	event_views_free(&v);
	json_object_put(data);
}

static void
render_admin_only_has_no_user_view(void **state)
{
	struct json_object *data;
	struct event_views v;

	(void)state;
	data = json_tokener_parse("{\"session_id\":1,\"meme_id\":2,"
	    "\"rater\":{\"id\":3,\"name\":\"a/b\"},\"score\":7,"
	    "\"replaced\":false}");
	assert_int_equal(event_render(EVENT_NEW_RATING, data, &v), 0);
	assert_null(v.user_data);
	/* One escaping rule: "/" stays as is, as in HTTP answers. */
	assert_non_null(strstr(v.data, "\"a/b\""));
	event_views_free(&v);
	assert_int_equal(event_render(EVENT_SESSION_CREATED, data, &v), 0);
	assert_null(v.user_data);
	event_views_free(&v);
	/* Types users see whole share the one text. */
	assert_int_equal(event_render(EVENT_SESSION_FINISHED, data, &v), 0);
	assert_ptr_equal(v.user_data, v.data);
	assert_int_equal(v.user_data_len, v.data_len);
	event_views_free(&v);
	assert_int_equal(event_render(EVENT_UNKNOWN, data, &v), -1);
	json_object_put(data);
}

static void
stats_user_text_matches_render(void **state)
{
	char buf[EVENT_STATS_USER_MAX];
	struct json_object *data;
	struct event_views v;
	int n;

	(void)state;
	n = event_stats_user_text(buf, sizeof(buf), INT64_MAX, 123456789012,
	    -1);
	assert_int_equal(n, (int)strlen(buf));
	data = json_object_new_object();
	json_object_object_add(data, "session_id",
	    json_object_new_int64(INT64_MAX));
	json_object_object_add(data, "ratings",
	    json_object_new_int64(123456789012));
	json_object_object_add(data, "raters", json_object_new_int64(-1));
	json_object_object_add(data, "avg", NULL);
	assert_int_equal(event_render(EVENT_STATS_UPDATED, data, &v), 0);
	assert_string_equal(buf, v.user_data);
	event_views_free(&v);
	json_object_put(data);
	assert_int_equal(event_stats_user_text(buf, 10, 1, 2, 3), -1);
}

static void
envelope_is_concatenation(void **state)
{
	const char *data = "{\"session_id\":1}";
	char out[256];
	struct json_object *o, *v;
	size_t need;
	int n;

	(void)state;
	need = event_envelope_size(EVENT_SESSION_FINISHED, 24, strlen(data));
	assert_true(need <= sizeof(out));
	n = event_envelope_write(out, need, INT64_MAX, EVENT_SESSION_FINISHED,
	    "2026-11-25T22:00:00.000Z", data, strlen(data));
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "{\"seq\":9223372036854775807,"
	    "\"type\":\"session_finished\",\"ts\":\"2026-11-25T22:00:00.000Z\","
	    "\"data\":{\"session_id\":1}}");
	/* Valid JSON, as the json-c encoder it replaces writes it. */
	assert_non_null(o = json_tokener_parse(out));
	assert_true(json_object_object_get_ex(o, "data", &v));
	/* Its data is the stored text, byte for byte. */
	assert_string_equal(json_object_to_json_string_ext(v, JSON_OUT_FLAGS),
	    "{\"session_id\":1}");
	json_object_put(o);
	/* Too small, unknown type. */
	assert_int_equal(event_envelope_write(out, (size_t)n, INT64_MAX,
	    EVENT_SESSION_FINISHED, "2026-11-25T22:00:00.000Z", data,
	    strlen(data)), -1);
	assert_int_equal(event_envelope_write(out, sizeof(out), 1,
	    EVENT_UNKNOWN, "t", data, strlen(data)), -1);
}

/* The writer escapes every byte as json-c does with JSON_OUT_FLAGS. */
static void
jsonw_string_matches_json_c(void **state)
{
	char in[2], out[16];
	struct json_object *s;
	struct jsonw w;

	(void)state;
	for (int c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		jsonw_init(&w, out, sizeof(out));
		jsonw_string(&w, in);
		assert_int_not_equal(jsonw_len(&w), -1);
		s = json_object_new_string(in);
		assert_string_equal(out, json_object_to_json_string_ext(s,
		    JSON_OUT_FLAGS));
		json_object_put(s);
	}
}

static void
jsonw_int_matches_printf(void **state)
{
	static const int64_t v[] = { 0, 1, -1, 9, 10, -10, 123456789,
	    INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	char out[32], want[32];
	struct jsonw w;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		jsonw_init(&w, out, sizeof(out));
		jsonw_int(&w, v[i]);
		snprintf(want, sizeof(want), "%lld", (long long)v[i]);
		assert_string_equal(out, want);
		assert_int_equal(jsonw_len(&w), (int)strlen(want));
	}
}

static void
jsonw_overflow_sticks(void **state)
{
	char out[8];
	struct jsonw w;

	(void)state;
	jsonw_init(&w, out, sizeof(out));
	jsonw_lit(&w, "{\"a\":");
	assert_int_equal(jsonw_len(&w), 5);
	jsonw_int(&w, 12345);
	assert_int_equal(jsonw_len(&w), -1);
	jsonw_lit(&w, "}");
	assert_int_equal(jsonw_len(&w), -1);
	/* Exactly full: the NUL still fits. */
	jsonw_init(&w, out, sizeof(out));
	jsonw_lit(&w, "1234567");
	assert_int_equal(jsonw_len(&w), 7);
	assert_string_equal(out, "1234567");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type_names_round_trip),
		cmocka_unit_test(groups_per_spec),
		cmocka_unit_test(render_stats_gives_totals_to_users),
		cmocka_unit_test(render_admin_only_has_no_user_view),
		cmocka_unit_test(stats_user_text_matches_render),
		cmocka_unit_test(envelope_is_concatenation),
		cmocka_unit_test(jsonw_string_matches_json_c),
		cmocka_unit_test(jsonw_int_matches_printf),
		cmocka_unit_test(jsonw_overflow_sticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
