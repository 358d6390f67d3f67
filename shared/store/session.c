/*
 * Sessions and memes: SPEC.md's S and M read from SQLite, and the state
 * changes with their outbox events, each in one transaction.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "utf8.h"

#define SESSION_COLS "id,name,status,created_at,started_at,finished_at,pace,"\
    "seconds,locked"

static const char SQL_SESSION_GET[] =
    "SELECT " SESSION_COLS " FROM sessions WHERE id=?1";
static const char SQL_SESSION_STATUS[] =
    "SELECT status FROM sessions WHERE id=?1";
static const char SQL_SESSIONS_FINISHED[] =
    "SELECT " SESSION_COLS " FROM sessions WHERE status='finished' "
    "ORDER BY finished_at DESC, id DESC";
static const char SQL_SESSIONS_ALL[] =
    "SELECT " SESSION_COLS " FROM sessions ORDER BY id DESC";
static const char SQL_SESSION_COUNTS[] =
    "SELECT (SELECT count(*) FROM session_memes WHERE session_id=?1),"
    "(SELECT count(*) FROM ratings WHERE session_id=?1)";
static const char SQL_ADMIN_SESSION[] =
    "SELECT id FROM sessions ORDER BY status='active' DESC, id DESC LIMIT 1";
static const char SQL_ACTIVE_SESSION[] =
    "SELECT id FROM sessions WHERE status='active'";
static const char SQL_MEME_GET[] =
    "SELECT " STORE_MEME_COLS " FROM memes m WHERE m.id=?1";
static const char SQL_SESSION_MEMES[] =
    "SELECT " STORE_MEME_COLS " FROM session_memes sm "
    "JOIN memes m ON m.id=sm.meme_id WHERE sm.session_id=?1 "
    "ORDER BY sm.position";
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO sessions(name,pace,seconds) VALUES(?1,?2,?3)";
static const char SQL_SESSION_START[] =
    "UPDATE sessions SET status='active',"
    "started_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?1";
static const char SQL_SESSION_FINISH[] =
    "UPDATE sessions SET status='finished',"
    "finished_at=strftime('%Y-%m-%dT%H:%M:%SZ','now'),revealed=0 WHERE id=?1";
/* A known content keeps its first title; variants made now (a meme from
 * before variants existed) are filled in. */
static const char SQL_MEME_UPSERT[] =
    "INSERT INTO memes(sha256,title,filename,mime,width,height,bytes,"
    "phone_file,phone_width,phone_height,phone_bytes,"
    "thumb_file,thumb_width,thumb_height,thumb_bytes) "
    "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15) "
    "ON CONFLICT(sha256) DO UPDATE SET "
    "phone_file=coalesce(excluded.phone_file,phone_file),"
    "phone_width=coalesce(excluded.phone_width,phone_width),"
    "phone_height=coalesce(excluded.phone_height,phone_height),"
    "phone_bytes=coalesce(excluded.phone_bytes,phone_bytes),"
    "thumb_file=coalesce(excluded.thumb_file,thumb_file),"
    "thumb_width=coalesce(excluded.thumb_width,thumb_width),"
    "thumb_height=coalesce(excluded.thumb_height,thumb_height),"
    "thumb_bytes=coalesce(excluded.thumb_bytes,thumb_bytes),"
    "width=CASE WHEN excluded.phone_file IS NULL THEN width "
    "ELSE excluded.width END,"
    "height=CASE WHEN excluded.phone_file IS NULL THEN height "
    "ELSE excluded.height END RETURNING id";
static const char SQL_SESSION_APPEND_MEME[] =
    "INSERT INTO session_memes(session_id,meme_id,position) "
    "SELECT ?1,?2,(SELECT coalesce(max(position),0)+1 FROM session_memes "
    "WHERE session_id=?1) WHERE NOT EXISTS "
    "(SELECT 1 FROM session_memes WHERE session_id=?1 AND meme_id=?2)";

/* --- reads ----------------------------------------------------------------- */

/* S from a row of SESSION_COLS. */
static struct json_object *
session_from_row(sqlite3_stmt *st)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "id",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(s, "name", store_col_json(st, 1));
	json_object_object_add(s, "status", store_col_json(st, 2));
	json_object_object_add(s, "created_at", store_col_json(st, 3));
	json_object_object_add(s, "started_at", store_col_json(st, 4));
	json_object_object_add(s, "finished_at", store_col_json(st, 5));
	json_object_object_add(s, "pace", store_col_json(st, 6));
	json_object_object_add(s, "seconds",
	    json_object_new_int(sqlite3_column_int(st, 7)));
	json_object_object_add(s, "locked",
	    json_object_new_boolean(sqlite3_column_int(st, 8)));
	return s;
}

int
store_session_get(struct store *store, int64_t id, struct json_object **session)
{
	sqlite3_stmt *st;
	int rc;

	*session = NULL;
	if ((rc = store_prepare(store, SQL_SESSION_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*session = session_from_row(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

int
store_session_status(struct store *store, int64_t id,
    enum store_session_status *status)
{
	sqlite3_stmt *st;
	const char *s;
	int rc;

	*status = 0;
	if ((rc = store_prepare(store, SQL_SESSION_STATUS, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s = store_col_text(st, 0);
		*status = strcmp(s, "active") == 0 ? STORE_STATUS_ACTIVE :
		    strcmp(s, "finished") == 0 ? STORE_STATUS_FINISHED :
		    STORE_STATUS_DRAFT;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

/* Array of S from a query of SESSION_COLS. */
static int
session_list(struct store *store, const char *sql, struct json_object **list,
    const char *where)
{
	struct json_object *arr;
	sqlite3_stmt *st;
	int rc;

	*list = NULL;
	if ((rc = store_prepare(store, sql, &st)) != STORE_OK)
		return rc;
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, session_from_row(st));
	sqlite3_reset(st);
	if ((rc = store_rc_of(store, rc, where)) != STORE_OK) {
		json_object_put(arr);
		return rc;
	}
	*list = arr;
	return STORE_OK;
}

int
store_sessions_finished(struct store *store, struct json_object **list)
{
	return session_list(store, SQL_SESSIONS_FINISHED, list, __func__);
}

int
store_sessions_all(struct store *store, struct json_object **list)
{
	return session_list(store, SQL_SESSIONS_ALL, list, __func__);
}

int
store_session_counts(struct store *store, int64_t id, int64_t *memes,
    int64_t *ratings)
{
	sqlite3_stmt *st;
	int rc;

	*memes = *ratings = 0;
	if ((rc = store_prepare(store, SQL_SESSION_COUNTS, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*memes = sqlite3_column_int64(st, 0);
		*ratings = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return store_rc_of(store, rc, __func__);
}

int
store_active_session(struct store *store, int64_t *id)
{
	return store_query_int(store, SQL_ACTIVE_SESSION, 0, id, __func__);
}

int
store_admin_session_id(struct store *store, int64_t *id)
{
	return store_query_int(store, SQL_ADMIN_SESSION, 0, id, __func__);
}

/* media_url + "/" + file ("/media" and "/media/" both give "/media/<file>"). */
static void
meme_url(char *url, size_t len, const char *media_url, const char *file)
{
	size_t n = strlen(media_url);

	snprintf(url, len, "%.*s/%s",
	    (int)(n > 0 && media_url[n - 1] == '/' ? n - 1 : n), media_url,
	    file);
}

/*
 * M: SPEC's fields ("url" the original as uploaded, "width" and "height"
 * upright), and for the network "phone_url" (the variant with long side
 * <= 1080 px that phones load), "thumb_url" (320 px, for grids) and
 * "srcset" (both with their widths, for the pages' srcset/sizes); a meme
 * without variants has the original in all three and no srcset.
 */
struct json_object *
store_meme_from_row(sqlite3_stmt *st, const char *media_url)
{
	struct json_object *m = json_object_new_object();
	int variants = sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    sqlite3_column_type(st, 8) != SQLITE_NULL;
	char orig[1024], phone[1024], thumb[1024], srcset[2200];

	meme_url(orig, sizeof(orig), media_url, store_col_text(st, 2));
	json_object_object_add(m, "id",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(m, "title", store_col_json(st, 1));
	json_object_object_add(m, "url", json_object_new_string(orig));
	json_object_object_add(m, "width",
	    json_object_new_int(sqlite3_column_int(st, 3)));
	json_object_object_add(m, "height",
	    json_object_new_int(sqlite3_column_int(st, 4)));
	if (!variants) {
		json_object_object_add(m, "phone_url",
		    json_object_new_string(orig));
		json_object_object_add(m, "thumb_url",
		    json_object_new_string(orig));
		return m;
	}
	meme_url(phone, sizeof(phone), media_url, store_col_text(st, 5));
	meme_url(thumb, sizeof(thumb), media_url, store_col_text(st, 8));
	snprintf(srcset, sizeof(srcset), "%s %dw, %s %dw", thumb,
	    sqlite3_column_int(st, 9), phone, sqlite3_column_int(st, 6));
	json_object_object_add(m, "phone_url", json_object_new_string(phone));
	json_object_object_add(m, "thumb_url", json_object_new_string(thumb));
	json_object_object_add(m, "srcset", json_object_new_string(srcset));
	return m;
}

int
store_meme_get(struct store *store, int64_t meme_id, const char *media_url,
    struct json_object **meme)
{
	sqlite3_stmt *st;
	int rc;

	*meme = NULL;
	if ((rc = store_prepare(store, SQL_MEME_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, meme_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*meme = store_meme_from_row(st, media_url);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

int
store_session_memes(struct store *store, int64_t id, const char *media_url,
    struct json_object **memes)
{
	struct json_object *arr;
	sqlite3_stmt *st;
	int rc;

	*memes = NULL;
	if ((rc = store_prepare(store, SQL_SESSION_MEMES, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, store_meme_from_row(st, media_url));
	sqlite3_reset(st);
	if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK) {
		json_object_put(arr);
		return rc;
	}
	*memes = arr;
	return STORE_OK;
}

/* --- changes --------------------------------------------------------------- */

int
store_session_change_begin(struct store *store, int64_t id,
    enum store_session_status *status)
{
	int rc;

	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = store_session_status(store, id, status)) != STORE_OK)
		store_rollback(store);
	return rc;
}

int
store_pace_parse(const char *pace, enum store_pace *out)
{
	if (pace != NULL && strcmp(pace, "self") == 0)
		*out = STORE_PACE_SELF;
	else if (pace != NULL && strcmp(pace, "host") == 0)
		*out = STORE_PACE_HOST;
	else
		return STORE_INVALID;
	return STORE_OK;
}

int
store_session_create(struct store *store, const char *name,
    struct json_object **session, int64_t *seq)
{
	return store_session_create_paced(store, name, STORE_PACE_SELF, 0,
	    session, seq);
}

int
store_session_create_paced(struct store *store, const char *name,
    enum store_pace pace, int seconds, struct json_object **session,
    int64_t *seq)
{
	char clean[STORE_SESSION_NAME_MAX * 4 + 1];
	struct json_object *s = NULL;
	sqlite3_stmt *st;
	int rc;

	*session = NULL;
	*seq = 0;
	if (utf8_name_clean(name, STORE_SESSION_NAME_MAX, clean,
	    sizeof(clean)) == -1 || seconds < 0 ||
	    seconds > STORE_ROUND_SECONDS_MAX ||
	    (pace != STORE_PACE_SELF && pace != STORE_PACE_HOST))
		return STORE_INVALID;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = store_prepare(store, SQL_SESSION_INSERT, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, clean, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pace == STORE_PACE_HOST ? "host" : "self", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seconds);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK ||
	    (rc = store_session_get(store, sqlite3_last_insert_rowid(store->db),
	    &s)) != STORE_OK)
		goto fail;
	if ((rc = store_event_commit_json(store, EVENT_SESSION_CREATED,
	    json_object_get_int64(json_object_object_get(s, "id")), s, seq)) !=
	    STORE_OK) {
		json_object_put(s);
		return rc;
	}
	*session = s;
	return STORE_OK;
fail:
	store_rollback(store);
	return rc == STORE_NOT_FOUND ? STORE_DB_ERROR : rc;
}

int
store_session_start(struct store *store, int64_t id, const char *media_url,
    struct json_object **session, int64_t *seq)
{
	enum store_session_status status;
	struct json_object *s = NULL, *data = NULL, *memes;
	int64_t other;
	int rc;

	*session = NULL;
	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if (status != STORE_STATUS_DRAFT) {
		rc = status == STORE_STATUS_ACTIVE ? STORE_ALREADY_ACTIVE :
		    STORE_FINISHED;
		goto fail;
	}
	/* The partial unique index would refuse it too; asking first gives
	 * the client a clear reason instead of a constraint error. */
	if ((rc = store_active_session(store, &other)) != STORE_OK)
		goto fail;
	if (other != 0) {
		rc = STORE_OTHER_ACTIVE;
		goto fail;
	}
	/* The event is S with its memes; the reply is plain S. */
	if ((rc = store_exec_id(store, SQL_SESSION_START, id, __func__)) !=
	    STORE_OK ||
	    (rc = store_session_get(store, id, &s)) != STORE_OK ||
	    (rc = store_session_get(store, id, &data)) != STORE_OK)
		goto fail;
	if ((rc = store_session_memes(store, id, media_url, &memes)) !=
	    STORE_OK)
		goto fail;
	json_object_object_add(data, "memes", memes);
	rc = store_event_commit_json(store, EVENT_SESSION_STARTED, id, data, seq);
	json_object_put(data);
	if (rc != STORE_OK) {
		json_object_put(s);
		return rc;
	}
	*session = s;
	return STORE_OK;
fail:
	json_object_put(s);
	json_object_put(data);
	store_rollback(store);
	return rc;
}

int
store_session_finish(struct store *store, int64_t id,
    struct json_object **session, int64_t *seq)
{
	enum store_session_status status;
	struct json_object *s = NULL;
	int rc;

	*session = NULL;
	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if (status != STORE_STATUS_ACTIVE) {
		store_rollback(store);
		return STORE_NOT_ACTIVE;
	}
	if ((rc = store_exec_id(store, SQL_SESSION_FINISH, id, __func__)) !=
	    STORE_OK || (rc = store_session_get(store, id, &s)) != STORE_OK) {
		store_rollback(store);
		return rc;
	}
	if ((rc = store_event_commit_json(store, EVENT_SESSION_FINISHED, id, s,
	    seq)) != STORE_OK) {
		json_object_put(s);
		return rc;
	}
	*session = s;
	return STORE_OK;
}

/* The memes row of img unless its content is known already: its id. */
static int
session_meme_upsert(struct store *store, const struct media_image *img,
    int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_MEME_UPSERT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, img->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, img->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, img->filename, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, img->mime, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, img->width);
	sqlite3_bind_int(st, 6, img->height);
	sqlite3_bind_int64(st, 7, img->bytes);
	if (img->has_variants) {
		const struct image_variant *v[2] = { &img->variants.phone,
		    &img->variants.thumb };

		for (int i = 0; i < 2; i++) {
			sqlite3_bind_text(st, 8 + 4 * i, v[i]->name, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int(st, 9 + 4 * i, v[i]->width);
			sqlite3_bind_int(st, 10 + 4 * i, v[i]->height);
			sqlite3_bind_int64(st, 11 + 4 * i, v[i]->bytes);
		}
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_rc_of(store, rc == SQLITE_DONE ?
	    SQLITE_ERROR : rc, __func__);
}

/* Appends meme_id to the session unless it is there: *added 1 or 0. */
static int
session_append_meme(struct store *store, int64_t sid, int64_t meme_id,
    int *added)
{
	sqlite3_stmt *st;
	int rc;

	*added = 0;
	if ((rc = store_prepare(store, SQL_SESSION_APPEND_MEME, &st)) !=
	    STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	if ((rc = store_step_done(store, st, __func__)) == STORE_OK)
		*added = sqlite3_changes(store->db) > 0;
	return rc;
}

int
store_session_add_images(struct store *store, int64_t id,
    const struct media_image *imgs, size_t nimgs, const char *media_url,
    struct json_object **added_memes, int64_t *seq)
{
	enum store_session_status status;
	struct json_object *added = NULL, *m, *data;
	int64_t meme_id = 0;
	int rc, fresh;

	*added_memes = NULL;
	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if (status == STORE_STATUS_FINISHED) {
		rc = STORE_FINISHED;
		goto fail;
	}
	added = json_object_new_array();
	for (size_t i = 0; i < nimgs; i++) {
		if ((rc = session_meme_upsert(store, &imgs[i], &meme_id)) !=
		    STORE_OK ||
		    (rc = session_append_meme(store, id, meme_id, &fresh)) !=
		    STORE_OK)
			goto fail;
		if (!fresh)
			continue;
		if ((rc = store_meme_get(store, meme_id, media_url, &m)) !=
		    STORE_OK)
			goto fail;
		json_object_array_add(added, m);
	}
	if (json_object_array_length(added) == 0) {
		/* Nothing new (the memes rows may be new: keep them). */
		if ((rc = store_commit(store)) != STORE_OK)
			goto fail;
		*added_memes = added;
		return STORE_OK;
	}
	data = json_object_new_object();
	json_object_object_add(data, "session_id", json_object_new_int64(id));
	json_object_object_add(data, "added",
	    json_object_new_int((int)json_object_array_length(added)));
	json_object_object_add(data, "memes", json_object_get(added));
	rc = store_event_commit_json(store, EVENT_MEMES_POPULATED, id, data, seq);
	json_object_put(data);
	if (rc != STORE_OK) {
		json_object_put(added);
		return rc;
	}
	*added_memes = added;
	return STORE_OK;
fail:
	json_object_put(added);
	store_rollback(store);
	return rc == STORE_NOT_FOUND ? STORE_DB_ERROR : rc;
}
