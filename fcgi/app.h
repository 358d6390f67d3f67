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

struct app {
	const struct config *cfg;
	sqlite3		*db;
	int		 notify_fd;
	int		 generation;	/* pool generation, for /api/health */
	char		 binary_id[17];	/* first 16 hex of SHA-256 of our binary */
	uint64_t	 requests;
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

/* After a committed transaction that appended events up to seq: tell
 * pushd, never blocking. */
void	app_notify(struct app *app, int64_t seq);

#endif
