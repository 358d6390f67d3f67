#ifndef MEMETER_WORKER_H
#define MEMETER_WORKER_H

/*
 * One worker process of the pool, started by the master as
 *   memeter-fcgi --worker --fd N --ready-fd R --generation G [-c config]
 * It accepts FastCGI requests on the inherited listening socket N until
 * SIGTERM, finishing the request in hand first.  After its application
 * state is up it writes "ready <binary id>\n" to R and closes it, which
 * is how the master knows a new generation can take over.
 */

#include "config.h"

/* Runs the worker; returns the process exit status. */
int	worker_main(const struct config *cfg, int listen_fd, int ready_fd,
	    int generation);

/*
 * First 16 hex digits of the SHA-256 of the file at path (the worker's
 * own executable) into out[17]; -1 (logged) if it cannot be read.
 */
int	worker_binary_id(const char *path, char out[17]);

#endif
