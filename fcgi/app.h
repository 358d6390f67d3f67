#ifndef MEMETER_APP_H
#define MEMETER_APP_H

/*
 * One worker's application state: its store (its own SQLite connection,
 * opened after fork), the config and the notify socket.  The pool
 * (fcgi/worker.c) creates one per worker process (fcgi/context.c) and
 * hands it every accepted request (fcgi/app.c, the FastCGI transport).
 */

#include <fcgiapp.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

struct store;

struct app {
	const struct config *cfg;
	struct store	*store;
	int		 notify_fd;
	int		 generation;	/* pool generation, for /api/health */
	char		 binary_id[17];	/* first 16 hex of SHA-256 of our binary */
	uint64_t	 requests;
};

/* --- fcgi/context.c ------------------------------------------------------- */

/* Opens the store and notify socket.  NULL (logged) on failure; the
 * caller owns the result and frees it with app_destroy(). */
struct app *app_create(const struct config *cfg, int generation);
void	app_destroy(struct app *app);

/* After a committed change that appended events up to seq: tell pushd,
 * never blocking (seq 0: nothing was written). */
void	app_notify(struct app *app, int64_t seq);

/* Once the answer is sent: the store's deferred WAL checkpoint. */
void	app_after_request(struct app *app);

/* --- fcgi/app.c: the FastCGI transport ------------------------------------ */

/* Handles one accepted FastCGI request completely (body, dispatch, reply,
 * one access log line). */
void	app_handle_fcgi(struct app *app, FCGX_Request *req);

/* Routes and runs one request; the transport-free core of the above. */
void	app_dispatch(struct app *app, const struct http_request *req,
	    struct http_response *resp);

#endif
