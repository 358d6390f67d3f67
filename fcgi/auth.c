/*
 * Rater and admin identity from cookies, and the CSRF check.
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "outcome.h"
#include "timeutil.h"

/* Cookies only over HTTPS when the site is served over HTTPS. */
static const char *
auth_secure(const struct app *app)
{
	return strncmp(app->cfg->site_origin, "https://", 8) == 0 ?
	    "; Secure" : "";
}

/* SHA-256 of the cookie named name, if it holds a well-formed token. */
static int
auth_cookie_hash(const struct http_request *req, const char *name,
    unsigned char hash[SHA256_BYTES])
{
	char token[TOKEN_HEX_LEN + 1];

	if (http_cookie(req, name, token, sizeof(token)) == -1 ||
	    !token_valid(token))
		return 0;
	token_sha256(token, TOKEN_HEX_LEN, hash);
	return 1;
}

int
auth_rater_lookup(struct app *app, const struct http_request *req,
    struct store_rater *rater)
{
	unsigned char hash[SHA256_BYTES];

	int rc;

	if (!auth_cookie_hash(req, COOKIE_RATER, hash))
		return STORE_NOT_FOUND;
	if ((rc = store_rater_by_token(app->store, hash, rater)) != STORE_OK)
		return rc;
	/* Presence only: a note that fails (logged) must not fail the
	 * request it rides on. */
	(void)store_rater_seen(app->store, rater);
	return STORE_OK;
}

int
auth_rater_create(struct app *app, const struct http_request *req,
    struct http_response *resp,
    struct store_rater *rater)
{
	char token[TOKEN_HEX_LEN + 1], name[NAMES_MAX];
	unsigned char hash[SHA256_BYTES];
	int rc;

	if (token_new(token) == -1 || names_random(name, sizeof(name)) == -1)
		return STORE_DB_ERROR;
	token_sha256(token, TOKEN_HEX_LEN, hash);
	if ((rc = store_rater_join(app->store, req->remote_addr != NULL ?
	    req->remote_addr : "", app->cfg->join_rate, app->cfg->join_burst,
	    hash, name, rater)) != STORE_OK)
		return rc;
	if (http_header(resp, "Set-Cookie: %s=%s; Path=/; Max-Age=%d; "
	    "HttpOnly; SameSite=Lax%s", COOKIE_RATER, token,
	    AUTH_RATER_MAX_AGE, auth_secure(app)) == -1)
		return STORE_DB_ERROR;
	return STORE_OK;
}

int
auth_rater_require(struct app *app, const struct http_request *req,
    struct http_response *resp, struct store_rater *rater)
{
	int rc = auth_rater_lookup(app, req, rater);

	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_NOT_FOUND)
		return http_error(resp, 401, "no_rater", "No rater cookie: "
		    "load the page first (GET /api/state gives you one).");
	return outcome_error(resp, rc);
}

int
auth_admin_lookup(struct app *app, const struct http_request *req,
    struct auth_admin *admin)
{
	unsigned char hash[SHA256_BYTES];

	if (!auth_cookie_hash(req, COOKIE_ADMIN, hash))
		return STORE_NOT_FOUND;
	return store_admin_session_get(app->store, hash, &admin->id,
	    admin->csrf, sizeof(admin->csrf));
}

int
auth_admin_create(struct app *app, struct http_response *resp,
    struct auth_admin *admin)
{
	char token[TOKEN_HEX_LEN + 1];
	unsigned char hash[SHA256_BYTES];
	int max_age = app->cfg->admin_session_hours * 3600;
	int rc;

	if (token_new(token) == -1 || token_new(admin->csrf) == -1)
		return STORE_DB_ERROR;
	token_sha256(token, TOKEN_HEX_LEN, hash);
	if ((rc = store_admin_session_create(app->store, hash, admin->csrf,
	    time_unix_now() + max_age, &admin->id)) != STORE_OK)
		return rc;
	if (http_header(resp, "Set-Cookie: %s=%s; Path=/; Max-Age=%d; "
	    "HttpOnly; SameSite=Strict%s", COOKIE_ADMIN, token, max_age,
	    auth_secure(app)) == -1)
		return STORE_DB_ERROR;
	return STORE_OK;
}

int
auth_admin_delete(struct app *app, struct http_response *resp, int64_t id)
{
	int rc;

	if ((rc = store_admin_session_delete(app->store, id)) != STORE_OK)
		return rc;
	if (http_header(resp, "Set-Cookie: %s=; Path=/; Max-Age=0; "
	    "HttpOnly; SameSite=Strict%s", COOKIE_ADMIN, auth_secure(app)) ==
	    -1)
		return STORE_DB_ERROR;
	return STORE_OK;
}

int
auth_csrf_ok(const char *expected, const char *header)
{
	size_t n;

	if (expected == NULL || header == NULL)
		return 0;
	n = strlen(expected);
	/* Lengths are no secret (always TOKEN_HEX_LEN); the bytes are. */
	return n > 0 && strlen(header) == n && token_equal(expected, header, n);
}
