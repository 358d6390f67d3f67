/*
 * The results CSV, one writer for the API's export.csv and memeterctl's
 * export --csv so that the two never drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

/* A growing buffer; after one failed allocation every append is a no-op. */
struct csv {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 failed;
};

static void
csv_append(struct csv *c, const char *s, size_t n)
{
	char *tmp;
	size_t cap;

	if (c->failed)
		return;
	if (c->len + n + 1 > c->cap) {
		cap = c->cap ? c->cap : 1024;
		while (cap < c->len + n + 1)
			cap *= 2;
		if ((tmp = realloc(c->buf, cap)) == NULL) {
			c->failed = 1;
			return;
		}
		c->buf = tmp;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static void
csv_str(struct csv *c, const char *s)
{
	csv_append(c, s, strlen(s));
}

/* A text field, always quoted with quotes doubled.  A leading = + - @
 * gets a ' so spreadsheets show the title instead of running it. */
static void
csv_text(struct csv *c, const char *s)
{
	const char *q;

	csv_str(c, "\"");
	if (s[0] != '\0' && strchr("=+-@", s[0]) != NULL)
		csv_str(c, "'");
	while ((q = strchr(s, '"')) != NULL) {
		csv_append(c, s, (size_t)(q - s) + 1);
		csv_str(c, "\"");
		s = q + 1;
	}
	csv_str(c, s);
	csv_str(c, "\"");
}

/* ",number" of a place, empty when null (unrated); decimals < 0 prints a
 * fraction only if there is one (medians: 7 or 7.5). */
static void
csv_number(struct csv *c, struct json_object *place, const char *key,
    int decimals)
{
	struct json_object *v;
	char buf[64];
	size_t n;

	csv_str(c, ",");
	if (!json_object_object_get_ex(place, key, &v) || v == NULL)
		return;
	if (json_object_is_type(v, json_type_int))
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_object_get_int64(v));
	else
		snprintf(buf, sizeof(buf), "%.*f", decimals < 0 ? 1 : decimals,
		    json_object_get_double(v));
	n = strlen(buf);
	if (decimals < 0 && n > 2 && strcmp(buf + n - 2, ".0") == 0)
		buf[n - 2] = '\0';
	csv_str(c, buf);
}

/* The place's meme title, "" when it has none. */
static const char *
csv_title(struct json_object *place)
{
	struct json_object *meme, *title;

	if (!json_object_object_get_ex(place, "meme", &meme) ||
	    !json_object_object_get_ex(meme, "title", &title) ||
	    title == NULL)
		return "";
	return json_object_get_string(title);
}

char *
export_results_csv(struct json_object *places, size_t *lenp)
{
	struct csv c = { NULL, 0, 0, 0 };
	struct json_object *p;
	char num[32];

	csv_str(&c, "place,title,count,avg,min,max,median\r\n");
	for (size_t i = 0; i < json_object_array_length(places); i++) {
		p = json_object_array_get_idx(places, i);
		snprintf(num, sizeof(num), "%lld", (long long)
		    json_object_get_int64(json_object_object_get(p, "place")));
		csv_str(&c, num);
		csv_str(&c, ",");
		csv_text(&c, csv_title(p));
		csv_number(&c, p, "count", 0);
		csv_number(&c, p, "avg", 2);
		csv_number(&c, p, "min", 0);
		csv_number(&c, p, "max", 0);
		csv_number(&c, p, "median", -1);
		csv_str(&c, "\r\n");
	}
	if (c.failed) {
		free(c.buf);
		return NULL;
	}
	if (lenp != NULL)
		*lenp = c.len;
	return c.buf;
}
