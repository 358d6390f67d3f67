/*
 * Unit tests of the host's tidying up and the participants list
 * (shared/store/manage.c, participants.c) against a fresh in-memory store
 * per test: each refusal changes nothing, each change writes its event
 * with the user view users are meant to get.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "event.h"
#include "media.h"
#include "token.h"
#include "unit_db.h"

#define URL "/media"

static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -999;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every row count that a change could touch, as one number to compare. */
static int64_t
fingerprint(sqlite3 *db)
{
	return q_int(db, "SELECT (SELECT count(*) FROM sessions) * 1000000 + "
	    "(SELECT count(*) FROM session_memes) * 10000 + "
	    "(SELECT count(*) FROM ratings) * 100 + "
	    "(SELECT coalesce(max(seq),0) FROM events)");
}

static int
setup(void **state)
{
	return (*state = unit_store_open()) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	store_close(*state);
	return 0;
}

/* A session named name with n fake memes; *first is the first meme id. */
static int64_t
session_with_memes(struct store *store, const char *name, int n, int64_t *first)
{
	struct media_image imgs[8];
	struct json_object *s, *added;
	int64_t seq, id;
	char content[32], hex[SHA256_HEX_LEN + 1];

	assert_true(n <= 8);
	assert_int_equal(store_session_create(store, name, &s, &seq), STORE_OK);
	id = json_object_get_int64(json_object_object_get(s, "id"));
	json_object_put(s);
	for (int i = 0; i < n; i++) {
		memset(&imgs[i], 0, sizeof(imgs[i]));
		snprintf(content, sizeof(content), "%s-%d", name, i);
		token_sha256_hex(content, strlen(content), hex);
		memcpy(imgs[i].sha256, hex, sizeof(imgs[i].sha256));
		snprintf(imgs[i].filename, sizeof(imgs[i].filename), "%.64s.png",
		    hex);
		snprintf(imgs[i].title, sizeof(imgs[i].title), "%.40s %d", name, i);
		imgs[i].mime = "image/png";
		imgs[i].width = imgs[i].height = 10;
		imgs[i].bytes = 100;
	}
	assert_int_equal(store_session_add_images(store, id, imgs, (size_t)n,
	    URL, &added, &seq), STORE_OK);
	*first = json_object_get_int64(json_object_object_get(
	    json_object_array_get_idx(added, 0), "id"));
	json_object_put(added);
	return id;
}

static void
rater(struct store *store, int n, struct store_rater *r)
{
	unsigned char hash[32];
	char content[16];

	snprintf(content, sizeof(content), "rater-%d", n);
	token_sha256(content, strlen(content), hash);
	memset(r, 0, sizeof(*r));
	assert_int_equal(store_rater_create(store, hash, content, r), STORE_OK);
}

static void
rate(struct store *store, const struct store_rater *r, int64_t meme, int score)
{
	struct store_rating in = { meme, score, NULL };
	struct store_rating_done done;

	assert_int_equal(store_rating_put(store, r, &in, &done), STORE_OK);
}

/* The type and whether users see the newest event. */
static void
assert_last_event(sqlite3 *db, const char *type, int64_t seq)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE seq=%lld "
	    "AND type='%s' AND user_data=data", (long long)seq, type);
	assert_int_equal(q_int(db, sql), 1);
}

static void
delete_refuses_active_and_unknown(void **state)
{
	struct store *store = *state;
	struct json_object *s;
	struct store_rater r;
	int64_t sid, m, seq, before;

	sid = session_with_memes(store, "Live", 2, &m);
	assert_int_equal(store_session_start(store, sid, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	rater(store, 1, &r);
	rate(store, &r, m, 7);
	before = fingerprint(store->db);
	assert_int_equal(store_session_delete(store, sid, &seq),
	    STORE_SESSION_ACTIVE);
	assert_int_equal(seq, 0);
	assert_int_equal(store_session_delete(store, 999, &seq), STORE_NOT_FOUND);
	assert_int_equal(fingerprint(store->db), before);
}

static void
delete_removes_everything_but_history(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *s;
	struct store_rater r;
	int64_t sid, keep, m, m2, seq, nev;

	keep = session_with_memes(store, "Keep", 1, &m2);
	sid = session_with_memes(store, "Gone", 2, &m);
	assert_int_equal(store_session_start(store, sid, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	rater(store, 1, &r);
	rate(store, &r, m, 7);
	assert_int_equal(store_skip_put(store, r.id, m + 1), STORE_OK);
	assert_int_equal(store_session_finish(store, sid, &s, &seq), STORE_OK);
	json_object_put(s);
	nev = q_int(db, "SELECT count(*) FROM events");
	assert_int_equal(store_session_delete(store, sid, &seq), STORE_OK);
	assert_last_event(db, "session_deleted", seq);
	assert_int_equal(q_int(db, "SELECT count(*) FROM events"), nev + 1);
	assert_int_equal(q_int(db, "SELECT (SELECT count(*) FROM ratings) + "
	    "(SELECT count(*) FROM skips) + (SELECT count(*) FROM session_totals "
	    "WHERE session_id=2) + (SELECT count(*) FROM meme_scores WHERE "
	    "session_id=2)"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM session_memes"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM memes"), 3);
	assert_int_equal(q_int(db, "SELECT id FROM sessions"), keep);
	/* A draft goes too. */
	assert_int_equal(store_session_delete(store, keep, &seq), STORE_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sessions"), 0);
}

static void
rename_checks_title_and_meme(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *meme;
	char long_title[100];
	int64_t m, seq, before;

	(void)session_with_memes(store, "S", 1, &m);
	memset(long_title, 'x', 81);
	long_title[81] = '\0';
	before = fingerprint(db);
	assert_int_equal(store_meme_rename(store, m, "  ", URL, &meme, &seq),
	    STORE_INVALID);
	assert_int_equal(store_meme_rename(store, m, long_title, URL, &meme,
	    &seq), STORE_INVALID);
	assert_int_equal(store_meme_rename(store, m, "a\tb", URL, &meme, &seq),
	    STORE_INVALID);
	assert_int_equal(store_meme_rename(store, 999, "Fine", URL, &meme,
	    &seq), STORE_NO_SUCH_MEME);
	assert_null(meme);
	assert_int_equal(fingerprint(db), before);
	long_title[80] = '\0';
	assert_int_equal(store_meme_rename(store, m, long_title, URL, &meme,
	    &seq), STORE_OK);
	json_object_put(meme);
	assert_int_equal(store_meme_rename(store, m, " Cat ", URL, &meme, &seq),
	    STORE_OK);
	assert_string_equal(json_object_get_string(json_object_object_get(meme,
	    "title")), "Cat");
	json_object_put(meme);
	assert_last_event(db, "meme_renamed", seq);
	assert_int_equal(q_int(db, "SELECT count(*) FROM memes WHERE title='Cat'"), 1);
}

static void
remove_only_from_drafts(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *s;
	int64_t sid, m, seq, before;

	sid = session_with_memes(store, "D", 3, &m);
	assert_int_equal(store_session_meme_remove(store, sid, m, &seq), STORE_OK);
	assert_last_event(db, "memes_removed", seq);
	assert_int_equal(q_int(db, "SELECT count(*) FROM session_memes"), 2);
	assert_int_equal(store_session_meme_remove(store, sid, m, &seq),
	    STORE_NO_SUCH_MEME);
	assert_int_equal(store_session_meme_remove(store, 999, m, &seq),
	    STORE_NOT_FOUND);
	assert_int_equal(store_session_start(store, sid, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	before = fingerprint(db);
	assert_int_equal(store_session_meme_remove(store, sid, m + 1, &seq),
	    STORE_NOT_DRAFT);
	assert_int_equal(fingerprint(db), before);
}

static void
raters_and_activity(void **state)
{
	struct store *store = *state;
	struct json_object *s, *list, *o;
	struct store_rater a, b, idle;
	int64_t sid, m, seq;

	sid = session_with_memes(store, "P", 3, &m);
	assert_int_equal(store_session_start(store, sid, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	rater(store, 1, &a);
	rater(store, 2, &b);
	rater(store, 3, &idle);
	rate(store, &a, m, 5);
	rate(store, &a, m + 1, 6);
	rate(store, &b, m, 9);
	assert_int_equal(store_skip_put(store, b.id, m + 2), STORE_OK);
	/* Not heard from for long: offline, and listed only for its ratings. */
	assert_int_equal(sqlite3_exec(store->db, "UPDATE raters SET last_seen=1 "
	    "WHERE id=3", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_session_raters(store, sid, &list), STORE_OK);
	assert_int_equal(json_object_array_length(list), 2);
	o = json_object_array_get_idx(list, 0);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "id")), a.id);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "rated")), 2);
	o = json_object_array_get_idx(list, 1);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "skipped")), 1);
	assert_true(json_object_get_boolean(json_object_object_get(o, "online")));
	json_object_put(list);
	assert_int_equal(store_session_raters(store, 999, &list), STORE_NOT_FOUND);

	assert_int_equal(store_session_activity(store, sid, 2, &list), STORE_OK);
	assert_int_equal(json_object_array_length(list), 2);
	o = json_object_object_get(json_object_array_get_idx(list, 0), "data");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "score")), 9);
	json_object_put(list);
	assert_int_equal(store_session_activity(store, sid, 50, &list), STORE_OK);
	assert_int_equal(json_object_array_length(list), 3);
	json_object_put(list);

	/* The seen note is written only when it is stale. */
	a.seen = 1;
	assert_int_equal(store_rater_seen(store, &a), STORE_OK);
	assert_true(a.seen > 1);
	assert_int_equal(sqlite3_exec(store->db, "UPDATE raters SET last_seen=7 "
	    "WHERE id=1", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_rater_seen(store, &a), STORE_OK);
	assert_int_equal(q_int(store->db, "SELECT last_seen FROM raters WHERE id=1"), 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(delete_refuses_active_and_unknown,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(delete_removes_everything_but_history,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(rename_checks_title_and_meme,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(remove_only_from_drafts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(raters_and_activity, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
