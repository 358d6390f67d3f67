#ifndef MEMETER_STORE_INT_H
#define MEMETER_STORE_INT_H

/*
 * What the store's own files share: the connection, the statement cache,
 * the mapping of SQLite's codes to outcomes and the transactions.  No
 * file outside shared/store/ includes this.
 */

#include <sqlite3.h>

#include "store.h"

#define STORE_STMT_MAX	96

/* One cached prepared statement, keyed by the address of its SQL text. */
struct store_stmt {
	const char	*sql;
	sqlite3_stmt	*st;
};

struct store {
	sqlite3		*db;
	enum store_mode	 mode;
	int		 wal_frames;	/* WAL size after our last commit */
	int		 nstmts;
	struct store_stmt stmts[STORE_STMT_MAX];
};

/*
 * The prepared statement for sql, which must be a string literal (or
 * otherwise live as long as the store): its address is the cache key.
 * Prepared once (SQLITE_PREPARE_PERSISTENT) and handed out reset with
 * its bindings cleared; the caller sqlite3_reset()s it when done, so no
 * read snapshot outlives the call.  STORE_OK or an error rc (logged).
 */
int	store_prepare(struct store *store, const char *sql, sqlite3_stmt **st);

/* The outcome of a SQLite result code (SQLITE_OK/ROW/DONE: STORE_OK);
 * logs where and the error message for anything else. */
int	store_rc_of(struct store *store, int sqlite_rc, const char *where);

/* Steps a statement that returns no rows, then resets it. */
int	store_step_done(struct store *store, sqlite3_stmt *st,
	    const char *where);

/*
 * Transactions.  store_begin() is BEGIN IMMEDIATE, so a writer waits for
 * the lock up front (the busy handler) instead of failing at its first
 * write.  store_commit() rolls back when COMMIT fails.  store_read_begin()
 * opens a read transaction unless one is open already (*opened tells
 * store_read_end() whether to close it), so several reads see one
 * snapshot.
 */
int	store_begin(struct store *store);
int	store_commit(struct store *store);
void	store_rollback(struct store *store);
int	store_read_begin(struct store *store, int *opened);
void	store_read_end(struct store *store, int opened);

/* A text column as const char *, "" for NULL. */
const char *store_col_text(sqlite3_stmt *st, int col);

#endif
