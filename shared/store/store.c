/*
 * The store object: its connection, statement cache, outcomes and
 * transactions.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

static const char *const store_rc_names[STORE_RC_COUNT] = {
	[STORE_OK] = "ok",
	[STORE_NOT_FOUND] = "not_found",
	[STORE_INVALID] = "invalid",
	[STORE_WRONG_STATE] = "wrong_state",
	[STORE_OTHER_ACTIVE] = "other_active",
	[STORE_ALREADY_ACTIVE] = "already_active",
	[STORE_FINISHED] = "finished",
	[STORE_NOT_ACTIVE] = "not_active",
	[STORE_NOT_FINISHED] = "not_finished",
	[STORE_NO_ACTIVE_SESSION] = "no_active_session",
	[STORE_UNKNOWN_MEME] = "unknown_meme",
	[STORE_SESSION_ACTIVE] = "session_active",
	[STORE_NOT_DRAFT] = "not_draft",
	[STORE_NO_SUCH_MEME] = "no_such_meme",
	[STORE_CONFLICT] = "conflict",
	[STORE_LIMITED] = "limited",
	[STORE_NOT_OPEN] = "not_open",
	[STORE_SELF_PACED] = "self_paced",
	[STORE_NO_MORE_MEMES] = "no_more_memes",
	[STORE_JOINING_LOCKED] = "joining_locked",
	[STORE_UNKNOWN_RATER] = "unknown_rater",
	[STORE_BUSY] = "busy",
	[STORE_FULL] = "full",
	[STORE_DB_ERROR] = "db_error",
};

const char *
store_rc_name(int rc)
{
	if (rc < 0 || rc >= STORE_RC_COUNT)
		return "unknown";
	return store_rc_names[rc];
}

/* Commits only note the WAL's size: see store_checkpoint_if_due(). */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *store = arg;

	(void)db;
	(void)name;
	store->wal_frames = frames;
	return SQLITE_OK;
}

void
store_process_init(void)
{
	/*
	 * SQLite's allocation statistics take a process-wide mutex on every
	 * malloc and free, hundreds a request; nothing reads them.  And a
	 * worker's page cache is dropped whenever another worker committed,
	 * nearly every request: pages from one bulk allocation (at most
	 * cache_size, 2 MB) are recycled instead of malloc'd and freed anew.
	 */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 512) != SQLITE_OK)
		log_debug("%s: sqlite3_config refused", __func__);
}

struct store *
store_open(const char *path, enum store_mode mode)
{
	struct store *store;

	if ((store = calloc(1, sizeof(*store))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	store->mode = mode;
	if ((store->db = db_open(path, mode == STORE_READONLY ? DB_READONLY :
	    DB_READWRITE)) == NULL) {
		free(store);
		return NULL;
	}
	/*
	 * The automatic checkpoint ran inside the commit of whichever
	 * request crossed the threshold, and under sustained load (every
	 * worker and pushd holding a snapshot) the WAL never resets, so that
	 * was every commit: its fsyncs were some request's latency.
	 */
	if (mode == STORE_READWRITE)
		sqlite3_wal_hook(store->db, store_wal_hook, store);
	return store;
}

void
store_forget_statements(struct store *store)
{
	for (int i = 0; i < store->nstmts; i++)
		sqlite3_finalize(store->stmts[i].st);
	store->nstmts = 0;
}

void
store_close(struct store *store)
{
	if (store == NULL)
		return;
	store_forget_statements(store);
	sqlite3_close_v2(store->db);
	free(store);
}

int
store_migrate(struct store *store)
{
	int rc;

	if (db_migrate(store->db) == 0)
		return STORE_OK;
	/* db_migrate() logged why; the rollback may have cleared the code. */
	rc = store_rc_of(store, sqlite3_errcode(store->db), NULL);
	return rc == STORE_OK ? STORE_DB_ERROR : rc;
}

int
store_schema_version(struct store *store)
{
	return db_schema_version(store->db);
}

int
store_schema_latest(void)
{
	return db_latest_version();
}

void
store_checkpoint_if_due(struct store *store)
{
	int rc;

	if (store->wal_frames < STORE_CHECKPOINT_FRAMES)
		return;
	store->wal_frames = 0;
	rc = sqlite3_wal_checkpoint_v2(store->db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(store->db));
}

int
store_prepare(struct store *store, const char *sql, sqlite3_stmt **st)
{
	int rc;

	for (int i = 0; i < store->nstmts; i++)
		if (store->stmts[i].sql == sql) {
			*st = store->stmts[i].st;
			sqlite3_reset(*st);
			sqlite3_clear_bindings(*st);
			return STORE_OK;
		}
	*st = NULL;
	if (store->nstmts == STORE_STMT_MAX) {
		log_warnx("%s: cache full (STORE_STMT_MAX %d)", __func__,
		    STORE_STMT_MAX);
		return STORE_DB_ERROR;
	}
	if ((rc = sqlite3_prepare_v3(store->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, st, NULL)) != SQLITE_OK) {
		log_warnx("%s: %.60s: %s", __func__, sql,
		    sqlite3_errmsg(store->db));
		*st = NULL;
		return store_rc_of(store, rc, NULL);
	}
	store->stmts[store->nstmts].sql = sql;
	store->stmts[store->nstmts].st = *st;
	store->nstmts++;
	return STORE_OK;
}

int
store_rc_of(struct store *store, int sqlite_rc, const char *where)
{
	int rc;

	switch (sqlite_rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return STORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		rc = STORE_BUSY;
		break;
	case SQLITE_FULL:
		rc = STORE_FULL;
		break;
	case SQLITE_IOERR:
		/* A write that could not reach the disk is a full disk to
		 * the client (retry later); a failed read is not. */
		rc = sqlite_rc == SQLITE_IOERR_READ ||
		    sqlite_rc == SQLITE_IOERR_SHORT_READ ? STORE_DB_ERROR :
		    STORE_FULL;
		break;
	case SQLITE_CONSTRAINT:
		rc = STORE_CONFLICT;
		break;
	default:
		rc = STORE_DB_ERROR;
		break;
	}
	if (where != NULL)
		log_warnx("%s: %s (%s)", where, sqlite3_errmsg(store->db),
		    store_rc_name(rc));
	return rc;
}

int
store_step_done(struct store *store, sqlite3_stmt *st, const char *where)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : store_rc_of(store, rc, where);
}

/* BEGIN IMMEDIATE, COMMIT, BEGIN, ROLLBACK kept prepared: a rating runs
 * two of them, and preparing each cost as much as a small query. */
static const char SQL_BEGIN_WRITE[] = "BEGIN IMMEDIATE";
static const char SQL_BEGIN_READ[] = "BEGIN";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int
store_exec_cached(struct store *store, const char *sql, const char *where)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, sql, &st)) != STORE_OK)
		return rc;
	return store_step_done(store, st, where);
}

int
store_begin(struct store *store)
{
	return store_exec_cached(store, SQL_BEGIN_WRITE, __func__);
}

int
store_commit(struct store *store)
{
	int rc;

	if ((rc = store_exec_cached(store, SQL_COMMIT, __func__)) != STORE_OK)
		store_rollback(store);
	return rc;
}

void
store_rollback(struct store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		(void)store_exec_cached(store, SQL_ROLLBACK, NULL);
}

int
store_read_begin(struct store *store, int *opened)
{
	int rc;

	*opened = 0;
	if (!sqlite3_get_autocommit(store->db))
		return STORE_OK;
	if ((rc = store_exec_cached(store, SQL_BEGIN_READ, __func__)) ==
	    STORE_OK)
		*opened = 1;
	return rc;
}

void
store_read_end(struct store *store, int opened)
{
	if (opened)
		store_rollback(store);
}

const char *
store_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s != NULL ? (const char *)s : "";
}

struct json_object *
store_col_json(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s == NULL ? NULL : json_object_new_string((const char *)s);
}

int
store_query_int(struct store *store, const char *sql, int64_t arg,
    int64_t *out, const char *where)
{
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if ((rc = store_prepare(store, sql, &st)) != STORE_OK)
		return rc;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return store_rc_of(store, rc, where);
}

int
store_exec_id(struct store *store, const char *sql, int64_t arg,
    const char *where)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, sql, &st)) != STORE_OK)
		return rc;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	return store_step_done(store, st, where);
}
