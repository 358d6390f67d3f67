/*
 * Statistics and results: every figure derives from one histogram per
 * meme (meme_scores, sql/004) and the session totals (session_totals,
 * sql/003), both kept by triggers, so their cost grows with memes, not
 * with ratings.
 */
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"

#define NSCORES	11	/* scores 0..10 */

static const char SQL_TOTALS[] =
    "SELECT ratings,score_sum,raters FROM session_totals WHERE session_id=?1";
static const char SQL_SESSION_MEME[] =
    "SELECT meme_id,position FROM session_memes "
    "WHERE session_id=?1 AND meme_id=?2";
static const char SQL_SESSION_MEMES[] =
    "SELECT meme_id,position FROM session_memes "
    "WHERE session_id=?1 ORDER BY position";
/* Two statements: one OR-ed condition would cost the meme_id range. */
static const char SQL_MEME_SCORES_ONE[] =
    "SELECT meme_id,score,n FROM meme_scores "
    "WHERE session_id=?1 AND meme_id=?2";
static const char SQL_MEME_SCORES_ALL[] =
    "SELECT meme_id,score,n FROM meme_scores WHERE session_id=?1";
static const char SQL_REVEALED[] = "SELECT revealed FROM sessions WHERE id=?1";
static const char SQL_REVEALED_SET[] =
    "UPDATE sessions SET revealed=?2 WHERE id=?1";

/* One meme's ratings as a histogram: every figure derives from it. */
struct meme_stats {
	int64_t		 meme_id;
	int64_t		 position;
	int64_t		 hist[NSCORES];
	int64_t		 count;
	int64_t		 sum;
};

/* --- figures --------------------------------------------------------------- */

/* A figure rounded to 2 decimals as JSON text into buf: "7.5", never
 * 7.50 or 0.10000000000000001.  The rounded value.  Integer digits, not
 * snprintf: the rating path writes four figures per rating. */
static double
figure_text(double d, char buf[64])
{
	double cents = round(d * 100.0);
	uint64_t c = (uint64_t)fabs(cents), whole = c / 100, frac = c % 100;
	struct jsonw w;

	jsonw_init(&w, buf, 64);
	if (cents < 0)
		jsonw_lit(&w, "-");
	jsonw_int(&w, (int64_t)whole);
	if (frac != 0) {
		char f[3] = { (char)('0' + frac / 10), (char)('0' + frac % 10),
		    '\0' };

		if (f[1] == '0')
			f[1] = '\0';
		jsonw_lit(&w, ".");
		jsonw_lit(&w, f);
	}
	return cents / 100.0;
}

/* A figure rounded to 2 decimals, serialised as such but keeping the
 * rounded value. */
static struct json_object *
json_figure(double d)
{
	char buf[64];

	d = figure_text(d, buf);
	return json_object_new_double_s(d, buf);
}

/* The value at 0-based rank r of the sorted scores in a histogram. */
static int
hist_rank(const int64_t hist[NSCORES], int64_t r)
{
	for (int s = 0; s < NSCORES; s++) {
		if (r < hist[s])
			return s;
		r -= hist[s];
	}
	return NSCORES - 1;
}

static double
stats_median(const struct meme_stats *m)
{
	return (hist_rank(m->hist, (m->count - 1) / 2) +
	    hist_rank(m->hist, m->count / 2)) / 2.0;
}

static int
stats_min(const struct meme_stats *m)
{
	return hist_rank(m->hist, 0);
}

static int
stats_max(const struct meme_stats *m)
{
	return hist_rank(m->hist, m->count - 1);
}

/* Population standard deviation. */
static double
stats_stddev(const struct meme_stats *m)
{
	double avg = (double)m->sum / (double)m->count, var = 0;

	for (int s = 0; s < NSCORES; s++)
		var += (double)m->hist[s] * (s - avg) * (s - avg);
	return sqrt(var / (double)m->count);
}

/* count, avg, min, max, median of m into o (null figures when unrated). */
static void
stats_add_figures(struct json_object *o, const struct meme_stats *m)
{
	int rated = m->count > 0;

	json_object_object_add(o, "count", json_object_new_int64(m->count));
	json_object_object_add(o, "avg", rated ?
	    json_figure((double)m->sum / (double)m->count) : NULL);
	json_object_object_add(o, "min", rated ?
	    json_object_new_int(stats_min(m)) : NULL);
	json_object_object_add(o, "max", rated ?
	    json_object_new_int(stats_max(m)) : NULL);
	json_object_object_add(o, "median", rated ?
	    json_figure(stats_median(m)) : NULL);
}

static struct json_object *
stats_meme_json(const struct meme_stats *m)
{
	struct json_object *o = json_object_new_object(), *h;

	json_object_object_add(o, "meme_id", json_object_new_int64(m->meme_id));
	stats_add_figures(o, m);
	json_object_object_add(o, "stddev", m->count > 0 ?
	    json_figure(stats_stddev(m)) : NULL);
	h = json_object_new_array_ext(NSCORES);
	for (int s = 0; s < NSCORES; s++)
		json_object_array_add(h, json_object_new_int64(m->hist[s]));
	json_object_object_add(o, "histogram", h);
	return o;
}

/* --- reading the histograms ------------------------------------------------ */

static int
stats_cmp_id(const void *a, const void *b)
{
	const struct meme_stats *x = *(const struct meme_stats *const *)a;
	const struct meme_stats *y = *(const struct meme_stats *const *)b;

	return (x->meme_id > y->meme_id) - (x->meme_id < y->meme_id);
}

static int
stats_find_cmp(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct meme_stats *y = *(const struct meme_stats *const *)elem;

	return (id > y->meme_id) - (id < y->meme_id);
}

/* The session's memes (meme_id > 0: only that one) in position order
 * into a malloc'd *out the caller frees (NULL when *n is 0). */
static int
stats_load_memes(struct store *store, int64_t sid, int64_t meme_id,
    struct meme_stats **out, size_t *n)
{
	struct meme_stats *ms = NULL, *tmp;
	sqlite3_stmt *st;
	size_t cap = 0, cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_prepare(store, meme_id > 0 ? SQL_SESSION_MEME :
	    SQL_SESSION_MEMES, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	if (meme_id > 0)
		sqlite3_bind_int64(st, 2, meme_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(ms, cap, sizeof(*ms))) == NULL) {
				sqlite3_reset(st);
				free(ms);
				log_warnx("%s: out of memory", __func__);
				return STORE_DB_ERROR;
			}
			ms = tmp;
		}
		memset(&ms[cnt], 0, sizeof(ms[cnt]));
		ms[cnt].meme_id = sqlite3_column_int64(st, 0);
		ms[cnt].position = sqlite3_column_int64(st, 1);
		cnt++;
	}
	sqlite3_reset(st);
	if ((rc = store_rc_of(store, rc, __func__)) != STORE_OK) {
		free(ms);
		return rc;
	}
	*out = ms;
	*n = cnt;
	return STORE_OK;
}

/* Adds the histograms of meme_scores to ms[0..n). */
static int
stats_load_scores(struct store *store, int64_t sid, int64_t meme_id,
    struct meme_stats *ms, size_t n)
{
	struct meme_stats **idx, **hit;
	sqlite3_stmt *st;
	int rc;

	if ((idx = calloc(n, sizeof(*idx))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return STORE_DB_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = &ms[i];
	qsort(idx, n, sizeof(*idx), stats_cmp_id);
	if ((rc = store_prepare(store, meme_id > 0 ? SQL_MEME_SCORES_ONE :
	    SQL_MEME_SCORES_ALL, &st)) != STORE_OK) {
		free(idx);
		return rc;
	}
	sqlite3_bind_int64(st, 1, sid);
	if (meme_id > 0)
		sqlite3_bind_int64(st, 2, meme_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int score = sqlite3_column_int(st, 1);
		int64_t c = sqlite3_column_int64(st, 2);

		hit = bsearch(&id, idx, n, sizeof(*idx), stats_find_cmp);
		if (hit == NULL || score < 0 || score >= NSCORES)
			continue;
		(*hit)->hist[score] += c;
		(*hit)->count += c;
		(*hit)->sum += c * score;
	}
	sqlite3_reset(st);
	free(idx);
	return store_rc_of(store, rc, __func__);
}

/* The histograms of a session's memes (meme_id > 0: only that one), in
 * position order; *out is malloc'd (the caller frees it). */
static int
stats_load(struct store *store, int64_t sid, int64_t meme_id,
    struct meme_stats **out, size_t *n)
{
	int rc;

	if ((rc = stats_load_memes(store, sid, meme_id, out, n)) != STORE_OK ||
	    *n == 0)
		return rc;
	if ((rc = stats_load_scores(store, sid, meme_id, *out, *n)) !=
	    STORE_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The session totals: ratings, distinct raters and the sum of scores. */
static int
stats_totals(struct store *store, int64_t sid, int64_t *ratings,
    int64_t *raters, int64_t *sum)
{
	sqlite3_stmt *st;
	int rc;

	*ratings = *raters = *sum = 0;
	if ((rc = store_prepare(store, SQL_TOTALS, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, sid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*ratings = sqlite3_column_int64(st, 0);
		*sum = sqlite3_column_int64(st, 1);
		*raters = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return store_rc_of(store, rc, __func__);
}

/* --- STATS ----------------------------------------------------------------- */

int
store_stats_read(struct store *store, int64_t sid, int64_t meme_id,
    struct json_object **stats)
{
	struct meme_stats *ms = NULL;
	struct json_object *o, *arr;
	int64_t ratings, raters, sum;
	size_t n = 0;
	int rc;

	*stats = NULL;
	if ((rc = stats_totals(store, sid, &ratings, &raters, &sum)) !=
	    STORE_OK ||
	    (rc = stats_load(store, sid, meme_id, &ms, &n)) != STORE_OK)
		return rc;
	o = json_object_new_object();
	json_object_object_add(o, "ratings", json_object_new_int64(ratings));
	json_object_object_add(o, "raters", json_object_new_int64(raters));
	json_object_object_add(o, "avg", ratings > 0 ?
	    json_figure((double)sum / (double)ratings) : NULL);
	arr = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, stats_meme_json(&ms[i]));
	json_object_object_add(o, "memes", arr);
	free(ms);
	*stats = o;
	return STORE_OK;
}

int
store_stats(struct store *store, int64_t id, int64_t meme_id,
    struct json_object **stats)
{
	enum store_session_status status;
	int rc, opened;

	*stats = NULL;
	if ((rc = store_read_begin(store, &opened)) != STORE_OK)
		return rc;
	if ((rc = store_session_status(store, id, &status)) == STORE_OK)
		rc = store_stats_read(store, id, meme_id, stats);
	store_read_end(store, opened);
	return rc;
}

/* A figure's text (null for an unrated meme) into w. */
static void
stats_figure_write(struct jsonw *w, int rated, double d)
{
	char buf[64];

	if (!rated) {
		jsonw_lit(w, "null");
		return;
	}
	figure_text(d, buf);
	jsonw_lit(w, buf);
}

/* The text of store_stats_event_text(), keys in store_stats_read()'s
 * order. */
static int
stats_event_write(char *buf, size_t len, int64_t sid, int64_t ratings,
    int64_t raters, int64_t sum, const struct meme_stats *m, int rated,
    int *rc)
{
	struct jsonw w;
	int n;

	jsonw_init(&w, buf, len);
	jsonw_lit(&w, "{\"session_id\":");
	jsonw_int(&w, sid);
	jsonw_lit(&w, ",\"ratings\":");
	jsonw_int(&w, ratings);
	jsonw_lit(&w, ",\"raters\":");
	jsonw_int(&w, raters);
	jsonw_lit(&w, ",\"avg\":");
	stats_figure_write(&w, ratings > 0, ratings > 0 ?
	    (double)sum / (double)ratings : 0);
	jsonw_lit(&w, ",\"memes\":[{\"meme_id\":");
	jsonw_int(&w, m->meme_id);
	jsonw_lit(&w, ",\"count\":");
	jsonw_int(&w, m->count);
	jsonw_lit(&w, ",\"avg\":");
	stats_figure_write(&w, rated, rated ?
	    (double)m->sum / (double)m->count : 0);
	jsonw_lit(&w, ",\"min\":");
	if (rated)
		jsonw_int(&w, stats_min(m));
	else
		jsonw_lit(&w, "null");
	jsonw_lit(&w, ",\"max\":");
	if (rated)
		jsonw_int(&w, stats_max(m));
	else
		jsonw_lit(&w, "null");
	jsonw_lit(&w, ",\"median\":");
	stats_figure_write(&w, rated, rated ? stats_median(m) : 0);
	jsonw_lit(&w, ",\"stddev\":");
	stats_figure_write(&w, rated, rated ? stats_stddev(m) : 0);
	jsonw_lit(&w, ",\"histogram\":[");
	for (int s = 0; s < NSCORES; s++) {
		if (s > 0)
			jsonw_lit(&w, ",");
		jsonw_int(&w, m->hist[s]);
	}
	jsonw_lit(&w, "]}]}");
	if ((n = jsonw_len(&w)) == -1) {
		log_warnx("%s: %zu bytes are too few", __func__, len);
		return -1;
	}
	*rc = STORE_OK;
	return n;
}

/*
 * stats_updated's data for one meme as text, what store_stats_read(sid,
 * meme_id) serialises to with "session_id" first, written from the
 * figures without building objects (the rating path writes one per
 * rating), and the user view beside it.  The admin text's length, or -1.
 */
int
store_stats_event_text(struct store *store, int64_t sid, int64_t meme_id,
    char *buf, size_t len, char *user, size_t ulen, int *user_len, int *rc)
{
	struct meme_stats m;
	int64_t ratings, raters, sum;
	int rated;

	memset(&m, 0, sizeof(m));
	m.meme_id = meme_id;
	if ((*rc = stats_totals(store, sid, &ratings, &raters, &sum)) !=
	    STORE_OK ||
	    (*rc = stats_load_scores(store, sid, meme_id, &m, 1)) != STORE_OK)
		return -1;
	*rc = STORE_DB_ERROR;
	if ((*user_len = event_stats_user_text(user, ulen, sid, ratings,
	    raters)) == -1)
		return -1;
	rated = m.count > 0;
	return stats_event_write(buf, len, sid, ratings, raters, sum, &m, rated,
	    rc);
}

/* --- results --------------------------------------------------------------- */

/* Best first: rated before unrated, higher average, more ratings, earlier
 * position.  Averages compare exactly as cross-multiplied integer sums. */
static int
results_cmp(const void *a, const void *b)
{
	const struct meme_stats *x = a, *y = b;
	int64_t l, r;

	if ((x->count > 0) != (y->count > 0))
		return x->count > 0 ? -1 : 1;
	if (x->count > 0) {
		l = x->sum * y->count;
		r = y->sum * x->count;
		if (l != r)
			return l > r ? -1 : 1;
		if (x->count != y->count)
			return x->count > y->count ? -1 : 1;
	}
	return (x->position > y->position) - (x->position < y->position);
}

int
store_results_places(struct store *store, int64_t sid, const char *media_url,
    struct json_object **places)
{
	struct meme_stats *ms;
	struct json_object *arr, *p, *m;
	size_t n;
	int rc;

	*places = NULL;
	if ((rc = stats_load(store, sid, 0, &ms, &n)) != STORE_OK)
		return rc;
	if (n > 0)
		qsort(ms, n, sizeof(*ms), results_cmp);
	arr = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++) {
		if ((rc = store_meme_get(store, ms[i].meme_id, media_url, &m)) !=
		    STORE_OK) {
			json_object_put(arr);
			free(ms);
			return rc == STORE_NOT_FOUND ? STORE_DB_ERROR : rc;
		}
		p = json_object_new_object();
		json_object_object_add(p, "place",
		    json_object_new_int64((int64_t)i + 1));
		json_object_object_add(p, "meme", m);
		stats_add_figures(p, &ms[i]);
		json_object_array_add(arr, p);
	}
	free(ms);
	*places = arr;
	return STORE_OK;
}

struct json_object *
store_results_view(int64_t sid, int revealed, struct json_object *all)
{
	struct json_object *o = json_object_new_object(), *shown;
	int total = (int)json_object_array_length(all);

	if (revealed > total)
		revealed = total;
	shown = json_object_new_array_ext(revealed > 0 ? revealed : 1);
	for (int i = total - revealed; i < total; i++)
		json_object_array_add(shown,
		    json_object_get(json_object_array_get_idx(all, (size_t)i)));
	json_object_object_add(o, "session_id", json_object_new_int64(sid));
	json_object_object_add(o, "revealed", json_object_new_int(revealed));
	json_object_object_add(o, "total", json_object_new_int(total));
	json_object_object_add(o, "results", shown);
	json_object_put(all);
	return o;
}

int
store_results_all(struct store *store, int64_t id, const char *media_url,
    struct json_object **places)
{
	enum store_session_status status;
	int rc, opened;

	*places = NULL;
	if ((rc = store_read_begin(store, &opened)) != STORE_OK)
		return rc;
	if ((rc = store_session_status(store, id, &status)) == STORE_OK)
		rc = store_results_places(store, id, media_url, places);
	store_read_end(store, opened);
	return rc;
}

int
store_results_public(struct store *store, int64_t id, const char *media_url,
    struct json_object **out)
{
	static const char *const keys[] = { "revealed", "total", "results" };
	enum store_session_status status;
	struct json_object *session = NULL, *all, *view, *o;
	int64_t revealed;
	int rc, opened;

	*out = NULL;
	if ((rc = store_read_begin(store, &opened)) != STORE_OK)
		return rc;
	if ((rc = store_session_status(store, id, &status)) != STORE_OK)
		goto done;
	if (status != STORE_STATUS_FINISHED) {
		rc = STORE_NOT_FINISHED;
		goto done;
	}
	if ((rc = store_session_get(store, id, &session)) != STORE_OK ||
	    (rc = store_query_int(store, SQL_REVEALED, id, &revealed,
	    __func__)) != STORE_OK ||
	    (rc = store_results_places(store, id, media_url, &all)) != STORE_OK)
		goto done;
	view = store_results_view(id, (int)revealed, all);
	o = json_object_new_object();
	json_object_object_add(o, "session", session);
	session = NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(o, keys[i], json_object_get(
		    json_object_object_get(view, keys[i])));
	json_object_put(view);
	*out = o;
done:
	json_object_put(session);
	store_read_end(store, opened);
	return rc;
}

/* --- the reveal -------------------------------------------------------------- */

int
store_reveal_parse(const char *action, enum store_reveal *out)
{
	if (action == NULL)
		return STORE_INVALID;
	if (strcmp(action, "next") == 0)
		*out = STORE_REVEAL_NEXT;
	else if (strcmp(action, "prev") == 0)
		*out = STORE_REVEAL_PREV;
	else if (strcmp(action, "reset") == 0)
		*out = STORE_REVEAL_RESET;
	else
		return STORE_INVALID;
	return STORE_OK;
}

int
store_session_reveal(struct store *store, int64_t id, enum store_reveal action,
    const char *media_url, int *revealed, int *total, int64_t *seq)
{
	enum store_session_status status;
	struct json_object *all = NULL, *view;
	sqlite3_stmt *st;
	int64_t cur;
	int rc, n, k;

	*seq = 0;
	if ((rc = store_session_change_begin(store, id, &status)) != STORE_OK)
		return rc;
	if (status != STORE_STATUS_FINISHED) {
		rc = STORE_NOT_FINISHED;
		goto fail;
	}
	if ((rc = store_query_int(store, SQL_REVEALED, id, &cur,
	    __func__)) != STORE_OK ||
	    (rc = store_results_places(store, id, media_url, &all)) != STORE_OK)
		goto fail;
	n = (int)json_object_array_length(all);
	k = cur > n ? n : (int)cur;
	if (action == STORE_REVEAL_NEXT)
		k = k < n ? k + 1 : n;
	else if (action == STORE_REVEAL_PREV)
		k = k > 0 ? k - 1 : 0;
	else
		k = 0;
	*revealed = k;
	*total = n;
	if (k == cur) {
		/* Nothing changed: no event (a write would only repeat). */
		json_object_put(all);
		store_rollback(store);
		return STORE_OK;
	}
	if ((rc = store_prepare(store, SQL_REVEALED_SET, &st)) != STORE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, k);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		goto fail;
	view = store_results_view(id, k, all);
	rc = store_event_commit_json(store, EVENT_RESULTS_REVEALED, id, view, seq);
	json_object_put(view);
	return rc;
fail:
	json_object_put(all);
	store_rollback(store);
	return rc;
}
