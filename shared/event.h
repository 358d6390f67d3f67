#ifndef MEMETER_EVENT_H
#define MEMETER_EVENT_H

#include <stdint.h>
#include <json-c/json.h>
#include <sqlite3.h>

/* Who may see an event (SPEC.md, "Push channel"). */
enum event_group {
	EVENT_GROUP_ADMIN = 1 << 0,
	EVENT_GROUP_USER  = 1 << 1,
};

/*
 * Appends an event to the outbox inside the caller's open transaction and
 * returns its seq (> 0), or -1 (logged).  data is the admin group's view;
 * the user group's view is derived by event_user_view().  The caller keeps
 * ownership of data.
 */
int64_t	 event_append(sqlite3 *db, const char *type, int64_t session_id,
	    struct json_object *data);

/* The groups that may see events of type (0 for an unknown type). */
int	 event_groups(const char *type);

/*
 * The user group's view of an event's data, or NULL if users must not see
 * it.  Returns a new reference the caller owns (json_object_put).
 */
struct json_object *event_user_view(const char *type, struct json_object *data);

/*
 * The envelope sent to clients: {"seq":N,"type":"...","ts":"...","data":{...}}.
 * Returns a malloc'd NUL-terminated string the caller frees, or NULL.
 */
char	*event_envelope(int64_t seq, const char *type, const char *ts,
	    struct json_object *data);

/* The newest seq in the outbox (0 when empty), or -1 on error. */
int64_t	 event_head(sqlite3 *db);

#endif
