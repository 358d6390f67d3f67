#ifndef MEMETER_OUTCOME_H
#define MEMETER_OUTCOME_H

/*
 * The one table from the store's outcomes (enum store_rc) to HTTP: the
 * status, the snake_case code and the human message of SPEC.md's error
 * body.  Handlers answer every store error through it.
 */

#include "http.h"

/* Fills resp with rc's error (rc != STORE_OK) and returns -1. */
int	outcome_error(struct http_response *resp, int rc);

/* The status rc maps to (200 for STORE_OK), for tests and logs. */
int	outcome_status(int rc);

#endif
