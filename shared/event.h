#ifndef MEMETER_EVENT_H
#define MEMETER_EVENT_H

/*
 * The one event codec (SPEC.md, "Push channel"): the types, who may see
 * each, each group's view of an event's data rendered once when it is
 * appended (events.data = the admin view, events.user_data = the user
 * view or NULL), and the envelope a client receives, built from those
 * texts by concatenation.  Appending lives in the store
 * (store_event_append*, shared/store/store.h).
 */

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <sqlite3.h>

/* Who may see an event. */
enum event_group {
	EVENT_GROUP_ADMIN = 1 << 0,
	EVENT_GROUP_USER  = 1 << 1,
};

enum event_type {
	EVENT_UNKNOWN = 0,
	EVENT_SESSION_CREATED,
	EVENT_SESSION_STARTED,
	EVENT_SESSION_FINISHED,
	EVENT_MEMES_POPULATED,
	EVENT_NEW_RATING,
	EVENT_STATS_UPDATED,
	EVENT_RESULTS_REVEALED,
	EVENT_SESSION_DELETED,
	EVENT_MEME_RENAMED,
	EVENT_MEMES_REMOVED,
	EVENT_ROUND_CHANGED,
	EVENT_RATER_RENAMED,
	EVENT_RATER_KICKED,
	EVENT_SESSION_LOCKED,
	EVENT_TYPE_COUNT
};

/* "session_created" ...; NULL for EVENT_UNKNOWN or out of range. */
const char	*event_type_name(enum event_type type);
/* The type named name, EVENT_UNKNOWN if none is. */
enum event_type	 event_type_from_name(const char *name);
/* The groups that may see events of type (0 for EVENT_UNKNOWN). */
int		 event_type_groups(enum event_type type);
/* 1 if a user only ever needs the newest event of type (stats_updated:
 * a slow client may skip to the latest totals). */
int		 event_type_latest_wins(enum event_type type);


/*
 * Each group's view of an event's data as JSON text (JSON_OUT_FLAGS).
 * data and user_data point into buf (user_data may equal data); both
 * are NUL-terminated.  user_data is NULL when users must not see it.
 */
struct event_views {
	const char	*data;
	size_t		 data_len;
	const char	*user_data;
	size_t		 user_data_len;
	char		*buf;		/* owned; event_views_free() */
};

/* Renders both views of data (the admin view) once.  0, or -1 (logged)
 * for an unknown type or no memory.  The caller keeps data. */
int	 event_render(enum event_type type, struct json_object *data,
	    struct event_views *out);
void	 event_views_free(struct event_views *views);

/*
 * stats_updated's user view, {"session_id","ratings","raters"}, as text
 * into buf: the rating path writes it next to the admin view.  The
 * length, or -1 if len is too small (64 always suffices).
 */
#define EVENT_STATS_USER_MAX	96
int	 event_stats_user_text(char *buf, size_t len, int64_t session_id,
	    int64_t ratings, int64_t raters);

/*
 * The envelope a client receives:
 * {"seq":N,"type":"...","ts":"...","data":DATA}, DATA being one group's
 * view as stored.  event_envelope_size() is the room it needs (with the
 * NUL); event_envelope_write() writes it into out and returns its
 * length, or -1 if cap is too small or the type unknown.
 */
size_t	 event_envelope_size(enum event_type type, size_t ts_len,
	    size_t data_len);
int	 event_envelope_write(char *out, size_t cap, int64_t seq,
	    enum event_type type, const char *ts, const char *data,
	    size_t data_len);

#endif
