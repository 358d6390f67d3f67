/*
 * The Cookie header parser of the pool (fcgi/http.c) and of pushd
 * (pushd/filter.c): both read the same cookies the same way.
 */
#include <string.h>

#include "cookie.h"

static int
cookie_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The value between v and end, trimmed and unquoted, into out. */
static int
cookie_copy(const char *v, const char *end, char *out, size_t outlen)
{
	size_t vlen;

	while (v < end && cookie_is_ows(*v))
		v++;
	vlen = (size_t)(end - v);
	while (vlen > 0 && cookie_is_ows(v[vlen - 1]))
		vlen--;
	if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	if (vlen >= outlen)
		return -1;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return 0;
}

int
cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	const char *p = header, *eq, *ne, *end;
	size_t nlen = strlen(name);

	if (p == NULL || outlen == 0)
		return -1;
	while (*p != '\0') {
		while (cookie_is_ows(*p) || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((eq = memchr(p, '=', (size_t)(end - p))) != NULL) {
			ne = eq;
			while (ne > p && cookie_is_ows(ne[-1]))
				ne--;
			if ((size_t)(ne - p) == nlen &&
			    strncmp(p, name, nlen) == 0)
				return cookie_copy(eq + 1, end, out, outlen);
		}
		p = end;
	}
	return -1;
}
