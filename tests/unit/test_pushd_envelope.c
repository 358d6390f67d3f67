/* Unit tests of pushd's envelopes (what each group sees, on the wire)
 * and metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "../../pushd/envelope.h"
#include "../../pushd/source.h"
#include "../../pushd/metrics.h"

/* Renders one event as a source hands it over: its admin view data and
 * the user view user_data (NULL: users don't see it), as stored. */
static int
render_views(int64_t seq, const char *type, const char *data,
    const char *user_data, const char *ts, int want, struct envelope_set *out)
{
	struct source_event ev = { seq, 1, event_type_from_name(type), ts,
	    data, strlen(data), user_data,
	    user_data != NULL ? strlen(user_data) : 0 };

	return envelope_render(&ev, want, out);
}

/* The same for a type whose views are equal (or admin only). */
static int
render(int64_t seq, const char *type, const char *data, const char *ts,
    int want, struct envelope_set *out)
{
	return render_views(seq, type, data,
	    event_groups(type) & EVENT_GROUP_USER ? data : NULL, ts, want, out);
}

static struct json_object *
parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	return o;
}

static const char *
str_at(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, path1, &v));
	if (path2 != NULL)
		assert_true(json_object_object_get_ex(v, path2, &v));
	return json_object_get_string(v);
}

static void
render_admin_only_event(void **state)
{
	struct envelope_set r;
	struct json_object *o;

	(void)state;
	assert_int_equal(render(5, "new_rating",
	    "{\"session_id\":1,\"meme_id\":2,\"rater\":{\"id\":3,\"name\":\"Brave "
	    "Falcon\"},\"score\":7,\"replaced\":false}", "2026-11-25T22:00:00.000Z",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), 0);
	assert_non_null(r.admin);
	assert_null(r.user);	/* users never see who rated what */
	assert_int_equal(r.admin_len, strlen(r.admin));
	o = parse(r.admin);
	assert_string_equal(str_at(o, "seq", NULL), "5");
	assert_string_equal(str_at(o, "type", NULL), "new_rating");
	assert_string_equal(str_at(o, "ts", NULL), "2026-11-25T22:00:00.000Z");
	assert_string_equal(str_at(o, "data", "score"), "7");
	json_object_put(o);
	envelope_clear(&r);
	assert_null(r.admin);

	assert_int_equal(render(6, "session_created",
	    "{\"id\":1,\"name\":\"Party\"}", "t", EVENT_GROUP_USER, &r), 0);
	assert_null(r.admin);
	assert_null(r.user);
	envelope_clear(&r);
}

static void
render_stats_user_view(void **state)
{
	struct envelope_set r;
	struct json_object *o, *data, *v;

	(void)state;
	assert_int_equal(render_views(9, "stats_updated",
	    "{\"session_id\":1,\"ratings\":10,\"raters\":4,\"memes\":"
	    "[{\"meme_id\":2,\"count\":3}]}",
	    "{\"session_id\":1,\"ratings\":10,\"raters\":4}", "t",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), 0);
	assert_non_null(r.admin);
	assert_non_null(r.user);
	assert_true(r.user_latest_wins);
	o = parse(r.user);
	assert_true(json_object_object_get_ex(o, "data", &data));
	assert_false(json_object_object_get_ex(data, "memes", &v));
	assert_string_equal(str_at(o, "data", "ratings"), "10");
	assert_string_equal(str_at(o, "data", "raters"), "4");
	assert_string_equal(str_at(o, "seq", NULL), "9");
	json_object_put(o);
	o = parse(r.admin);
	assert_true(json_object_object_get_ex(o, "data", &data));
	assert_true(json_object_object_get_ex(data, "memes", &v));
	json_object_put(o);
	envelope_clear(&r);
}

static void
render_shared_event(void **state)
{
	struct envelope_set r;

	(void)state;
	assert_int_equal(render(3, "session_finished",
	    "{\"id\":1,\"status\":\"finished\"}", "t",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), 0);
	assert_non_null(r.admin);
	assert_non_null(r.user);
	assert_false(r.user_latest_wins);
	assert_string_equal(r.admin, r.user);
	envelope_clear(&r);
}

static void
render_rejects_unknown_types(void **state)
{
	struct envelope_set r;

	(void)state;
	assert_int_equal(render_views(1, "no_such_type", "{}", "{}", "t",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), -1);
	assert_null(r.admin);
	assert_null(r.user);
}

/* The views go into the envelope byte for byte: nothing is parsed or
 * re-serialised on the way (escapes and slashes stay as stored). */
static void
render_is_concatenation(void **state)
{
	struct envelope_set r;
	const char *data = "{\"title\":\"a\\/b \\u00e9\",\"n\":1.50}";

	(void)state;
	assert_int_equal(render(12, "memes_populated", data,
	    "2026-12-01T20:00:00.000Z", EVENT_GROUP_ADMIN | EVENT_GROUP_USER,
	    &r), 0);
	assert_string_equal(r.admin, "{\"seq\":12,\"type\":\"memes_populated\","
	    "\"ts\":\"2026-12-01T20:00:00.000Z\",\"data\":{\"title\":"
	    "\"a\\/b \\u00e9\",\"n\":1.50}}");
	assert_int_equal(r.admin_len, strlen(r.admin));
	assert_string_equal(r.user, r.admin);
	envelope_clear(&r);
	/* A user view that is not the admin's is the one users get. */
	assert_int_equal(render_views(13, "session_started", "{\"a\":1}",
	    "{\"b\":2}", "t", EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), 0);
	assert_non_null(strstr(r.admin, "\"data\":{\"a\":1}}"));
	assert_non_null(strstr(r.user, "\"data\":{\"b\":2}}"));
	envelope_clear(&r);
	/* A row written without user_data (SQL outside the store): users
	 * get the full view of a type they see in full... */
	assert_int_equal(render_views(14, "session_started", "{\"a\":1}", NULL,
	    "t", EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), 0);
	assert_string_equal(r.user, r.admin);
	envelope_clear(&r);
	/* ...but never the per-meme figures of stats_updated. */
	assert_int_equal(render_views(15, "stats_updated", "{\"memes\":[]}",
	    NULL, "t", EVENT_GROUP_ADMIN | EVENT_GROUP_USER, &r), 0);
	assert_non_null(r.admin);
	assert_null(r.user);
	envelope_clear(&r);
}

static void
group_names(void **state)
{
	(void)state;
	assert_string_equal(envelope_group_name(EVENT_GROUP_ADMIN), "admin");
	assert_string_equal(envelope_group_name(EVENT_GROUP_USER), "user");
}

static void
control_messages(void **state)
{
	char buf[256];
	struct json_object *o;

	(void)state;
	envelope_hello(buf, sizeof(buf), 42, EVENT_GROUP_ADMIN);
	o = parse(buf);
	assert_string_equal(str_at(o, "type", NULL), "hello");
	assert_string_equal(str_at(o, "seq", NULL), "42");
	assert_string_equal(str_at(o, "group", NULL), "admin");
	json_object_put(o);
	envelope_resync(buf, sizeof(buf), 7);
	o = parse(buf);
	assert_string_equal(str_at(o, "type", NULL), "resync");
	assert_string_equal(str_at(o, "seq", NULL), "7");
	json_object_put(o);
	envelope_presence(buf, sizeof(buf), 12, 1);
	o = parse(buf);
	assert_string_equal(str_at(o, "type", NULL), "presence");
	assert_string_equal(str_at(o, "data", "raters"), "12");
	assert_string_equal(str_at(o, "data", "admins"), "1");
	json_object_put(o);
}

static void
metrics_text(void **state)
{
	struct pushd_metrics m;
	char buf[8192];
	int n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.clients_user = 3;
	m.clients_admin = 1;
	m.resyncs = 5;
	m.slow_closes = 2;
	m.notify_datagrams = 17;
	m.head_seq = 99;
	n = metrics_render(&m, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_non_null(strstr(buf, "memeter_pushd_clients{group=\"user\"} 3\n"));
	assert_non_null(strstr(buf, "memeter_pushd_clients{group=\"admin\"} 1\n"));
	assert_non_null(strstr(buf, "memeter_pushd_resyncs_total 5\n"));
	assert_non_null(strstr(buf, "memeter_pushd_slow_closes_total 2\n"));
	assert_non_null(strstr(buf, "memeter_pushd_notify_datagrams_total 17\n"));
	assert_non_null(strstr(buf, "memeter_pushd_head_seq 99\n"));
	assert_non_null(strstr(buf, "# TYPE memeter_pushd_replays_total counter\n"));
	assert_int_equal(metrics_render(&m, buf, 100), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_admin_only_event),
		cmocka_unit_test(render_stats_user_view),
		cmocka_unit_test(render_shared_event),
		cmocka_unit_test(render_rejects_unknown_types),
		cmocka_unit_test(render_is_concatenation),
		cmocka_unit_test(group_names),
		cmocka_unit_test(control_messages),
		cmocka_unit_test(metrics_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
