/*
 * Unit tests of the store's domain files (shared/store/session.c,
 * stats.c, state.c) against an in-memory store.  Store functions open
 * and commit their own transactions, so instead of a per-test
 * BEGIN/ROLLBACK every test gets a fresh migrated ":memory:" store (a
 * few milliseconds); raw SQL reaches its connection as store->db.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "event.h"
#include "media.h"
#include "token.h"
#include "utf8.h"
#include "../../fcgi/outcome.h"
#include "unit_db.h"

#define URL "/media"

/* --- helpers -------------------------------------------------------------- */

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

/* The text of the first column of sql, copied into buf. */
static const char *
q_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static int
store_setup(void **state)
{
	return (*state = unit_store_open()) == NULL ? -1 : 0;
}

static int
store_teardown(void **state)
{
	store_close(*state);
	return 0;
}

static int64_t
create_session(struct store *store, const char *name)
{
	struct json_object *s;
	int64_t seq = 0, id;

	assert_int_equal(store_session_create(store, name, &s, &seq), STORE_OK);
	assert_true(seq > 0);
	id = json_object_get_int64(json_object_object_get(s, "id"));
	json_object_put(s);
	return id;
}

/* A fake image whose content hash is derived from n. */
static void
fake_image(struct media_image *img, int n)
{
	char content[32];

	memset(img, 0, sizeof(*img));
	snprintf(content, sizeof(content), "image-%d", n);
	token_sha256_hex(content, strlen(content), img->sha256);
	snprintf(img->filename, sizeof(img->filename), "%s.png", img->sha256);
	snprintf(img->title, sizeof(img->title), "Meme %d", n);
	img->mime = "image/png";
	img->width = 10 + n;
	img->height = 20 + n;
	img->bytes = 100;
}

/* Adds n fake images (numbered from first) to a session; returns the
 * number added. */
static int
add_images(struct store *store, int64_t sid, int first, int n)
{
	struct media_image imgs[16];
	struct json_object *added;
	int64_t seq;
	int cnt;

	assert_true(n <= 16);
	for (int i = 0; i < n; i++)
		fake_image(&imgs[i], first + i);
	assert_int_equal(store_session_add_images(store, sid, imgs, (size_t)n,
	    URL, &added, &seq), STORE_OK);
	cnt = (int)json_object_array_length(added);
	json_object_put(added);
	return cnt;
}

static int64_t
session_meme(sqlite3 *db, int64_t sid, int position)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT meme_id FROM session_memes WHERE "
	    "session_id=%lld AND position=%d", (long long)sid, position);
	return q_int(db, sql);
}

static int64_t
add_rater(sqlite3 *db, const char *name)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "INSERT INTO raters(token_hash,name) "
	    "VALUES(randomblob(32),'%s')", name);
	assert_int_equal(db_exec(db, sql), 0);
	return sqlite3_last_insert_rowid(db);
}

static void
rate(sqlite3 *db, int64_t sid, int64_t meme, int64_t rater, int score)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "INSERT INTO ratings(session_id,meme_id,"
	    "rater_id,score) VALUES(%lld,%lld,%lld,%d)", (long long)sid,
	    (long long)meme, (long long)rater, score);
	assert_int_equal(db_exec(db, sql), 0);
}

static const char *
jstr(struct json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}

static int64_t
jint(struct json_object *o, const char *key)
{
	return json_object_get_int64(json_object_object_get(o, key));
}

static double
jdbl(struct json_object *o, const char *key)
{
	return json_object_get_double(json_object_object_get(o, key));
}

static int
jnull(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v == NULL;
}


/* The store's answers as the old model gave them, for the tests. */
static int
reveal(struct store *store, int64_t sid, const char *action, int *revealed,
    int *total, int64_t *seq)
{
	enum store_reveal step;

	if (store_reveal_parse(action, &step) != STORE_OK)
		return STORE_INVALID;
	return store_session_reveal(store, sid, step, URL, revealed, total,
	    seq);
}

/* The session GET /api/state shows (0: none). */
static int64_t
current_session(struct store *store)
{
	struct store_rater rater = { 1, "Nobody", 0 };
	struct json_object *o, *s;
	int64_t id = 0;

	assert_int_equal(store_rater_state(store, &rater, URL, &o), STORE_OK);
	if ((s = json_object_object_get(o, "session")) != NULL)
		id = json_object_get_int64(json_object_object_get(s, "id"));
	json_object_put(o);
	return id;
}

static int64_t
admin_session(struct store *store)
{
	int64_t id = -1;

	assert_int_equal(store_admin_session_id(store, &id), STORE_OK);
	return id;
}

/* The status, or -rc. */
static int
status_of(struct store *store, int64_t id)
{
	enum store_session_status status;
	int rc = store_session_status(store, id, &status);

	return rc == STORE_OK ? (int)status : -rc;
}

static struct json_object *
finished_sessions(struct store *store)
{
	struct json_object *o;

	assert_int_equal(store_sessions_finished(store, &o), STORE_OK);
	return o;
}

static struct json_object *
all_sessions(struct store *store)
{
	struct json_object *o;

	assert_int_equal(store_sessions_all(store, &o), STORE_OK);
	return o;
}

static struct json_object *
memes_of(struct store *store, int64_t sid, const char *url)
{
	struct json_object *o;

	assert_int_equal(store_session_memes(store, sid, url, &o), STORE_OK);
	return o;
}

static struct json_object *
stats_of(struct store *store, int64_t sid, int64_t meme_id)
{
	struct json_object *o;

	assert_int_equal(store_stats(store, sid, meme_id, &o), STORE_OK);
	return o;
}

static struct json_object *
results_all(struct store *store, int64_t sid)
{
	struct json_object *o;

	assert_int_equal(store_results_all(store, sid, URL, &o), STORE_OK);
	return o;
}

static struct json_object *
results_public(struct store *store, int64_t sid)
{
	struct json_object *o;

	assert_int_equal(store_results_public(store, sid, URL, &o), STORE_OK);
	return o;
}

/* --- tests -------------------------------------------------------------- */

static void
name_clean_rules(void **state)
{
	char out[400], long81[100], two[200];

	(void)state;
	assert_int_equal(utf8_name_clean("  Friday memes \t", 80, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "Friday memes");
	assert_int_equal(utf8_name_clean("   ", 80, out, sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("", 80, out, sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("a\x01" "b", 80, out, sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("a\nb", 80, out, sizeof(out)), -1);
	/* Names that would pass for another on the projector. */
	assert_int_equal(utf8_name_clean("Anna\xe2\x80\xae" "xob", 80, out,
	    sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("An\xe2\x80\x8bna", 80, out,
	    sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("Ren\xc3\xa9" "e", 80, out,
	    sizeof(out)), 0);
	assert_int_equal(utf8_name_clean("bad \xc3\x28", 80, out, sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("overlong \xc0\xaf", 80, out,
	    sizeof(out)), -1);
	assert_int_equal(utf8_name_clean("c1 \xc2\x85", 80, out, sizeof(out)), -1);
	memset(long81, 'x', 81);
	long81[81] = '\0';
	assert_int_equal(utf8_name_clean(long81, 80, out, sizeof(out)), -1);
	long81[80] = '\0';
	assert_int_equal(utf8_name_clean(long81, 80, out, sizeof(out)), 0);
	/* 80 characters of two bytes each count as 80, not 160. */
	for (int i = 0; i < 80; i++)
		memcpy(two + 2 * i, "\xc3\xa9", 2);
	two[160] = '\0';
	assert_int_equal(utf8_name_clean(two, 80, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 160);
	assert_int_equal(utf8_name_clean(two, 79, out, sizeof(out)), -1);
	/* out too small for the name */
	assert_int_equal(utf8_name_clean(two, 80, out, 100), -1);
}

static void
create_stores_literal_name_and_event(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	const char *evil = "Robert'); DROP TABLE sessions;--";
	struct json_object *s, *ev;
	char buf[512];
	int64_t seq;

	assert_int_equal(store_session_create(store, evil, &s, &seq), STORE_OK);
	assert_string_equal(jstr(s, "name"), evil);
	assert_string_equal(jstr(s, "status"), "draft");
	assert_true(jnull(s, "started_at"));
	assert_true(jnull(s, "finished_at"));
	assert_int_equal(strlen(jstr(s, "created_at")), 20);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(q_int(db, "SELECT max(seq) FROM events"), seq);
	q_text(db, "SELECT type FROM events", buf, sizeof(buf));
	assert_string_equal(buf, "session_created");
	q_text(db, "SELECT data FROM events", buf, sizeof(buf));
	ev = json_tokener_parse(buf);
	assert_non_null(ev);
	assert_true(json_object_equal(ev, s));
	json_object_put(ev);
	json_object_put(s);
}

static void
create_rejects_bad_names(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *s = NULL;
	int64_t seq = 0;

	assert_int_equal(store_session_create(store, " \t ", &s, &seq), STORE_INVALID);
	assert_null(s);
	assert_int_equal(store_session_create(store, NULL, &s, &seq), STORE_INVALID);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sessions"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM events"), 0);
}

static void
lifecycle_and_conflicts(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *s, *ev, *memes;
	int64_t a, b, seq = 0;
	char buf[4096];

	a = create_session(store, "A");
	b = create_session(store, "B");
	assert_int_equal(add_images(store, a, 1, 2), 2);
	assert_int_equal(store_session_finish(store, a, &s, &seq), STORE_NOT_ACTIVE);
	assert_int_equal(store_session_start(store, 999, URL, &s, &seq),
	    STORE_NOT_FOUND);
	assert_int_equal(store_session_start(store, a, URL, &s, &seq), STORE_OK);
	assert_string_equal(jstr(s, "status"), "active");
	assert_false(jnull(s, "started_at"));
	assert_null(json_object_object_get(s, "memes"));
	json_object_put(s);

	/* The event is S with its memes. */
	q_text(db, "SELECT data FROM events WHERE type='session_started'", buf,
	    sizeof(buf));
	ev = json_tokener_parse(buf);
	assert_int_equal(jint(ev, "id"), a);
	memes = json_object_object_get(ev, "memes");
	assert_int_equal(json_object_array_length(memes), 2);
	assert_string_equal(jstr(json_object_array_get_idx(memes, 0), "title"),
	    "Meme 1");
	assert_non_null(strstr(jstr(json_object_array_get_idx(memes, 0), "url"),
	    "/media/"));
	json_object_put(ev);
	assert_int_equal(q_int(db, "SELECT max(seq) FROM events"), seq);

	assert_int_equal(store_session_start(store, a, URL, &s, &seq), STORE_ALREADY_ACTIVE);
	assert_int_equal(store_session_start(store, b, URL, &s, &seq), STORE_OTHER_ACTIVE);
	assert_null(s);
	assert_int_equal(current_session(store), a);
	assert_int_equal(admin_session(store), a);

	assert_int_equal(store_session_finish(store, a, &s, &seq), STORE_OK);
	assert_string_equal(jstr(s, "status"), "finished");
	json_object_put(s);
	assert_int_equal(store_session_finish(store, a, &s, &seq), STORE_NOT_ACTIVE);
	assert_int_equal(store_session_start(store, a, URL, &s, &seq),
	    STORE_FINISHED);
	/* No active session: guests see the draft B about to start. */
	assert_int_equal(current_session(store), b);
	/* No active session: the dashboard shows the newest, the draft B. */
	assert_int_equal(admin_session(store), b);
	assert_int_equal(store_session_start(store, b, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	assert_int_equal(current_session(store), b);
	assert_int_equal(q_int(db, "SELECT count(*) FROM events WHERE "
	    "type IN ('session_started','session_finished')"), 3);
	assert_int_equal(outcome_status(STORE_OTHER_ACTIVE), 409);
	assert_int_equal(outcome_status(STORE_NOT_FOUND), 404);
	assert_int_equal(outcome_status(STORE_BUSY), 503);
}

static void
session_lists_order(void **state)
{
	struct store *store = *state;
	struct json_object *s, *list;
	int64_t a, b, c, seq;

	a = create_session(store, "A");
	b = create_session(store, "B");
	c = create_session(store, "C");
	/* Only drafts: the newest. */
	assert_int_equal(current_session(store), c);
	assert_int_equal(store_session_start(store, a, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	assert_int_equal(store_session_finish(store, a, &s, &seq), STORE_OK);
	json_object_put(s);
	assert_int_equal(store_session_start(store, b, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	assert_int_equal(store_session_finish(store, b, &s, &seq), STORE_OK);
	json_object_put(s);

	list = finished_sessions(store);
	assert_int_equal(json_object_array_length(list), 2);
	assert_int_equal(jint(json_object_array_get_idx(list, 0), "id"), b);
	assert_int_equal(jint(json_object_array_get_idx(list, 1), "id"), a);
	json_object_put(list);
	list = all_sessions(store);
	assert_int_equal(json_object_array_length(list), 3);
	assert_int_equal(jint(json_object_array_get_idx(list, 0), "id"), c);
	json_object_put(list);
	/* The draft C comes before the finished ones. */
	assert_int_equal(current_session(store), c);
	assert_int_equal(status_of(store, c), STORE_STATUS_DRAFT);
	assert_int_equal(status_of(store, 12345), -STORE_NOT_FOUND);
}

static void
add_images_dedups_and_emits(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct media_image imgs[3];
	struct json_object *added, *memes, *s, *ev;
	int64_t sid, other, seq = 0, before;
	char buf[4096];

	sid = create_session(store, "A");
	other = create_session(store, "B");
	fake_image(&imgs[0], 1);
	fake_image(&imgs[1], 2);
	fake_image(&imgs[2], 1);	/* the same content twice in one batch */
	assert_int_equal(store_session_add_images(store, sid, imgs, 3, URL, &added,
	    &seq), STORE_OK);
	assert_int_equal(json_object_array_length(added), 2);
	assert_true(seq > 0);
	json_object_put(added);
	q_text(db, "SELECT data FROM events ORDER BY seq DESC LIMIT 1", buf,
	    sizeof(buf));
	ev = json_tokener_parse(buf);
	assert_int_equal(jint(ev, "session_id"), sid);
	assert_int_equal(jint(ev, "added"), 2);
	assert_int_equal(json_object_array_length(json_object_object_get(ev,
	    "memes")), 2);
	json_object_put(ev);
	assert_int_equal(q_int(db, "SELECT count(*) FROM memes"), 2);

	/* Again: nothing new, no event. */
	before = q_int(db, "SELECT max(seq) FROM events");
	assert_int_equal(store_session_add_images(store, sid, imgs, 2, URL, &added,
	    &seq), STORE_OK);
	assert_int_equal(json_object_array_length(added), 0);
	assert_int_equal(seq, 0);
	json_object_put(added);
	assert_int_equal(q_int(db, "SELECT max(seq) FROM events"), before);

	/* The library is shared: another session reuses the memes rows. */
	assert_int_equal(add_images(store, other, 2, 2), 2);
	assert_int_equal(q_int(db, "SELECT count(*) FROM memes"), 3);
	memes = memes_of(store, other, URL);
	assert_int_equal(json_object_array_length(memes), 2);
	assert_string_equal(jstr(json_object_array_get_idx(memes, 0), "title"),
	    "Meme 2");
	assert_int_equal(jint(json_object_array_get_idx(memes, 0), "width"), 12);
	json_object_put(memes);
	memes = memes_of(store, other, "https://cdn.example/m/");
	assert_int_equal(strncmp(jstr(json_object_array_get_idx(memes, 0), "url"),
	    "https://cdn.example/m/", 22), 0);
	assert_non_null(strstr(jstr(json_object_array_get_idx(memes, 0), "url"),
	    ".png"));
	assert_null(strstr(jstr(json_object_array_get_idx(memes, 0), "url"),
	    "m//"));
	json_object_put(memes);

	/* Positions append. */
	assert_int_equal(add_images(store, sid, 5, 1), 1);
	assert_int_equal(q_int(db, "SELECT max(position) FROM session_memes "
	    "WHERE session_id=1"), 3);

	/* Active sessions accept memes, finished ones do not. */
	assert_int_equal(store_session_start(store, sid, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	assert_int_equal(add_images(store, sid, 6, 1), 1);
	assert_int_equal(store_session_finish(store, sid, &s, &seq), STORE_OK);
	json_object_put(s);
	before = q_int(db, "SELECT count(*) FROM memes");
	fake_image(&imgs[0], 9);
	assert_int_equal(store_session_add_images(store, sid, imgs, 1, URL, &added,
	    &seq), STORE_FINISHED);
	assert_null(added);
	assert_int_equal(q_int(db, "SELECT count(*) FROM memes"), before);
	assert_int_equal(store_session_add_images(store, 999, imgs, 1, URL, &added,
	    &seq), STORE_NOT_FOUND);
}

static void
stats_figures(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *st, *memes, *m0, *m1, *hist;
	int64_t sid, r[4], m[2];
	int scores[4] = { 2, 9, 7, 10 };

	sid = create_session(store, "S");
	assert_int_equal(add_images(store, sid, 1, 2), 2);
	m[0] = session_meme(db, sid, 1);
	m[1] = session_meme(db, sid, 2);
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "R%d", i);
		r[i] = add_rater(db, name);
		rate(db, sid, m[0], r[i], scores[i]);
	}

	st = stats_of(store, sid, 0);
	assert_non_null(st);
	assert_int_equal(jint(st, "ratings"), 4);
	assert_int_equal(jint(st, "raters"), 4);
	assert_true(fabs(jdbl(st, "avg") - 7.0) < 1e-9);
	memes = json_object_object_get(st, "memes");
	assert_int_equal(json_object_array_length(memes), 2);
	m0 = json_object_array_get_idx(memes, 0);
	m1 = json_object_array_get_idx(memes, 1);
	assert_int_equal(jint(m0, "meme_id"), m[0]);
	assert_int_equal(jint(m0, "count"), 4);
	assert_int_equal(jint(m0, "min"), 2);
	assert_int_equal(jint(m0, "max"), 10);
	assert_true(fabs(jdbl(m0, "median") - 8.0) < 1e-9);
	/* Population stddev of 2,7,9,10: sqrt(((25+0+4+9)/4)) = 3.08. */
	assert_true(fabs(jdbl(m0, "stddev") - 3.08) < 1e-9);
	hist = json_object_object_get(m0, "histogram");
	assert_int_equal(json_object_array_length(hist), 11);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(hist, 2)), 1);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(hist, 10)), 1);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(hist, 0)), 0);
	/* Unrated: count 0, null figures, zero histogram. */
	assert_int_equal(jint(m1, "count"), 0);
	assert_true(jnull(m1, "avg"));
	assert_true(jnull(m1, "median"));
	assert_true(jnull(m1, "stddev"));
	assert_int_equal(json_object_array_length(json_object_object_get(m1,
	    "histogram")), 11);
	json_object_put(st);

	/* Limited to one meme: totals stay session-wide. */
	rate(db, sid, m[1], r[0], 5);
	st = stats_of(store, sid, m[1]);
	assert_int_equal(jint(st, "ratings"), 5);
	memes = json_object_object_get(st, "memes");
	assert_int_equal(json_object_array_length(memes), 1);
	m1 = json_object_array_get_idx(memes, 0);
	assert_int_equal(jint(m1, "meme_id"), m[1]);
	assert_true(fabs(jdbl(m1, "median") - 5.0) < 1e-9);
	assert_true(fabs(jdbl(m1, "stddev")) < 1e-9);
	assert_true(fabs(jdbl(st, "avg") - 6.6) < 1e-9);
	assert_string_equal(json_object_to_json_string_ext(json_object_object_get(st,
	    "avg"), JSON_C_TO_STRING_PLAIN), "6.6");
	json_object_put(st);

	/* An empty session. */
	st = stats_of(store, create_session(store, "E"), 0);
	assert_int_equal(jint(st, "ratings"), 0);
	assert_true(jnull(st, "avg"));
	assert_int_equal(json_object_array_length(json_object_object_get(st,
	    "memes")), 0);
	json_object_put(st);
}

/* The totals come from session_totals (kept by triggers): they must match
 * the ratings after inserts, re-ratings (upserts) and deletes. */
static void
stats_totals_follow_changes(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *st;
	int64_t sid, other, r1, r2, m1, m2;

	sid = create_session(store, "T");
	other = create_session(store, "U");
	assert_int_equal(add_images(store, sid, 1, 2), 2);
	assert_int_equal(add_images(store, other, 1, 1), 1);
	m1 = session_meme(db, sid, 1);
	m2 = session_meme(db, sid, 2);
	r1 = add_rater(db, "A");
	r2 = add_rater(db, "B");
	rate(db, sid, m1, r1, 4);
	rate(db, sid, m2, r1, 6);
	rate(db, sid, m1, r2, 10);
	rate(db, other, session_meme(db, other, 1), r2, 1);
	/* A re-rating, as the rater endpoint does it. */
	assert_int_equal(db_exec(db, "INSERT INTO ratings(session_id,meme_id,"
	    "rater_id,score) VALUES(1,1,2,0) ON CONFLICT(session_id,meme_id,"
	    "rater_id) DO UPDATE SET score=excluded.score"), 0);
	st = stats_of(store, sid, m1);
	assert_int_equal(jint(st, "ratings"), 3);
	assert_int_equal(jint(st, "raters"), 2);
	assert_true(fabs(jdbl(st, "avg") - 3.33) < 1e-9);	/* 10/3 */
	assert_int_equal(jint(json_object_array_get_idx(json_object_object_get(st,
	    "memes"), 0), "max"), 4);
	json_object_put(st);
	/* B's only rating in the session goes: one rater left. */
	assert_int_equal(db_exec(db, "DELETE FROM ratings WHERE session_id=1 "
	    "AND rater_id=2"), 0);
	st = stats_of(store, sid, 0);
	assert_int_equal(jint(st, "ratings"), 2);
	assert_int_equal(jint(st, "raters"), 1);
	assert_true(fabs(jdbl(st, "avg") - 5.0) < 1e-9);
	json_object_put(st);
	st = stats_of(store, other, 0);
	assert_int_equal(jint(st, "ratings"), 1);
	assert_int_equal(jint(st, "raters"), 1);
	json_object_put(st);
	/* Each figure matches a count over the ratings themselves. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM session_totals t "
	    "WHERE ratings <> (SELECT count(*) FROM ratings r WHERE "
	    "r.session_id=t.session_id) OR raters <> (SELECT count(DISTINCT "
	    "rater_id) FROM ratings r WHERE r.session_id=t.session_id) OR "
	    "score_sum <> (SELECT total(score) FROM ratings r WHERE "
	    "r.session_id=t.session_id)"), 0);
}

static void
results_rank_and_reveal(void **state)
{
	struct store *store = *state;
	sqlite3 *db = store->db;
	struct json_object *s, *res, *places, *p;
	int64_t sid, m[4], r1, r2, seq, before;
	int revealed = -1, total = -1;

	sid = create_session(store, "R");
	assert_int_equal(add_images(store, sid, 1, 4), 4);
	for (int i = 0; i < 4; i++)
		m[i] = session_meme(db, sid, i + 1);
	r1 = add_rater(db, "One");
	r2 = add_rater(db, "Two");
	/* m0: 5 (one rating), m1: 8,2 -> 5 (two ratings, wins the tie),
	 * m2: 9, m3 unrated. */
	rate(db, sid, m[0], r1, 5);
	rate(db, sid, m[1], r1, 8);
	rate(db, sid, m[1], r2, 2);
	rate(db, sid, m[2], r2, 9);

	assert_int_equal(reveal(store, sid, "next", &revealed,
	    &total, &seq), STORE_NOT_FINISHED);
	assert_int_equal(store_session_start(store, sid, URL, &s, &seq), STORE_OK);
	json_object_put(s);
	assert_int_equal(store_session_finish(store, sid, &s, &seq), STORE_OK);
	json_object_put(s);

	places = results_all(store, sid);
	assert_int_equal(json_object_array_length(places), 4);
	{
		int64_t want[4] = { m[2], m[1], m[0], m[3] };

		for (int i = 0; i < 4; i++) {
			p = json_object_array_get_idx(places, (size_t)i);
			assert_int_equal(jint(p, "place"), i + 1);
			assert_int_equal(jint(json_object_object_get(p, "meme"),
			    "id"), want[i]);
		}
	}
	p = json_object_array_get_idx(places, 1);
	assert_int_equal(jint(p, "count"), 2);
	assert_int_equal(jint(p, "min"), 2);
	assert_int_equal(jint(p, "max"), 8);
	assert_true(jnull(json_object_array_get_idx(places, 3), "avg"));
	json_object_put(places);

	res = results_public(store, sid);
	assert_int_equal(jint(res, "revealed"), 0);
	assert_int_equal(jint(res, "total"), 4);
	assert_int_equal(json_object_array_length(json_object_object_get(res,
	    "results")), 0);
	json_object_put(res);

	assert_int_equal(reveal(store, sid, "sideways",
	    &revealed, &total, &seq), STORE_INVALID);
	assert_int_equal(reveal(store, sid, "prev", &revealed,
	    &total, &seq), STORE_OK);
	assert_int_equal(revealed, 0);
	assert_int_equal(seq, 0);	/* clamped: nothing changed */
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(reveal(store, sid, "next",
		    &revealed, &total, &seq), STORE_OK);
		assert_int_equal(revealed, i > 4 ? 4 : i);
		assert_int_equal(total, 4);
	}
	assert_int_equal(q_int(db, "SELECT count(*) FROM events WHERE "
	    "type='results_revealed'"), 4);
	res = results_public(store, sid);
	assert_int_equal(jint(res, "revealed"), 4);
	assert_int_equal(jint(json_object_array_get_idx(json_object_object_get(res,
	    "results"), 0), "place"), 1);
	json_object_put(res);
	assert_int_equal(reveal(store, sid, "prev", &revealed,
	    &total, &seq), STORE_OK);
	assert_int_equal(revealed, 3);
	assert_true(seq > 0);
	/* Revealing goes from the last place: 3 revealed = places 2..4. */
	res = results_public(store, sid);
	places = json_object_object_get(res, "results");
	assert_int_equal(json_object_array_length(places), 3);
	assert_int_equal(jint(json_object_array_get_idx(places, 0), "place"), 2);
	assert_int_equal(jint(json_object_array_get_idx(places, 2), "place"), 4);
	json_object_put(res);
	assert_int_equal(reveal(store, sid, "reset", &revealed,
	    &total, &seq), STORE_OK);
	assert_int_equal(revealed, 0);
	assert_int_equal(q_int(db, "SELECT revealed FROM sessions"), 0);
	before = q_int(db, "SELECT max(seq) FROM events");
	assert_int_equal(before, seq);
	assert_int_equal(reveal(store, 4242, "next", &revealed,
	    &total, &seq), STORE_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_clean_rules),
		cmocka_unit_test_setup_teardown(create_stores_literal_name_and_event,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(create_rejects_bad_names,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(lifecycle_and_conflicts,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(session_lists_order,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(add_images_dedups_and_emits,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(stats_figures,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(stats_totals_follow_changes,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(results_rank_and_reveal,
		    store_setup, store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
