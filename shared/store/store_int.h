#ifndef MEMETER_STORE_INT_H
#define MEMETER_STORE_INT_H

/*
 * What the store's own files share: the connection, the statement cache,
 * the mapping of SQLite's codes to outcomes and the transactions.  No
 * file outside shared/store/ includes this.
 */

#include <sqlite3.h>
#include <json-c/json.h>

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

/* Finalizes every cached statement (a test changing the schema under a
 * store calls it; they are prepared again on use). */
void	store_forget_statements(struct store *store);

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
/* A text column as a JSON string, NULL column as JSON null (NULL). */
struct json_object *store_col_json(sqlite3_stmt *st, int col);

/* The first column of a one-row integer query with ?1 = arg (if the SQL
 * has it) into *out; 0 when there is no row. */
int	store_query_int(struct store *store, const char *sql, int64_t arg,
	    int64_t *out, const char *where);
/* Runs a statement without rows with ?1 = arg. */
int	store_exec_id(struct store *store, const char *sql, int64_t arg,
	    const char *where);

/* --- between the domain files ---------------------------------------------- */

/* Ends a change: appends its event with data, commits; on any failure
 * rolls back (*seq 0). */
int	store_event_commit_json(struct store *store, enum event_type type,
	    int64_t sid, struct json_object *data, int64_t *seq);
/* Opens the write transaction of a change to session id and reads its
 * status; on an error rc the transaction is rolled back. */
int	store_session_change_begin(struct store *store, int64_t id,
	    enum store_session_status *status);

/* The active session's id, 0 when none is (session.c). */
int	store_active_session(struct store *store, int64_t *id);
/* M from a row of STORE_MEME_COLS. */
#define STORE_MEME_COLS "m.id,m.title,m.filename,m.width,m.height," \
	"m.phone_file,m.phone_width,m.phone_height," \
	"m.thumb_file,m.thumb_width"
struct json_object *store_meme_from_row(sqlite3_stmt *st,
	    const char *media_url);
/* M of one meme (STORE_NOT_FOUND if unknown). */
int	store_meme_get(struct store *store, int64_t meme_id,
	    const char *media_url, struct json_object **meme);
/* Every place of a session, best first, in the caller's transaction. */
int	store_results_places(struct store *store, int64_t sid,
	    const char *media_url, struct json_object **places);
/* {"session_id","revealed","total","results":[...]} from every place
 * (consumed). */
struct json_object *store_results_view(int64_t sid, int revealed,
	    struct json_object *all);
/* stats_updated's two views for one meme as text (stats.c); the admin
 * text's length or -1 with *rc set. */
int	store_stats_event_text(struct store *store, int64_t sid,
	    int64_t meme_id, char *buf, size_t len, char *user, size_t ulen,
	    int *user_len, int *rc);
#define STORE_STATS_TEXT_MAX	1024
/* STATS in the caller's transaction (no session check). */
int	store_stats_read(struct store *store, int64_t sid, int64_t meme_id,
	    struct json_object **stats);

#endif
