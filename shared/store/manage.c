/*
 * The host tidying up: deleting a session, renaming a meme, removing a
 * meme from a draft.  Each is one write transaction with its outbox
 * event, so open screens follow.  Events already written stay as
 * history: the outbox is append-only.
 */
#include "store_int.h"

#include <string.h>

#include "utf8.h"

/* Ratings cascade from session_memes, which cascades from sessions;
 * their replay records and the trigger-kept totals have no foreign key
 * and go by hand. */
static const char SQL_DELETE_REQUESTS[] =
    "DELETE FROM rating_requests WHERE rating_id IN "
    "(SELECT id FROM ratings WHERE session_id=?1)";
static const char SQL_DELETE_SESSION[] = "DELETE FROM sessions WHERE id=?1";
static const char SQL_DELETE_TOTALS[] =
    "DELETE FROM session_totals WHERE session_id=?1";
static const char SQL_DELETE_SCORES[] =
    "DELETE FROM meme_scores WHERE session_id=?1";
static const char SQL_MEME_RENAME[] = "UPDATE memes SET title=?2 WHERE id=?1";
static const char SQL_SESSION_MEME_REMOVE[] =
    "DELETE FROM session_memes WHERE session_id=?1 AND meme_id=?2";

/* {"session_id":sid} plus key:value when key is given. */
static struct json_object *
manage_event_data(int64_t sid, const char *key, struct json_object *value)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "session_id", json_object_new_int64(sid));
	if (key != NULL)
		json_object_object_add(d, key, value);
	return d;
}

/* Commits a change with its event (data consumed). */
static int
manage_commit(struct store *store, enum event_type type, int64_t sid,
    struct json_object *data, int64_t *seq)
{
	int rc = store_event_commit_json(store, type, sid, data, seq);

	json_object_put(data);
	return rc;
}

int
store_session_delete(struct store *store, int64_t id, int64_t *seq)
{
	static const char *const steps[] = { SQL_DELETE_REQUESTS,
	    SQL_DELETE_SESSION, SQL_DELETE_TOTALS, SQL_DELETE_SCORES };
	enum store_session_status status;
	int rc;

	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if (status == STORE_STATUS_ACTIVE) {
		store_rollback(store);
		return STORE_SESSION_ACTIVE;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if ((rc = store_exec_id(store, steps[i], id, __func__)) !=
		    STORE_OK) {
			store_rollback(store);
			return rc;
		}
	return manage_commit(store, EVENT_SESSION_DELETED, id,
	    manage_event_data(id, NULL, NULL), seq);
}

int
store_meme_rename(struct store *store, int64_t meme_id, const char *title,
    const char *media_url, struct json_object **meme, int64_t *seq)
{
	char clean[STORE_MEME_TITLE_MAX * 4 + 1];
	struct json_object *m = NULL, *data;
	sqlite3_stmt *st;
	int rc;

	*meme = NULL;
	*seq = 0;
	if (utf8_name_clean(title, STORE_MEME_TITLE_MAX, clean,
	    sizeof(clean)) == -1)
		return STORE_INVALID;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = store_prepare(store, SQL_MEME_RENAME, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, meme_id);
	sqlite3_bind_text(st, 2, clean, -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	if (sqlite3_changes(store->db) == 0) {
		rc = STORE_NO_SUCH_MEME;
		goto fail;
	}
	if ((rc = store_meme_get(store, meme_id, media_url, &m)) != STORE_OK)
		goto fail;
	/* A meme belongs to the library, not to one session. */
	data = json_object_new_object();
	json_object_object_add(data, "meme_id", json_object_new_int64(meme_id));
	json_object_object_add(data, "title", json_object_new_string(clean));
	json_object_object_add(data, "meme", json_object_get(m));
	if ((rc = manage_commit(store, EVENT_MEME_RENAMED, 0, data, seq)) !=
	    STORE_OK) {
		json_object_put(m);
		return rc;
	}
	*meme = m;
	return STORE_OK;
fail:
	json_object_put(m);
	store_rollback(store);
	return rc == STORE_NOT_FOUND ? STORE_DB_ERROR : rc;
}

int
store_session_meme_remove(struct store *store, int64_t id, int64_t meme_id,
    int64_t *seq)
{
	enum store_session_status status;
	struct json_object *ids;
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if (status != STORE_STATUS_DRAFT) {
		rc = STORE_NOT_DRAFT;
		goto fail;
	}
	if ((rc = store_prepare(store, SQL_SESSION_MEME_REMOVE, &st)) !=
	    STORE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, meme_id);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	if (sqlite3_changes(store->db) == 0) {
		rc = STORE_NO_SUCH_MEME;
		goto fail;
	}
	ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_int64(meme_id));
	return manage_commit(store, EVENT_MEMES_REMOVED, id,
	    manage_event_data(id, "meme_ids", ids), seq);
fail:
	store_rollback(store);
	return rc;
}
