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
/* A parameter value: room for a whole filename* (charset, language and
 * a file name of 255 bytes, every one %XX-encoded). */
#define MP_PARAM_MAX		1024

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
	char tmp[MP_PARAM_MAX];
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

/* Value of a hex digit, -1 for another byte. */
static int
mp_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if it
 * is broken, overlong, a surrogate or beyond U+10FFFF. */
static size_t
mp_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int c;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/*
 * 1 if s is a file name we can carry: valid UTF-8 without C0 or C1
 * control characters.  It ends up in JSON error messages and meme titles, where
 * broken UTF-8 or a control byte would be broken output.
 */
static int
mp_filename_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s), n;

	while (left > 0) {
		if ((n = mp_utf8_len(u, left)) == 0 ||
		    (n == 1 && (*u < 0x20 || *u == 0x7f)) ||
		    (n == 2 && u[0] == 0xc2 && u[1] < 0xa0))	/* C1 */
			return 0;
		u += n;
		left -= n;
	}
	return 1;
}

/*
 * Decodes an RFC 8187 (ex-5987) ext-value, charset'language'pct-value,
 * into a NUL-terminated UTF-8 file name in out.  The charset must be
 * UTF-8 or ISO-8859-1 (the two the RFC names; Latin-1 is converted);
 * a broken %XX escape, a decoded NUL or control byte, bad UTF-8 or a
 * name that does not fit are malformed: 0 or -1.
 */
static int
mp_ext_value(const char *in, char *out, size_t outlen)
{
	const char *q1, *q2, *v;
	size_t o = 0;
	int latin1, hi, lo;
	unsigned char c;

	if ((q1 = strchr(in, '\'')) == NULL ||
	    (q2 = strchr(q1 + 1, '\'')) == NULL)
		return -1;
	if ((size_t)(q1 - in) == 5 && strncasecmp(in, "UTF-8", 5) == 0)
		latin1 = 0;
	else if ((size_t)(q1 - in) == 10 &&
	    strncasecmp(in, "ISO-8859-1", 10) == 0)
		latin1 = 1;
	else
		return -1;
	for (v = q1 + 1; v < q2; v++)	/* an RFC 5646 language tag */
		if (!isalnum((unsigned char)*v) && *v != '-')
			return -1;
	for (v = q2 + 1; *v != '\0'; v++) {
		c = (unsigned char)*v;
		if (c == '%') {
			if ((hi = mp_hex(v[1])) == -1 || (lo = mp_hex(v[2])) == -1)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			v += 2;
		}
		if (latin1 && c >= 0x80) {
			if (o + 3 > outlen)
				return -1;
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
			continue;
		}
		if (c == '\0' || o + 2 > outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return mp_filename_ok(out) ? 0 : -1;
}

/* The Content-Disposition value v[0..len): form-data, its name, and the
 * file name if any (filename*, when valid, wins over filename). */
static int
mp_disposition(const char *v, size_t len, struct multipart_part *part)
{
	char ext[MP_PARAM_MAX];
	int r;

	if (len < 9 || strncasecmp(v, "form-data", 9) != 0 ||
	    (len > 9 && v[9] != ';' && v[9] != ' ' && v[9] != '\t'))
		return -1;
	if (mp_param(v, len, "name", part->name, sizeof(part->name)) != 1)
		return -1;
	if ((r = mp_param(v, len, "filename", part->filename,
	    sizeof(part->filename))) == -1)
		return -1;
	part->is_file = r == 1;
	if (part->is_file && !mp_filename_ok(part->filename))
		return -1;
	if ((r = mp_param(v, len, "filename*", ext, sizeof(ext))) == -1)
		return -1;
	if (r == 1) {
		if (mp_ext_value(ext, part->filename,
		    sizeof(part->filename)) == -1)
			return -1;
		part->is_file = 1;
	}
	return 0;
}

/* Parses one part's header block [p, end) (lines without the final
 * empty one) into part; -1 if malformed.  A NUL byte anywhere in it is
 * malformed: it would silently cut a name short. */
static int
mp_headers(const char *p, const char *end, struct multipart_part *part)
{
	const char *eol, *colon, *v;
	int disposition = 0;

	if (memchr(p, '\0', (size_t)(end - p)) != NULL)
		return -1;
	while (p < end) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			eol = end;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL)
			return -1;
		v = mp_skip_space(colon + 1, eol);
		if ((size_t)(colon - p) == 19 &&
		    strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (disposition ||
			    mp_disposition(v, (size_t)(eol - v), part) == -1)
				return -1;
			disposition = 1;
		} else if ((size_t)(colon - p) == 12 &&
		    strncasecmp(p, "Content-Type", 12) == 0) {
			if ((size_t)(eol - v) >= sizeof(part->content_type))
				return -1;
			memcpy(part->content_type, v, (size_t)(eol - v));
			part->content_type[eol - v] = '\0';
		}
		p = eol == end ? end : eol + 2;
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
