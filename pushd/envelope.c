#include "envelope.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "event.h"
#include "log.h"
#include "source.h"

void
envelope_clear(struct envelope_set *out)
{
	free(out->admin);
	free(out->user);
	memset(out, 0, sizeof(*out));
}

int
envelope_render(const struct source_event *ev, int want,
    struct envelope_set *out)
{
	struct json_object *obj, *view;
	int groups = event_groups(ev->type) & want;

	memset(out, 0, sizeof(*out));
	if (event_groups(ev->type) == 0) {
		log_warnx("%s: seq %" PRId64 ": unknown type \"%s\"", __func__,
		    ev->seq, ev->type);
		return -1;
	}
	if (groups == 0)
		return 0;
	if ((obj = json_tokener_parse(ev->data)) == NULL) {
		log_warnx("%s: seq %" PRId64 ": data is not JSON", __func__,
		    ev->seq);
		return -1;
	}
	if (groups & EVENT_GROUP_ADMIN) {
		out->admin = event_envelope(ev->seq, ev->type, ev->ts, obj);
		out->admin_len = out->admin ? strlen(out->admin) : 0;
	}
	if ((groups & EVENT_GROUP_USER) &&
	    (view = event_user_view(ev->type, obj)) != NULL) {
		out->user = event_envelope(ev->seq, ev->type, ev->ts, view);
		out->user_len = out->user ? strlen(out->user) : 0;
		out->user_latest_wins = strcmp(ev->type, "stats_updated") == 0;
		json_object_put(view);
	}
	json_object_put(obj);
	if (((groups & EVENT_GROUP_ADMIN) && out->admin == NULL) ||
	    ((groups & EVENT_GROUP_USER) && out->user == NULL)) {
		log_warnx("%s: seq %" PRId64 ": out of memory", __func__,
		    ev->seq);
		envelope_clear(out);
		return -1;
	}
	return 0;
}

const char *
envelope_group_name(int group)
{
	return group == EVENT_GROUP_ADMIN ? "admin" : "user";
}

int
envelope_hello(char *buf, size_t len, int64_t head, int group)
{
	return snprintf(buf, len, "{\"type\":\"hello\",\"seq\":%" PRId64
	    ",\"group\":\"%s\"}", head, envelope_group_name(group));
}

int
envelope_resync(char *buf, size_t len, int64_t head)
{
	return snprintf(buf, len, "{\"type\":\"resync\",\"seq\":%" PRId64 "}",
	    head);
}

int
envelope_presence(char *buf, size_t len, int raters, int admins)
{
	return snprintf(buf, len, "{\"type\":\"presence\",\"data\":"
	    "{\"raters\":%d,\"admins\":%d}}", raters, admins);
}
