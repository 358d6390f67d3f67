#ifndef PUSHD_FILTER_H
#define PUSHD_FILTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The parts of pushd that decide what a client may see and how it looks
 * on the wire, kept free of sockets so the unit tests can drive them.
 */

/* An event rendered once for every group that may see it. */
struct pushd_render {
	char	*admin;		/* envelope for admins, or NULL */
	size_t	 admin_len;
	char	*user;		/* envelope with the user view, or NULL */
	size_t	 user_len;
	int	 user_latest_wins; /* the user message may be coalesced */
};

/*
 * Renders one events row (data is its JSON text, the admin view) for the
 * groups in want (EVENT_GROUP_* bits).  Returns 0 with out filled (the
 * caller frees with pushd_render_clear), or -1 for an unknown type or bad
 * JSON (logged), with out empty.
 */
int	 pushd_render_event(int64_t seq, const char *type, const char *data,
	    const char *ts, int want, struct pushd_render *out);
void	 pushd_render_clear(struct pushd_render *out);

/* The group a request path serves (EVENT_GROUP_*), 0 for none. */
int	 pushd_path_group(const char *path);
const char *pushd_group_name(int group);

/* Parses a ?since= value: decimal digits only, >= 0.  0 or -1. */
int	 pushd_parse_since(const char *s, int64_t *since);

/*
 * Finds cookie name in a Cookie header value ("a=1; b=2") and copies its
 * value into out.  0 if found and it fits, else -1.
 */
int	 pushd_cookie_get(const char *header, const char *name, char *out,
	    size_t outlen);

/* 1 if the request may go on: no Origin header, or exactly the site's. */
int	 pushd_origin_ok(const char *origin, const char *site);

/* The connection messages (no seq of their own); snprintf semantics. */
int	 pushd_fmt_hello(char *buf, size_t len, int64_t head, int group);
int	 pushd_fmt_resync(char *buf, size_t len, int64_t head);
int	 pushd_fmt_presence(char *buf, size_t len, int raters, int admins);

#endif
