/*
 * Host-paced rounds: one meme open at a time, opened and closed by the
 * host or by the clock.  The server's clock is the only one that counts:
 * a round is closed for ratings once closes_at has passed, in the rating
 * transaction, whether or not the pool master's timer has written the
 * close yet (it writes it within milliseconds, for the screens).
 */
#include "store_int.h"

#include <string.h>

#include "timeutil.h"

/* ROUND of ?1 at the time ?2.  "voted" reads the unique index of
 * ratings (session, meme, rater): one entry per rater who rated it. */
static const char SQL_ROUND_GET[] =
    "SELECT s.pace='host',r.meme_id,coalesce(r.position,0),"
    "(SELECT count(*) FROM session_memes WHERE session_id=s.id),"
    "CASE WHEN r.state='open' AND s.status='active' AND (r.closes_at IS NULL "
    "OR r.closes_at>?2) THEN 'open' ELSE 'closed' END,"
    "r.opens_at,"
    "CASE WHEN r.state='open' AND s.status<>'active' THEN s.finished_at "
    "ELSE r.closes_at END,"
    "(SELECT count(*) FROM ratings WHERE session_id=s.id AND "
    "meme_id=r.meme_id) "
    "FROM sessions s LEFT JOIN rounds r ON r.session_id=s.id WHERE s.id=?1";
static const char SQL_ROUND_SESSION[] =
    "SELECT s.status,s.pace,s.seconds,coalesce(r.position,0),"
    "r.state='open' AND (r.closes_at IS NULL OR r.closes_at>?2) "
    "FROM sessions s LEFT JOIN rounds r ON r.session_id=s.id WHERE s.id=?1";
static const char SQL_ROUND_MEME_AT[] =
    "SELECT meme_id FROM session_memes WHERE session_id=?1 "
    "ORDER BY position LIMIT 1 OFFSET ?2";
/* closes_at in events.ts's format: SQLite reads the trailing Z. */
static const char SQL_ROUND_OPEN[] =
    "INSERT INTO rounds(session_id,position,meme_id,state,opens_at,closes_at) "
    "VALUES(?1,?2,?3,'open',?4,CASE WHEN ?5>0 THEN "
    "strftime('%Y-%m-%dT%H:%M:%fZ',?4,'+'||?5||' seconds') END) "
    "ON CONFLICT(session_id) DO UPDATE SET position=excluded.position,"
    "meme_id=excluded.meme_id,state='open',opens_at=excluded.opens_at,"
    "closes_at=excluded.closes_at";
/* A round closed by the host closes now; an overdue one keeps the
 * closes_at it had, the moment ratings stopped. */
static const char SQL_ROUND_CLOSE[] =
    "UPDATE rounds SET state='closed',closes_at=CASE WHEN closes_at IS NULL "
    "OR closes_at>?2 THEN ?2 ELSE closes_at END WHERE session_id=?1";
static const char SQL_ROUND_DUE[] =
    "SELECT session_id FROM rounds WHERE state='open' AND "
    "closes_at IS NOT NULL AND closes_at<=?1 LIMIT 1";
static const char SQL_ROUND_NEXT_CLOSE[] =
    "SELECT CAST(round((julianday(min(closes_at))-julianday('now'))"
    "*86400000) AS INTEGER) FROM rounds "
    "WHERE state='open' AND closes_at IS NOT NULL";
static const char SQL_ROUND_ALLOWS[] =
    "SELECT s.pace<>'host' OR EXISTS (SELECT 1 FROM rounds r WHERE "
    "r.session_id=s.id AND r.meme_id=?2 AND r.state='open' AND "
    "(r.closes_at IS NULL OR r.closes_at>?3)) FROM sessions s WHERE s.id=?1";

int
store_round_parse(const char *action, enum store_round_action *out)
{
	if (action == NULL)
		return STORE_INVALID;
	if (strcmp(action, "next") == 0)
		*out = STORE_ROUND_NEXT;
	else if (strcmp(action, "prev") == 0)
		*out = STORE_ROUND_PREV;
	else if (strcmp(action, "close") == 0)
		*out = STORE_ROUND_CLOSE;
	else
		return STORE_INVALID;
	return STORE_OK;
}

/* ROUND at now, from a row of SQL_ROUND_GET. */
static struct json_object *
round_from_row(sqlite3_stmt *st, int64_t id)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "session_id", json_object_new_int64(id));
	json_object_object_add(r, "meme_id",
	    sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL :
	    json_object_new_int64(sqlite3_column_int64(st, 1)));
	json_object_object_add(r, "index",
	    json_object_new_int(sqlite3_column_int(st, 2)));
	json_object_object_add(r, "total",
	    json_object_new_int(sqlite3_column_int(st, 3)));
	json_object_object_add(r, "state", store_col_json(st, 4));
	json_object_object_add(r, "opens_at", store_col_json(st, 5));
	json_object_object_add(r, "closes_at", store_col_json(st, 6));
	json_object_object_add(r, "voted",
	    json_object_new_int(sqlite3_column_int(st, 7)));
	return r;
}

int
store_round_get(struct store *store, int64_t id, struct json_object **round)
{
	char now[ISO8601_LEN];
	sqlite3_stmt *st;
	int rc;

	*round = NULL;
	time_iso8601_now(now);
	if ((rc = store_prepare(store, SQL_ROUND_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int(st, 0))
		*round = round_from_row(st, id);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

struct round_session {
	int		 active;
	int		 host;
	int		 seconds;
	int		 position;	/* 0: no round yet */
	int		 open;		/* open now by the clock */
};

static int
round_session_read(struct store *store, int64_t id, const char *now,
    struct round_session *rs)
{
	sqlite3_stmt *st;
	int rc;

	memset(rs, 0, sizeof(*rs));
	if ((rc = store_prepare(store, SQL_ROUND_SESSION, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rs->active = strcmp(store_col_text(st, 0), "active") == 0;
		rs->host = strcmp(store_col_text(st, 1), "host") == 0;
		rs->seconds = sqlite3_column_int(st, 2);
		rs->position = sqlite3_column_int(st, 3);
		rs->open = sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

/* Opens the round of the meme at 1-based position. */
static int
round_open(struct store *store, int64_t id, int position, int seconds,
    const char *now)
{
	sqlite3_stmt *st;
	int64_t meme_id = 0;
	int rc;

	if ((rc = store_prepare(store, SQL_ROUND_MEME_AT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, position - 1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		meme_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NO_MORE_MEMES;
	if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK ||
	    (rc = store_prepare(store, SQL_ROUND_OPEN, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, position);
	sqlite3_bind_int64(st, 3, meme_id);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, seconds);
	return store_step_done(store, st, __func__);
}

static int
round_close(struct store *store, int64_t id, const char *now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_ROUND_CLOSE, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	return store_step_done(store, st, __func__);
}

/* Appends round_changed with the round as it is now and commits. */
static int
round_commit(struct store *store, int64_t id, struct json_object **round,
    int64_t *seq)
{
	struct json_object *r;
	int rc;

	if ((rc = store_round_get(store, id, &r)) != STORE_OK || r == NULL) {
		store_rollback(store);
		return rc == STORE_OK ? STORE_DB_ERROR : rc;
	}
	if ((rc = store_event_commit_json(store, EVENT_ROUND_CHANGED, id, r,
	    seq)) != STORE_OK) {
		json_object_put(r);
		return rc;
	}
	if (round != NULL)
		*round = r;
	else
		json_object_put(r);
	return STORE_OK;
}

int
store_round_step(struct store *store, int64_t id,
    enum store_round_action action, struct json_object **round, int64_t *seq)
{
	struct round_session rs;
	char now[ISO8601_LEN];
	int rc;

	*round = NULL;
	*seq = 0;
	time_iso8601_now(now);
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = round_session_read(store, id, now, &rs)) != STORE_OK)
		goto fail;
	rc = !rs.host ? STORE_SELF_PACED : !rs.active ? STORE_NOT_ACTIVE :
	    STORE_OK;
	if (rc != STORE_OK)
		goto fail;
	switch (action) {
	case STORE_ROUND_NEXT:
		rc = round_open(store, id, rs.position + 1, rs.seconds, now);
		break;
	case STORE_ROUND_PREV:
		rc = rs.position <= 1 ? STORE_NO_MORE_MEMES :
		    round_open(store, id, rs.position - 1, rs.seconds, now);
		break;
	case STORE_ROUND_CLOSE:
		if (rs.position == 0 || !rs.open) {
			/* Nothing to close: the answer is the round as is. */
			store_rollback(store);
			return store_round_get(store, id, round);
		}
		rc = round_close(store, id, now);
		break;
	}
	if (rc != STORE_OK)
		goto fail;
	return round_commit(store, id, round, seq);
fail:
	store_rollback(store);
	return rc;
}

int
store_round_close_due(struct store *store, int64_t *seq)
{
	char now[ISO8601_LEN];
	int64_t sid, one;
	int rc;

	*seq = 0;
	time_iso8601_now(now);
	for (;;) {
		sqlite3_stmt *st;

		if ((rc = store_begin(store)) != STORE_OK)
			return rc;
		if ((rc = store_prepare(store, SQL_ROUND_DUE, &st)) != STORE_OK)
			goto fail;
		sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK)
			goto fail;
		if (sid == 0) {
			store_rollback(store);
			return STORE_OK;
		}
		if ((rc = round_close(store, sid, now)) != STORE_OK)
			goto fail;
		if ((rc = round_commit(store, sid, NULL, &one)) != STORE_OK)
			return rc;
		*seq = one;
	}
fail:
	store_rollback(store);
	return rc;
}

int
store_round_next_close_ms(struct store *store, int64_t *ms, int *found)
{
	sqlite3_stmt *st;
	int rc;

	*ms = 0;
	*found = 0;
	if ((rc = store_prepare(store, SQL_ROUND_NEXT_CLOSE, &st)) != STORE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*ms = sqlite3_column_int64(st, 0);
		*found = 1;
	}
	sqlite3_reset(st);
	return store_rc_of(store, rc, __func__);
}

int
store_round_allows(struct store *store, int64_t sid, int64_t meme_id,
    const char *now)
{
	sqlite3_stmt *st;
	int rc, ok = 0;

	if ((rc = store_prepare(store, SQL_ROUND_ALLOWS, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK)
		return rc;
	return ok ? STORE_OK : STORE_NOT_OPEN;
}
