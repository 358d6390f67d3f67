#ifndef MEMETER_APP_H
#define MEMETER_APP_H

/*
 * One worker's application state: its own SQLite connection (opened after
 * fork), its prepared statements, the config and the notify socket.  The
 * pool (fcgi/worker.c) creates one per worker process and hands it every
 * accepted request.
 */

#include <fcgiapp.h>
#include <sqlite3.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

#define APP_STMT_MAX	64

/* One cached prepared statement, keyed by the address of its SQL text. */
struct app_stmt {
	const char	*sql;
	sqlite3_stmt	*st;
};

struct app {
	const struct config *cfg;
	sqlite3		*db;
	int		 notify_fd;
	int		 generation;	/* pool generation, for /api/health */
	char		 binary_id[17];	/* first 16 hex of SHA-256 of our binary */
	uint64_t	 requests;
	struct app_stmt	 stmts[APP_STMT_MAX];	/* see app_stmt() */
	int		 nstmts;
	int		 wal_frames;	/* WAL size after our last commit */
};

/* Opens the database and notify socket.  NULL (logged) on failure; the
 * caller owns the result and frees it with app_destroy(). */
struct app *app_create(const struct config *cfg, int generation);
void	app_destroy(struct app *app);

/* Handles one accepted FastCGI request completely (body, dispatch, reply,
 * one access log line). */
void	app_handle_fcgi(struct app *app, FCGX_Request *req);

/* Routes and runs one request; the transport-free core of the above. */
void	app_dispatch(struct app *app, const struct http_request *req,
	    struct http_response *resp);

/*
 * The prepared statement for sql, which must be a string literal (or
 * otherwise live as long as app): its address is the cache key.  It is
 * prepared once per worker (SQLITE_PREPARE_PERSISTENT) and returned
 * reset with its bindings cleared; the caller sqlite3_reset()s it when
 * done, so no read snapshot outlives the request.  NULL (logged) on
 * error.  A struct app built by hand (unit tests) starts with an empty
 * cache: zero stmts and nstmts.
 */
sqlite3_stmt *app_stmt(struct app *app, const char *sql);
/* Finalizes every cached statement (app_destroy() does it too). */
void	app_stmts_finalize(struct app *app);

/* After a committed transaction that appended events up to seq: tell
 * pushd, never blocking. */
void	app_notify(struct app *app, int64_t seq);

/*
 * SQLite's automatic checkpoint, moved out of the request: app_create()
 * replaces it with a WAL hook that only notes the WAL's size, and this,
 * called once the answer is sent, runs the same PASSIVE checkpoint when
 * the WAL holds APP_CHECKPOINT_FRAMES frames or more.
 */
#define APP_CHECKPOINT_FRAMES	1000	/* SQLite's default */
void	app_after_request(struct app *app);

#endif
