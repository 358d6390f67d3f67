/*
 * shared/cookie.c, the Cookie header parser of the pool and of pushd.
 * Input: byte 0 is the output buffer's size, then the cookie name up to
 * '\n', then the header.  Checked against a plain reference reading of
 * RFC 6265 (split at ';', the name before the first '=', white space
 * trimmed, one pair of quotes removed, the first cookie of that name
 * wins): same answer, same value, and the value fits.
 *
 * fuzz-sources: shared/cookie.c
 */
#include "fuzz.h"

#include "shared/cookie.h"

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The reference: 0 and [*v, *v + *vlen) for the first cookie called
 * name, or -1 if there is none. */
static int
reference(const char *h, const char *name, const char **v, size_t *vlen)
{
	const char *piece = h, *end, *eq, *ns, *ne, *vs, *ve;

	for (;; piece = end + 1) {
		end = piece + strcspn(piece, ";");
		eq = memchr(piece, '=', (size_t)(end - piece));
		if (eq != NULL) {
			for (ns = piece; ns < eq && is_ows(*ns); ns++)
				;
			for (ne = eq; ne > ns && is_ows(ne[-1]); ne--)
				;
			if ((size_t)(ne - ns) == strlen(name) &&
			    memcmp(ns, name, strlen(name)) == 0) {
				for (vs = eq + 1; vs < end && is_ows(*vs); vs++)
					;
				for (ve = end; ve > vs && is_ows(ve[-1]); ve--)
					;
				if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
					vs++;
					ve--;
				}
				*v = vs;
				*vlen = (size_t)(ve - vs);
				return 0;
			}
		}
		if (*end == '\0')
			return -1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t head, tail, outlen, vlen = 0;
	char *name, *header, *out;
	const char *v = NULL;
	int rc, ref;

	if (size < 1)
		return 0;
	outlen = data[0];
	fuzz_split_line(data + 1, size - 1, 128, &head, &tail);
	name = fuzz_dup(data + 1, head, 1);
	header = fuzz_dup(data + 1 + tail, size - 1 - tail, 1);
	out = malloc(outlen + 1);	/* +1: malloc(0) may be NULL */
	FUZZ_CHECK(out != NULL);

	rc = cookie_get(header, name, out, outlen);
	ref = reference(header, name, &v, &vlen);
	if (ref == 0 && vlen < outlen) {
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(strlen(out) == vlen && memcmp(out, v, vlen) == 0);
	} else
		FUZZ_CHECK(rc == -1);
	FUZZ_CHECK(cookie_get(NULL, name, out, outlen) == -1);
	free(out);
	free(name);
	free(header);
	return 0;
}
