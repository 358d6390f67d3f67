/*
 * Identity: raters and admin sessions, found by the SHA-256 of their
 * cookie token (the database never holds a token itself).
 */
#include "store_int.h"

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
