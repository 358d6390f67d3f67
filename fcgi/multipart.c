/*
 * multipart/form-data over an in-memory body.  Only what browsers and
 * curl send is needed: CRLF line ends, one Content-Disposition per part,
 * quoted or token parameters; anything else is refused as malformed
 * rather than guessed at.
 */
#include "multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define MULTIPART_HEADERS_MAX	8192	/* header block of one part */

static const char *
mp_skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Copies a quoted-string starting after its opening quote into out;
 * returns the position after the closing quote, NULL if unterminated or
 * too long. */
static const char *
mp_quoted(const char *p, const char *end, char *out, size_t outlen)
{
	size_t o = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			out[o] = '\0';
			return p + 1;
		}
		if (*p == '\\' && p + 1 < end)
			p++;
		if (o + 1 >= outlen)
			return NULL;
		out[o++] = *p;
	}
	return NULL;
}

/*
 * Finds parameter key in a header value such as
 * `form-data; name="file"; filename="a b.png"` and copies its unquoted
 * value into out.  1 found, 0 absent, -1 malformed.
 */
static int
mp_param(const char *v, size_t vlen, const char *key, char *out,
    size_t outlen)
{
	const char *p, *end = v + vlen, *name, *val;
	char tmp[512];
	size_t nlen, klen = strlen(key);

	if ((p = memchr(v, ';', vlen)) == NULL)
		return 0;
	while (p < end && *p == ';') {
		p = mp_skip_space(p + 1, end);
		name = p;
		while (p < end && *p != '=' && *p != ';' && *p != ' ')
			p++;
		nlen = (size_t)(p - name);
		p = mp_skip_space(p, end);
		tmp[0] = '\0';
		if (p < end && *p == '=') {
			p = mp_skip_space(p + 1, end);
			if (p < end && *p == '"') {
				if ((p = mp_quoted(p + 1, end, tmp,
				    sizeof(tmp))) == NULL)
					return -1;
			} else {
				val = p;
				while (p < end && *p != ';' && *p != ' ' &&
				    *p != '\t')
					p++;
				if ((size_t)(p - val) >= sizeof(tmp))
					return -1;
				memcpy(tmp, val, (size_t)(p - val));
				tmp[p - val] = '\0';
			}
		}
		if (nlen == klen && strncasecmp(name, key, klen) == 0) {
			if (strlen(tmp) >= outlen)
				return -1;
			strcpy(out, tmp);
			return 1;
		}
		p = mp_skip_space(p, end);
	}
	return 0;
}

int
multipart_boundary(const char *content_type, char *out, size_t outlen)
{
	static const char type[] = "multipart/form-data";
	size_t n = sizeof(type) - 1, len;

	if (content_type == NULL || strncasecmp(content_type, type, n) != 0 ||
	    (content_type[n] != ';' && content_type[n] != ' ' &&
	    content_type[n] != '\0'))
		return -1;
	len = strlen(content_type);
	if (mp_param(content_type, len, "boundary", out, outlen) != 1)
		return -1;
	len = strlen(out);
	if (len < 1 || len > MULTIPART_BOUNDARY_MAX)
		return -1;
	return 0;
}

/* %XX-decodes s in place (RFC 5987 values). */
static void
mp_percent_decode(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], '\0' };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* Parses one part's header block [p, end) (lines without the final
 * empty one) into part; -1 if malformed. */
static int
mp_headers(const char *p, const char *end, struct multipart_part *part)
{
	const char *eol, *colon, *v;
	char ext[256];
	int disposition = 0, r;

	while (p < end) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			eol = end;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL)
			return -1;
		v = mp_skip_space(colon + 1, eol);
		if ((size_t)(colon - p) == 19 &&
		    strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (eol - v < 9 || strncasecmp(v, "form-data", 9) != 0)
				return -1;
			disposition = 1;
			if (mp_param(v, (size_t)(eol - v), "name", part->name,
			    sizeof(part->name)) != 1)
				return -1;
			if ((r = mp_param(v, (size_t)(eol - v), "filename",
			    part->filename, sizeof(part->filename))) == -1)
				return -1;
			part->is_file = r == 1;
			/* RFC 5987 form, e.g. filename*=UTF-8''caf%C3%A9.png */
			if (mp_param(v, (size_t)(eol - v), "filename*", ext,
			    sizeof(ext)) == 1 && strstr(ext, "''") != NULL) {
				mp_percent_decode(ext);
				snprintf(part->filename, sizeof(part->filename),
				    "%s", strstr(ext, "''") + 2);
				part->is_file = 1;
			}
		} else if ((size_t)(colon - p) == 12 &&
		    strncasecmp(p, "Content-Type", 12) == 0) {
			if ((size_t)(eol - v) >= sizeof(part->content_type))
				return -1;
			memcpy(part->content_type, v, (size_t)(eol - v));
			part->content_type[eol - v] = '\0';
		}
		p = eol + 2;
	}
	return disposition ? 0 : -1;
}

int
multipart_parse(const char *content_type, const char *body, size_t len,
    struct multipart_part **parts, size_t *nparts)
{
	char delim[MULTIPART_BOUNDARY_MAX + 5];	/* "\r\n--" boundary */
	const char *p, *end = body + len, *hdr_end, *data, *next;
	struct multipart_part *v = NULL, *tmp;
	size_t dlen, cnt = 0, cap = 0;

	*parts = NULL;
	*nparts = 0;
	memcpy(delim, "\r\n--", 4);
	if (multipart_boundary(content_type, delim + 4, sizeof(delim) - 4) == -1)
		return -1;
	dlen = strlen(delim);

	/* The first delimiter may open the body, without its CRLF. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else
		goto bad;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;			/* the close delimiter */
		p = mp_skip_space(p, end);
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto bad;
		p += 2;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			hdr_end = p;		/* no headers at all */
			data = p + 2;
		} else {
			hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
			if (hdr_end == NULL || hdr_end - p > MULTIPART_HEADERS_MAX)
				goto bad;
			data = hdr_end + 4;
		}
		if ((next = memmem(data, (size_t)(end - data), delim, dlen)) ==
		    NULL)
			goto bad;
		if (cnt == MULTIPART_MAX_PARTS) {
			log_warnx("%s: more than %d parts", __func__,
			    MULTIPART_MAX_PARTS);
			goto bad;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if ((tmp = reallocarray(v, cap, sizeof(*v))) == NULL) {
				log_warnx("%s: out of memory", __func__);
				goto bad;
			}
			v = tmp;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		if (mp_headers(p, hdr_end, &v[cnt]) == -1)
			goto bad;
		v[cnt].data = data;
		v[cnt].len = (size_t)(next - data);
		cnt++;
		p = next + dlen;
	}
	*parts = v;
	*nparts = cnt;
	return 0;
bad:
	free(v);
	return -1;
}
