/*
 * Who is at the party: when each rater was last heard from, each rater's
 * progress in a session, and the session's recent ratings for the
 * dashboard's feed.  Reads only, apart from the throttled "seen" note.
 */
#include "store_int.h"

#include <string.h>

#include "timeutil.h"

static const char SQL_RATER_SEEN[] = "UPDATE raters SET last_seen=?2 WHERE id=?1";
/* ?1 session, ?2 online since (unix seconds), ?3 1 if a draft or active
 * session also lists raters online now.  A skip later rated is no skip. */
static const char SQL_SESSION_RATERS[] =
    "WITH r AS (SELECT rater_id,count(*) AS n FROM ratings "
    "WHERE session_id=?1 GROUP BY rater_id), "
    "s AS (SELECT k.rater_id,count(*) AS n FROM skips k WHERE k.session_id=?1 "
    "AND NOT EXISTS (SELECT 1 FROM ratings x WHERE x.session_id=k.session_id "
    "AND x.rater_id=k.rater_id AND x.meme_id=k.meme_id) GROUP BY k.rater_id) "
    "SELECT ra.id,ra.name,coalesce(r.n,0),coalesce(s.n,0),"
    "coalesce(ra.last_seen,0)>=?2 FROM raters ra "
    "LEFT JOIN r ON r.rater_id=ra.id LEFT JOIN s ON s.rater_id=ra.id "
    "WHERE r.n IS NOT NULL OR s.n IS NOT NULL "
    "OR (?3 AND coalesce(ra.last_seen,0)>=?2) "
    "ORDER BY 3 DESC,ra.name,ra.id";
static const char SQL_SESSION_ACTIVITY[] =
    "SELECT seq,ts,data FROM events WHERE session_id=?1 AND type=?2 "
    "ORDER BY seq DESC LIMIT ?3";

int
store_rater_seen(struct store *store, struct store_rater *rater)
{
	int64_t now = time_unix_now();
	sqlite3_stmt *st;
	int rc;

	if (store->mode != STORE_READWRITE ||
	    now - rater->seen < STORE_SEEN_SECONDS)
		return STORE_OK;
	if ((rc = store_prepare(store, SQL_RATER_SEEN, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rater->id);
	sqlite3_bind_int64(st, 2, now);
	if ((rc = store_step_done(store, st, __func__)) == STORE_OK)
		rater->seen = now;
	return rc;
}

/* One entry of the raters list from a row of SQL_SESSION_RATERS. */
static struct json_object *
participant_from_row(sqlite3_stmt *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "name", store_col_json(st, 1));
	json_object_object_add(o, "rated",
	    json_object_new_int64(sqlite3_column_int64(st, 2)));
	json_object_object_add(o, "skipped",
	    json_object_new_int64(sqlite3_column_int64(st, 3)));
	json_object_object_add(o, "online",
	    json_object_new_boolean(sqlite3_column_int(st, 4)));
	return o;
}

/* Runs a list query of session id (bound by bind) into an array. */
static int
participants_list(struct store *store, int64_t id, const char *sql,
    void (*bind)(sqlite3_stmt *, int64_t, const void *), const void *arg,
    struct json_object *(*row)(sqlite3_stmt *), struct json_object **list)
{
	enum store_session_status status;
	struct json_object *arr;
	sqlite3_stmt *st;
	int rc, opened;

	*list = NULL;
	if ((rc = store_read_begin(store, &opened)) != STORE_OK)
		return rc;
	if ((rc = store_session_status(store, id, &status)) != STORE_OK ||
	    (rc = store_prepare(store, sql, &st)) != STORE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	bind(st, (int64_t)status, arg);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, row(st));
	sqlite3_reset(st);
	if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK)
		json_object_put(arr);
	else
		*list = arr;
done:
	store_read_end(store, opened);
	return rc;
}

static void
raters_bind(sqlite3_stmt *st, int64_t status, const void *arg)
{
	(void)arg;
	sqlite3_bind_int64(st, 2, time_unix_now() - STORE_ONLINE_SECONDS);
	sqlite3_bind_int(st, 3, status != STORE_STATUS_FINISHED);
}

int
store_session_raters(struct store *store, int64_t id, struct json_object **list)
{
	return participants_list(store, id, SQL_SESSION_RATERS, raters_bind,
	    NULL, participant_from_row, list);
}

/* An event as the push channel sends it, from a row of seq, ts, data. */
static struct json_object *
activity_from_row(sqlite3_stmt *st)
{
	struct json_object *o = json_object_new_object(), *data;

	data = json_tokener_parse(store_col_text(st, 2));
	json_object_object_add(o, "seq",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(o, "type", json_object_new_string(
	    event_type_name(EVENT_NEW_RATING)));
	json_object_object_add(o, "ts", store_col_json(st, 1));
	json_object_object_add(o, "data",
	    data != NULL ? data : json_object_new_object());
	return o;
}

static void
activity_bind(sqlite3_stmt *st, int64_t status, const void *arg)
{
	(void)status;
	sqlite3_bind_text(st, 2, event_type_name(EVENT_NEW_RATING), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 3, *(const int *)arg);
}

int
store_session_activity(struct store *store, int64_t id, int limit,
    struct json_object **list)
{
	if (limit < 1 || limit > STORE_ACTIVITY_MAX)
		limit = STORE_ACTIVITY_MAX;
	return participants_list(store, id, SQL_SESSION_ACTIVITY,
	    activity_bind, &limit, activity_from_row, list);
}
