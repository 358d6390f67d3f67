#include "db.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define DB_BUSY_TIMEOUT_MS 2000
#define DB_BUSY_STEP_US	50	/* first wait; grows by this per try */
#define DB_BUSY_MAX_US	1000	/* longest single wait */

static int64_t
db_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Waits for another connection's lock in short steps, for up to
 * DB_BUSY_TIMEOUT_MS of real time in all.  SQLite's own busy timeout
 * sleeps 1, 2, 5, 10, 15 ms...: a rating holds the write lock for a
 * fraction of a millisecond, so a worker that found it taken slept on
 * long after it was free, and every such sleep landed in the request's
 * latency.  The limit is short: a lock held longer than that is not
 * another request but an outside hold (a shell, a stuck tool), and the
 * client is better told 503 with Retry-After than kept waiting.  The
 * clock, not the sum of the nominal sleeps, decides: on a loaded machine
 * each sleep overruns.  One wait at a time per thread (count restarts at
 * 0 for each), so the start can live in a thread-local.
 */
static int
db_busy(void *arg, int count)
{
	static _Thread_local int64_t started_us;
	int64_t us, now = db_now_us();
	struct timespec ts;

	(void)arg;
	if (count == 0)
		started_us = now;
	else if (now - started_us >= (int64_t)DB_BUSY_TIMEOUT_MS * 1000)
		return 0;
	us = (int64_t)DB_BUSY_STEP_US * (count + 1);
	if (us > DB_BUSY_MAX_US)
		us = DB_BUSY_MAX_US;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)us * 1000;
	nanosleep(&ts, NULL);
	return 1;
}

sqlite3 *
db_open(const char *path, enum db_open_mode mode)
{
	sqlite3 *db = NULL;
	int flags = mode == DB_READONLY ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc;

	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("%s: %s: %s", __func__, path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close_v2(db);
		return NULL;
	}
	sqlite3_busy_handler(db, db_busy, NULL);
	sqlite3_extended_result_codes(db, 1);
	if (mode == DB_READWRITE &&
	    db_exec(db, "PRAGMA journal_mode=WAL") == -1)
		goto fail;
	if (db_exec(db, "PRAGMA synchronous=NORMAL;"
	    "PRAGMA foreign_keys=ON;PRAGMA temp_store=MEMORY") == -1)
		goto fail;
	return db;
fail:
	sqlite3_close_v2(db);
	return NULL;
}

int
db_exec(sqlite3 *db, const char *sql)
{
	char *errmsg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		log_warnx("%s: %.60s: %s", __func__, sql,
		    errmsg ? errmsg : sqlite3_errmsg(db));
		sqlite3_free(errmsg);
		return -1;
	}
	return 0;
}

int
db_schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

int
db_latest_version(void)
{
	return db_migration_count > 0 ?
	    db_migrations[db_migration_count - 1].version : 0;
}

int
db_migrate(sqlite3 *db)
{
	char pragma[64];
	int current;

	if (db_begin(db) == -1)
		return -1;
	/* Read under the write lock: two processes starting at once must
	 * not both apply the same step. */
	if ((current = db_schema_version(db)) < 0)
		goto fail;
	if (current > db_latest_version()) {
		log_warnx("%s: database schema %d is newer than this program "
		    "(%d)", __func__, current, db_latest_version());
		goto fail;
	}
	for (int i = 0; i < db_migration_count; i++) {
		const struct db_migration *m = &db_migrations[i];

		if (m->version <= current)
			continue;
		if (db_exec(db, m->sql) == -1) {
			log_warnx("%s: migration %s failed", __func__, m->name);
			goto fail;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d",
		    m->version);
		if (db_exec(db, pragma) == -1)
			goto fail;
		log_info("database: applied migration %s", m->name);
	}
	return db_commit(db);
fail:
	db_rollback(db);
	return -1;
}

int
db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT") == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}
