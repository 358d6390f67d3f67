/*
 * Rater and admin identity from cookies, and the CSRF check.
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "names.h"
#include "timeutil.h"

static const char SQL_RATER_BY_TOKEN[] =
    "SELECT id,name FROM raters WHERE token_hash=?1";
static const char SQL_RATER_INSERT[] =
    "INSERT INTO raters(token_hash,name) VALUES(?1,?2)";
static const char SQL_ADMIN_BY_TOKEN[] =
    "SELECT id,csrf FROM admin_sessions WHERE token_hash=?1 AND expires_at>?2";
static const char SQL_ADMIN_PURGE[] =
    "DELETE FROM admin_sessions WHERE expires_at<=?1";
static const char SQL_ADMIN_INSERT[] =
    "INSERT INTO admin_sessions(token_hash,csrf,expires_at) VALUES(?1,?2,?3)";
static const char SQL_ADMIN_DELETE[] =
    "DELETE FROM admin_sessions WHERE id=?1";

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
    struct auth_rater *rater)
{
	unsigned char hash[SHA256_BYTES];
	sqlite3_stmt *st;
	int rc, found = 0;

	if (!auth_cookie_hash(req, COOKIE_RATER, hash))
		return 0;
	if ((st = app_stmt(app, SQL_RATER_BY_TOKEN)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rater->id = sqlite3_column_int64(st, 0);
		snprintf(rater->name, sizeof(rater->name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		found = 1;
	} else if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

int
auth_rater_create(struct app *app, struct http_response *resp,
    struct auth_rater *rater)
{
	char token[TOKEN_HEX_LEN + 1];
	unsigned char hash[SHA256_BYTES];
	sqlite3_stmt *st;
	int rc;

	if (token_new(token) == -1 ||
	    names_random(rater->name, sizeof(rater->name)) == -1)
		return -1;
	token_sha256(token, TOKEN_HEX_LEN, hash);
	if ((st = app_stmt(app, SQL_RATER_INSERT)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rater->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		return -1;
	}
	rater->id = sqlite3_last_insert_rowid(app->db);
	return http_header(resp, "Set-Cookie: %s=%s; Path=/; Max-Age=%d; "
	    "HttpOnly; SameSite=Lax%s", COOKIE_RATER, token,
	    AUTH_RATER_MAX_AGE, auth_secure(app));
}

int
auth_rater_require(struct app *app, const struct http_request *req,
    struct http_response *resp, struct auth_rater *rater)
{
	switch (auth_rater_lookup(app, req, rater)) {
	case 1:
		return 0;
	case 0:
		return http_error(resp, 401, "no_rater", "No rater cookie: "
		    "load the page first (GET /api/state gives you one).");
	default:
		return http_error(resp, 500, "internal_error",
		    "Internal error; see the server log.");
	}
}

int
auth_admin_lookup(struct app *app, const struct http_request *req,
    struct auth_admin *admin)
{
	unsigned char hash[SHA256_BYTES];
	sqlite3_stmt *st;
	const char *csrf;
	int rc, found = 0;

	if (!auth_cookie_hash(req, COOKIE_ADMIN, hash))
		return 0;
	if ((st = app_stmt(app, SQL_ADMIN_BY_TOKEN)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_unix_now());
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		admin->id = sqlite3_column_int64(st, 0);
		csrf = (const char *)sqlite3_column_text(st, 1);
		snprintf(admin->csrf, sizeof(admin->csrf), "%s",
		    csrf != NULL ? csrf : "");
		found = 1;
	} else if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

/* Runs a statement with one integer parameter; 0 or -1 (logged). */
static int
auth_exec_int(struct app *app, const char *sql, int64_t v, const char *where)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = app_stmt(app, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, v);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", where, sqlite3_errmsg(app->db));
		return -1;
	}
	return 0;
}

int
auth_admin_create(struct app *app, struct http_response *resp,
    struct auth_admin *admin)
{
	char token[TOKEN_HEX_LEN + 1];
	unsigned char hash[SHA256_BYTES];
	int64_t now = time_unix_now();
	int max_age = app->cfg->admin_session_hours * 3600;
	sqlite3_stmt *st;
	int rc;

	if (token_new(token) == -1 || token_new(admin->csrf) == -1)
		return -1;
	token_sha256(token, TOKEN_HEX_LEN, hash);
	if (db_begin(app->db) == -1)
		return -1;
	if (auth_exec_int(app, SQL_ADMIN_PURGE, now, __func__) == -1 ||
	    (st = app_stmt(app, SQL_ADMIN_INSERT)) == NULL)
		goto fail;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, admin->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now + max_age);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(app->db));
		goto fail;
	}
	admin->id = sqlite3_last_insert_rowid(app->db);
	if (db_commit(app->db) == -1)
		return -1;
	return http_header(resp, "Set-Cookie: %s=%s; Path=/; Max-Age=%d; "
	    "HttpOnly; SameSite=Strict%s", COOKIE_ADMIN, token, max_age,
	    auth_secure(app));
fail:
	db_rollback(app->db);
	return -1;
}

int
auth_admin_delete(struct app *app, struct http_response *resp, int64_t id)
{
	if (auth_exec_int(app, SQL_ADMIN_DELETE, id, __func__) == -1)
		return -1;
	return http_header(resp, "Set-Cookie: %s=; Path=/; Max-Age=0; "
	    "HttpOnly; SameSite=Strict%s", COOKIE_ADMIN, auth_secure(app));
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
