/*
 * The route table and the checks that guard it.  Every decision that does
 * not depend on the endpoint (404, 405, Origin, admin cookie, CSRF) lives
 * here, once, so a handler only ever sees requests it may serve.
 */
#include "routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "origin.h"
#include "outcome.h"

#define ROUTE_ADMIN	0x01	/* needs a valid mr_admin cookie */
#define ROUTE_CSRF	0x02	/* needs X-CSRF-Token of that admin session */
#define ROUTE_ADD_CSRF	0x04	/* the answer carries the session's CSRF token */
#define ROUTE_IDS	2

struct route {
	const char	*method;
	const char	*pattern;	/* "{id}" matches one positive integer
					 * (at most ROUTE_IDS of them) */
	http_handler	 handler;
	int		 flags;
};

static const struct route routes[] = {
	{ "GET",   "/api/state",		h_state,		0 },
	{ "POST",  "/api/ratings",		h_ratings_post,		0 },
	{ "POST",  "/api/skips",		h_skips_post,		0 },
	{ "PATCH", "/api/me",			h_me_patch,		0 },
	{ "POST",  "/api/presence",		h_presence_post,	0 },
	{ "GET",   "/api/sessions",		h_sessions_list,	0 },
	{ "GET",   "/api/results/{id}",		h_results_get,		0 },
	{ "GET",   "/api/health",		h_health,		0 },
	{ "GET",   "/api/config",		h_config,		0 },
	{ "POST",  "/api/admin/login",		h_admin_login,		0 },
	{ "POST",  "/api/admin/logout",		h_admin_logout,
	    ROUTE_ADMIN | ROUTE_CSRF },
	/* A reloaded dashboard recovers its CSRF token from its state. */
	{ "GET",   "/api/admin/state",		h_admin_state,
	    ROUTE_ADMIN | ROUTE_ADD_CSRF },
	{ "POST",  "/api/admin/sessions",	h_admin_session_create,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/admin/sessions/{id}/start", h_admin_session_start,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/admin/sessions/{id}/finish", h_admin_session_finish,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/admin/sessions/{id}/populate", h_admin_session_populate,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/admin/sessions/{id}/memes", h_admin_session_upload,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "GET",   "/api/admin/sessions/{id}/stats", h_admin_session_stats,
	    ROUTE_ADMIN },
	{ "POST",  "/api/admin/sessions/{id}/reveal", h_admin_session_reveal,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "GET",   "/api/admin/sessions/{id}/export.csv", h_admin_session_export,
	    ROUTE_ADMIN },
	{ "DELETE", "/api/admin/sessions/{id}",	h_admin_session_delete,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "DELETE", "/api/admin/sessions/{id}/memes/{id}",
	    h_admin_session_meme_delete, ROUTE_ADMIN | ROUTE_CSRF },
	{ "PATCH", "/api/admin/memes/{id}",	h_admin_meme_patch,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "GET",   "/api/admin/sessions/{id}/raters", h_admin_session_raters,
	    ROUTE_ADMIN },
	{ "GET",   "/api/admin/sessions/{id}/activity", h_admin_session_activity,
	    ROUTE_ADMIN },
	{ "POST",  "/api/admin/sessions/{id}/round", h_admin_session_round,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/admin/sessions/{id}/lock", h_admin_session_lock,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "PATCH", "/api/admin/raters/{id}",	h_admin_rater_patch,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/admin/raters/{id}/kick", h_admin_rater_kick,
	    ROUTE_ADMIN | ROUTE_CSRF },
	{ "POST",  "/api/reactions",		h_reactions_post,	0 },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/*
 * Matches path against pattern; sets id[0], id[1] for its "{id}"
 * segments.  An id must be digits only, no leading sign, > 0 and fit
 * int64: anything else is no path of ours.
 */
static int
route_match(const char *pattern, const char *path, int64_t id[ROUTE_IDS])
{
	const char *p = pattern, *s = path, *ph;
	char *end;
	long long v;
	int n_ids = 0;

	id[0] = id[1] = 0;
	while ((ph = strstr(p, "{id}")) != NULL && n_ids < ROUTE_IDS) {
		size_t n = (size_t)(ph - p);

		if (strncmp(p, s, n) != 0)
			return 0;
		s += n;
		if (*s < '0' || *s > '9')
			return 0;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || v <= 0)
			return 0;
		id[n_ids++] = v;
		s = end;
		p = ph + 4;
	}
	return strcmp(p, s) == 0;
}

int
routes_is_upload(const char *path)
{
	int64_t id[ROUTE_IDS];

	return route_match("/api/admin/sessions/{id}/memes", path, id);
}

static int
route_is_mutation(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/*
 * A mutation must come from our own pages: an Origin other than ours
 * (browsers send it on every cross-site POST/PATCH) is refused; without
 * one, a Referer from elsewhere is refused too.  Requests with neither
 * (curl, memeterctl) pass: cookies are SameSite, so no other site can
 * make a browser send them that way.
 */
static int
route_origin_ok(const struct app *app, const struct http_request *req)
{
	if (req->origin != NULL && req->origin[0] != '\0')
		return origin_accepted(app->cfg, req->origin);
	if (req->referer != NULL && req->referer[0] != '\0')
		return origin_accepted(app->cfg, req->referer);
	return 1;
}

/* 405 with the methods the path does allow. */
static void
route_not_allowed(const char *path, struct http_response *resp)
{
	char allow[64] = "";
	size_t len = 0;
	int64_t id[ROUTE_IDS];

	for (size_t i = 0; i < NROUTES && len < sizeof(allow); i++) {
		if (!route_match(routes[i].pattern, path, id))
			continue;
		len += (size_t)snprintf(allow + len, sizeof(allow) - len,
		    "%s%s", len > 0 ? ", " : "", routes[i].method);
	}
	http_error(resp, 405, "method_not_allowed",
	    "This path takes only %s.", allow);
	(void)http_header(resp, "Allow: %s", allow);
}

/* The admin checks of a route: 0, or -1 with the error in resp. */
static int
route_admin(struct app *app, const struct route *r,
    const struct http_request *req, struct auth_admin *admin,
    struct http_response *resp)
{
	int rc = auth_admin_lookup(app, req, admin);

	if (rc == STORE_NOT_FOUND)
		return http_error(resp, 401, "not_logged_in",
		    "Log in as the admin first.");
	if (rc != STORE_OK)
		return outcome_error(resp, rc);
	/* Every admin mutation, flagged or not: a route added without
	 * ROUTE_CSRF must not open a hole. */
	if (((r->flags & ROUTE_CSRF) || route_is_mutation(req->method)) &&
	    !auth_csrf_ok(admin->csrf, req->csrf))
		return http_error(resp, 403, "bad_csrf",
		    "Missing or wrong X-CSRF-Token header; reload the page.");
	return 0;
}

void
routes_dispatch(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	const struct route *r = NULL;
	struct http_request rq = *req;
	struct auth_admin admin;
	/* nginx drops the body of a HEAD answer itself. */
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" :
	    req->method;
	int path_known = 0;
	int64_t id[ROUTE_IDS] = { 0, 0 };

	for (size_t i = 0; i < NROUTES; i++) {
		if (!route_match(routes[i].pattern, req->path, id))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, method) == 0) {
			r = &routes[i];
			break;
		}
	}
	if (!path_known) {
		http_error(resp, 404, "not_found", "No such API path.");
		return;
	}
	if (r == NULL) {
		route_not_allowed(req->path, resp);
		return;
	}
	if (route_is_mutation(req->method) && !route_origin_ok(app, req)) {
		http_error(resp, 403, "bad_origin",
		    "Requests from another site are refused.");
		return;
	}
	rq.path_id = id[0];
	rq.path_id2 = id[1];
	rq.admin_id = 0;
	rq.admin_csrf = NULL;
	if (r->flags & ROUTE_ADMIN) {
		if (route_admin(app, r, req, &admin, resp) == -1)
			return;
		rq.admin_id = admin.id;
		rq.admin_csrf = admin.csrf;
	}
	(void)r->handler(app, &rq, resp);
	if ((r->flags & ROUTE_ADD_CSRF) && resp->status == 200 &&
	    json_object_is_type(resp->json, json_type_object))
		json_object_object_add(resp->json, "csrf",
		    json_object_new_string(admin.csrf));
}
