#ifndef MEMETER_MODEL_H
#define MEMETER_MODEL_H

/*
 * The data model shared by all handlers and by memeterctl: sessions,
 * memes, statistics and results as SPEC.md's JSON shapes, and the state
 * changes with their outbox events (each in one transaction the caller
 * does NOT open: these functions BEGIN IMMEDIATE and COMMIT themselves and
 * return the last event seq through *seq so the caller can notify pushd).
 *
 * Every json_object returned is a new reference the caller owns.
 * Status returns: 0 ok, or a negative MODEL_E* code the HTTP layer maps
 * to a status (and memeterctl to a message).
 */

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

enum model_error {
	MODEL_OK = 0,
	MODEL_EDB = -1,		/* database failure (500) */
	MODEL_ENOTFOUND = -2,	/* unknown id (404) */
	MODEL_ESTATE = -3,	/* wrong state (409) */
	MODEL_EINVAL = -4,	/* invalid input (400) */
	/* Finer kinds of MODEL_ESTATE, all 409, so a client learns why. */
	MODEL_EACTIVE = -5,	/* another session is active */
	MODEL_EALREADY = -6,	/* the session is already active */
	MODEL_EFINISHED = -7,	/* the session is finished */
	MODEL_ENOTACTIVE = -8,	/* the session is not active */
	MODEL_ENOTFINISHED = -9,/* the session is not finished yet */
};

/* Session states as model_session_state() returns them. */
enum model_session_status {
	MODEL_DRAFT = 1,
	MODEL_ACTIVE = 2,
	MODEL_FINISHED = 3,
};

/* The HTTP status, snake_case code and human message of a MODEL_E* value. */
int	model_error_status(int rc);
const char *model_error_code(int rc);
const char *model_error_message(int rc);

/* S: {"id","name","status","created_at","started_at","finished_at"} */
struct json_object *model_session_json(sqlite3 *db, int64_t session_id);
/* M list of a session, in order */
struct json_object *model_session_memes(sqlite3 *db, int64_t session_id,
	    const char *media_url);
/* The active session's id, else the latest finished one's, else 0;
 * -1 on a database error. */
int64_t	model_current_session(sqlite3 *db);
/* Finished sessions, newest first (array of S). */
struct json_object *model_finished_sessions(sqlite3 *db);
/* All sessions, newest first (array of S), for the admin. */
struct json_object *model_all_sessions(sqlite3 *db);

/* STATS for a session; meme_id > 0 limits "memes" to that one meme. */
struct json_object *model_stats(sqlite3 *db, int64_t session_id, int64_t meme_id);
/*
 * The stats_updated event's data for one meme as JSON text (what
 * model_stats(db, sid, meme_id) serialises to, JSON_C_TO_STRING_PLAIN,
 * with "session_id":sid first), written straight into buf from figures
 * the caller read itself: the rating path sends one per rating.  hist
 * holds MODEL_NSCORES counts.  The length, or -1 (logged) if len is too
 * small (MODEL_STATS_TEXT_MAX always suffices).
 */
#define MODEL_NSCORES		11	/* scores 0..10 */
#define MODEL_STATS_TEXT_MAX	1024
int	model_stats_event_text(char *buf, size_t len, int64_t sid,
	    int64_t ratings, int64_t raters, int64_t score_sum, int64_t meme_id,
	    const int64_t *hist);

int	model_session_create(sqlite3 *db, const char *name,
	    struct json_object **session, int64_t *seq);
int	model_session_start(sqlite3 *db, int64_t id, const char *media_url,
	    struct json_object **session, int64_t *seq);
int	model_session_finish(sqlite3 *db, int64_t id,
	    struct json_object **session, int64_t *seq);

/*
 * Validates a display name: trimmed of white space, valid UTF-8 without
 * control characters, 1..maxchars characters.  Copies the trimmed name
 * into out (outlen >= 4 * maxchars + 1 always suffices).  0 or -1.
 */
int	model_name_clean(const char *in, size_t maxchars, char *out,
	    size_t outlen);
#define MODEL_SESSION_NAME_MAX	80

/* MODEL_DRAFT/ACTIVE/FINISHED, or MODEL_ENOTFOUND / MODEL_EDB. */
int	model_session_state(sqlite3 *db, int64_t id);
/* The session an admin dashboard shows: the active one, else the newest
 * one (a fresh draft or the session just finished), else 0; -1 on error. */
int64_t	model_admin_session(sqlite3 *db);
/* M of one meme, NULL if unknown. */
struct json_object *model_meme_json(sqlite3 *db, int64_t meme_id,
	    const char *media_url);

/*
 * Results of a session: every meme ranked by average score (best first;
 * ties: more ratings first, then earlier position; unrated memes last).
 * A place is {"place","meme":M,"count","avg","min","max","median"}.
 * model_results() gives {"session_id","revealed","total","results":[...]}
 * with only the revealed places (the `revealed` lowest ones), best first;
 * model_results_all() every place.  NULL on error or unknown session.
 */
struct json_object *model_results(sqlite3 *db, int64_t session_id,
	    const char *media_url);
struct json_object *model_results_all(sqlite3 *db, int64_t session_id,
	    const char *media_url);

/*
 * Reveal step of a finished session: action "next", "prev" or "reset".
 * Sets *revealed and *total; appends results_revealed when the count
 * changed (else *seq = 0).
 */
int	model_session_reveal(sqlite3 *db, int64_t id, const char *action,
	    const char *media_url, int *revealed, int *total, int64_t *seq);

struct media_image;
/*
 * Adds images (already stored in the media directory) to a draft or
 * active session: upserts their memes rows, appends the ones not yet in
 * the session and, if any, the memes_populated event.  *added_memes gets
 * the array of M actually added (caller owns it).
 */
int	model_session_add_images(sqlite3 *db, int64_t id,
	    const struct media_image *imgs, size_t nimgs, const char *media_url,
	    struct json_object **added_memes, int64_t *seq);

#endif
