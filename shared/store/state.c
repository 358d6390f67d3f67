/*
 * What a page loads, each from one read snapshot together with the
 * outbox head.
 */
#include "store_int.h"

#include <stdio.h>

/* The active session, else the newest draft (guests who scan early see
 * the party is about to start), else the latest finished one. */
static const char SQL_CURRENT_SESSION[] =
    "SELECT id FROM sessions ORDER BY CASE status WHEN 'active' THEN 0 "
    "WHEN 'draft' THEN 1 ELSE 2 END, finished_at DESC, id DESC LIMIT 1";
static const char SQL_MY_RATINGS[] =
    "SELECT meme_id,score FROM ratings WHERE rater_id=?1 AND session_id=?2";
/* A meme rated after it was skipped is no longer "skipped". */
static const char SQL_MY_SKIPS[] =
    "SELECT s.meme_id FROM skips s WHERE s.session_id=?1 AND s.rater_id=?2 "
    "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.rater_id=s.rater_id "
    "AND r.session_id=s.session_id AND r.meme_id=s.meme_id) "
    "ORDER BY s.created_at,s.meme_id";

/* "ratings" and "skipped" of the rater in session sid into me. */
static int
state_mine(struct store *store, int64_t rater_id, int64_t sid,
    struct json_object *me)
{
	struct json_object *ratings = json_object_new_object();
	struct json_object *skipped = json_object_new_array();
	sqlite3_stmt *st;
	char key[24];
	int rc;

	json_object_object_add(me, "ratings", ratings);
	json_object_object_add(me, "skipped", skipped);
	if (sid <= 0)
		return STORE_OK;
	if ((rc = store_prepare(store, SQL_MY_RATINGS, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rater_id);
	sqlite3_bind_int64(st, 2, sid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(key, sizeof(key), "%lld",
		    (long long)sqlite3_column_int64(st, 0));
		json_object_object_add(ratings, key,
		    json_object_new_int(sqlite3_column_int(st, 1)));
	}
	sqlite3_reset(st);
	if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK ||
	    (rc = store_prepare(store, SQL_MY_SKIPS, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, rater_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(skipped,
		    json_object_new_int64(sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	return store_rc_of(store, rc, __func__);
}

/* "round" of a host-paced session sid into o (nothing for self-paced:
 * SPEC gives the key only to host-paced sessions). */
static int
state_round(struct store *store, int64_t sid, struct json_object *o)
{
	struct json_object *round;
	int rc;

	if (sid <= 0)
		return STORE_OK;
	if ((rc = store_round_get(store, sid, &round)) != STORE_OK)
		return rc == STORE_NOT_FOUND ? STORE_DB_ERROR : rc;
	if (round != NULL)
		json_object_object_add(o, "round", round);
	return STORE_OK;
}

int
store_rater_state(struct store *store, const struct store_rater *rater,
    const char *media_url, struct json_object **out)
{
	struct json_object *o, *session = NULL, *memes = NULL, *me;
	int64_t seq, sid;
	int rc, opened;

	*out = NULL;
	if ((rc = store_read_begin(store, &opened)) != STORE_OK)
		return rc;
	if ((rc = store_event_head(store, &seq)) != STORE_OK ||
	    (rc = store_query_int(store, SQL_CURRENT_SESSION, 0, &sid,
	    __func__)) != STORE_OK)
		goto done;
	if (sid > 0 &&
	    ((rc = store_session_get(store, sid, &session)) != STORE_OK ||
	    (rc = store_session_memes(store, sid, media_url, &memes)) !=
	    STORE_OK))
		goto done;
	me = json_object_new_object();
	json_object_object_add(me, "id", json_object_new_int64(rater->id));
	json_object_object_add(me, "name", json_object_new_string(rater->name));
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64(seq));
	json_object_object_add(o, "session", session);
	json_object_object_add(o, "memes",
	    memes != NULL ? memes : json_object_new_array());
	json_object_object_add(o, "me", me);
	session = memes = NULL;
	if ((rc = state_mine(store, rater->id, sid, me)) != STORE_OK ||
	    (rc = state_round(store, sid, o)) != STORE_OK)
		json_object_put(o);
	else
		*out = o;
done:
	json_object_put(session);
	json_object_put(memes);
	store_read_end(store, opened);
	return rc == STORE_NOT_FOUND ? STORE_DB_ERROR : rc;
}

int
store_admin_state(struct store *store, int64_t id, const char *media_url,
    struct json_object **out)
{
	struct json_object *o = NULL, *v = NULL, *stats;
	int64_t seq;
	int rc, opened;

	*out = NULL;
	if ((rc = store_read_begin(store, &opened)) != STORE_OK)
		return rc;
	if ((rc = store_event_head(store, &seq)) != STORE_OK ||
	    (id == 0 && (rc = store_admin_session_id(store, &id)) != STORE_OK))
		goto done;
	/* An unknown id asked for is the client's 404. */
	if (id > 0 && (rc = store_session_get(store, id, &v)) != STORE_OK)
		goto done;
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_int64(seq));
	json_object_object_add(o, "session", v);
	if ((rc = store_sessions_all(store, &v)) != STORE_OK)
		goto fail;
	json_object_object_add(o, "sessions", v);
	if ((rc = store_session_memes(store, id, media_url, &v)) != STORE_OK)
		goto fail;
	json_object_object_add(o, "memes", v);
	if ((rc = store_stats_read(store, id, 0, &stats)) != STORE_OK)
		goto fail;
	json_object_object_add(o, "stats", stats);
	json_object_object_add(o, "participants", json_object_get(
	    json_object_object_get(stats, "raters")));
	if ((rc = state_round(store, id, o)) != STORE_OK)
		goto fail;
	*out = o;
	goto done;
fail:
	json_object_put(o);
	if (rc == STORE_NOT_FOUND)
		rc = STORE_DB_ERROR;
done:
	store_read_end(store, opened);
	return rc;
}
