#include "utf8.h"

#include <string.h>

size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

long
utf8_chars(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n;
	long chars = 0;
	uint32_t cp;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0)
			return -1;
		chars++;
	}
	return chars;
}

int
utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

int
utf8_is_deceptive(uint32_t cp)
{
	return cp == 0x00ad ||			/* soft hyphen */
	    cp == 0x061c ||			/* Arabic letter mark */
	    cp == 0x180e ||			/* Mongolian vowel separator */
	    (cp >= 0x200b && cp <= 0x200f) ||	/* ZW space/joiners, LRM, RLM */
	    (cp >= 0x202a && cp <= 0x202e) ||	/* embeddings and overrides */
	    (cp >= 0x2060 && cp <= 0x2064) ||	/* word joiner, invisible ops */
	    (cp >= 0x2066 && cp <= 0x2069) ||	/* isolates */
	    cp == 0xfeff;			/* BOM / ZW no-break space */
}

static int
utf8_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

int
utf8_name_clean(const char *in, size_t maxchars, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len, i, n, chars = 0;
	uint32_t cp;

	if (in == NULL)
		return -1;
	len = strlen(in);
	while (len > 0 && utf8_is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && utf8_is_space(s[len - 1]))
		len--;
	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return -1;
		if (utf8_is_control(cp) || utf8_is_deceptive(cp))
			return -1;
		chars++;
	}
	if (chars < 1 || chars > maxchars || len + 1 > outlen)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}
