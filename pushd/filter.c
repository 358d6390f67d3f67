#include "filter.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cookie.h"
#include "event.h"
#include "log.h"
#include "origin.h"

void
pushd_render_clear(struct pushd_render *out)
{
	free(out->admin);
	free(out->user);
	memset(out, 0, sizeof(*out));
}

int
pushd_render_event(int64_t seq, const char *type, const char *data,
    const char *ts, int want, struct pushd_render *out)
{
	struct json_object *obj, *view;
	int groups = event_groups(type) & want;

	memset(out, 0, sizeof(*out));
	if (event_groups(type) == 0) {
		log_warnx("%s: seq %" PRId64 ": unknown type \"%s\"", __func__,
		    seq, type);
		return -1;
	}
	if (groups == 0)
		return 0;
	if ((obj = json_tokener_parse(data)) == NULL) {
		log_warnx("%s: seq %" PRId64 ": data is not JSON", __func__, seq);
		return -1;
	}
	if (groups & EVENT_GROUP_ADMIN) {
		out->admin = event_envelope(seq, type, ts, obj);
		out->admin_len = out->admin ? strlen(out->admin) : 0;
	}
	if ((groups & EVENT_GROUP_USER) &&
	    (view = event_user_view(type, obj)) != NULL) {
		out->user = event_envelope(seq, type, ts, view);
		out->user_len = out->user ? strlen(out->user) : 0;
		out->user_latest_wins = strcmp(type, "stats_updated") == 0;
		json_object_put(view);
	}
	json_object_put(obj);
	if (((groups & EVENT_GROUP_ADMIN) && out->admin == NULL) ||
	    ((groups & EVENT_GROUP_USER) && out->user == NULL)) {
		log_warnx("%s: seq %" PRId64 ": out of memory", __func__, seq);
		pushd_render_clear(out);
		return -1;
	}
	return 0;
}

int
pushd_path_group(const char *path)
{
	if (strcmp(path, "/ws/user") == 0)
		return EVENT_GROUP_USER;
	if (strcmp(path, "/ws/admin") == 0)
		return EVENT_GROUP_ADMIN;
	return 0;
}

const char *
pushd_group_name(int group)
{
	return group == EVENT_GROUP_ADMIN ? "admin" : "user";
}

int
pushd_parse_since(const char *s, int64_t *since)
{
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*since = (int64_t)v;
	return 0;
}

int
pushd_cookie_get(const char *header, const char *name, char *out,
    size_t outlen)
{
	return cookie_get(header, name, out, outlen);
}

int
pushd_origin_ok(const char *origin, const char *site)
{
	/* No Origin: not a browser page, so no page of another site. */
	return origin == NULL || origin_in_list(origin, site);
}

int
pushd_fmt_hello(char *buf, size_t len, int64_t head, int group)
{
	return snprintf(buf, len, "{\"type\":\"hello\",\"seq\":%" PRId64
	    ",\"group\":\"%s\"}", head, pushd_group_name(group));
}

int
pushd_fmt_resync(char *buf, size_t len, int64_t head)
{
	return snprintf(buf, len, "{\"type\":\"resync\",\"seq\":%" PRId64 "}",
	    head);
}

int
pushd_fmt_presence(char *buf, size_t len, int raters, int admins)
{
	return snprintf(buf, len, "{\"type\":\"presence\",\"data\":"
	    "{\"raters\":%d,\"admins\":%d}}", raters, admins);
}
