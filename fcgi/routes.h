#ifndef MEMETER_ROUTES_H
#define MEMETER_ROUTES_H

/*
 * The route table of SPEC.md's REST API and the checks every route needs
 * before its handler runs: 404 for an unknown path or id, 405 with Allow
 * for a wrong method, 403 for a foreign Origin on a mutation, 401 without
 * an admin session on admin routes, 403 without the CSRF token on admin
 * mutations.
 */

#include "app.h"
#include "http.h"

/* Routes req and runs its handler; resp gets the answer either way. */
void	routes_dispatch(struct app *app, const struct http_request *req,
	    struct http_response *resp);

/* 1 if path is the multipart upload route (it takes bigger bodies). */
int	routes_is_upload(const char *path);

#endif
