#include "admin_list.h"

#include <string.h>

#include "log.h"
#include "store_int.h"

static const char SQL_ADMIN_VALID[] =
    "SELECT token_hash,id,expires_at FROM admin_sessions "
    "WHERE expires_at>?1 ORDER BY id";

int
store_admin_sessions_valid(struct store *store, int64_t now_unix,
    void (*fn)(const struct admin_list_entry *, void *), void *arg)
{
	struct admin_list_entry e;
	sqlite3_stmt *st;
	int rc, n = 0;

	if (store_prepare(store, SQL_ADMIN_VALID, &st) != STORE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now_unix);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != (int)sizeof(e.hash)) {
			log_warnx("%s: admin session %lld: bad token hash",
			    __func__, (long long)sqlite3_column_int64(st, 1));
			continue;
		}
		memcpy(e.hash, sqlite3_column_blob(st, 0), sizeof(e.hash));
		e.session_id = sqlite3_column_int64(st, 1);
		e.expires_at = sqlite3_column_int64(st, 2);
		fn(&e, arg);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		(void)store_rc_of(store, rc, __func__);
		return -1;
	}
	return n;
}
