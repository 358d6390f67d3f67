/*
 * Identity: raters and admin sessions, found by the SHA-256 of their
 * cookie token (the database never holds a token itself).
 */
#include "store_int.h"

#include <stdio.h>

#include "timeutil.h"

static const char SQL_ADMIN_CHECK[] =
    "SELECT id,expires_at FROM admin_sessions "
    "WHERE token_hash=?1 AND expires_at>?2";

int
store_admin_session_check(struct store *store, const unsigned char hash[32],
    int64_t *session_id, int64_t *expires_at)
{
	sqlite3_stmt *st;
	int rc;

	*session_id = 0;
	*expires_at = 0;
	if ((rc = store_prepare(store, SQL_ADMIN_CHECK, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_unix_now());
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*session_id = sqlite3_column_int64(st, 0);
		*expires_at = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND :
	    store_rc_of(store, rc, __func__);
}

static const char SQL_RATER_BY_TOKEN[] =
    "SELECT id,name,coalesce(last_seen,0) FROM raters WHERE token_hash=?1";
static const char SQL_RATER_INSERT[] =
    "INSERT INTO raters(token_hash,name,last_seen) VALUES(?1,?2,?3)";
static const char SQL_RATER_RENAME[] = "UPDATE raters SET name=?2 WHERE id=?1";
static const char SQL_ADMIN_GET[] =
    "SELECT id,csrf FROM admin_sessions WHERE token_hash=?1 AND expires_at>?2";
static const char SQL_ADMIN_PURGE[] =
    "DELETE FROM admin_sessions WHERE expires_at<=?1";
static const char SQL_ADMIN_INSERT[] =
    "INSERT INTO admin_sessions(token_hash,csrf,expires_at) VALUES(?1,?2,?3)";
static const char SQL_ADMIN_DELETE[] = "DELETE FROM admin_sessions WHERE id=?1";
static const char SQL_ADMIN_DELETE_ALL[] = "DELETE FROM admin_sessions";
static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE key=?1";
static const char SQL_SETTING_SET[] =
    "INSERT INTO settings(key,value) VALUES(?1,?2) "
    "ON CONFLICT(key) DO UPDATE SET value=excluded.value";

#define PASSWORD_KEY	"admin_password_hash"

int
store_rater_by_token(struct store *store, const unsigned char hash[32],
    struct store_rater *rater)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_RATER_BY_TOKEN, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rater->id = sqlite3_column_int64(st, 0);
		snprintf(rater->name, sizeof(rater->name), "%s",
		    store_col_text(st, 1));
		rater->seen = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

int
store_rater_create(struct store *store, const unsigned char hash[32],
    const char *name, struct store_rater *rater)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_RATER_INSERT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rater->seen = time_unix_now();
	sqlite3_bind_int64(st, 3, rater->seen);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		return rc;
	rater->id = sqlite3_last_insert_rowid(store->db);
	snprintf(rater->name, sizeof(rater->name), "%s", name);
	return STORE_OK;
}

int
store_rater_rename(struct store *store, int64_t id, const char *name)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_RATER_RENAME, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return store_step_done(store, st, __func__);
}

int
store_admin_session_get(struct store *store, const unsigned char hash[32],
    int64_t *session_id, char *csrf, size_t csrf_len)
{
	sqlite3_stmt *st;
	int rc;

	*session_id = 0;
	if ((rc = store_prepare(store, SQL_ADMIN_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_unix_now());
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*session_id = sqlite3_column_int64(st, 0);
		snprintf(csrf, csrf_len, "%s", store_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

int
store_admin_session_create(struct store *store, const unsigned char hash[32],
    const char *csrf, int64_t expires_at, int64_t *session_id)
{
	sqlite3_stmt *st;
	int rc;

	*session_id = 0;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = store_exec_id(store, SQL_ADMIN_PURGE, time_unix_now(),
	    __func__)) != STORE_OK ||
	    (rc = store_prepare(store, SQL_ADMIN_INSERT, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, expires_at);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	*session_id = sqlite3_last_insert_rowid(store->db);
	return store_commit(store);
fail:
	store_rollback(store);
	return rc;
}

int
store_admin_session_delete(struct store *store, int64_t id)
{
	return store_exec_id(store, SQL_ADMIN_DELETE, id, __func__);
}

int
store_admin_password_get(struct store *store, char *buf, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	buf[0] = '\0';
	if ((rc = store_prepare(store, SQL_SETTING_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, PASSWORD_KEY, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(buf, len, "%s", store_col_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_DONE || (rc == SQLITE_ROW && buf[0] == '\0'))
		return STORE_NOT_FOUND;
	return store_rc_of(store, rc, __func__);
}

int
store_admin_password_set(struct store *store, const char *hash, int logout_all,
    int *ended)
{
	sqlite3_stmt *st;
	int rc;

	if (ended != NULL)
		*ended = 0;
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = store_prepare(store, SQL_SETTING_SET, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, PASSWORD_KEY, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	if (logout_all) {
		if ((rc = store_exec_id(store, SQL_ADMIN_DELETE_ALL, 0,
		    __func__)) != STORE_OK)
			goto fail;
		if (ended != NULL)
			*ended = sqlite3_changes(store->db);
	}
	return store_commit(store);
fail:
	store_rollback(store);
	return rc;
}
