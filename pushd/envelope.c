#include "envelope.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* One group's envelope around a view stored as text; NULL if no memory. */
static char *
envelope_build(const struct source_event *ev, const char *view, size_t len,
    size_t *outlen)
{
	size_t cap = event_envelope_size(ev->type, strlen(ev->ts), len);
	char *buf;
	int n;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	if ((n = event_envelope_write(buf, cap, ev->seq, ev->type, ev->ts,
	    view, len)) < 0) {
		free(buf);
		return NULL;
	}
	*outlen = (size_t)n;
	return buf;
}

/*
 * The user view as stored.  A row of a type users see in full whose
 * user_data is NULL was written by SQL outside the store (a tool, a
 * test): its user view is its data.  stats_updated's user view is a
 * part of data, so without user_data users do not get that row.
 */
static const char *
user_view(const struct source_event *ev, size_t *len)
{
	if (ev->user_data != NULL) {
		*len = ev->user_data_len;
		return ev->user_data;
	}
	if (event_type_latest_wins(ev->type))
		return NULL;
	*len = ev->data_len;
	return ev->data;
}

/*
 * Each group's view was rendered once when the event was appended, so
 * an envelope is concatenation: no JSON is parsed here.
 */
int
envelope_render(const struct source_event *ev, int want,
    struct envelope_set *out)
{
	int groups = event_type_groups(ev->type) & want;
	const char *user;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (event_type_groups(ev->type) == 0) {
		log_warnx("%s: seq %" PRId64 ": unknown type", __func__, ev->seq);
		return -1;
	}
	if (groups & EVENT_GROUP_ADMIN) {
		if ((out->admin = envelope_build(ev, ev->data, ev->data_len,
		    &out->admin_len)) == NULL)
			goto fail;
	}
	if ((groups & EVENT_GROUP_USER) && (user = user_view(ev, &len)) != NULL) {
		if ((out->user = envelope_build(ev, user, len,
		    &out->user_len)) == NULL)
			goto fail;
		out->user_latest_wins = event_type_latest_wins(ev->type);
	}
	return 0;
fail:
	log_warnx("%s: seq %" PRId64 ": out of memory", __func__, ev->seq);
	envelope_clear(out);
	return -1;
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
