/*
 * Unit tests of fcgi/routes.c: which requests reach a handler and which
 * are stopped with 404 / 405 / 401 / 403 first.  Requests are built
 * directly and run through app_dispatch() against a fresh in-memory
 * database per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "store/db.h"
#include "log.h"
#include "timeutil.h"
#include "../../fcgi/app.h"
#include "../../fcgi/auth.h"
#include "../../fcgi/routes.h"
#include "unit_app.h"

#define SITE "http://127.0.0.1:8080"

struct fixture {
	struct config	 cfg;
	struct app	 app;
	char		 admin_cookie[64];
	char		 csrf[TOKEN_HEX_LEN + 1];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (unit_app_open(&f->app, &f->cfg, SITE, "/nonexistent/notify.sock")
	    == -1)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unit_app_close(&f->app);
	free(f);
	return 0;
}

static int
run(struct fixture *f, const char *method, const char *path,
    const char *cookie, const char *csrf, const char *origin,
    const char *body, struct http_response *resp)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = req.referer = "";
	req.content_type = body != NULL ? "application/json" : "";
	req.cookie = cookie != NULL ? cookie : "";
	req.csrf = csrf != NULL ? csrf : "";
	req.origin = origin != NULL ? origin : "";
	req.remote_addr = "127.0.0.1";
	req.body = body != NULL ? body : "";
	req.body_len = strlen(req.body);
	http_response_reset(resp);
	app_dispatch(&f->app, &req, resp);
	return resp->status;
}

/* Logs in by the auth module and keeps the cookie and CSRF token. */
static void
login(struct fixture *f)
{
	struct http_response resp;
	struct auth_admin admin;
	const char *sc;

	http_response_init(&resp);
	assert_int_equal(auth_admin_create(&f->app, &resp, &admin), 0);
	sc = unit_header_of(&resp, "Set-Cookie");
	assert_non_null(sc);
	assert_int_equal(strncmp(sc, "mr_admin=", 9), 0);
	snprintf(f->admin_cookie, sizeof(f->admin_cookie), "%.*s",
	    (int)strcspn(sc, ";"), sc);
	snprintf(f->csrf, sizeof(f->csrf), "%s", admin.csrf);
	http_response_reset(&resp);
}

static void
unknown_paths_404(void **state)
{
	static const char *const paths[] = {
		"/api/nope", "/api/state/", "/api", "/", "/api/results/abc",
		"/api/results/0", "/api/results/-1", "/api/results/+1",
		"/api/results/1x", "/api/results/99999999999999999999",
		"/api/results/", "/api/admin/sessions/1/unknown",
		"/api/admin/sessions/x/start", "/API/STATE",
	};
	struct fixture *f = *state;
	struct http_response resp;

	http_response_init(&resp);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (run(f, "GET", paths[i], NULL, NULL, NULL, NULL, &resp) !=
		    404)
			fail_msg("%s: %d", paths[i], resp.status);
		assert_string_equal(unit_code_of(&resp), "not_found");
		assert_string_equal(resp.content_type == NULL ?
		    "application/json" : resp.content_type, "application/json");
	}
	http_response_reset(&resp);
}

static void
wrong_method_405(void **state)
{
	static const struct {
		const char	*method;
		const char	*path;
		const char	*allow;
	} cases[] = {
		{ "POST",   "/api/state",		"GET" },
		{ "GET",    "/api/ratings",		"POST" },
		{ "DELETE", "/api/ratings",		"POST" },
		{ "POST",   "/api/me",			"PATCH" },
		{ "GET",    "/api/admin/login",		"POST" },
		{ "PUT",    "/api/admin/sessions/3/start", "POST" },
		{ "POST",   "/api/admin/sessions/3/stats", "GET" },
		{ "DELETE", "/api/admin/state",		"GET" },
	};
	struct fixture *f = *state;
	struct http_response resp;
	int64_t before = db_schema_version(f->app.store->db);

	http_response_init(&resp);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(f, cases[i].method, cases[i].path, NULL, NULL, NULL, "{}",
		    &resp);
		if (resp.status != 405)
			fail_msg("%s %s: %d", cases[i].method, cases[i].path,
			    resp.status);
		assert_string_equal(unit_code_of(&resp), "method_not_allowed");
		assert_non_null(unit_header_of(&resp, "Allow"));
		assert_string_equal(unit_header_of(&resp, "Allow"), cases[i].allow);
	}
	assert_int_equal(db_schema_version(f->app.store->db), before);
	http_response_reset(&resp);
}

static void
admin_needs_login(void **state)
{
	struct fixture *f = *state;
	struct http_response resp;

	http_response_init(&resp);
	assert_int_equal(run(f, "GET", "/api/admin/state", NULL, NULL, NULL,
	    NULL, &resp), 401);
	assert_string_equal(unit_code_of(&resp), "not_logged_in");
	assert_int_equal(run(f, "POST", "/api/admin/sessions",
	    "mr_admin=0123456789abcdef0123456789abcdef", "x", SITE,
	    "{\"name\":\"x\"}", &resp), 401);
	assert_int_equal(run(f, "POST", "/api/admin/sessions",
	    "mr_admin=not-a-token", NULL, NULL, "{\"name\":\"x\"}", &resp), 401);
	/* An expired session is no session. */
	login(f);
	assert_int_equal(db_exec(f->app.store->db,
	    "UPDATE admin_sessions SET expires_at=1"), 0);
	assert_int_equal(run(f, "GET", "/api/admin/state", f->admin_cookie,
	    NULL, NULL, NULL, &resp), 401);
	http_response_reset(&resp);
}

static int64_t
count_sessions(struct fixture *f)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(f->app.store->db,
	    "SELECT count(*) FROM sessions", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
admin_mutations_need_csrf(void **state)
{
	struct fixture *f = *state;
	struct http_response resp;
	char wrong[TOKEN_HEX_LEN + 1];

	http_response_init(&resp);
	login(f);
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    NULL, SITE, "{\"name\":\"Party\"}", &resp), 403);
	assert_string_equal(unit_code_of(&resp), "bad_csrf");
	snprintf(wrong, sizeof(wrong), "%s", f->csrf);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    wrong, SITE, "{\"name\":\"Party\"}", &resp), 403);
	/* A part of the token is not the token. */
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    f->csrf + 1, SITE, "{\"name\":\"Party\"}", &resp), 403);
	assert_int_equal(count_sessions(f), 0);
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    f->csrf, SITE, "{\"name\":\"Party\"}", &resp), 201);
	assert_int_equal(count_sessions(f), 1);
	/* GETs need no token; admin state hands it back for a reload. */
	assert_int_equal(run(f, "GET", "/api/admin/state", f->admin_cookie,
	    NULL, NULL, NULL, &resp), 200);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    resp.json, "csrf")), f->csrf);
	http_response_reset(&resp);
}

static void
path_id_reaches_handler(void **state)
{
	struct fixture *f = *state;
	struct http_response resp;
	char path[64];
	int64_t id;

	http_response_init(&resp);
	login(f);
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    f->csrf, SITE, "{\"name\":\"One\"}", &resp), 201);
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    f->csrf, SITE, "{\"name\":\"Two\"}", &resp), 201);
	id = json_object_get_int64(json_object_object_get(resp.json, "id"));
	snprintf(path, sizeof(path), "/api/admin/sessions/%lld/start",
	    (long long)id);
	assert_int_equal(run(f, "POST", path, f->admin_cookie, f->csrf, SITE,
	    "{}", &resp), 200);
	assert_int_equal(json_object_get_int64(json_object_object_get(
	    resp.json, "id")), id);
	assert_string_equal(json_object_get_string(json_object_object_get(
	    resp.json, "name")), "Two");
	/* A leading zero is the same number. */
	snprintf(path, sizeof(path), "/api/admin/sessions/0%lld/stats",
	    (long long)id);
	assert_int_equal(run(f, "GET", path, f->admin_cookie, NULL, NULL, NULL,
	    &resp), 200);
	http_response_reset(&resp);
}

static void
foreign_origin_403(void **state)
{
	struct fixture *f = *state;
	struct http_response resp;
	struct http_request req;

	http_response_init(&resp);
	login(f);
	/* Even with cookie and token: the browser was on another site. */
	assert_int_equal(run(f, "POST", "/api/admin/sessions", f->admin_cookie,
	    f->csrf, "http://evil.example", "{\"name\":\"x\"}", &resp), 403);
	assert_string_equal(unit_code_of(&resp), "bad_origin");
	assert_int_equal(run(f, "POST", "/api/ratings", NULL, NULL,
	    "http://127.0.0.1:8080.evil.example", "{}", &resp), 403);
	assert_int_equal(run(f, "PATCH", "/api/me", NULL, NULL, "null",
	    "{}", &resp), 403);
	assert_int_equal(run(f, "POST", "/api/admin/login", NULL, NULL,
	    "https://127.0.0.1:8080", "{}", &resp), 403);
	assert_int_equal(count_sessions(f), 0);
	/* HEAD is a GET without the body (nginx drops it). */
	assert_int_equal(run(f, "HEAD", "/api/health", NULL, NULL, NULL, NULL,
	    &resp), 200);
	assert_int_equal(run(f, "HEAD", "/api/ratings", NULL, NULL, NULL, NULL,
	    &resp), 405);
	/* Reads are not mutations. */
	assert_int_equal(run(f, "GET", "/api/health", NULL, NULL,
	    "http://evil.example", NULL, &resp), 200);
	/* Without Origin, a foreign Referer is refused, ours accepted. */
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/api/admin/sessions";
	req.query = req.origin = "";
	req.cookie = f->admin_cookie;
	req.csrf = f->csrf;
	req.content_type = "application/json";
	req.body = "{\"name\":\"R\"}";
	req.body_len = strlen(req.body);
	req.referer = "http://evil.example/admin";
	http_response_reset(&resp);
	app_dispatch(&f->app, &req, &resp);
	assert_int_equal(resp.status, 403);
	req.referer = SITE "/admin";
	http_response_reset(&resp);
	app_dispatch(&f->app, &req, &resp);
	assert_int_equal(resp.status, 201);
	http_response_reset(&resp);
}

static void
upload_route_is_known(void **state)
{
	(void)state;
	assert_true(routes_is_upload("/api/admin/sessions/12/memes"));
	assert_false(routes_is_upload("/api/admin/sessions/12/memes/"));
	assert_false(routes_is_upload("/api/admin/sessions/x/memes"));
	assert_false(routes_is_upload("/api/ratings"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(unknown_paths_404, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_method_405, setup, teardown),
		cmocka_unit_test_setup_teardown(admin_needs_login, setup, teardown),
		cmocka_unit_test_setup_teardown(admin_mutations_need_csrf, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(path_id_reaches_handler, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(foreign_origin_403, setup, teardown),
		cmocka_unit_test(upload_route_is_known),
	};

	log_set_level(LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
