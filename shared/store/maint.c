/*
 * The database as a whole: online backup and the integrity checks.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "db.h"

#define BACKUP_STEP	256	/* pages per step: writers wait at most this */

/* Copies src into the open dst in steps; SQLITE_OK or the error code. */
static int
backup_copy(sqlite3 *dst, sqlite3 *src, int *pages)
{
	sqlite3_backup *b;
	int rc;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return sqlite3_errcode(dst);
	do {
		rc = sqlite3_backup_step(b, BACKUP_STEP);
		/* A writer holds the lock: let it finish, then go on. */
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	*pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE)
		return rc != SQLITE_DONE ? rc : sqlite3_errcode(dst);
	return SQLITE_OK;
}

/* The copy as one self-contained file (not WAL), and sound: 0, or -1
 * with *why. */
static int
backup_finish_copy(sqlite3 *dst, const char **why)
{
	sqlite3_stmt *st;
	const char *res;
	int rc = -1;

	*why = "the copy cannot leave WAL mode";
	if (db_exec(dst, "PRAGMA journal_mode=DELETE") == -1)
		return -1;
	*why = "the copy fails quick_check";
	if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (res = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strcmp(res, "ok") == 0)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

int
store_backup(struct store *store, const char *path, int *pages,
    const char **why)
{
	static char msg[256];
	sqlite3 *dst = NULL;
	int rc;

	*pages = 0;
	*why = "";
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, sizeof(msg), "cannot create %s: %s", path,
		    dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((rc = backup_copy(dst, store->db, pages)) != SQLITE_OK) {
		snprintf(msg, sizeof(msg), "copying into %s failed: %s", path,
		    sqlite3_errstr(rc));
		goto fail;
	}
	if (backup_finish_copy(dst, why) == -1) {
		rc = SQLITE_CORRUPT;
		sqlite3_close_v2(dst);
		return store_rc_of(store, rc, NULL);
	}
	if ((rc = sqlite3_close(dst)) != SQLITE_OK) {
		snprintf(msg, sizeof(msg), "closing %s: %s", path,
		    sqlite3_errstr(rc));
		dst = NULL;
		goto fail;
	}
	return STORE_OK;
fail:
	sqlite3_close_v2(dst);
	*why = msg;
	rc = store_rc_of(store, rc, NULL);
	return rc == STORE_OK ? STORE_DB_ERROR : rc;
}

int
store_check(struct store *store, void (*fn)(const char *, void *), void *arg,
    int *problems)
{
	char line[512];
	sqlite3_stmt *st;
	const char *msg;
	int rc;

	*problems = 0;
	if ((rc = sqlite3_prepare_v2(store->db, "PRAGMA integrity_check", -1,
	    &st, NULL)) != SQLITE_OK)
		return store_rc_of(store, rc, __func__);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		msg = (const char *)sqlite3_column_text(st, 0);
		if (msg != NULL && strcmp(msg, "ok") == 0)
			continue;
		snprintf(line, sizeof(line), "integrity: %s",
		    msg ? msg : "(null)");
		fn(line, arg);
		(*problems)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_rc_of(store, rc, __func__);
	if ((rc = sqlite3_prepare_v2(store->db, "PRAGMA foreign_key_check", -1,
	    &st, NULL)) != SQLITE_OK)
		return store_rc_of(store, rc, __func__);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(line, sizeof(line), "foreign key: %s row %lld refers "
		    "to a missing %s row", store_col_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    store_col_text(st, 2));
		fn(line, arg);
		(*problems)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store_rc_of(store, rc, __func__);
}
