/*
 * The event codec: types, groups, each group's view, the envelope.
 */
#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"

static const struct {
	const char	*name;
	int		 groups;
} event_types[EVENT_TYPE_COUNT] = {
	[EVENT_SESSION_CREATED] =	{ "session_created", EVENT_GROUP_ADMIN },
	[EVENT_SESSION_STARTED] =	{ "session_started",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_SESSION_FINISHED] =	{ "session_finished",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_MEMES_POPULATED] =	{ "memes_populated",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_NEW_RATING] =		{ "new_rating", EVENT_GROUP_ADMIN },
	[EVENT_STATS_UPDATED] =		{ "stats_updated",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_RESULTS_REVEALED] =	{ "results_revealed",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_SESSION_DELETED] =	{ "session_deleted",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_MEME_RENAMED] =		{ "meme_renamed",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_MEMES_REMOVED] =		{ "memes_removed",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_ROUND_CHANGED] =		{ "round_changed",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_RATER_RENAMED] =		{ "rater_renamed",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_RATER_KICKED] =		{ "rater_kicked",
	    EVENT_GROUP_ADMIN | EVENT_GROUP_USER },
	[EVENT_SESSION_LOCKED] =	{ "session_locked", EVENT_GROUP_ADMIN },
};

/* Users see the totals, never the per-meme figures mid-session. */
static const char *const stats_user_keys[] = { "session_id", "ratings",
    "raters" };

const char *
event_type_name(enum event_type type)
{
	if (type <= EVENT_UNKNOWN || type >= EVENT_TYPE_COUNT)
		return NULL;
	return event_types[type].name;
}

enum event_type
event_type_from_name(const char *name)
{
	if (name == NULL)
		return EVENT_UNKNOWN;
	for (int t = EVENT_UNKNOWN + 1; t < EVENT_TYPE_COUNT; t++)
		if (strcmp(event_types[t].name, name) == 0)
			return (enum event_type)t;
	return EVENT_UNKNOWN;
}

int
event_type_groups(enum event_type type)
{
	if (type <= EVENT_UNKNOWN || type >= EVENT_TYPE_COUNT)
		return 0;
	return event_types[type].groups;
}

int
event_type_latest_wins(enum event_type type)
{
	return type == EVENT_STATS_UPDATED;
}

/* --- views ----------------------------------------------------------------- */

/* The user view of stats_updated's data as a new json-c object. */
static struct json_object *
event_stats_user_view(struct json_object *data)
{
	struct json_object *view = json_object_new_object(), *v;

	for (size_t i = 0; i < sizeof(stats_user_keys) /
	    sizeof(stats_user_keys[0]); i++)
		if (json_object_object_get_ex(data, stats_user_keys[i], &v))
			json_object_object_add(view, stats_user_keys[i],
			    json_object_get(v));
	return view;
}

int
event_render(enum event_type type, struct json_object *data,
    struct event_views *out)
{
	struct json_object *view = NULL;
	const char *admin, *user = NULL;
	size_t alen, ulen = 0;
	int groups = event_type_groups(type);

	memset(out, 0, sizeof(*out));
	if (groups == 0) {
		log_warnx("%s: unknown event type %d", __func__, (int)type);
		return -1;
	}
	admin = json_object_to_json_string_ext(data, JSON_OUT_FLAGS);
	alen = strlen(admin);
	if ((groups & EVENT_GROUP_USER) && type == EVENT_STATS_UPDATED) {
		view = event_stats_user_view(data);
		user = json_object_to_json_string_ext(view, JSON_OUT_FLAGS);
		ulen = strlen(user);
	}
	if ((out->buf = malloc(alen + 1 + (user != NULL ? ulen + 1 : 0))) ==
	    NULL) {
		log_warn("%s: malloc", __func__);
		json_object_put(view);
		return -1;
	}
	memcpy(out->buf, admin, alen + 1);
	out->data = out->buf;
	out->data_len = alen;
	if (user != NULL) {
		memcpy(out->buf + alen + 1, user, ulen + 1);
		out->user_data = out->buf + alen + 1;
		out->user_data_len = ulen;
	} else if (groups & EVENT_GROUP_USER) {
		out->user_data = out->data;
		out->user_data_len = alen;
	}
	json_object_put(view);
	return 0;
}

void
event_views_free(struct event_views *views)
{
	free(views->buf);
	memset(views, 0, sizeof(*views));
}

int
event_stats_user_text(char *buf, size_t len, int64_t session_id,
    int64_t ratings, int64_t raters)
{
	const int64_t v[] = { session_id, ratings, raters };
	struct jsonw w;

	jsonw_init(&w, buf, len);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		jsonw_lit(&w, i == 0 ? "{\"" : ",\"");
		jsonw_lit(&w, stats_user_keys[i]);
		jsonw_lit(&w, "\":");
		jsonw_int(&w, v[i]);
	}
	jsonw_lit(&w, "}");
	return jsonw_len(&w);
}

/* --- envelope -------------------------------------------------------------- */

#define ENVELOPE_FIXED	(sizeof("{\"seq\":,\"type\":\"\",\"ts\":\"\"," \
	"\"data\":}") - 1 + 20)		/* 20: the digits of an int64 */

size_t
event_envelope_size(enum event_type type, size_t ts_len, size_t data_len)
{
	const char *name = event_type_name(type);

	return ENVELOPE_FIXED + (name != NULL ? strlen(name) : 0) + ts_len +
	    data_len + 1;
}

int
event_envelope_write(char *out, size_t cap, int64_t seq, enum event_type type,
    const char *ts, const char *data, size_t data_len)
{
	const char *name = event_type_name(type);
	struct jsonw w;

	if (name == NULL)
		return -1;
	/* Type names and our timestamps need no escaping. */
	jsonw_init(&w, out, cap);
	jsonw_lit(&w, "{\"seq\":");
	jsonw_int(&w, seq);
	jsonw_lit(&w, ",\"type\":\"");
	jsonw_lit(&w, name);
	jsonw_lit(&w, "\",\"ts\":");
	jsonw_string(&w, ts);
	jsonw_lit(&w, ",\"data\":");
	jsonw_raw(&w, data, data_len);
	jsonw_lit(&w, "}");
	return jsonw_len(&w);
}
