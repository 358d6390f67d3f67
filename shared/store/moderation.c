/*
 * The host's moderation: rename a rater, kick one, lock joining.  Each
 * is one transaction with its events; a kick's deleted ratings go
 * through the ratings triggers (sql/003, sql/004), so session_totals and
 * meme_scores stay what a recount gives, in the same transaction.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

static const char SQL_ACTIVE[] = "SELECT id FROM sessions WHERE status='active'";
static const char SQL_RATER_NAME[] = "SELECT name FROM raters WHERE id=?1";
static const char SQL_RENAME[] = "UPDATE raters SET name=?2 WHERE id=?1";
static const char SQL_KICK_RATINGS[] =
    "DELETE FROM ratings WHERE rater_id=?1 AND session_id=?2";
static const char SQL_KICK_SKIPS[] =
    "DELETE FROM skips WHERE rater_id=?1 AND session_id=?2";
/* The cookie's hash is replaced by random bytes nobody holds a token
 * for: the row stays for the ratings of other sessions.  Nobody is seen
 * as it any more, so it leaves the lists of who is online at once. */
static const char SQL_KICK_TOKEN[] =
    "UPDATE raters SET token_hash=randomblob(32),last_seen=NULL WHERE id=?1";
static const char SQL_LOCK[] = "UPDATE sessions SET locked=?2 WHERE id=?1";
/* The session a newcomer would join: the active one, else the newest
 * draft (guests who scan early). */
static const char SQL_JOIN_LOCKED[] =
    "SELECT locked FROM sessions WHERE status IN ('active','draft') "
    "ORDER BY status='active' DESC, id DESC LIMIT 1";

int
store_session_active_id(struct store *store, int64_t *id)
{
	return store_query_int(store, SQL_ACTIVE, 0, id, __func__);
}

int
store_joining_locked(struct store *store, int *locked)
{
	int64_t v = 0;
	int rc = store_query_int(store, SQL_JOIN_LOCKED, 0, &v, __func__);

	*locked = v != 0;
	return rc;
}

/* The rater's name into name (STORE_UNKNOWN_RATER if none). */
static int
moderation_rater_name(struct store *store, int64_t id, char *name, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_RATER_NAME, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(name, len, "%s", store_col_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_UNKNOWN_RATER;
	return store_rc_of(store, rc, __func__);
}

/* {"session_id" (active or null),"rater":{"id","name"}} */
static struct json_object *
moderation_event(int64_t sid, int64_t id, const char *name)
{
	struct json_object *o = json_object_new_object(), *r;

	json_object_object_add(o, "session_id",
	    sid > 0 ? json_object_new_int64(sid) : NULL);
	r = json_object_new_object();
	json_object_object_add(r, "id", json_object_new_int64(id));
	json_object_object_add(r, "name", json_object_new_string(name));
	json_object_object_add(o, "rater", r);
	return o;
}

int
store_rater_moderate_rename(struct store *store, int64_t id, const char *name,
    struct json_object **rater, int64_t *seq)
{
	char old[STORE_RATER_NAME_MAX];
	struct json_object *ev;
	sqlite3_stmt *st;
	int64_t sid;
	int rc;

	*rater = NULL;
	*seq = 0;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = moderation_rater_name(store, id, old, sizeof(old))) !=
	    STORE_OK ||
	    (rc = store_session_active_id(store, &sid)) != STORE_OK ||
	    (rc = store_prepare(store, SQL_RENAME, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	ev = moderation_event(sid, id, name);
	rc = store_event_commit_json(store, EVENT_RATER_RENAMED, sid, ev, seq);
	if (rc == STORE_OK)
		*rater = json_object_get(json_object_object_get(ev, "rater"));
	json_object_put(ev);
	return rc;
fail:
	store_rollback(store);
	return rc;
}

/* stats_updated after a kick: the totals and every meme's figures (the
 * kicked rater's ratings may have touched any of them). */
static int
moderation_stats_event(struct store *store, int64_t sid, int64_t *seq)
{
	static const char *const keys[] = { "ratings", "raters", "memes" };
	struct json_object *stats, *data;
	int rc;

	if ((rc = store_stats_read(store, sid, 0, &stats)) != STORE_OK)
		return rc;
	data = json_object_new_object();
	json_object_object_add(data, "session_id", json_object_new_int64(sid));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(data, keys[i],
		    json_object_get(json_object_object_get(stats, keys[i])));
	json_object_put(stats);
	rc = store_event_append_json(store, EVENT_STATS_UPDATED, sid, data, seq);
	json_object_put(data);
	return rc;
}

int
store_rater_kick(struct store *store, int64_t id, int *removed, int64_t *seq)
{
	char name[STORE_RATER_NAME_MAX];
	struct json_object *ev;
	sqlite3_stmt *st;
	int64_t sid;
	int rc;

	*removed = 0;
	*seq = 0;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = moderation_rater_name(store, id, name, sizeof(name))) !=
	    STORE_OK ||
	    (rc = store_session_active_id(store, &sid)) != STORE_OK)
		goto fail;
	if (sid > 0) {
		if ((rc = store_prepare(store, SQL_KICK_RATINGS, &st)) !=
		    STORE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, sid);
		if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
			goto fail;
		*removed = sqlite3_changes(store->db);
		if ((rc = store_prepare(store, SQL_KICK_SKIPS, &st)) !=
		    STORE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, sid);
		if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
			goto fail;
	}
	if ((rc = store_exec_id(store, SQL_KICK_TOKEN, id, __func__)) !=
	    STORE_OK)
		goto fail;
	ev = moderation_event(sid, id, name);
	json_object_object_add(ev, "removed", json_object_new_int(*removed));
	rc = store_event_append_json(store, EVENT_RATER_KICKED, sid, ev, seq);
	json_object_put(ev);
	if (rc != STORE_OK ||
	    (*removed > 0 && (rc = moderation_stats_event(store, sid, seq)) !=
	    STORE_OK))
		goto fail;
	if ((rc = store_commit(store)) != STORE_OK)
		*seq = 0;
	return rc;
fail:
	store_rollback(store);
	*seq = 0;
	return rc;
}

int
store_session_lock(struct store *store, int64_t id, int locked,
    struct json_object **session, int64_t *seq)
{
	enum store_session_status status;
	struct json_object *ev;
	sqlite3_stmt *st;
	int rc;

	*session = NULL;
	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if ((rc = store_prepare(store, SQL_LOCK, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, locked != 0);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	ev = json_object_new_object();
	json_object_object_add(ev, "session_id", json_object_new_int64(id));
	json_object_object_add(ev, "locked", json_object_new_boolean(locked));
	rc = store_event_commit_json(store, EVENT_SESSION_LOCKED, id, ev, seq);
	json_object_put(ev);
	if (rc != STORE_OK)
		return rc;
	return store_session_get(store, id, session);
fail:
	store_rollback(store);
	return rc;
}
