/*
 * Unit tests of the rater, health and login endpoints (fcgi/api_rater.c,
 * fcgi/api_auth.c, fcgi/auth.c, fcgi/names.c) through app_dispatch(),
 * against a fresh in-memory database per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "store/db.h"
#include "jsonw.h"
#include "log.h"
#include "notify.h"
#include "token.h"
#include "../../fcgi/app.h"
#include "../../fcgi/auth.h"
#include "media.h"
#include "../../fcgi/names.h"
#include "unit_app.h"

#define SITE "http://127.0.0.1:8080"

struct fixture {
	struct config	 cfg;
	struct app	 app;
	char		 cookie[64];	/* "mr_rater=..." */
	struct http_response resp;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sock[sizeof(f->cfg.notify_socket)];

	if (f == NULL)
		return -1;
	snprintf(sock, sizeof(sock), "/tmp/memeter-test-api-rater-%d.sock",
	    (int)getpid());
	f->app.generation = 3;
	snprintf(f->app.binary_id, sizeof(f->app.binary_id), "0123456789abcdef");
	http_response_init(&f->resp);
	if (unit_app_open(&f->app, &f->cfg, SITE, sock) == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	http_response_reset(&f->resp);
	unit_app_close(&f->app);
	free(f);
	return 0;
}

/* --- helpers -------------------------------------------------------------- */

static int
call(struct fixture *f, const char *method, const char *path,
    const char *body)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = req.referer = req.csrf = "";
	req.origin = SITE;
	req.remote_addr = "127.0.0.1";
	req.cookie = f->cookie;
	req.content_type = body != NULL ? "application/json" : "";
	req.body = body != NULL ? body : "";
	req.body_len = strlen(req.body);
	http_response_reset(&f->resp);
	app_dispatch(&f->app, &req, &f->resp);
	return f->resp.status;
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key %s in %s", key, json_object_to_json_string(o));
	return v;
}

static int64_t
q_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -999;

	assert_int_equal(sqlite3_prepare_v2(f->app.store->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
q_text(struct fixture *f, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(f->app.store->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Everything a bad request must leave alone. */
static void
fingerprint(struct fixture *f, char *buf, size_t len)
{
	q_text(f, "SELECT (SELECT count(*) FROM ratings) || '/' || "
	    "(SELECT total(score) FROM ratings) || '/' || (SELECT count(*) FROM "
	    "skips) || '/' || (SELECT coalesce(max(seq),0) FROM events) || '/' "
	    "|| (SELECT group_concat(name) FROM raters) || '/' || (SELECT "
	    "count(*) FROM rating_requests) || '/' || (SELECT count(*) FROM "
	    "raters)", buf, len);
}

/* GET /api/state as a new rater; keeps the cookie. */
static void
become_rater(struct fixture *f)
{
	const char *sc;

	f->cookie[0] = '\0';
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	sc = unit_header_of(&f->resp, "Set-Cookie");
	assert_non_null(sc);
	snprintf(f->cookie, sizeof(f->cookie), "%.*s", (int)strcspn(sc, ";"),
	    sc);
}

/* A session with n memes (ids returned through ids), started if asked. */
static int64_t
make_session(struct fixture *f, const char *name, int n, int start,
    int64_t *ids)
{
	struct media_image imgs[8];
	struct json_object *s, *added;
	int64_t sid, seq;
	char content[32];

	assert_true(n <= 8);
	assert_int_equal(store_session_create(f->app.store, name, &s, &seq),
	    STORE_OK);
	sid = json_object_get_int64(get(s, "id"));
	json_object_put(s);
	for (int i = 0; i < n; i++) {
		memset(&imgs[i], 0, sizeof(imgs[i]));
		snprintf(content, sizeof(content), "%s-%d", name, i);
		token_sha256_hex(content, strlen(content), imgs[i].sha256);
		memcpy(imgs[i].filename, imgs[i].sha256, SHA256_HEX_LEN);
		memcpy(imgs[i].filename + SHA256_HEX_LEN, ".png", 5);
		snprintf(imgs[i].title, sizeof(imgs[i].title), "%.40s %d", name, i);
		imgs[i].mime = "image/png";
		imgs[i].width = imgs[i].height = 10;
		imgs[i].bytes = 1;
	}
	assert_int_equal(store_session_add_images(f->app.store, sid, imgs,
	    (size_t)n, "/media", &added, &seq), STORE_OK);
	for (int i = 0; i < n; i++)
		ids[i] = json_object_get_int64(get(json_object_array_get_idx(
		    added, (size_t)i), "id"));
	json_object_put(added);
	if (start) {
		assert_int_equal(store_session_start(f->app.store, sid, "/media",
		    &s, &seq), STORE_OK);
		json_object_put(s);
	}
	return sid;
}

/* tmpl with every '@' replaced by id into out. */
static void
subst(char *out, size_t len, const char *tmpl, int64_t id)
{
	size_t n = 0;

	for (const char *p = tmpl; *p != '\0' && n + 24 < len; p++) {
		if (*p == '@')
			n += (size_t)snprintf(out + n, len - n, "%lld",
			    (long long)id);
		else
			out[n++] = *p;
	}
	out[n] = '\0';
}

/* --- names and state ---------------------------------------------------- */

static void
names_are_two_words(void **state)
{
	char name[NAMES_MAX], copy[NAMES_MAX], *sp;
	int found_a, found_b;

	(void)state;
	assert_int_equal(names_adjective_count(), 64);
	assert_int_equal(names_animal_count(), 64);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(names_random(name, sizeof(name)), 0);
		snprintf(copy, sizeof(copy), "%s", name);
		assert_non_null(sp = strchr(copy, ' '));
		*sp = '\0';
		found_a = found_b = 0;
		for (size_t j = 0; j < names_adjective_count(); j++)
			found_a |= strcmp(copy, names_adjective(j)) == 0;
		for (size_t j = 0; j < names_animal_count(); j++)
			found_b |= strcmp(sp + 1, names_animal(j)) == 0;
		assert_true(found_a && found_b);
	}
	assert_null(names_adjective(64));
}

static void
state_creates_rater(void **state)
{
	struct fixture *f = *state;
	struct json_object *me;
	char token[TOKEN_HEX_LEN + 1], hex[SHA256_HEX_LEN + 1], sql[200];
	const char *sc;
	int64_t id;

	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	sc = unit_header_of(&f->resp, "Set-Cookie");
	assert_non_null(sc);
	assert_int_equal(sscanf(sc, "mr_rater=%32[0-9a-f];", token), 1);
	assert_true(token_valid(token));
	assert_non_null(strstr(sc, "; Path=/; Max-Age=2592000; HttpOnly; "
	    "SameSite=Lax"));
	me = get(f->resp.json, "me");
	id = json_object_get_int64(get(me, "id"));
	assert_true(id > 0);
	assert_int_equal(json_object_get_int64(get(f->resp.json, "seq")), 0);
	assert_true(json_object_is_type(get(f->resp.json, "session"),
	    json_type_null));
	assert_int_equal(json_object_array_length(get(f->resp.json, "memes")),
	    0);
	assert_int_equal(json_object_object_length(get(me, "ratings")), 0);
	/* Only the hash of the token is stored. */
	token_sha256_hex(token, TOKEN_HEX_LEN, hex);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM raters WHERE "
	    "hex(token_hash)=upper('%s') AND id=%lld", hex, (long long)id);
	assert_int_equal(q_int(f, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM raters WHERE "
	    "instr(token_hash, '%s')", token);
	assert_int_equal(q_int(f, sql), 0);

	/* With the cookie: the same rater, no new cookie. */
	snprintf(f->cookie, sizeof(f->cookie), "mr_rater=%s", token);
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	assert_null(unit_header_of(&f->resp, "Set-Cookie"));
	assert_int_equal(json_object_get_int64(get(get(f->resp.json, "me"),
	    "id")), id);
	/* An unknown or malformed cookie gets a new rater. */
	snprintf(f->cookie, sizeof(f->cookie), "mr_rater=%032d", 0);
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	assert_non_null(unit_header_of(&f->resp, "Set-Cookie"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM raters"), 2);
}

static void
state_shows_session_and_mine(void **state)
{
	struct fixture *f = *state;
	struct json_object *me;
	int64_t ids[3], sid, head;
	char body[80];

	become_rater(f);
	sid = make_session(f, "Live", 3, 1, ids);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":7}",
	    (long long)ids[1]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld}", (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/skips", body), 200);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld}", (long long)ids[2]);
	assert_int_equal(call(f, "POST", "/api/skips", body), 200);
	/* Rated after skipping: no longer skipped. */
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":0}",
	    (long long)ids[2]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);

	head = q_int(f, "SELECT max(seq) FROM events");
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	assert_int_equal(json_object_get_int64(get(f->resp.json, "seq")), head);
	assert_int_equal(json_object_get_int64(get(get(f->resp.json,
	    "session"), "id")), sid);
	assert_string_equal(json_object_get_string(get(get(f->resp.json,
	    "session"), "status")), "active");
	assert_int_equal(json_object_array_length(get(f->resp.json, "memes")),
	    3);
	me = get(f->resp.json, "me");
	snprintf(body, sizeof(body), "%lld", (long long)ids[1]);
	assert_int_equal(json_object_get_int(get(get(me, "ratings"), body)), 7);
	snprintf(body, sizeof(body), "%lld", (long long)ids[2]);
	assert_int_equal(json_object_get_int(get(get(me, "ratings"), body)), 0);
	assert_int_equal(json_object_array_length(get(me, "skipped")), 1);
	assert_int_equal(json_object_get_int64(json_object_array_get_idx(
	    get(me, "skipped"), 0)), ids[0]);
}

static void
state_falls_back_to_finished(void **state)
{
	struct fixture *f = *state;
	struct json_object *s;
	int64_t ids[2], sid, draft, seq;

	become_rater(f);
	sid = make_session(f, "Old", 2, 1, ids);
	assert_int_equal(store_session_finish(f->app.store, sid, &s, &seq),
	    STORE_OK);
	json_object_put(s);
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	assert_int_equal(json_object_get_int64(get(get(f->resp.json,
	    "session"), "id")), sid);
	assert_string_equal(json_object_get_string(get(get(f->resp.json,
	    "session"), "status")), "finished");
	/* A draft comes first: guests who scan early see it. */
	draft = make_session(f, "Draft", 1, 0, ids);
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	assert_int_equal(json_object_get_int64(get(get(f->resp.json,
	    "session"), "id")), draft);
	assert_string_equal(json_object_get_string(get(get(f->resp.json,
	    "session"), "status")), "draft");
}

/* --- ratings ---------------------------------------------------------------- */

static void
rating_needs_rater_and_session(void **state)
{
	struct fixture *f = *state;
	int64_t ids[2];
	char body[80];

	f->cookie[0] = '\0';
	assert_int_equal(call(f, "POST", "/api/ratings",
	    "{\"meme_id\":1,\"score\":5}"), 401);
	assert_string_equal(unit_code_of(&f->resp), "no_rater");
	become_rater(f);
	assert_int_equal(call(f, "POST", "/api/ratings",
	    "{\"meme_id\":1,\"score\":5}"), 409);
	assert_string_equal(unit_code_of(&f->resp), "no_active_session");
	/* A draft is not active either. */
	(void)make_session(f, "Draft", 2, 0, ids);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":5}",
	    (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 409);
	assert_int_equal(call(f, "POST", "/api/skips", body), 409);
	assert_int_equal(q_int(f, "SELECT count(*) FROM ratings"), 0);
}

static void
rating_rejects_bad_input(void **state)
{
	static const struct {
		const char	*body;
		int		 status;
		const char	*code;
	} cases[] = {
		{ "{\"meme_id\":@,\"score\":5.5}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":\"5\"}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":true}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":null}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":-1}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":11}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":5.0}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":1e1}", 400, "invalid_score" },
		{ "{\"meme_id\":@}", 400, "invalid_score" },
		{ "{\"meme_id\":@,\"score\":99999999999999999999}", 400,
		  "invalid_score" },
		{ "{\"meme_id\":\"@\",\"score\":5}", 400, "invalid_meme_id" },
		{ "{\"meme_id\":@.0,\"score\":5}", 400, "invalid_meme_id" },
		{ "{\"score\":5,\"x\":@}", 400, "invalid_meme_id" },
		{ "{\"meme_id\":-@,\"score\":5}", 400, "invalid_meme_id" },
		{ "{\"meme_id\":[@],\"score\":5}", 400, "invalid_meme_id" },
		{ "{\"meme_id\":@,\"score\":5,\"client_id\":\"\"}", 400,
		  "invalid_client_id" },
		{ "{\"meme_id\":@,\"score\":5,\"client_id\":7}", 400,
		  "invalid_client_id" },
		{ "{\"meme_id\":@,\"score\":5,\"client_id\":null}", 400,
		  "invalid_client_id" },
		{ "{\"meme_id\":@,\"score\":5,\"client_id\":\"a\\u0000b\"}",
		  400, "invalid_client_id" },
		{ "{\"meme_id\":@,\"score\":5,\"client_id\":\"xxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", 400,
		  "invalid_client_id" },
		{ "{\"meme_id\":@,\"score\":5", 400, "invalid_json" },
		{ "[@,5]", 400, "invalid_json" },
		{ "{\"meme_id\":99999@,\"score\":5}", 404, "unknown_meme" },
	};
	struct fixture *f = *state;
	char body[256], before[512], after[512];
	int64_t ids[2], other[1];

	become_rater(f);
	(void)make_session(f, "Live", 2, 1, ids);
	(void)make_session(f, "Draft", 1, 0, other);
	fingerprint(f, before, sizeof(before));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		subst(body, sizeof(body), cases[i].body, ids[0]);
		call(f, "POST", "/api/ratings", body);
		if (f->resp.status != cases[i].status ||
		    strcmp(unit_code_of(&f->resp), cases[i].code) != 0)
			fail_msg("%s: %d %s", body, f->resp.status,
			    unit_code_of(&f->resp));
	}
	/* A meme of another session is unknown to this one. */
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":5}",
	    (long long)other[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 404);
	assert_string_equal(unit_code_of(&f->resp), "unknown_meme");
	assert_int_equal(call(f, "POST", "/api/skips", body), 404);
	/* 64 characters of client_id are fine, counted as characters. */
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":5,\"client_id\":"
	    "\"\xc3\xa9%s\"}", (long long)ids[0],
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	fingerprint(f, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
}

static void
rating_inserts_replaces_and_emits(void **state)
{
	struct fixture *f = *state;
	struct json_object *ev, *stats, *m;
	char body[120], buf[512];
	int64_t ids[2], sid, rater;

	become_rater(f);
	rater = json_object_get_int64(get(get(f->resp.json, "me"), "id"));
	sid = make_session(f, "Live", 2, 1, ids);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":8}",
	    (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
	assert_int_equal(json_object_get_int64(get(f->resp.json, "meme_id")),
	    ids[0]);
	assert_int_equal(json_object_get_int(get(f->resp.json, "score")), 8);
	assert_false(json_object_get_boolean(get(f->resp.json, "replaced")));

	q_text(f, "SELECT data FROM events WHERE type='new_rating' ORDER BY seq "
	    "DESC LIMIT 1", buf, sizeof(buf));
	ev = json_tokener_parse(buf);
	assert_non_null(ev);
	assert_int_equal(json_object_get_int64(get(ev, "session_id")), sid);
	assert_int_equal(json_object_get_int64(get(ev, "meme_id")), ids[0]);
	assert_int_equal(json_object_get_int64(get(get(ev, "rater"), "id")),
	    rater);
	assert_true(json_object_get_string_len(get(get(ev, "rater"), "name")) > 0);
	assert_int_equal(json_object_get_int(get(ev, "score")), 8);
	assert_false(json_object_get_boolean(get(ev, "replaced")));
	json_object_put(ev);

	/* Re-rating replaces: 200, and the stats follow. */
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":2}",
	    (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 200);
	assert_true(json_object_get_boolean(get(f->resp.json, "replaced")));
	assert_int_equal(q_int(f, "SELECT count(*) FROM ratings"), 1);
	assert_int_equal(q_int(f, "SELECT score FROM ratings"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM events WHERE "
	    "type='new_rating'"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM events WHERE "
	    "type='stats_updated'"), 2);
	q_text(f, "SELECT data FROM events WHERE type='stats_updated' ORDER BY "
	    "seq DESC LIMIT 1", buf, sizeof(buf));
	stats = json_tokener_parse(buf);
	assert_non_null(stats);
	assert_int_equal(json_object_get_int64(get(stats, "session_id")), sid);
	assert_int_equal(json_object_get_int64(get(stats, "ratings")), 1);
	assert_int_equal(json_object_get_int64(get(stats, "raters")), 1);
	assert_int_equal(json_object_array_length(get(stats, "memes")), 1);
	m = json_object_array_get_idx(get(stats, "memes"), 0);
	assert_int_equal(json_object_get_int64(get(m, "meme_id")), ids[0]);
	assert_int_equal(json_object_get_int64(get(m, "count")), 1);
	assert_int_equal(json_object_get_int(get(m, "min")), 2);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(
	    get(m, "histogram"), 2)), 1);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(
	    get(m, "histogram"), 8)), 0);
	json_object_put(stats);

	/* A second rater: totals count raters, not ratings. */
	become_rater(f);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":10}",
	    (long long)ids[1]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":4}",
	    (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
	q_text(f, "SELECT data FROM events WHERE type='stats_updated' ORDER BY "
	    "seq DESC LIMIT 1", buf, sizeof(buf));
	stats = json_tokener_parse(buf);
	assert_int_equal(json_object_get_int64(get(stats, "ratings")), 3);
	assert_int_equal(json_object_get_int64(get(stats, "raters")), 2);
	m = json_object_array_get_idx(get(stats, "memes"), 0);
	assert_int_equal(json_object_get_int64(get(m, "count")), 2);
	assert_int_equal(json_object_get_int(get(m, "max")), 4);
	json_object_put(stats);

	/* The times the rating path binds read as the schema's defaults:
	 * now, events.ts to the millisecond, ratings' to the second. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM events WHERE type IN "
	    "('new_rating','stats_updated') AND ts GLOB '[0-9][0-9][0-9][0-9]-"
	    "[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9]"
	    "[0-9]Z' AND abs(julianday(ts) - julianday('now')) * 86400 < 60"), 8);
	assert_int_equal(q_int(f, "SELECT count(*) FROM ratings WHERE "
	    "created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
	    "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z' AND updated_at >= created_at "
	    "AND length(updated_at) = 20 AND abs(julianday(updated_at) - "
	    "julianday('now')) * 86400 < 60"), 3);
}

/* The newest event of a type, its data text as stored. */
static void
last_event(struct fixture *f, const char *type, char *buf, size_t len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(f->app.store->db, "SELECT data FROM events "
	    "WHERE type=?1 ORDER BY seq DESC LIMIT 1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/*
 * The events of a rating, byte for byte, against what SPEC's shapes
 * built with json-c give: new_rating from the request and the rater,
 * stats_updated from store_stats() (the admin's and memeterctl's
 * reading of the same figures) with session_id first.
 */
static void
expect_rating_events(struct fixture *f, int64_t sid, int64_t meme_id,
    int score, int replaced, int64_t rater, const char *name)
{
	struct json_object *want, *who, *stats, *v;
	static const char *const keys[] = { "ratings", "raters", "avg", "memes" };
	char buf[4096];

	want = json_object_new_object();
	who = json_object_new_object();
	json_object_object_add(who, "id", json_object_new_int64(rater));
	json_object_object_add(who, "name", json_object_new_string(name));
	json_object_object_add(want, "session_id", json_object_new_int64(sid));
	json_object_object_add(want, "meme_id", json_object_new_int64(meme_id));
	json_object_object_add(want, "rater", who);
	json_object_object_add(want, "score", json_object_new_int(score));
	json_object_object_add(want, "replaced",
	    json_object_new_boolean(replaced));
	last_event(f, "new_rating", buf, sizeof(buf));
	assert_string_equal(buf, json_object_to_json_string_ext(want,
	    JSON_OUT_FLAGS));
	json_object_put(want);

	assert_int_equal(store_stats(f->app.store, sid, meme_id, &stats),
	    STORE_OK);
	want = json_object_new_object();
	json_object_object_add(want, "session_id", json_object_new_int64(sid));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_true(json_object_object_get_ex(stats, keys[i], &v));
		json_object_object_add(want, keys[i], json_object_get(v));
	}
	json_object_put(stats);
	last_event(f, "stats_updated", buf, sizeof(buf));
	assert_string_equal(buf, json_object_to_json_string_ext(want,
	    JSON_OUT_FLAGS));
	json_object_put(want);
}

static void
rating_events_match_model(void **state)
{
	/* Names that need escaping, and scores giving uneven figures. */
	static const char *const names[] = {
		"Zo\u00eb \\\"Q\\\" a/b \\\\ x", "</script>", "plain",
	};
	static const char *const names_raw[] = {
		"Zo\xc3\xab \"Q\" a/b \\ x", "</script>", "plain",
	};
	static const int scores[][3] = {
		{ 7, 0, 10 }, { 8, 3, 3 }, { 3, 10, 0 },
	};
	struct fixture *f = *state;
	char body[160];
	int64_t ids[3], sid, rater;

	sid = make_session(f, "Figures", 3, 1, ids);
	for (int r = 0; r < 3; r++) {
		become_rater(f);
		rater = json_object_get_int64(get(get(f->resp.json, "me"), "id"));
		snprintf(body, sizeof(body), "{\"name\":\"%s\"}", names[r]);
		assert_int_equal(call(f, "PATCH", "/api/me", body), 200);
		assert_string_equal(json_object_get_string(get(f->resp.json,
		    "name")), names_raw[r]);
		for (int m = 0; m < 3; m++) {
			snprintf(body, sizeof(body), "{\"meme_id\":%lld,"
			    "\"score\":%d}", (long long)ids[m], scores[r][m]);
			assert_int_equal(call(f, "POST", "/api/ratings", body),
			    201);
			expect_rating_events(f, sid, ids[m], scores[r][m], 0,
			    rater, names_raw[r]);
		}
	}
	/* A replaced score moves the histogram and the totals' sum; a name
	 * the API would refuse (written by hand) is still escaped alike. */
	assert_int_equal(sqlite3_exec(f->app.store->db, "UPDATE raters SET name="
	    "'a'||char(1)||char(8)||char(9)||char(10)||char(12)||char(13)||"
	    "char(31)||char(127)||'z'", NULL, NULL, NULL), SQLITE_OK);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":9,"
	    "\"client_id\":\"c-1\"}", (long long)ids[1]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 200);
	expect_rating_events(f, sid, ids[1], 9, 1, rater,
	    "a\x01\b\t\n\f\r\x1f\x7fz");
}

static void
rating_client_id_replay(void **state)
{
	struct fixture *f = *state;
	char body[120], before[512], after[512];
	int64_t ids[1];

	become_rater(f);
	(void)make_session(f, "Live", 1, 1, ids);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":6,"
	    "\"client_id\":\"q-1\"}", (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
	fingerprint(f, before, sizeof(before));
	/* The same request again: 200, first answer, nothing changed. */
	assert_int_equal(call(f, "POST", "/api/ratings", body), 200);
	assert_int_equal(json_object_get_int(get(f->resp.json, "score")), 6);
	assert_false(json_object_get_boolean(get(f->resp.json, "replaced")));
	/* Even with another score under the same client_id. */
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":1,"
	    "\"client_id\":\"q-1\"}", (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 200);
	assert_int_equal(json_object_get_int(get(f->resp.json, "score")), 6);
	fingerprint(f, after, sizeof(after));
	assert_string_equal(before, after);
	/* A new client_id is a new request. */
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":1,"
	    "\"client_id\":\"q-2\"}", (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 200);
	assert_true(json_object_get_boolean(get(f->resp.json, "replaced")));
	assert_int_equal(q_int(f, "SELECT score FROM ratings"), 1);
	/* Another rater's equal client_id is theirs. */
	become_rater(f);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":9,"
	    "\"client_id\":\"q-1\"}", (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 201);
	assert_int_equal(q_int(f, "SELECT count(*) FROM ratings"), 2);
}

static void
rating_after_finish_refused(void **state)
{
	struct fixture *f = *state;
	struct json_object *s;
	char body[80];
	int64_t ids[1], sid, seq;

	become_rater(f);
	sid = make_session(f, "Live", 1, 1, ids);
	assert_int_equal(store_session_finish(f->app.store, sid, &s, &seq),
	    STORE_OK);
	json_object_put(s);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld,\"score\":5}",
	    (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/ratings", body), 409);
	assert_string_equal(unit_code_of(&f->resp), "no_active_session");
}

static void
skips_are_idempotent(void **state)
{
	struct fixture *f = *state;
	char body[80];
	int64_t ids[1];

	become_rater(f);
	(void)make_session(f, "Live", 1, 1, ids);
	snprintf(body, sizeof(body), "{\"meme_id\":%lld}", (long long)ids[0]);
	assert_int_equal(call(f, "POST", "/api/skips", body), 200);
	assert_int_equal(json_object_get_int64(get(f->resp.json, "meme_id")),
	    ids[0]);
	assert_true(json_object_get_boolean(get(f->resp.json, "skipped")));
	assert_int_equal(call(f, "POST", "/api/skips", body), 200);
	assert_int_equal(q_int(f, "SELECT count(*) FROM skips"), 1);
	/* Skips are no events. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM events WHERE "
	    "type NOT IN ('session_created','memes_populated',"
	    "'session_started')"), 0);
	assert_int_equal(call(f, "POST", "/api/skips", "{\"meme_id\":\"1\"}"),
	    400);
	assert_string_equal(unit_code_of(&f->resp), "invalid_meme_id");
}

/* --- name ----------------------------------------------------------------- */

static void
rename_checks_names(void **state)
{
	static const char *const bad[] = {
		"{\"name\":\"\"}", "{\"name\":\"   \"}", "{\"name\":5}",
		"{\"name\":null}", "{}", "{\"name\":\"a\\nb\"}",
		"{\"name\":\"a\\u0000b\"}", "{\"name\":\"\\u0007\"}",
		"{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
		"{\"name\":[\"a\"]}",
	};
	struct fixture *f = *state;
	char before[512], after[512], name[200];

	become_rater(f);
	fingerprint(f, before, sizeof(before));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (call(f, "PATCH", "/api/me", bad[i]) != 400 ||
		    strcmp(unit_code_of(&f->resp), "invalid_name") != 0)
			fail_msg("%s: %d", bad[i], f->resp.status);
	}
	fingerprint(f, after, sizeof(after));
	assert_string_equal(before, after);
	/* Trimmed; 40 characters (not bytes) fit; SQL stays text. */
	assert_int_equal(call(f, "PATCH", "/api/me",
	    "{\"name\":\"  Robert'); DROP TABLE raters;-- \"}"), 200);
	assert_string_equal(json_object_get_string(get(f->resp.json, "name")),
	    "Robert'); DROP TABLE raters;--");
	q_text(f, "SELECT name FROM raters", name, sizeof(name));
	assert_string_equal(name, "Robert'); DROP TABLE raters;--");
	assert_int_equal(call(f, "PATCH", "/api/me", "{\"name\":\""
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\"}"), 200);
	assert_int_equal(call(f, "GET", "/api/state", NULL), 200);
	assert_int_equal(json_object_get_string_len(get(get(f->resp.json,
	    "me"), "name")), 80);
	f->cookie[0] = '\0';
	assert_int_equal(call(f, "PATCH", "/api/me", "{\"name\":\"x\"}"), 401);
}

/* --- health and login ----------------------------------------------------- */

static void
health_reports_pushd(void **state)
{
	struct fixture *f = *state;
	struct json_object *v;
	char hash[256];
	const char *sc;
	int fd;

	(void)unlink(f->cfg.notify_socket);
	assert_int_equal(call(f, "GET", "/api/health", NULL), 200);
	assert_true(json_object_get_boolean(get(f->resp.json, "ok")));
	assert_string_equal(json_object_get_string(get(f->resp.json, "db")),
	    "ok");
	assert_string_equal(json_object_get_string(get(f->resp.json, "pushd")),
	    "down");
	/* Which worker answered is for the admin only. */
	assert_false(json_object_object_get_ex(f->resp.json, "pid", &v));
	assert_false(json_object_object_get_ex(f->resp.json, "binary", &v));
	assert_int_equal(token_password_hash("secret", hash, sizeof(hash)), 0);
	assert_int_equal(store_admin_password_set(f->app.store, hash, 0, NULL),
	    STORE_OK);
	assert_int_equal(call(f, "POST", "/api/admin/login",
	    "{\"password\":\"secret\"}"), 200);
	assert_non_null(sc = unit_header_of(&f->resp, "Set-Cookie"));
	snprintf(f->cookie, sizeof(f->cookie), "%.*s", (int)strcspn(sc, ";"),
	    sc);
	assert_int_equal(call(f, "GET", "/api/health", NULL), 200);
	assert_int_equal(json_object_get_int(get(f->resp.json, "generation")),
	    3);
	assert_string_equal(json_object_get_string(get(f->resp.json, "binary")),
	    "0123456789abcdef");
	assert_int_equal(json_object_get_int(get(f->resp.json, "pid")),
	    (int)getpid());
	assert_true(json_object_get_string_len(get(f->resp.json, "version")) > 0);
	fd = notify_receiver_open(f->cfg.notify_socket);
	assert_true(fd >= 0);
	assert_int_equal(call(f, "GET", "/api/health", NULL), 200);
	assert_string_equal(json_object_get_string(get(f->resp.json, "pushd")),
	    "up");
	/* A rating's seq reaches the socket as the hint. */
	f->app.notify_fd = notify_sender_open();
	app_notify(&f->app, 42);
	assert_int_equal(notify_receive(fd), 42);
	close(f->app.notify_fd);
	f->app.notify_fd = -1;
	close(fd);
	(void)unlink(f->cfg.notify_socket);
	/* A broken database is a 503. */
	store_forget_statements(f->app.store);
	assert_int_equal(db_exec(f->app.store->db, "DROP TABLE events"), 0);
	assert_int_equal(call(f, "GET", "/api/health", NULL), 503);
	assert_false(json_object_get_boolean(get(f->resp.json, "ok")));
}

static void
login_and_logout(void **state)
{
	struct fixture *f = *state;
	struct http_request req;
	char hash[256], cookie[64], csrf[TOKEN_HEX_LEN + 1];
	const char *sc;

	assert_int_equal(call(f, "POST", "/api/admin/login",
	    "{\"password\":\"secret\"}"), 503);
	assert_string_equal(unit_code_of(&f->resp), "no_admin_password");
	assert_int_equal(token_password_hash("secret", hash, sizeof(hash)), 0);
	assert_int_equal(store_admin_password_set(f->app.store, hash, 0, NULL),
	    STORE_OK);
	assert_int_equal(call(f, "POST", "/api/admin/login",
	    "{\"password\":\"Secret\"}"), 401);
	assert_string_equal(unit_code_of(&f->resp), "bad_password");
	assert_null(unit_header_of(&f->resp, "Set-Cookie"));
	assert_int_equal(call(f, "POST", "/api/admin/login",
	    "{\"password\":5}"), 400);
	assert_int_equal(call(f, "POST", "/api/admin/login", "{}"), 400);
	assert_int_equal(q_int(f, "SELECT count(*) FROM admin_sessions"), 0);

	assert_int_equal(call(f, "POST", "/api/admin/login",
	    "{\"password\":\"secret\"}"), 200);
	snprintf(csrf, sizeof(csrf), "%s", json_object_get_string(get(
	    f->resp.json, "csrf")));
	assert_true(token_valid(csrf));
	sc = unit_header_of(&f->resp, "Set-Cookie");
	assert_non_null(sc);
	assert_non_null(strstr(sc, "; Path=/; Max-Age=43200; HttpOnly; "
	    "SameSite=Strict"));
	snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(sc, ";"), sc);
	assert_int_equal(q_int(f, "SELECT count(*) FROM admin_sessions"), 1);

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/api/admin/logout";
	req.query = req.referer = req.content_type = req.body = "";
	req.origin = SITE;
	req.cookie = cookie;
	req.csrf = csrf;
	http_response_reset(&f->resp);
	app_dispatch(&f->app, &req, &f->resp);
	assert_int_equal(f->resp.status, 200);
	assert_true(json_object_get_boolean(get(f->resp.json, "ok")));
	assert_non_null(strstr(unit_header_of(&f->resp, "Set-Cookie"),
	    "mr_admin=; Path=/; Max-Age=0"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM admin_sessions"), 0);
	/* The old cookie is dead. */
	http_response_reset(&f->resp);
	app_dispatch(&f->app, &req, &f->resp);
	assert_int_equal(f->resp.status, 401);
}

/* --- checkpoints ---------------------------------------------------------- */

static off_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/*
 * A worker's commits leave the WAL alone, however big it grows, and the
 * checkpoint runs in app_after_request(): the database file only grows
 * (pages copied back from the WAL) there.
 */
static void
checkpoint_after_request(void **state)
{
	struct config cfg;
	struct app *app;
	sqlite3 *db;
	char path[64], side[80];
	off_t before;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/memeter-test-ckpt-%d.db",
	    (int)getpid());
	(void)unlink(path);
	assert_non_null(db = db_open(path, DB_READWRITE));
	assert_int_equal(db_migrate(db), 0);
	sqlite3_close_v2(db);
	config_defaults(&cfg);
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", path);
	assert_non_null(app = app_create(&cfg, 1));
	before = file_size(path);
	for (int i = 0; i < 600; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql), "INSERT INTO settings(key,value) "
		    "VALUES('k%d',hex(randomblob(1000)))", i);
		assert_int_equal(sqlite3_exec(app->store->db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
	}
	assert_true(app->store->wal_frames >= STORE_CHECKPOINT_FRAMES);
	assert_true(file_size(path) == before);
	app_after_request(app);
	assert_int_equal(app->store->wal_frames, 0);
	/* 600 rows of 2,000 bytes: at least 1 MB copied back. */
	assert_true(file_size(path) >= before + 1000 * 1000);
	app_destroy(app);
	for (size_t i = 0; i < 3; i++) {
		snprintf(side, sizeof(side), "%s%s", path,
		    (const char *[]){ "", "-wal", "-shm" }[i]);
		(void)unlink(side);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_two_words),
		cmocka_unit_test(checkpoint_after_request),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(state_creates_rater),
		T(state_shows_session_and_mine),
		T(state_falls_back_to_finished),
		T(rating_needs_rater_and_session),
		T(rating_rejects_bad_input),
		T(rating_inserts_replaces_and_emits),
		T(rating_events_match_model),
		T(rating_client_id_replay),
		T(rating_after_finish_refused),
		T(skips_are_idempotent),
		T(rename_checks_names),
		T(health_reports_pushd),
		T(login_and_logout),
#undef T
	};

	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
