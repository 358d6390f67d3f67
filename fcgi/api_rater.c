/*
 * The rater's endpoints (state, ratings, skips, name) and /api/health.
 * Ratings are the hot path of a party: every statement is prepared once
 * per worker (app_stmt) and one rating is one short write transaction
 * with its two outbox events.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth.h"
#include "db.h"
#include "event.h"
#include "jsonw.h"
#include "handlers.h"
#include "log.h"
#include "model.h"
#include "timeutil.h"
#include "version.h"
#include "unixsock.h"
#include "utf8.h"

#define SCORE_MIN		0
#define SCORE_MAX		10
#define CLIENT_ID_CHARS		64
#define CLIENT_ID_MAX		(CLIENT_ID_CHARS * 4 + 1)

static const char SQL_HEAD[] =
    "SELECT coalesce(max(seq),0) FROM events";
static const char SQL_ACTIVE_SESSION[] =
    "SELECT id FROM sessions WHERE status='active'";
static const char SQL_MEME_IN_SESSION[] =
    "SELECT 1 FROM session_memes WHERE session_id=?1 AND meme_id=?2";
static const char SQL_REQUEST_GET[] =
    "SELECT meme_id,score,replaced FROM rating_requests "
    "WHERE rater_id=?1 AND client_id=?2";
static const char SQL_REQUEST_INSERT[] =
    "INSERT INTO rating_requests(rater_id,client_id,rating_id,meme_id,score,"
    "replaced) VALUES(?1,?2,?3,?4,?5,?6)";
static const char SQL_RATING_GET[] =
    "SELECT id FROM ratings WHERE session_id=?1 AND meme_id=?2 AND rater_id=?3";
/* The times are bound (struct rating_in): strftime('...','now') in SQL
 * cost a rating four date computations. */
static const char SQL_RATING_INSERT[] =
    "INSERT INTO ratings(session_id,meme_id,rater_id,score,created_at,"
    "updated_at) VALUES(?1,?2,?3,?4,?5,?5)";
static const char SQL_RATING_UPDATE[] =
    "UPDATE ratings SET score=?2,updated_at=?3 WHERE id=?1";
static const char SQL_SKIP_INSERT[] =
    "INSERT OR IGNORE INTO skips(session_id,meme_id,rater_id) VALUES(?1,?2,?3)";
static const char SQL_MY_RATINGS[] =
    "SELECT meme_id,score FROM ratings WHERE rater_id=?1 AND session_id=?2";
/* A meme rated after it was skipped is no longer "skipped". */
static const char SQL_MY_SKIPS[] =
    "SELECT s.meme_id FROM skips s WHERE s.session_id=?1 AND s.rater_id=?2 "
    "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.rater_id=s.rater_id "
    "AND r.session_id=s.session_id AND r.meme_id=s.meme_id) "
    "ORDER BY s.created_at,s.meme_id";
/* model_stats()'s reads for one meme, kept prepared (sql/003, sql/004). */
static const char SQL_TOTALS[] =
    "SELECT ratings,raters,score_sum FROM session_totals WHERE session_id=?1";
static const char SQL_MEME_SCORES[] =
    "SELECT score,n FROM meme_scores WHERE session_id=?1 AND meme_id=?2";
/* shared/event.c's insert, kept prepared: a rating writes two events. */
static const char SQL_EVENT_INSERT[] =
    "INSERT INTO events(type,session_id,data,user_data,ts) "
    "VALUES(?1,?2,?3,?4,?5)";
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_RENAME[] =
    "UPDATE raters SET name=?2 WHERE id=?1";

/* What a rating request asks for, validated, and when. */
struct rating_in {
	int64_t		 meme_id;
	int		 score;
	char		 client_id[CLIENT_ID_MAX];	/* "" if none */
	/* Taken under the write lock, as the schema's defaults would be:
	 * events.ts with milliseconds, ratings' times to the second. */
	char		 ts[ISO8601_LEN];
	char		 at[sizeof("2026-11-25T22:17:24Z")];
};

static int
internal_error(struct http_response *resp)
{
	return http_error(resp, 500, "internal_error",
	    "Internal error; see the server log.");
}

/* --- input ---------------------------------------------------------------- */

/* meme_id: a JSON integer > 0 (no 5.0, no "5"). */
static int
parse_meme_id(struct json_object *body, struct http_response *resp,
    int64_t *meme_id)
{
	struct json_object *v;

	if (!json_object_object_get_ex(body, "meme_id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (*meme_id = json_object_get_int64(v)) <= 0)
		return http_error(resp, 400, "invalid_meme_id",
		    "meme_id must be a positive integer.");
	return 0;
}

static int
parse_rating(struct json_object *body, struct http_response *resp,
    struct rating_in *in)
{
	struct json_object *v;
	const char *s;
	size_t len;
	long chars;
	int64_t score;

	if (parse_meme_id(body, resp, &in->meme_id) == -1)
		return -1;
	if (!json_object_object_get_ex(body, "score", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (score = json_object_get_int64(v)) < SCORE_MIN || score > SCORE_MAX)
		return http_error(resp, 400, "invalid_score",
		    "score must be an integer from %d to %d.", SCORE_MIN,
		    SCORE_MAX);
	in->score = (int)score;
	in->client_id[0] = '\0';
	if (!json_object_object_get_ex(body, "client_id", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		goto bad_client_id;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	chars = utf8_chars(s, len);
	if (chars < 1 || chars > CLIENT_ID_CHARS || len >= sizeof(in->client_id) ||
	    memchr(s, '\0', len) != NULL)
		goto bad_client_id;
	memcpy(in->client_id, s, len + 1);
	return 0;
bad_client_id:
	return http_error(resp, 400, "invalid_client_id",
	    "client_id must be a string of 1 to %d characters.",
	    CLIENT_ID_CHARS);
}

/* --- shared checks -------------------------------------------------------- */

/*
 * The active session that meme_id belongs to, in the caller's
 * transaction: its id, or -1 with 409 / 404 / 500 in resp.
 */
static int64_t
active_session_of(struct app *app, int64_t meme_id, struct http_response *resp)
{
	sqlite3_stmt *st;
	int64_t sid = 0;
	int rc;

	if ((st = app_stmt(app, SQL_ACTIVE_SESSION)) == NULL)
		return internal_error(resp);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		sid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		return internal_error(resp);
	}
	if (sid == 0)
		return http_error(resp, 409, "no_active_session",
		    "No session is running; wait for the next one.");
	if ((st = app_stmt(app, SQL_MEME_IN_SESSION)) == NULL)
		return internal_error(resp);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return http_error(resp, 404, "unknown_meme",
		    "Meme %lld is not in the running session.",
		    (long long)meme_id);
	if (rc != SQLITE_ROW) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		return internal_error(resp);
	}
	return sid;
}

/* Runs a statement that returns no rows; 0 or -1 (logged). */
static int
step_done(struct app *app, sqlite3_stmt *st, const char *where)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", where, sqlite3_errmsg(app->db));
		return -1;
	}
	return 0;
}

/* --- ratings -------------------------------------------------------------- */

static void
rating_answer(struct http_response *resp, int status, int64_t meme_id,
    int score, int replaced)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "meme_id", json_object_new_int64(meme_id));
	json_object_object_add(o, "score", json_object_new_int(score));
	json_object_object_add(o, "replaced", json_object_new_boolean(replaced));
	http_json(resp, status, o);
}

/*
 * A client_id seen before from this rater: answers 200 with what the
 * first request was answered and returns 1; 0 if new; -1 on error.
 */
static int
rating_replay(struct app *app, const struct auth_rater *rater,
    const struct rating_in *in, struct http_response *resp)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = app_stmt(app, SQL_REQUEST_GET)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rater->id);
	sqlite3_bind_text(st, 2, in->client_id, -1, SQLITE_STATIC);
	/* The first answer's body, but 200: nothing was created now. */
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rating_answer(resp, 200, sqlite3_column_int64(st, 0),
		    sqlite3_column_int(st, 1), sqlite3_column_int(st, 2));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* Inserts or replaces the score; sets *rating_id and *replaced. */
static int
rating_store(struct app *app, int64_t sid, const struct auth_rater *rater,
    const struct rating_in *in, int64_t *rating_id, int *replaced)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = app_stmt(app, SQL_RATING_GET)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, in->meme_id);
	sqlite3_bind_int64(st, 3, rater->id);
	rc = sqlite3_step(st);
	*rating_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		return -1;
	}
	*replaced = rc == SQLITE_ROW;
	if (*replaced) {
		if ((st = app_stmt(app, SQL_RATING_UPDATE)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, *rating_id);
		sqlite3_bind_int(st, 2, in->score);
		sqlite3_bind_text(st, 3, in->at, -1, SQLITE_STATIC);
		return step_done(app, st, __func__);
	}
	if ((st = app_stmt(app, SQL_RATING_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, in->meme_id);
	sqlite3_bind_int64(st, 3, rater->id);
	sqlite3_bind_int(st, 4, in->score);
	sqlite3_bind_text(st, 5, in->at, -1, SQLITE_STATIC);
	if (step_done(app, st, __func__) == -1)
		return -1;
	*rating_id = sqlite3_last_insert_rowid(app->db);
	return 0;
}

static int
rating_remember(struct app *app, const struct auth_rater *rater,
    const struct rating_in *in, int64_t rating_id, int replaced)
{
	sqlite3_stmt *st;

	if ((st = app_stmt(app, SQL_REQUEST_INSERT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rater->id);
	sqlite3_bind_text(st, 2, in->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rating_id);
	sqlite3_bind_int64(st, 4, in->meme_id);
	sqlite3_bind_int(st, 5, in->score);
	sqlite3_bind_int(st, 6, replaced);
	return step_done(app, st, __func__);
}

/*
 * event_append() with a statement prepared once per worker instead of
 * once per event (the same row: see shared/event.c), and the data as
 * JSON text already.  The seq, or -1.
 */
static int64_t
rating_event_append(struct app *app, const char *type, int64_t sid,
    const char *json, int len, const char *user, int ulen, const char *ts)
{
	sqlite3_stmt *st;

	if ((st = app_stmt(app, SQL_EVENT_INSERT)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sid);
	sqlite3_bind_text(st, 3, json, len, SQLITE_STATIC);
	if (user != NULL)
		sqlite3_bind_text(st, 4, user, ulen, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ts, -1, SQLITE_STATIC);
	if (step_done(app, st, __func__) == -1)
		return -1;
	return sqlite3_last_insert_rowid(app->db);
}

/* BEGIN IMMEDIATE and COMMIT, kept prepared; 0 or -1 (logged). */
static int
rating_exec(struct app *app, const char *sql)
{
	sqlite3_stmt *st;

	if ((st = app_stmt(app, sql)) == NULL)
		return -1;
	return step_done(app, st, sql);
}

/*
 * new_rating's data as JSON text into buf (the keys in SPEC's order, as
 * the json-c object it replaces wrote them): one snprintf instead of a
 * dozen objects built, serialised and freed per rating.  The length, or
 * -1 (logged).
 */
static int
rating_new_text(char *buf, size_t len, int64_t sid,
    const struct auth_rater *rater, const struct rating_in *in, int replaced)
{
	struct jsonw w;
	int n;

	jsonw_init(&w, buf, len);
	jsonw_lit(&w, "{\"session_id\":");
	jsonw_int(&w, sid);
	jsonw_lit(&w, ",\"meme_id\":");
	jsonw_int(&w, in->meme_id);
	jsonw_lit(&w, ",\"rater\":{\"id\":");
	jsonw_int(&w, rater->id);
	jsonw_lit(&w, ",\"name\":");
	jsonw_string(&w, rater->name);
	jsonw_lit(&w, "},\"score\":");
	jsonw_int(&w, in->score);
	jsonw_lit(&w, replaced ? ",\"replaced\":true}" : ",\"replaced\":false}");
	if ((n = jsonw_len(&w)) == -1) {
		log_warnx("%s: rater %lld: too long", __func__,
		    (long long)rater->id);
		return -1;
	}
	return n;
}

/*
 * stats_updated's data: model_stats(db, sid, meme_id)'s figures read in
 * the caller's transaction with statements prepared once per worker
 * (preparing model_stats()'s three cost more than the rest of a rating),
 * as JSON text into buf.  The length, or -1 (logged).
 */
static int
rating_stats_text(struct app *app, int64_t sid, int64_t meme_id, char *buf,
    size_t len, char *user, size_t ulen, int *user_len)
{
	sqlite3_stmt *st;
	int64_t ratings = 0, raters = 0, sum = 0, hist[MODEL_NSCORES];
	int rc, score;

	if ((st = app_stmt(app, SQL_TOTALS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ratings = sqlite3_column_int64(st, 0);
		raters = sqlite3_column_int64(st, 1);
		sum = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	if ((st = app_stmt(app, SQL_MEME_SCORES)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	memset(hist, 0, sizeof(hist));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((score = sqlite3_column_int(st, 0)) >= 0 &&
		    score < MODEL_NSCORES)
			hist[score] += sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if ((*user_len = event_stats_user_text(user, ulen, sid, ratings,
	    raters)) == -1)
		return -1;
	return model_stats_event_text(buf, len, sid, ratings, raters, sum,
	    meme_id, hist);
fail:
	log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
	return -1;
}

/* new_rating and stats_updated; *seq is the last one's. */
static int
rating_events(struct app *app, int64_t sid, const struct auth_rater *rater,
    const struct rating_in *in, int replaced, int64_t *seq)
{
	char text[MODEL_STATS_TEXT_MAX + AUTH_RATER_NAME_MAX * 6];
	char user[EVENT_STATS_USER_MAX];
	int64_t s;
	int len, ulen;

	if ((len = rating_new_text(text, sizeof(text), sid, rater, in,
	    replaced)) == -1 ||
	    rating_event_append(app, "new_rating", sid, text, len, NULL, 0,
	    in->ts) < 0 ||
	    (len = rating_stats_text(app, sid, in->meme_id, text,
	    sizeof(text), user, sizeof(user), &ulen)) == -1 ||
	    (s = rating_event_append(app, "stats_updated", sid, text, len,
	    user, ulen, in->ts)) < 0)
		return -1;
	*seq = s;
	return 0;
}

/*
 * The body of a rating's transaction.  Returns 1 to commit (resp holds
 * the answer), 0 to roll back with resp already answered (a replay, a
 * 404/409), -1 on a database error.
 */
static int
rating_apply(struct app *app, const struct auth_rater *rater,
    struct rating_in *in, struct http_response *resp, int64_t *seq)
{
	int64_t sid, rating_id;
	int replaced, rc;

	time_iso8601_now(in->ts);
	snprintf(in->at, sizeof(in->at), "%.19sZ", in->ts);

	if (in->client_id[0] != '\0' &&
	    (rc = rating_replay(app, rater, in, resp)) != 0)
		return rc == 1 ? 0 : -1;
	if ((sid = active_session_of(app, in->meme_id, resp)) < 0)
		return resp->status == 500 ? -1 : 0;
	if (rating_store(app, sid, rater, in, &rating_id, &replaced) == -1 ||
	    (in->client_id[0] != '\0' &&
	    rating_remember(app, rater, in, rating_id, replaced) == -1) ||
	    rating_events(app, sid, rater, in, replaced, seq) == -1)
		return -1;
	rating_answer(resp, replaced ? 200 : 201, in->meme_id, in->score,
	    replaced);
	return 1;
}

int
h_ratings_post(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct auth_rater rater;
	struct rating_in in;
	struct json_object *body;
	int64_t seq = 0;
	int rc;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	rc = parse_rating(body, resp, &in);
	json_object_put(body);
	if (rc == -1)
		return -1;
	if (rating_exec(app, SQL_BEGIN) == -1)
		return internal_error(resp);
	rc = rating_apply(app, &rater, &in, resp, &seq);
	if (rc == 1 && rating_exec(app, SQL_COMMIT) == 0) {
		app_notify(app, seq);
		return 0;
	}
	db_rollback(app->db);
	if (rc == 0)
		return resp->status < 400 ? 0 : -1;
	return internal_error(resp);
}

/* --- skips ---------------------------------------------------------------- */

int
h_skips_post(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct auth_rater rater;
	struct json_object *body, *o;
	sqlite3_stmt *st;
	int64_t meme_id, sid;
	int rc;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	rc = parse_meme_id(body, resp, &meme_id);
	json_object_put(body);
	if (rc == -1)
		return -1;
	if (db_begin(app->db) == -1)
		return internal_error(resp);
	if ((sid = active_session_of(app, meme_id, resp)) < 0) {
		db_rollback(app->db);
		return -1;
	}
	if ((st = app_stmt(app, SQL_SKIP_INSERT)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	sqlite3_bind_int64(st, 3, rater.id);
	if (step_done(app, st, __func__) == -1 || db_commit(app->db) == -1)
		goto fail;
	o = json_object_new_object();
	json_object_object_add(o, "meme_id", json_object_new_int64(meme_id));
	json_object_object_add(o, "skipped", json_object_new_boolean(1));
	http_json(resp, 200, o);
	return 0;
fail:
	db_rollback(app->db);
	return internal_error(resp);
}

/* --- name ----------------------------------------------------------------- */

static struct json_object *
me_json(const struct auth_rater *rater)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(rater->id));
	json_object_object_add(o, "name", json_object_new_string(rater->name));
	return o;
}

int
h_me_patch(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct auth_rater rater;
	struct json_object *body, *v;
	sqlite3_stmt *st;
	const char *name = NULL;
	int rc = 0;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	if (json_object_object_get_ex(body, "name", &v) &&
	    json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	/* A NUL inside the JSON string would cut the name short silently. */
	if (name == NULL || strlen(name) != (size_t)json_object_get_string_len(v) ||
	    model_name_clean(name, AUTH_RATER_NAME_CHARS, rater.name,
	    sizeof(rater.name)) == -1)
		rc = http_error(resp, 400, "invalid_name", "name must be 1 to "
		    "%d characters of text.", AUTH_RATER_NAME_CHARS);
	json_object_put(body);
	if (rc == -1)
		return -1;
	if ((st = app_stmt(app, SQL_RENAME)) == NULL)
		return internal_error(resp);
	sqlite3_bind_int64(st, 1, rater.id);
	sqlite3_bind_text(st, 2, rater.name, -1, SQLITE_STATIC);
	if (step_done(app, st, __func__) == -1)
		return internal_error(resp);
	http_json(resp, 200, me_json(&rater));
	return 0;
}

/* --- state ---------------------------------------------------------------- */

/* "ratings" and "skipped" of the rater in session sid into me. */
static int
state_mine(struct app *app, int64_t rater_id, int64_t sid,
    struct json_object *me)
{
	struct json_object *ratings = json_object_new_object();
	struct json_object *skipped = json_object_new_array();
	sqlite3_stmt *st;
	char key[24];
	int rc = SQLITE_DONE;

	json_object_object_add(me, "ratings", ratings);
	json_object_object_add(me, "skipped", skipped);
	if (sid <= 0)
		return 0;
	if ((st = app_stmt(app, SQL_MY_RATINGS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, rater_id);
	sqlite3_bind_int64(st, 2, sid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(key, sizeof(key), "%lld",
		    (long long)sqlite3_column_int64(st, 0));
		json_object_object_add(ratings, key,
		    json_object_new_int(sqlite3_column_int(st, 1)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if ((st = app_stmt(app, SQL_MY_SKIPS)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, rater_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(skipped,
		    json_object_new_int64(sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	return 0;
fail:
	log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
	return -1;
}

/* The newest seq, in the caller's read transaction; -1 on error. */
static int64_t
state_head(struct app *app)
{
	sqlite3_stmt *st;
	int64_t seq = -1;

	if ((st = app_stmt(app, SQL_HEAD)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	else
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
	sqlite3_reset(st);
	return seq;
}

/*
 * The whole state in one read transaction: seq and the data it covers
 * come from the same snapshot, so a client resuming the push channel with
 * since=seq misses no event and sees none twice.
 */
static struct json_object *
state_build(struct app *app, const struct auth_rater *rater)
{
	struct json_object *o = NULL, *session = NULL, *memes = NULL, *me;
	int64_t seq, sid;

	if (db_exec(app->db, "BEGIN") == -1)
		return NULL;
	if ((seq = state_head(app)) < 0 ||
	    (sid = model_current_session(app->db)) < 0)
		goto done;
	if (sid > 0 &&
	    ((session = model_session_json(app->db, sid)) == NULL ||
	    (memes = model_session_memes(app->db, sid,
	    app->cfg->media_url)) == NULL))
		goto done;
	me = me_json(rater);
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64(seq));
	json_object_object_add(o, "session", session);
	json_object_object_add(o, "memes",
	    memes != NULL ? memes : json_object_new_array());
	json_object_object_add(o, "me", me);
	session = memes = NULL;
	if (state_mine(app, rater->id, sid, me) == -1) {
		json_object_put(o);
		o = NULL;
	}
done:
	json_object_put(session);
	json_object_put(memes);
	db_rollback(app->db);
	return o;
}

int
h_state(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct auth_rater rater;
	struct json_object *o;
	int rc;

	if ((rc = auth_rater_lookup(app, req, &rater)) == -1 ||
	    (rc == 0 && auth_rater_create(app, resp, &rater) == -1))
		return internal_error(resp);
	if ((o = state_build(app, &rater)) == NULL)
		return internal_error(resp);
	http_json(resp, 200, o);
	return 0;
}

/* --- health --------------------------------------------------------------- */

/* 1 if something is bound to pushd's notify socket. */
static int
health_pushd(const char *path)
{
	struct sockaddr_un sun;
	int fd, up;

	if (unixsock_addr(&sun, path, __func__) == -1)
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	up = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return up;
}

int
h_health(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *o = json_object_new_object();
	int64_t seq;

	(void)req;
	seq = state_head(app);
	json_object_object_add(o, "ok", json_object_new_boolean(seq >= 0));
	json_object_object_add(o, "db", json_object_new_string(seq >= 0 ?
	    "ok" : "error"));
	json_object_object_add(o, "pushd", json_object_new_string(
	    health_pushd(app->cfg->notify_socket) ? "up" : "down"));
	json_object_object_add(o, "version",
	    json_object_new_string(MEMETER_VERSION));
	json_object_object_add(o, "binary",
	    json_object_new_string(app->binary_id));
	json_object_object_add(o, "generation",
	    json_object_new_int(app->generation));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	if (seq >= 0)
		json_object_object_add(o, "seq", json_object_new_int64(seq));
	http_json(resp, seq >= 0 ? 200 : 503, o);
	return 0;
}
