/*
 * The outbox: appending events in the writer's transaction, and the
 * reads pushd follows it with.
 */
#include "store_int.h"

#include <string.h>

#include <json-c/json.h>

#include "log.h"

static const char SQL_EVENT_INSERT[] =
    "INSERT INTO events(type,session_id,data,user_data,ts) "
    "VALUES(?1,?2,?3,?4,coalesce(?5,strftime('%Y-%m-%dT%H:%M:%fZ','now')))";
static const char SQL_EVENTS_AFTER[] =
    "SELECT seq,coalesce(session_id,0),type,ts,data,user_data FROM events "
    "WHERE seq>?1 ORDER BY seq LIMIT ?2";
static const char SQL_EVENT_HEAD[] = "SELECT coalesce(max(seq),0) FROM events";
static const char SQL_EVENT_FIRST[] = "SELECT coalesce(min(seq),0) FROM events";

int
store_event_append_views(struct store *store, enum event_type type,
    int64_t session_id, const char *data, size_t data_len,
    const char *user_data, size_t user_data_len, const char *ts, int64_t *seq)
{
	sqlite3_stmt *st;
	const char *name = event_type_name(type);
	int rc;

	*seq = 0;
	if (name == NULL) {
		log_warnx("%s: unknown event type %d", __func__, (int)type);
		return STORE_INVALID;
	}
	if ((rc = store_prepare(store, SQL_EVENT_INSERT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (session_id > 0)
		sqlite3_bind_int64(st, 2, session_id);
	sqlite3_bind_text(st, 3, data, (int)data_len, SQLITE_STATIC);
	if (user_data != NULL)
		sqlite3_bind_text(st, 4, user_data, (int)user_data_len,
		    SQLITE_STATIC);
	if (ts != NULL)
		sqlite3_bind_text(st, 5, ts, -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, st, __func__)) == STORE_OK)
		*seq = sqlite3_last_insert_rowid(store->db);
	return rc;
}

int
store_event_append_json(struct store *store, enum event_type type,
    int64_t session_id, struct json_object *data, int64_t *seq)
{
	struct event_views v;
	int rc;

	*seq = 0;
	if (event_render(type, data, &v) == -1)
		return event_type_name(type) == NULL ? STORE_INVALID :
		    STORE_DB_ERROR;
	rc = store_event_append_views(store, type, session_id, v.data,
	    v.data_len, v.user_data, v.user_data_len, NULL, seq);
	event_views_free(&v);
	return rc;
}

int
store_event_commit_json(struct store *store, enum event_type type,
    int64_t sid, struct json_object *data, int64_t *seq)
{
	int rc;

	if ((rc = store_event_append_json(store, type, sid, data, seq)) !=
	    STORE_OK || (rc = store_commit(store)) != STORE_OK) {
		store_rollback(store);
		*seq = 0;
	}
	return rc;
}

int
store_event_append(struct store *store, enum event_type type,
    int64_t session_id, const char *data_json, size_t len, int64_t *seq)
{
	struct json_object *obj;
	struct json_tokener *tok;
	int rc, groups = event_type_groups(type);

	*seq = 0;
	if (groups == 0)
		return STORE_INVALID;
	if (!(groups & EVENT_GROUP_USER) || !event_type_latest_wins(type))
		return store_event_append_views(store, type, session_id,
		    data_json, len, (groups & EVENT_GROUP_USER) ? data_json :
		    NULL, len, NULL, seq);
	/* A view of part of the data: parse it once. */
	if ((tok = json_tokener_new()) == NULL)
		return STORE_DB_ERROR;
	obj = json_tokener_parse_ex(tok, data_json, (int)len);
	json_tokener_free(tok);
	if (obj == NULL) {
		log_warnx("%s: %s: data is not JSON", __func__,
		    event_type_name(type));
		return STORE_INVALID;
	}
	rc = store_event_append_json(store, type, session_id, obj, seq);
	json_object_put(obj);
	return rc;
}

int
store_events_after(struct store *store, int64_t after, int limit,
    int (*fn)(const struct store_event *, void *), void *arg)
{
	struct store_event ev;
	sqlite3_stmt *st;
	int rc, n = 0;

	if (store_prepare(store, SQL_EVENTS_AFTER, &st) != STORE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev.seq = sqlite3_column_int64(st, 0);
		ev.session_id = sqlite3_column_int64(st, 1);
		ev.type = event_type_from_name(store_col_text(st, 2));
		ev.ts = store_col_text(st, 3);
		ev.data = store_col_text(st, 4);
		ev.data_len = (size_t)sqlite3_column_bytes(st, 4);
		ev.user_data = (const char *)sqlite3_column_text(st, 5);
		ev.user_data_len = ev.user_data != NULL ?
		    (size_t)sqlite3_column_bytes(st, 5) : 0;
		n++;
		if (fn(&ev, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		(void)store_rc_of(store, rc, __func__);
		return -1;
	}
	return n;
}

/* The one integer of a one-row query without parameters. */
static int
store_event_int(struct store *store, const char *sql, int64_t *out,
    const char *where)
{
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if ((rc = store_prepare(store, sql, &st)) != STORE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_rc_of(store, rc == SQLITE_DONE ?
	    SQLITE_ERROR : rc, where);
}

int
store_event_head(struct store *store, int64_t *head)
{
	return store_event_int(store, SQL_EVENT_HEAD, head, __func__);
}

int
store_event_first(struct store *store, int64_t *first)
{
	return store_event_int(store, SQL_EVENT_FIRST, first, __func__);
}
