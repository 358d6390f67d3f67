#ifndef MEMETER_COOKIE_H
#define MEMETER_COOKIE_H

#include <stddef.h>

/* The cookies every program reads: fcgi sets them, pushd checks them. */
#define COOKIE_RATER	"mr_rater"
#define COOKIE_ADMIN	"mr_admin"

/*
 * Finds cookie name in a Cookie header value (RFC 6265: "a=b; c=d") and
 * copies its value into out, without the double quotes around a quoted
 * value.  The first cookie called name wins.  0 if found and it fits in
 * outlen (NUL included), else -1: no token of ours is longer, so a value
 * that does not fit counts as absent.  header may be NULL.
 */
int	 cookie_get(const char *header, const char *name, char *out,
	    size_t outlen);

#endif
