#ifndef MEMETER_ORIGIN_H
#define MEMETER_ORIGIN_H

/*
 * The one origin rule (SPEC.md, "a party on a real network"), applied by
 * fcgi to admin changes and by pushd to WebSocket upgrades: scheme and
 * host compare case-insensitively, a default port (80 for http, 443 for
 * https) equals no port, a trailing slash is ignored.  Two programs with
 * two rules would let a page change through one door what the other
 * refuses.
 */

#include <stddef.h>

/* scheme://host[:port] of the longest origin we accept, NUL included. */
#define ORIGIN_MAX	300

/*
 * The canonical form of the origin that url starts with (an Origin
 * header, a Referer, a configured URL): lower case, default port
 * dropped, no path.  0, or -1 when url has no http(s) origin or it does
 * not fit in len.
 */
int	origin_canonical(const char *url, char *out, size_t len);

/*
 * Whether url's origin is one of the origins in list (separated by
 * spaces or commas; a NULL or empty list allows nothing).
 */
int	origin_in_list(const char *url, const char *list);

struct config;
/*
 * The origins memeter accepts changes and WebSockets from: those of
 * site_origin and the origin of public_url.
 */
int	origin_accepted(const struct config *cfg, const char *url);

#endif
