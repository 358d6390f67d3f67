/*
 * The data model: SPEC.md's JSON shapes read from SQLite, and the state
 * changes with their outbox events, each in one transaction.
 */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "event.h"
#include "log.h"
#include "media.h"
#include "utf8.h"

#define NSCORES	11	/* scores 0..10 */

/* One meme's ratings as a histogram: every figure derives from it. */
struct meme_stats {
	int64_t		 meme_id;
	int64_t		 position;
	int64_t		 hist[NSCORES];
	int64_t		 count;
	int64_t		 sum;
};

static const char NOW_SQL[] = "strftime('%Y-%m-%dT%H:%M:%SZ','now')";

int
model_error_status(int rc)
{
	switch (rc) {
	case MODEL_OK:
		return 200;
	case MODEL_ENOTFOUND:
		return 404;
	case MODEL_EINVAL:
		return 400;
	case MODEL_ESTATE:
	case MODEL_EACTIVE:
	case MODEL_EALREADY:
	case MODEL_EFINISHED:
	case MODEL_ENOTACTIVE:
	case MODEL_ENOTFINISHED:
		return 409;
	default:
		return 500;
	}
}

const char *
model_error_code(int rc)
{
	switch (rc) {
	case MODEL_ENOTFOUND:	return "not_found";
	case MODEL_EINVAL:	return "invalid_input";
	case MODEL_ESTATE:	return "wrong_state";
	case MODEL_EACTIVE:	return "another_session_active";
	case MODEL_EALREADY:	return "session_already_active";
	case MODEL_EFINISHED:	return "session_finished";
	case MODEL_ENOTACTIVE:	return "session_not_active";
	case MODEL_ENOTFINISHED: return "session_not_finished";
	default:		return "internal_error";
	}
}

const char *
model_error_message(int rc)
{
	switch (rc) {
	case MODEL_ENOTFOUND:	return "No such session.";
	case MODEL_EINVAL:	return "Invalid input.";
	case MODEL_ESTATE:	return "The session is not in a state that allows this.";
	case MODEL_EACTIVE:	return "Another session is active; finish it first.";
	case MODEL_EALREADY:	return "The session is already active.";
	case MODEL_EFINISHED:	return "The session is finished.";
	case MODEL_ENOTACTIVE:	return "The session is not active.";
	case MODEL_ENOTFINISHED: return "The session is not finished yet.";
	default:		return "Internal error; see the server log.";
	}
}

/* --- small helpers ------------------------------------------------------ */

static int
model_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *where)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK) {
		log_warnx("%s: prepare: %s", where, sqlite3_errmsg(db));
		*st = NULL;
		return -1;
	}
	return 0;
}

/* A text column as a JSON string, NULL column as JSON null (NULL). */
static struct json_object *
col_string(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s == NULL ? NULL : json_object_new_string((const char *)s);
}

/* A figure rounded to 2 decimals as JSON text into buf: "7.5", never
 * 7.50 or 0.10000000000000001.  The rounded value. */
static double
figure_text(double d, char buf[64])
{
	size_t n;

	d = round(d * 100.0) / 100.0;
	snprintf(buf, 64, "%.2f", d);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	return d;
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

/*
 * Opens a read transaction when none is open, so several reads see one
 * snapshot.  Returns 1 if it opened one (close it with read_end), 0 if
 * the caller's transaction is used, -1 on error.
 */
static int
read_begin(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		return 0;
	return db_exec(db, "BEGIN") == -1 ? -1 : 1;
}

static void
read_end(sqlite3 *db, int opened)
{
	if (opened == 1)
		(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* --- names -------------------------------------------------------------- */

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

int
model_name_clean(const char *in, size_t maxchars, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len, i, n, chars = 0;
	uint32_t cp;

	if (in == NULL)
		return -1;
	len = strlen(in);
	while (len > 0 && is_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
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

/* --- sessions ----------------------------------------------------------- */

#define SESSION_COLS "id,name,status,created_at,started_at,finished_at"

/* S from a row of SESSION_COLS. */
static struct json_object *
session_from_row(sqlite3_stmt *st)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "id",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(s, "name", col_string(st, 1));
	json_object_object_add(s, "status", col_string(st, 2));
	json_object_object_add(s, "created_at", col_string(st, 3));
	json_object_object_add(s, "started_at", col_string(st, 4));
	json_object_object_add(s, "finished_at", col_string(st, 5));
	return s;
}

struct json_object *
model_session_json(sqlite3 *db, int64_t session_id)
{
	sqlite3_stmt *st;
	struct json_object *s = NULL;
	int rc;

	if (model_prepare(db, "SELECT " SESSION_COLS " FROM sessions "
	    "WHERE id=?1", &st, __func__) == -1)
		return NULL;
	sqlite3_bind_int64(st, 1, session_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		s = session_from_row(st);
	else if (rc != SQLITE_DONE)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return s;
}

/* Array of S from a query of SESSION_COLS. */
static struct json_object *
session_list(sqlite3 *db, const char *sql, const char *where)
{
	sqlite3_stmt *st;
	struct json_object *arr;
	int rc;

	if (model_prepare(db, sql, &st, where) == -1)
		return NULL;
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, session_from_row(st));
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", where, sqlite3_errmsg(db));
		json_object_put(arr);
		arr = NULL;
	}
	sqlite3_finalize(st);
	return arr;
}

struct json_object *
model_finished_sessions(sqlite3 *db)
{
	return session_list(db, "SELECT " SESSION_COLS " FROM sessions "
	    "WHERE status='finished' ORDER BY finished_at DESC, id DESC",
	    __func__);
}

struct json_object *
model_all_sessions(sqlite3 *db)
{
	return session_list(db, "SELECT " SESSION_COLS " FROM sessions "
	    "ORDER BY id DESC", __func__);
}

/* The first column of a one-row integer query with ?1 = arg; 0 when no
 * row, -1 on error. */
static int64_t
query_int(sqlite3 *db, const char *sql, int64_t arg, const char *where)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	int rc;

	if (model_prepare(db, sql, &st, where) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", where, sqlite3_errmsg(db));
		v = -1;
	}
	sqlite3_finalize(st);
	return v;
}

int64_t
model_current_session(sqlite3 *db)
{
	return query_int(db, "SELECT id FROM sessions "
	    "WHERE status IN ('active','finished') ORDER BY status='active' DESC, "
	    "finished_at DESC, id DESC LIMIT 1", 0, __func__);
}

int64_t
model_admin_session(sqlite3 *db)
{
	return query_int(db, "SELECT id FROM sessions "
	    "ORDER BY status='active' DESC, id DESC LIMIT 1", 0, __func__);
}

int
model_session_state(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st;
	const char *status;
	int state = MODEL_ENOTFOUND, rc;

	if (model_prepare(db, "SELECT status FROM sessions WHERE id=?1", &st,
	    __func__) == -1)
		return MODEL_EDB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		status = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(status, "active") == 0)
			state = MODEL_ACTIVE;
		else if (strcmp(status, "finished") == 0)
			state = MODEL_FINISHED;
		else
			state = MODEL_DRAFT;
	} else if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		state = MODEL_EDB;
	}
	sqlite3_finalize(st);
	return state;
}

/* --- memes -------------------------------------------------------------- */

#define MEME_COLS "m.id,m.title,m.filename,m.width,m.height"

/* M from a row of MEME_COLS. */
static struct json_object *
meme_from_row(sqlite3_stmt *st, const char *media_url)
{
	struct json_object *m = json_object_new_object();
	size_t n = strlen(media_url);
	char url[1024];

	/* "/media" and "/media/" both give "/media/<file>". */
	snprintf(url, sizeof(url), "%.*s/%s",
	    (int)(n > 0 && media_url[n - 1] == '/' ? n - 1 : n), media_url,
	    (const char *)sqlite3_column_text(st, 2));
	json_object_object_add(m, "id",
	    json_object_new_int64(sqlite3_column_int64(st, 0)));
	json_object_object_add(m, "title", col_string(st, 1));
	json_object_object_add(m, "url", json_object_new_string(url));
	json_object_object_add(m, "width",
	    json_object_new_int(sqlite3_column_int(st, 3)));
	json_object_object_add(m, "height",
	    json_object_new_int(sqlite3_column_int(st, 4)));
	return m;
}

struct json_object *
model_meme_json(sqlite3 *db, int64_t meme_id, const char *media_url)
{
	sqlite3_stmt *st;
	struct json_object *m = NULL;
	int rc;

	if (model_prepare(db, "SELECT " MEME_COLS " FROM memes m WHERE m.id=?1",
	    &st, __func__) == -1)
		return NULL;
	sqlite3_bind_int64(st, 1, meme_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		m = meme_from_row(st, media_url);
	else if (rc != SQLITE_DONE)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return m;
}

struct json_object *
model_session_memes(sqlite3 *db, int64_t session_id, const char *media_url)
{
	sqlite3_stmt *st;
	struct json_object *arr;
	int rc;

	if (model_prepare(db, "SELECT " MEME_COLS " FROM session_memes sm "
	    "JOIN memes m ON m.id=sm.meme_id WHERE sm.session_id=?1 "
	    "ORDER BY sm.position", &st, __func__) == -1)
		return NULL;
	sqlite3_bind_int64(st, 1, session_id);
	arr = json_object_new_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_array_add(arr, meme_from_row(st, media_url));
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		json_object_put(arr);
		arr = NULL;
	}
	sqlite3_finalize(st);
	return arr;
}

/* --- statistics ----------------------------------------------------------- */

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

/*
 * Loads the histograms of a session's memes (meme_id > 0: only that one)
 * in position order.  *out is a malloc'd array the caller frees (NULL when
 * *n is 0).  Both queries run on covering indexes: a session's rows of
 * session_memes, and GROUP BY over ratings_by_meme (at most 11 rows a
 * meme), so the cost grows with memes, not with ratings.
 */
static int
stats_load(sqlite3 *db, int64_t sid, int64_t meme_id, struct meme_stats **out,
    size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct meme_stats *ms = NULL, **idx = NULL, **hit, *tmp;
	size_t cap = 0, cnt = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	if (model_prepare(db, meme_id > 0 ?
	    "SELECT meme_id,position FROM session_memes "
	    "WHERE session_id=?1 AND meme_id=?2" :
	    "SELECT meme_id,position FROM session_memes "
	    "WHERE session_id=?1 ORDER BY position", &st, __func__) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(ms, cap, sizeof(*ms))) == NULL)
				goto done;
			ms = tmp;
		}
		memset(&ms[cnt], 0, sizeof(ms[cnt]));
		ms[cnt].meme_id = sqlite3_column_int64(st, 0);
		ms[cnt].position = sqlite3_column_int64(st, 1);
		cnt++;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	if (cnt == 0) {
		ret = 0;
		goto done;
	}
	if ((idx = calloc(cnt, sizeof(*idx))) == NULL)
		goto done;
	for (size_t i = 0; i < cnt; i++)
		idx[i] = &ms[i];
	qsort(idx, cnt, sizeof(*idx), stats_cmp_id);

	/* Two statements: one OR-ed condition would cost the meme_id range.
	 * meme_scores (sql/004) holds the histograms, kept by triggers. */
	if (model_prepare(db, meme_id > 0 ?
	    "SELECT meme_id,score,n FROM meme_scores "
	    "WHERE session_id=?1 AND meme_id=?2" :
	    "SELECT meme_id,score,n FROM meme_scores "
	    "WHERE session_id=?1", &st, __func__) == -1)
		goto done;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int score = sqlite3_column_int(st, 1);
		int64_t c = sqlite3_column_int64(st, 2);

		hit = bsearch(&id, idx, cnt, sizeof(*idx), stats_find_cmp);
		if (hit == NULL || score < 0 || score >= NSCORES)
			continue;
		(*hit)->hist[score] += c;
		(*hit)->count += c;
		(*hit)->sum += c * score;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	ret = 0;
	goto done;
dberr:
	log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	free(idx);
	if (ret == 0 && cnt > 0) {
		*out = ms;
		*n = cnt;
	} else
		free(ms);
	if (ret == -1)
		log_warnx("%s: session %lld failed", __func__, (long long)sid);
	return ret;
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

/* count, avg, min, max, median of m into obj (null figures when unrated). */
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

/* The session totals: ratings, distinct raters and the sum of scores,
 * kept up to date by the triggers of sql/003_session_totals.sql. */
static int
stats_totals(sqlite3 *db, int64_t sid, int64_t *ratings, int64_t *raters,
    int64_t *sum)
{
	sqlite3_stmt *st;
	int rc;

	*ratings = *raters = *sum = 0;
	if (model_prepare(db, "SELECT ratings,score_sum,raters FROM "
	    "session_totals WHERE session_id=?1", &st, __func__) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*ratings = sqlite3_column_int64(st, 0);
		*sum = sqlite3_column_int64(st, 1);
		*raters = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

struct json_object *
model_stats(sqlite3 *db, int64_t session_id, int64_t meme_id)
{
	struct meme_stats *ms = NULL;
	struct json_object *o = NULL, *arr;
	int64_t ratings = 0, raters = 0, sum = 0;
	size_t n = 0;
	int opened;

	if ((opened = read_begin(db)) == -1)
		return NULL;
	if (stats_totals(db, session_id, &ratings, &raters, &sum) == -1 ||
	    stats_load(db, session_id, meme_id, &ms, &n) == -1)
		goto done;
	o = json_object_new_object();
	json_object_object_add(o, "ratings", json_object_new_int64(ratings));
	json_object_object_add(o, "raters", json_object_new_int64(raters));
	json_object_object_add(o, "avg", ratings > 0 ?
	    json_figure((double)sum / (double)ratings) : NULL);
	arr = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, stats_meme_json(&ms[i]));
	json_object_object_add(o, "memes", arr);
done:
	read_end(db, opened);
	free(ms);
	return o;
}

_Static_assert(MODEL_NSCORES == NSCORES, "model.h and model.c disagree");

/* A figure's JSON text into buf: null for an unrated meme. */
static const char *
stats_figure_text(int rated, double d, char buf[64])
{
	if (!rated)
		return "null";
	figure_text(d, buf);
	return buf;
}

int
model_stats_event_text(char *buf, size_t len, int64_t sid, int64_t ratings,
    int64_t raters, int64_t score_sum, int64_t meme_id, const int64_t *hist)
{
	struct meme_stats m;
	char avg[64], mavg[64], min[24], max[24], median[64], stddev[64];
	const int64_t *h = m.hist;
	int rated, n;

	memset(&m, 0, sizeof(m));
	m.meme_id = meme_id;
	for (int s = 0; s < NSCORES; s++) {
		m.hist[s] = hist[s];
		m.count += hist[s];
		m.sum += hist[s] * s;
	}
	rated = m.count > 0;
	if (rated) {
		snprintf(min, sizeof(min), "%d", stats_min(&m));
		snprintf(max, sizeof(max), "%d", stats_max(&m));
	} else {
		strcpy(min, "null");
		strcpy(max, "null");
	}
	/* One snprintf, the keys in model_stats()'s order (stats_meme_json). */
	n = snprintf(buf, len, "{\"session_id\":%lld,\"ratings\":%lld,"
	    "\"raters\":%lld,\"avg\":%s,\"memes\":[{\"meme_id\":%lld,"
	    "\"count\":%lld,\"avg\":%s,\"min\":%s,\"max\":%s,\"median\":%s,"
	    "\"stddev\":%s,\"histogram\":[%lld,%lld,%lld,%lld,%lld,%lld,%lld,"
	    "%lld,%lld,%lld,%lld]}]}", (long long)sid, (long long)ratings,
	    (long long)raters, stats_figure_text(ratings > 0, ratings > 0 ?
	    (double)score_sum / (double)ratings : 0, avg), (long long)meme_id,
	    (long long)m.count, stats_figure_text(rated, rated ?
	    (double)m.sum / (double)m.count : 0, mavg), min, max,
	    stats_figure_text(rated, rated ? stats_median(&m) : 0, median),
	    stats_figure_text(rated, rated ? stats_stddev(&m) : 0, stddev),
	    (long long)h[0], (long long)h[1], (long long)h[2], (long long)h[3],
	    (long long)h[4], (long long)h[5], (long long)h[6], (long long)h[7],
	    (long long)h[8], (long long)h[9], (long long)h[10]);
	if (n < 0 || (size_t)n >= len) {
		log_warnx("%s: %zu bytes are too few", __func__, len);
		return -1;
	}
	return n;
}

/* --- results ------------------------------------------------------------ */

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

/* Every place of a session, best first (no transaction of its own). */
static struct json_object *
results_places(sqlite3 *db, int64_t sid, const char *media_url)
{
	struct meme_stats *ms;
	struct json_object *arr = NULL, *p, *m;
	size_t n;

	if (stats_load(db, sid, 0, &ms, &n) == -1)
		return NULL;
	if (n > 0)
		qsort(ms, n, sizeof(*ms), results_cmp);
	arr = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++) {
		if ((m = model_meme_json(db, ms[i].meme_id, media_url)) == NULL) {
			json_object_put(arr);
			arr = NULL;
			break;
		}
		p = json_object_new_object();
		json_object_object_add(p, "place", json_object_new_int64((int64_t)i + 1));
		json_object_object_add(p, "meme", m);
		stats_add_figures(p, &ms[i]);
		json_object_array_add(arr, p);
	}
	free(ms);
	return arr;
}

/* {"session_id","revealed","total","results":[revealed places]} from the
 * full list (consumed). */
static struct json_object *
results_view(int64_t sid, int revealed, struct json_object *all)
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

struct json_object *
model_results_all(sqlite3 *db, int64_t session_id, const char *media_url)
{
	struct json_object *all;
	int opened;

	if ((opened = read_begin(db)) == -1)
		return NULL;
	all = results_places(db, session_id, media_url);
	read_end(db, opened);
	return all;
}

struct json_object *
model_results(sqlite3 *db, int64_t session_id, const char *media_url)
{
	struct json_object *all, *o = NULL;
	int64_t revealed;
	int opened;

	if ((opened = read_begin(db)) == -1)
		return NULL;
	revealed = query_int(db, "SELECT revealed FROM sessions WHERE id=?1",
	    session_id, __func__);
	if (revealed >= 0 && (all = results_places(db, session_id,
	    media_url)) != NULL)
		o = results_view(session_id, (int)revealed, all);
	read_end(db, opened);
	return o;
}

/* --- state changes ------------------------------------------------------ */

/* Finishes a write: appends the event with data, commits, hands the seq
 * back.  On any failure rolls back and returns MODEL_EDB. */
static int
write_event_commit(sqlite3 *db, const char *type, int64_t sid,
    struct json_object *data, int64_t *seq)
{
	int64_t s;

	if ((s = event_append(db, type, sid, data)) < 0 || db_commit(db) == -1) {
		db_rollback(db);
		return MODEL_EDB;
	}
	if (seq != NULL)
		*seq = s;
	return MODEL_OK;
}

/* Hands a mutation's reply object to the caller once its event is
 * committed (rc MODEL_OK); on failure frees it and passes rc on. */
static int
reply_after_commit(int rc, struct json_object *reply, struct json_object **out)
{
	if (rc != MODEL_OK) {
		json_object_put(reply);
		return rc;
	}
	*out = reply;
	return MODEL_OK;
}

/* Opens the write transaction of a change to session id and returns the
 * session's state (MODEL_DRAFT ...), or a MODEL_E* code (< 0, the
 * transaction rolled back) when it cannot. */
static int
begin_session_change(sqlite3 *db, int64_t id)
{
	int state;

	if (db_begin(db) == -1)
		return MODEL_EDB;
	if ((state = model_session_state(db, id)) < 0)
		db_rollback(db);
	return state;
}

/* Runs one UPDATE/INSERT with ?1 = id; 0 or -1. */
static int
exec_id(sqlite3 *db, const char *sql, int64_t id, const char *where)
{
	sqlite3_stmt *st;
	int rc;

	if (model_prepare(db, sql, &st, where) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		log_warnx("%s: %s", where, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
model_session_create(sqlite3 *db, const char *name,
    struct json_object **session, int64_t *seq)
{
	char clean[MODEL_SESSION_NAME_MAX * 4 + 1];
	sqlite3_stmt *st;
	struct json_object *s;
	int64_t id;
	int rc;

	*session = NULL;
	if (model_name_clean(name, MODEL_SESSION_NAME_MAX, clean,
	    sizeof(clean)) == -1)
		return MODEL_EINVAL;
	if (db_begin(db) == -1)
		return MODEL_EDB;
	if (model_prepare(db, "INSERT INTO sessions(name) VALUES(?1)", &st,
	    __func__) == -1)
		goto fail;
	sqlite3_bind_text(st, 1, clean, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		goto fail;
	}
	id = sqlite3_last_insert_rowid(db);
	if ((s = model_session_json(db, id)) == NULL)
		goto fail;
	return reply_after_commit(write_event_commit(db, "session_created", id,
	    s, seq), s, session);
fail:
	db_rollback(db);
	return MODEL_EDB;
}

int
model_session_start(sqlite3 *db, int64_t id, const char *media_url,
    struct json_object **session, int64_t *seq)
{
	char sql[160];
	struct json_object *s = NULL, *data, *memes;
	int64_t other;
	int state, rc = MODEL_EDB;

	*session = NULL;
	if ((state = begin_session_change(db, id)) < 0)
		return state;
	if (state != MODEL_DRAFT) {
		rc = state == MODEL_ACTIVE ? MODEL_EALREADY : MODEL_EFINISHED;
		goto fail;
	}
	/* The partial unique index would refuse it too; asking first gives
	 * the client a clear reason instead of a constraint error. */
	if ((other = query_int(db, "SELECT id FROM sessions WHERE "
	    "status='active'", 0, __func__)) != 0) {
		rc = other > 0 ? MODEL_EACTIVE : MODEL_EDB;
		goto fail;
	}
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status='active',"
	    "started_at=%s WHERE id=?1", NOW_SQL);
	if (exec_id(db, sql, id, __func__) == -1)
		goto fail;
	/* The event is S with its memes; the reply is plain S. */
	if ((s = model_session_json(db, id)) == NULL ||
	    (data = model_session_json(db, id)) == NULL)
		goto fail;
	if ((memes = model_session_memes(db, id, media_url)) == NULL) {
		json_object_put(data);
		goto fail;
	}
	json_object_object_add(data, "memes", memes);
	rc = write_event_commit(db, "session_started", id, data, seq);
	json_object_put(data);
	return reply_after_commit(rc, s, session);
fail:
	json_object_put(s);
	db_rollback(db);
	return rc;
}

int
model_session_finish(sqlite3 *db, int64_t id, struct json_object **session,
    int64_t *seq)
{
	char sql[160];
	struct json_object *s;
	int state, rc = MODEL_EDB;

	*session = NULL;
	if ((state = begin_session_change(db, id)) < 0)
		return state;
	if (state != MODEL_ACTIVE) {
		rc = MODEL_ENOTACTIVE;
		goto fail;
	}
	snprintf(sql, sizeof(sql), "UPDATE sessions SET status='finished',"
	    "finished_at=%s,revealed=0 WHERE id=?1", NOW_SQL);
	if (exec_id(db, sql, id, __func__) == -1 ||
	    (s = model_session_json(db, id)) == NULL)
		goto fail;
	return reply_after_commit(write_event_commit(db, "session_finished",
	    id, s, seq), s, session);
fail:
	db_rollback(db);
	return rc;
}

int
model_session_reveal(sqlite3 *db, int64_t id, const char *action,
    const char *media_url, int *revealed, int *total, int64_t *seq)
{
	sqlite3_stmt *st;
	struct json_object *all, *view;
	int64_t cur;
	int state, rc = MODEL_EDB, n, k;

	*seq = 0;
	if (action == NULL || (strcmp(action, "next") != 0 &&
	    strcmp(action, "prev") != 0 && strcmp(action, "reset") != 0))
		return MODEL_EINVAL;
	if ((state = begin_session_change(db, id)) < 0)
		return state;
	if (state != MODEL_FINISHED) {
		rc = MODEL_ENOTFINISHED;
		goto fail;
	}
	if ((cur = query_int(db, "SELECT revealed FROM sessions WHERE id=?1",
	    id, __func__)) < 0 ||
	    (all = results_places(db, id, media_url)) == NULL)
		goto fail;
	n = (int)json_object_array_length(all);
	k = cur > n ? n : (int)cur;
	if (strcmp(action, "next") == 0)
		k = k < n ? k + 1 : n;
	else if (strcmp(action, "prev") == 0)
		k = k > 0 ? k - 1 : 0;
	else
		k = 0;
	*revealed = k;
	*total = n;
	if (k == cur) {
		/* Nothing changed: no event (a write would only repeat). */
		json_object_put(all);
		db_rollback(db);
		return MODEL_OK;
	}
	if (model_prepare(db, "UPDATE sessions SET revealed=?2 WHERE id=?1",
	    &st, __func__) == -1) {
		json_object_put(all);
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, k);
	rc = sqlite3_step(st) == SQLITE_DONE ? MODEL_OK : MODEL_EDB;
	if (rc != MODEL_OK)
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (rc != MODEL_OK) {
		json_object_put(all);
		goto fail;
	}
	view = results_view(id, k, all);
	rc = write_event_commit(db, "results_revealed", id, view, seq);
	json_object_put(view);
	return rc;
fail:
	db_rollback(db);
	return rc;
}

/* Appends meme_id to the session unless it is there; 1 added, 0 already
 * there, -1 error. */
static int
session_append_meme(sqlite3 *db, int64_t sid, int64_t meme_id)
{
	sqlite3_stmt *st;
	int rc;

	if (model_prepare(db, "INSERT INTO session_memes(session_id,meme_id,"
	    "position) SELECT ?1,?2,(SELECT coalesce(max(position),0)+1 "
	    "FROM session_memes WHERE session_id=?1) WHERE NOT EXISTS "
	    "(SELECT 1 FROM session_memes WHERE session_id=?1 AND meme_id=?2)",
	    &st, __func__) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, meme_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

int
model_session_add_images(sqlite3 *db, int64_t id,
    const struct media_image *imgs, size_t nimgs, const char *media_url,
    struct json_object **added_memes, int64_t *seq)
{
	struct json_object *added = NULL, *m, *data;
	int64_t meme_id;
	int state, rc = MODEL_EDB, r;

	*added_memes = NULL;
	*seq = 0;
	if ((state = begin_session_change(db, id)) < 0)
		return state;
	if (state == MODEL_FINISHED) {
		rc = MODEL_EFINISHED;
		goto fail;
	}
	added = json_object_new_array();
	for (size_t i = 0; i < nimgs; i++) {
		if (media_meme_upsert(db, &imgs[i], &meme_id) == -1 ||
		    (r = session_append_meme(db, id, meme_id)) == -1)
			goto fail;
		if (r == 0)
			continue;
		if ((m = model_meme_json(db, meme_id, media_url)) == NULL)
			goto fail;
		json_object_array_add(added, m);
	}
	if (json_object_array_length(added) == 0) {
		/* Nothing new (the memes rows may be new: keep them). */
		if (db_commit(db) == -1)
			goto fail;
		*added_memes = added;
		return MODEL_OK;
	}
	data = json_object_new_object();
	json_object_object_add(data, "session_id", json_object_new_int64(id));
	json_object_object_add(data, "added",
	    json_object_new_int((int)json_object_array_length(added)));
	json_object_object_add(data, "memes", json_object_get(added));
	rc = write_event_commit(db, "memes_populated", id, data, seq);
	json_object_put(data);
	return reply_after_commit(rc, added, added_memes);
fail:
	json_object_put(added);
	db_rollback(db);
	return rc;
}
