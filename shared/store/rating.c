/*
 * Ratings and skips: the hot path of a party.  One rating is one short
 * write transaction with its two outbox events, every statement kept
 * prepared by the store's cache, the event texts written without
 * building json-c objects.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"
#include "timeutil.h"

/* The active session holding meme ?1: one step on the hot path; only a
 * miss asks store_active_session() which of the two it was. */
static const char SQL_RATING_TARGET[] =
    "SELECT s.id FROM sessions s JOIN session_memes sm ON sm.session_id=s.id "
    "AND sm.meme_id=?1 WHERE s.status='active'";
static const char SQL_REQUEST_GET[] =
    "SELECT meme_id,score,replaced FROM rating_requests "
    "WHERE rater_id=?1 AND client_id=?2";
static const char SQL_REQUEST_INSERT[] =
    "INSERT INTO rating_requests(rater_id,client_id,rating_id,meme_id,score,"
    "replaced) VALUES(?1,?2,?3,?4,?5,?6)";
static const char SQL_RATING_GET[] =
    "SELECT id FROM ratings WHERE session_id=?1 AND meme_id=?2 AND rater_id=?3";
/* The times are bound: strftime('...','now') in SQL cost a rating four
 * date computations. */
static const char SQL_RATING_INSERT[] =
    "INSERT INTO ratings(session_id,meme_id,rater_id,score,created_at,"
    "updated_at) VALUES(?1,?2,?3,?4,?5,?5)";
static const char SQL_RATING_UPDATE[] =
    "UPDATE ratings SET score=?2,updated_at=?3 WHERE id=?1";
static const char SQL_SKIP_INSERT[] =
    "INSERT OR IGNORE INTO skips(session_id,meme_id,rater_id) VALUES(?1,?2,?3)";

/* When a rating happens, taken under the write lock as the schema's
 * defaults would be: events.ts with milliseconds, ratings' to the second. */
struct rating_times {
	char		 ts[ISO8601_LEN];
	char		 at[sizeof("2026-11-25T22:17:24Z")];
};

/*
 * The active session that meme_id belongs to, in the caller's
 * transaction: STORE_OK with *sid, STORE_NO_ACTIVE_SESSION,
 * STORE_UNKNOWN_MEME or an error rc.
 */
static int
rating_session_of(struct store *store, int64_t meme_id, int64_t *sid)
{
	int rc;

	if ((rc = store_query_int(store, SQL_RATING_TARGET, meme_id, sid,
	    __func__)) != STORE_OK || *sid != 0)
		return rc;
	if ((rc = store_active_session(store, sid)) != STORE_OK)
		return rc;
	rc = *sid == 0 ? STORE_NO_ACTIVE_SESSION : STORE_UNKNOWN_MEME;
	*sid = 0;
	return rc;
}

/* A client_id seen before from this rater: *found 1 and out holds what
 * the first request was answered. */
static int
rating_replay(struct store *store, const struct store_rater *rater,
    const struct store_rating *in, struct store_rating_done *out, int *found)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	if ((rc = store_prepare(store, SQL_REQUEST_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rater->id);
	sqlite3_bind_text(st, 2, in->client_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->meme_id = sqlite3_column_int64(st, 0);
		out->score = sqlite3_column_int(st, 1);
		out->replaced = sqlite3_column_int(st, 2);
		out->replayed = 1;
		*found = 1;
	}
	sqlite3_reset(st);
	return store_rc_of(store, rc, __func__);
}

/* Inserts or replaces the score; sets *rating_id and out->replaced. */
static int
rating_write(struct store *store, int64_t sid, const struct store_rater *rater,
    const struct store_rating *in, const struct rating_times *t,
    int64_t *rating_id, struct store_rating_done *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_RATING_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, in->meme_id);
	sqlite3_bind_int64(st, 3, rater->id);
	rc = sqlite3_step(st);
	*rating_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if ((out->replaced = rc == SQLITE_ROW) == 0 &&
	    (rc = store_rc_of(store, rc, __func__)) != STORE_OK)
		return rc;
	if (out->replaced) {
		if ((rc = store_prepare(store, SQL_RATING_UPDATE, &st)) !=
		    STORE_OK)
			return rc;
		sqlite3_bind_int64(st, 1, *rating_id);
		sqlite3_bind_int(st, 2, in->score);
		sqlite3_bind_text(st, 3, t->at, -1, SQLITE_STATIC);
		return store_step_done(store, st, __func__);
	}
	if ((rc = store_prepare(store, SQL_RATING_INSERT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, in->meme_id);
	sqlite3_bind_int64(st, 3, rater->id);
	sqlite3_bind_int(st, 4, in->score);
	sqlite3_bind_text(st, 5, t->at, -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, st, __func__)) == STORE_OK)
		*rating_id = sqlite3_last_insert_rowid(store->db);
	return rc;
}

/* Remembers the client_id with the answer it got, for a replay. */
static int
rating_remember(struct store *store, const struct store_rater *rater,
    const struct store_rating *in, int64_t rating_id, int replaced)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_REQUEST_INSERT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rater->id);
	sqlite3_bind_text(st, 2, in->client_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rating_id);
	sqlite3_bind_int64(st, 4, in->meme_id);
	sqlite3_bind_int(st, 5, in->score);
	sqlite3_bind_int(st, 6, replaced);
	return store_step_done(store, st, __func__);
}

/* new_rating's data as JSON text, the keys in SPEC's order: the length,
 * or -1 if it does not fit. */
static int
rating_new_text(char *buf, size_t len, int64_t sid,
    const struct store_rater *rater, const struct store_rating *in,
    int replaced)
{
	struct jsonw w;

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
	jsonw_lit(&w, replaced ? ",\"replaced\":true}" :
	    ",\"replaced\":false}");
	return jsonw_len(&w);
}

/* new_rating and stats_updated; out->seq is the last one's. */
static int
rating_events(struct store *store, int64_t sid, const struct store_rater *rater,
    const struct store_rating *in, const struct rating_times *t,
    struct store_rating_done *out)
{
	char text[STORE_STATS_TEXT_MAX + STORE_RATER_NAME_MAX * 6];
	char user[EVENT_STATS_USER_MAX];
	int64_t seq;
	int len, ulen, rc;

	if ((len = rating_new_text(text, sizeof(text), sid, rater, in,
	    out->replaced)) == -1) {
		log_warnx("%s: rater %lld: too long", __func__,
		    (long long)rater->id);
		return STORE_DB_ERROR;
	}
	if ((rc = store_event_append_views(store, EVENT_NEW_RATING, sid, text,
	    (size_t)len, NULL, 0, t->ts, &seq)) != STORE_OK)
		return rc;
	if ((len = store_stats_event_text(store, sid, in->meme_id, text,
	    sizeof(text), user, sizeof(user), &ulen, &rc)) == -1)
		return rc;
	if ((rc = store_event_append_views(store, EVENT_STATS_UPDATED, sid,
	    text, (size_t)len, user, (size_t)ulen, t->ts, &seq)) != STORE_OK)
		return rc;
	out->seq = seq;
	return STORE_OK;
}

/* The body of a rating's transaction: STORE_OK to commit (unless it was
 * a replay), anything else to roll back. */
static int
rating_apply(struct store *store, const struct store_rater *rater,
    const struct store_rating *in, struct store_rating_done *out)
{
	struct rating_times t;
	int64_t sid, rating_id;
	int rc, found, has_client = in->client_id != NULL &&
	    in->client_id[0] != '\0';

	time_iso8601_now(t.ts);
	snprintf(t.at, sizeof(t.at), "%.19sZ", t.ts);
	if (has_client &&
	    ((rc = rating_replay(store, rater, in, out, &found)) != STORE_OK ||
	    found))
		return rc;
	/* A host-paced round is judged by the clock read under the write
	 * lock: a rating committed after closes_at is impossible. */
	if ((rc = rating_session_of(store, in->meme_id, &sid)) != STORE_OK ||
	    (rc = store_round_allows(store, sid, in->meme_id, t.ts)) !=
	    STORE_OK ||
	    (rc = rating_write(store, sid, rater, in, &t, &rating_id, out)) !=
	    STORE_OK ||
	    (has_client && (rc = rating_remember(store, rater, in, rating_id,
	    out->replaced)) != STORE_OK))
		return rc;
	return rating_events(store, sid, rater, in, &t, out);
}

int
store_rating_put(struct store *store, const struct store_rater *rater,
    const struct store_rating *in, struct store_rating_done *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->meme_id = in->meme_id;
	out->score = in->score;
	if (in->score < STORE_SCORE_MIN || in->score > STORE_SCORE_MAX)
		return STORE_INVALID;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = rating_apply(store, rater, in, out)) != STORE_OK ||
	    out->replayed) {
		store_rollback(store);
		out->seq = 0;
		return rc;
	}
	if ((rc = store_commit(store)) != STORE_OK)
		out->seq = 0;
	return rc;
}

int
store_skip_put(struct store *store, int64_t rater_id, int64_t meme_id)
{
	sqlite3_stmt *st;
	int64_t sid;
	int rc;

	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = rating_session_of(store, meme_id, &sid)) != STORE_OK ||
	    (rc = store_prepare(store, SQL_SKIP_INSERT, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	sqlite3_bind_int64(st, 3, rater_id);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	return store_commit(store);
fail:
	store_rollback(store);
	return rc;
}
