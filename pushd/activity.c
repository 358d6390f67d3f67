#include "activity.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "event.h"
#include "jsonw.h"
#include "log.h"
#include "source.h"

void
activity_init(struct activity *a)
{
	memset(a, 0, sizeof(*a));
}

void
activity_free(struct activity *a)
{
	free(a->pairs);
	free(a->msg);
	memset(a, 0, sizeof(*a));
}

int64_t
activity_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
activity_ts_ms(const char *ts)
{
	struct tm tm;
	int ms = 0, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (ts == NULL || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%n",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &ms, &n) != 7 || ts[n] != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* The pairs belong to session sid from now on. */
static void
activity_reset(struct activity *a, int64_t sid)
{
	if (a->n > 0 || a->session_id != sid)
		a->dirty = 1;
	a->n = 0;
	a->session_id = sid;
}

static int64_t
json_int_at(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static int64_t
json_rater_id(struct json_object *o)
{
	struct json_object *r;

	if (!json_object_object_get_ex(o, "rater", &r))
		return 0;
	return json_int_at(r, "id");
}

/* Makes room for one more pair: grows, or forgets the oldest. */
static int
activity_room(struct activity *a)
{
	struct activity_pair *p;
	size_t cap, oldest = 0;

	if (a->n < a->cap)
		return 0;
	if (a->cap < ACTIVITY_PAIRS_MAX) {
		cap = a->cap == 0 ? 64 : a->cap * 2;
		if ((p = realloc(a->pairs, cap * sizeof(*p))) != NULL) {
			a->pairs = p;
			a->cap = cap;
			return 0;
		}
		if (a->cap == 0)
			return -1;
	}
	for (size_t i = 1; i < a->n; i++)
		if (a->pairs[i].at_ms < a->pairs[oldest].at_ms)
			oldest = i;
	a->pairs[oldest] = a->pairs[--a->n];
	return 0;
}

static int
activity_rated(struct activity *a, int64_t meme_id, int64_t rater_id,
    int64_t at_ms)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->pairs[i].meme_id == meme_id &&
		    a->pairs[i].rater_id == rater_id) {
			if (at_ms > a->pairs[i].at_ms)
				a->pairs[i].at_ms = at_ms;
			return 0;	/* the count is the same */
		}
	}
	if (activity_room(a) == -1) {
		log_warnx("%s: out of memory", __func__);
		return 0;
	}
	a->pairs[a->n++] = (struct activity_pair){ meme_id, rater_id, at_ms };
	return 1;
}

static int
activity_kicked(struct activity *a, int64_t rater_id)
{
	size_t kept = 0, before = a->n;

	for (size_t i = 0; i < a->n; i++)
		if (a->pairs[i].rater_id != rater_id)
			a->pairs[kept++] = a->pairs[i];
	a->n = kept;
	return kept != before;
}

static int
activity_apply(struct activity *a, const struct source_event *ev,
    struct json_object *o)
{
	int64_t sid = ev->session_id, meme, rater, at;

	switch (ev->type) {
	case EVENT_NEW_RATING:
		meme = json_int_at(o, "meme_id");
		rater = json_rater_id(o);
		if (sid <= 0 || meme <= 0 || rater <= 0 ||
		    (at = activity_ts_ms(ev->ts)) < 0)
			return 0;
		if (sid != a->session_id)
			activity_reset(a, sid);
		return activity_rated(a, meme, rater, at);
	case EVENT_RATER_KICKED:
		return (rater = json_rater_id(o)) > 0 &&
		    activity_kicked(a, rater);
	default:
		return 0;
	}
}

int
activity_event(struct activity *a, const struct source_event *ev)
{
	struct json_tokener *tok;
	struct json_object *o;
	int changed;

	switch (ev->type) {
	case EVENT_SESSION_STARTED:
	case EVENT_SESSION_FINISHED:
	case EVENT_SESSION_DELETED:
		if (ev->session_id != a->session_id && ev->session_id > 0 &&
		    ev->type != EVENT_SESSION_STARTED)
			return 0;	/* not the one being rated */
		activity_reset(a, ev->session_id);
		return a->dirty;
	case EVENT_NEW_RATING:
	case EVENT_RATER_KICKED:
		break;
	default:
		return 0;
	}
	/* data is data_len bytes: a source need not end it with a NUL. */
	if (ev->data == NULL || ev->data_len > INT_MAX ||
	    (tok = json_tokener_new()) == NULL)
		return 0;
	o = json_tokener_parse_ex(tok, ev->data, (int)ev->data_len);
	json_tokener_free(tok);
	if (o == NULL)
		return 0;
	changed = activity_apply(a, ev, o);
	json_object_put(o);
	if (changed)
		a->dirty = 1;
	return changed;
}

int64_t
activity_next(struct activity *a, int64_t now_us)
{
	int64_t wait;

	if (a->scheduled || (!a->dirty && a->n == 0))
		return -1;
	a->scheduled = 1;
	/* The first after a quiet spell goes out at once. */
	wait = a->messages == 0 ? 0 : a->last_us + ACTIVITY_INTERVAL_US -
	    now_us;
	return wait > 0 ? wait : 0;
}

static int
pair_by_meme(const void *x, const void *y)
{
	const struct activity_pair *p = x, *q = y;

	return (p->meme_id > q->meme_id) - (p->meme_id < q->meme_id);
}

/* The message for the pairs (sorted by meme here); caller frees. */
static char *
activity_text(struct activity *a, int *len)
{
	struct jsonw w;
	size_t cap = 96 + a->n * 48;
	char *buf;
	size_t i, j;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	if (a->n > 0)	/* pairs is NULL until the first one */
		qsort(a->pairs, a->n, sizeof(*a->pairs), pair_by_meme);
	jsonw_init(&w, buf, cap);
	jsonw_lit(&w, "{\"type\":\"activity\",\"data\":{\"session_id\":");
	jsonw_int(&w, a->session_id);
	jsonw_lit(&w, ",\"memes\":{");
	for (i = 0; i < a->n; i = j) {
		char key[24];

		for (j = i; j < a->n && a->pairs[j].meme_id ==
		    a->pairs[i].meme_id; j++)
			;
		snprintf(key, sizeof(key), "%lld",
		    (long long)a->pairs[i].meme_id);
		if (i > 0)
			jsonw_lit(&w, ",");
		jsonw_string(&w, key);
		jsonw_lit(&w, ":");
		jsonw_int(&w, (int64_t)(j - i));
	}
	jsonw_lit(&w, "}}}");
	if ((*len = jsonw_len(&w)) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
activity_tick(struct activity *a, int64_t now_ms, int64_t now_us)
{
	size_t kept = 0;
	char *text;
	int len;

	a->scheduled = 0;
	a->last_us = now_us;
	for (size_t i = 0; i < a->n; i++)
		if (a->pairs[i].at_ms > now_ms - ACTIVITY_WINDOW_MS)
			a->pairs[kept++] = a->pairs[i];
	a->n = kept;
	a->dirty = 0;
	if (a->session_id <= 0)
		return 0;
	if ((text = activity_text(a, &len)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	a->messages++;
	if (a->msg != NULL && len == a->msg_len &&
	    memcmp(text, a->msg, (size_t)len) == 0) {
		free(text);
		return 0;
	}
	free(a->msg);
	a->msg = text;
	a->msg_len = len;
	a->msg_empty = a->n == 0;
	a->gen++;
	return 1;
}

int
activity_due(const struct activity *a, uint32_t gen)
{
	/* An empty count only clears what a client was told before; a
	 * newcomer (gen 0) was told nothing. */
	return a->msg != NULL && gen != a->gen && !(gen == 0 && a->msg_empty);
}
