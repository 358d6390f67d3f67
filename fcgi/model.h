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
#include <stdint.h>
#include <json-c/json.h>

enum model_error {
	MODEL_OK = 0,
	MODEL_EDB = -1,		/* database failure (500) */
	MODEL_ENOTFOUND = -2,	/* unknown id (404) */
	MODEL_ESTATE = -3,	/* wrong state (409) */
	MODEL_EINVAL = -4,	/* invalid input (400) */
};

/* S: {"id","name","status","created_at","started_at","finished_at"} */
struct json_object *model_session_json(sqlite3 *db, int64_t session_id);
/* M list of a session, in order */
struct json_object *model_session_memes(sqlite3 *db, int64_t session_id,
	    const char *media_url);
/* The active session's id, else the latest finished one's, else 0. */
int64_t	model_current_session(sqlite3 *db);
/* Finished sessions, newest first (array of S). */
struct json_object *model_finished_sessions(sqlite3 *db);
/* All sessions, newest first (array of S), for the admin. */
struct json_object *model_all_sessions(sqlite3 *db);

/* STATS for a session; meme_id > 0 limits "memes" to that one meme. */
struct json_object *model_stats(sqlite3 *db, int64_t session_id, int64_t meme_id);

int	model_session_create(sqlite3 *db, const char *name,
	    struct json_object **session, int64_t *seq);
int	model_session_start(sqlite3 *db, int64_t id, const char *media_url,
	    struct json_object **session, int64_t *seq);
int	model_session_finish(sqlite3 *db, int64_t id,
	    struct json_object **session, int64_t *seq);

#endif
