#include "jsonw.h"

#include <string.h>

void
jsonw_init(struct jsonw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->failed = cap == 0;
	if (cap > 0)
		buf[0] = '\0';
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	/* Room for the NUL too. */
	if (n >= w->cap - w->len) {
		w->failed = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
jsonw_lit(struct jsonw *w, const char *s)
{
	jsonw_raw(w, s, strlen(s));
}

/* Digits by hand: snprintf costs ~1,000 instructions a number, and the
 * rating path writes a dozen. */
void
jsonw_int(struct jsonw *w, int64_t v)
{
	char num[24], *p = num + sizeof(num);
	/* The magnitude as unsigned: -INT64_MIN does not fit int64_t. */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jsonw_raw(w, p, (size_t)(num + sizeof(num) - p));
}

void
jsonw_string(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	static const char from[] = "\b\n\r\t\f\"\\", to[] = "bnrtf\"\\";
	const char *e, *run;
	char esc[6];
	unsigned char c;

	jsonw_raw(w, "\"", 1);
	for (run = s; (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jsonw_raw(w, run, (size_t)(s - run));
		run = s + 1;
		if ((e = strchr(from, c)) != NULL) {
			esc[0] = '\\';
			esc[1] = to[e - from];
			jsonw_raw(w, esc, 2);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			jsonw_raw(w, esc, 6);
		}
	}
	jsonw_raw(w, run, (size_t)(s - run));
	jsonw_raw(w, "\"", 1);
}

int
jsonw_len(const struct jsonw *w)
{
	return w->failed ? -1 : (int)w->len;
}
