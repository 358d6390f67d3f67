#ifndef PUSHD_UPGRADE_H
#define PUSHD_UPGRADE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The checks on a WebSocket upgrade request, apart from libwebsockets:
 * the server copies the headers out and this decides.  Order matters
 * (the first failing check answers): stopping, path, Origin, since, a
 * since this pushd cannot reach now, the admin cookie.
 */
struct upgrade_request {
	const char	*path;		/* request path, no query */
	const char	*origin;	/* Origin header, NULL if absent */
	int		 origin_too_long; /* present but did not fit: refused */
	const char	*since;		/* the since= argument, NULL if absent */
	const char	*cookie;	/* Cookie header, NULL if absent */
	int		 stopping;	/* pushd is stopping */
	/* An edge that cannot read its stream now (Redis unreachable):
	 * it serves what it holds, up to head, and nothing newer. */
	int		 source_down;
	int64_t		 head;		/* the last seq this pushd has */
};

enum upgrade_verdict {
	UPGRADE_OK = 0,
	UPGRADE_STOPPING,	/* 503 */
	UPGRADE_BAD_PATH,	/* 404 */
	UPGRADE_BAD_ORIGIN,	/* 403 */
	UPGRADE_BAD_SINCE,	/* 400 */
	UPGRADE_NO_ADMIN,	/* 401 */
	UPGRADE_UNAVAILABLE,	/* 503: cannot check or serve it now; retry */
};

/* What an accepted upgrade asked for. */
struct upgrade_grant {
	int		 group;		/* EVENT_GROUP_* */
	int		 has_since;
	int64_t		 since;
	/* /ws/admin: the session that let it in */
	unsigned char	 admin_hash[32];	/* SHA-256 of the cookie token */
	int64_t		 admin_session_id;
	int64_t		 admin_expires_at;	/* unix seconds */
};

/*
 * Looks up an admin session by its token hash: 1 valid (fills
 * *session_id, *expires_at), 0 not (or not any more), -1 cannot tell now
 * (an edge's Redis is unreachable, or has no list yet): the upgrade gets
 * 503, not 401, so the page retries instead of asking for a login.
 */
typedef int (*upgrade_admin_fn)(void *arg, const unsigned char hash[32],
    int64_t *session_id, int64_t *expires_at);

/* Decides a request against site_origin; fills grant when UPGRADE_OK. */
enum upgrade_verdict upgrade_check(const struct upgrade_request *req,
	    const char *site_origin, upgrade_admin_fn admin, void *arg,
	    struct upgrade_grant *grant);

/* The HTTP status of a refusal, and a few words for the log. */
unsigned int	 upgrade_status(enum upgrade_verdict v);
const char	*upgrade_reason(enum upgrade_verdict v);

/* The group a request path serves (EVENT_GROUP_*), 0 for none. */
int	 upgrade_path_group(const char *path);

/* Parses a ?since= value: decimal digits only, >= 0.  0 or -1. */
int	 upgrade_parse_since(const char *s, int64_t *since);

/* 1 if the request may go on: no Origin header, or one of the site's. */
int	 upgrade_origin_ok(const char *origin, const char *site);

#endif
