#ifndef MEMETER_AUTH_H
#define MEMETER_AUTH_H

/*
 * Who is asking: the anonymous rater of an mr_rater cookie and the admin
 * of an mr_admin cookie.  Cookies carry a random 128-bit token as 32 hex
 * characters; the database keeps only SHA-256 of those 32 characters
 * (a 32-byte BLOB in raters.token_hash / admin_sessions.token_hash), so
 * a copy of the database logs nobody in.
 */

#include <stdint.h>

#include "app.h"
#include "cookie.h"
#include "http.h"
#include "token.h"

#define AUTH_RATER_MAX_AGE	2592000		/* 30 days */
#define AUTH_RATER_NAME_CHARS	40
#define AUTH_RATER_NAME_MAX	(AUTH_RATER_NAME_CHARS * 4 + 1)

struct auth_rater {
	int64_t		 id;
	char		 name[AUTH_RATER_NAME_MAX];
};

struct auth_admin {
	int64_t		 id;			/* admin_sessions.id */
	char		 csrf[TOKEN_HEX_LEN + 1];
};

/* The rater of req's cookie: 1 found, 0 no (valid) cookie, -1 db error. */
int	auth_rater_lookup(struct app *app, const struct http_request *req,
	    struct auth_rater *rater);

/* Creates a rater with a random name and adds its Set-Cookie to resp;
 * runs in its own transaction.  0 or -1 (logged). */
int	auth_rater_create(struct app *app, struct http_response *resp,
	    struct auth_rater *rater);

/* The rater, or the 401 "no_rater" error (or 500) in resp and -1. */
int	auth_rater_require(struct app *app, const struct http_request *req,
	    struct http_response *resp, struct auth_rater *rater);

/* The unexpired admin session of req's cookie: 1, 0 none, -1 db error. */
int	auth_admin_lookup(struct app *app, const struct http_request *req,
	    struct auth_admin *admin);

/* Starts an admin session (expiring expired ones), adds its Set-Cookie
 * to resp and fills admin.  0 or -1 (logged). */
int	auth_admin_create(struct app *app, struct http_response *resp,
	    struct auth_admin *admin);

/* Ends admin session id and expires the cookie in resp.  0 or -1. */
int	auth_admin_delete(struct app *app, struct http_response *resp,
	    int64_t id);

/* 1 if header equals the session's CSRF token (constant time). */
int	auth_csrf_ok(const char *expected, const char *header);

#endif
