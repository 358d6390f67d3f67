#ifndef MEMETER_JSONW_H
#define MEMETER_JSONW_H

/*
 * One JSON output rule for every program: what json-c writes with
 * JSON_OUT_FLAGS (compact, "/" left as is), and a small writer that
 * produces the same bytes without building objects, for the few texts
 * written per rating.
 */

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* HTTP answers, event data and envelopes alike. */
#define JSON_OUT_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A text being written into a caller's buffer; once it overflows it
 * stays failed (jsonw_len() is -1), so calls chain without checks. */
struct jsonw {
	char		*buf;
	size_t		 cap;
	size_t		 len;
	int		 failed;
};

void	jsonw_init(struct jsonw *w, char *buf, size_t cap);
/* Appends raw bytes (already JSON). */
void	jsonw_raw(struct jsonw *w, const char *s, size_t n);
void	jsonw_lit(struct jsonw *w, const char *s);
void	jsonw_int(struct jsonw *w, int64_t v);
/* s as a JSON string, quotes included, escaped as json-c escapes it
 * with JSON_OUT_FLAGS. */
void	jsonw_string(struct jsonw *w, const char *s);
/* The length written (the buffer is NUL-terminated), or -1 if it did
 * not fit. */
int	jsonw_len(const struct jsonw *w);

#endif
