#include "upgrade.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "event.h"
#include "origin.h"
#include "token.h"

int
upgrade_path_group(const char *path)
{
	if (strcmp(path, "/ws/user") == 0)
		return EVENT_GROUP_USER;
	if (strcmp(path, "/ws/admin") == 0)
		return EVENT_GROUP_ADMIN;
	return 0;
}

int
upgrade_parse_since(const char *s, int64_t *since)
{
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*since = (int64_t)v;
	return 0;
}

int
upgrade_origin_ok(const char *origin, const char *site)
{
	/* No Origin: not a browser page, so no page of another site. */
	return origin == NULL || origin_in_list(origin, site);
}

/*
 * The admin cookie names a live session: 1, with the grant's admin part;
 * 0 not; -1 the lookup cannot tell now.
 */
static int
admin_ok(const char *cookie, upgrade_admin_fn admin, void *arg,
    struct upgrade_grant *grant)
{
	char token[256];
	int rc;

	if (cookie == NULL ||
	    cookie_get(cookie, COOKIE_ADMIN, token, sizeof(token)) == -1)
		return 0;
	token_sha256(token, strlen(token), grant->admin_hash);
	rc = admin(arg, grant->admin_hash, &grant->admin_session_id,
	    &grant->admin_expires_at);
	return rc == 1 ? 1 : rc == -1 ? -1 : 0;
}

enum upgrade_verdict
upgrade_check(const struct upgrade_request *req, const char *site_origin,
    upgrade_admin_fn admin, void *arg, struct upgrade_grant *grant)
{
	memset(grant, 0, sizeof(*grant));
	if (req->stopping)
		return UPGRADE_STOPPING;
	if (req->path == NULL ||
	    (grant->group = upgrade_path_group(req->path)) == 0)
		return UPGRADE_BAD_PATH;
	if (req->origin_too_long ||
	    !upgrade_origin_ok(req->origin, site_origin))
		return UPGRADE_BAD_ORIGIN;
	if (req->since != NULL) {
		if (upgrade_parse_since(req->since, &grant->since) == -1)
			return UPGRADE_BAD_SINCE;
		grant->has_since = 1;
	}
	/*
	 * The client saw events this node does not have and cannot fetch:
	 * a 101 would say hello with an older head, which a page takes for
	 * another database and answers with a reload and a reconnect, in a
	 * loop.  A 503 makes it poll REST and retry, here or elsewhere.
	 */
	if (req->source_down && grant->has_since && grant->since > req->head)
		return UPGRADE_UNAVAILABLE;
	if (grant->group == EVENT_GROUP_ADMIN) {
		switch (admin_ok(req->cookie, admin, arg, grant)) {
		case 1:
			break;
		case -1:
			return UPGRADE_UNAVAILABLE;
		default:
			return UPGRADE_NO_ADMIN;
		}
	}
	return UPGRADE_OK;
}

unsigned int
upgrade_status(enum upgrade_verdict v)
{
	switch (v) {
	case UPGRADE_OK:
		return 101;
	case UPGRADE_STOPPING:
		return 503;
	case UPGRADE_BAD_PATH:
		return 404;
	case UPGRADE_BAD_ORIGIN:
		return 403;
	case UPGRADE_BAD_SINCE:
		return 400;
	case UPGRADE_NO_ADMIN:
		return 401;
	case UPGRADE_UNAVAILABLE:
		return 503;
	}
	return 500;
}

const char *
upgrade_reason(enum upgrade_verdict v)
{
	switch (v) {
	case UPGRADE_OK:
		return "ok";
	case UPGRADE_STOPPING:
		return "stopping";
	case UPGRADE_BAD_PATH:
		return "unknown path";
	case UPGRADE_BAD_ORIGIN:
		return "origin";
	case UPGRADE_BAD_SINCE:
		return "bad since";
	case UPGRADE_NO_ADMIN:
		return "no valid admin session";
	case UPGRADE_UNAVAILABLE:
		return "the event source cannot be read now";
	}
	return "?";
}
