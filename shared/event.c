#include "event.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

static const struct {
	const char	*type;
	int		 groups;
} event_types[] = {
	{ "session_created",	EVENT_GROUP_ADMIN },
	{ "session_started",	EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	{ "session_finished",	EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	{ "memes_populated",	EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	{ "new_rating",		EVENT_GROUP_ADMIN },
	{ "stats_updated",	EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	{ "results_revealed",	EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
};

int
event_groups(const char *type)
{
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		if (strcmp(event_types[i].type, type) == 0)
			return event_types[i].groups;
	return 0;
}

struct json_object *
event_user_view(const char *type, struct json_object *data)
{
	struct json_object *view, *v;
	static const char *const stats_keys[] = { "session_id", "ratings", "raters" };

	if (!(event_groups(type) & EVENT_GROUP_USER))
		return NULL;
	if (strcmp(type, "stats_updated") != 0)
		return json_object_get(data);
	/* Users see the totals, never the per-meme figures mid-session. */
	view = json_object_new_object();
	for (size_t i = 0; i < sizeof(stats_keys) / sizeof(stats_keys[0]); i++)
		if (json_object_object_get_ex(data, stats_keys[i], &v))
			json_object_object_add(view, stats_keys[i],
			    json_object_get(v));
	return view;
}

int64_t
event_append(sqlite3 *db, const char *type, int64_t session_id,
    struct json_object *data)
{
	sqlite3_stmt *st;
	const char *json;
	int64_t seq = -1;

	if (sqlite3_prepare_v3(db, "INSERT INTO events(type,session_id,data) "
	    "VALUES(?1,?2,?3)", -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		return -1;
	}
	json = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN);
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	if (session_id > 0)
		sqlite3_bind_int64(st, 2, session_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, json, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		seq = sqlite3_last_insert_rowid(db);
	else
		log_warnx("%s: %s: %s", __func__, type, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return seq;
}

char *
event_envelope(int64_t seq, const char *type, const char *ts,
    struct json_object *data)
{
	struct json_object *env = json_object_new_object();
	char *out;

	json_object_object_add(env, "seq", json_object_new_int64(seq));
	json_object_object_add(env, "type", json_object_new_string(type));
	json_object_object_add(env, "ts", json_object_new_string(ts));
	json_object_object_add(env, "data", json_object_get(data));
	out = strdup(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN));
	json_object_put(env);
	return out;
}

int64_t
event_head(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t seq = -1;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq),0) FROM events",
	    -1, &st, NULL) != SQLITE_OK) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}
