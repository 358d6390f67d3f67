#ifndef MEMETER_AUTH_H
#define MEMETER_AUTH_H

/*
 * Who is asking: the anonymous rater of an mr_rater cookie and the admin
 * of an mr_admin cookie.  Cookies carry a random 128-bit token as 32 hex
 * characters; the store keeps only SHA-256 of those 32 characters, so a
 * copy of the database logs nobody in.  Functions answer in store
 * outcomes (STORE_OK, STORE_NOT_FOUND: no valid cookie, or an error rc).
 */

#include <stdint.h>

#include "app.h"
#include "cookie.h"
#include "http.h"
#include "store/store.h"
#include "token.h"

#define AUTH_RATER_MAX_AGE	2592000		/* 30 days */
#define AUTH_RATER_NAME_CHARS	STORE_RATER_NAME_CHARS

struct auth_admin {
	int64_t		 id;			/* admin_sessions.id */
	char		 csrf[TOKEN_HEX_LEN + 1];
};

/* The rater of req's cookie. */
int	auth_rater_lookup(struct app *app, const struct http_request *req,
	    struct store_rater *rater);

/* Creates a rater with a random name and adds its Set-Cookie to resp. */
int	auth_rater_create(struct app *app, struct http_response *resp,
	    struct store_rater *rater);

/* The rater, or the 401 "no_rater" error (or the store's) in resp and
 * -1. */
int	auth_rater_require(struct app *app, const struct http_request *req,
	    struct http_response *resp, struct store_rater *rater);

/* The unexpired admin session of req's cookie. */
int	auth_admin_lookup(struct app *app, const struct http_request *req,
	    struct auth_admin *admin);

/* Starts an admin session (ending expired ones), adds its Set-Cookie to
 * resp and fills admin. */
int	auth_admin_create(struct app *app, struct http_response *resp,
	    struct auth_admin *admin);

/* Ends admin session id and expires the cookie in resp. */
int	auth_admin_delete(struct app *app, struct http_response *resp,
	    int64_t id);

/* 1 if header equals the session's CSRF token (constant time). */
int	auth_csrf_ok(const char *expected, const char *header);

#endif
