/*
 * The show's endpoints (SPEC.md "host-paced rounds", "reactions and
 * moderation"): the host's round steps, the raters' reactions and the
 * host's moderation.  As in api_admin.c, the router has checked the
 * admin cookie, CSRF and Origin of the admin routes.
 *
 * Refinements of SPEC.md:
 * - round: "next" after the last meme and "prev" at the first answer
 *   409 no_more_memes; "close" of a round that is not open answers 200
 *   with the round and writes nothing.
 */
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "notify.h"
#include "outcome.h"
#include "store/store.h"
#include "utf8.h"

int
h_admin_session_round(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *body, *action, *round;
	enum store_round_action step;
	int64_t seq = 0;
	int rc;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	if (!json_object_object_get_ex(body, "action", &action) ||
	    !json_object_is_type(action, json_type_string) ||
	    store_round_parse(json_object_get_string(action), &step) !=
	    STORE_OK) {
		json_object_put(body);
		return http_error(resp, 400, "invalid_action",
		    "action must be \"next\", \"prev\" or \"close\".");
	}
	json_object_put(body);
	if ((rc = store_round_step(app->store, req->path_id, step, &round,
	    &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 200, round);
	return 0;
}

/* --- reactions ------------------------------------------------------------- */

/*
 * Not stored: the worker hands each accepted reaction to pushd in a
 * datagram, and pushd sums them for the admins.  nginx keeps the 5 a
 * second per rater (location = /api/reactions), so a flood never
 * reaches a worker.
 */
int
h_reactions_post(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct store_rater rater;
	struct json_object *body, *v, *o;
	int64_t sid = 0;
	int emoji = -1, rc;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	if (json_object_object_get_ex(body, "emoji", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strlen(json_object_get_string(v)) ==
	    (size_t)json_object_get_string_len(v))
		emoji = notify_emoji_index(json_object_get_string(v));
	json_object_put(body);
	if (emoji < 0)
		return http_error(resp, 400, "invalid_emoji", "emoji must be "
		    "one of \xf0\x9f\x98\x82 \xf0\x9f\x94\xa5 \xf0\x9f\x92\x80 "
		    "\xf0\x9f\x91\x8f \xf0\x9f\x98\x8d \xf0\x9f\xa4\x94.");
	if ((rc = store_session_active_id(app->store, &sid)) != STORE_OK)
		return outcome_error(resp, rc);
	if (sid == 0)
		return outcome_error(resp, STORE_NO_ACTIVE_SESSION);
	/* Not stored anywhere else: one pushd did not take is not accepted. */
	if (notify_send_reaction(app->notify_fd, app->cfg->notify_socket, sid,
	    emoji) == -1) {
		(void)http_header(resp, "Retry-After: 1");
		return http_error(resp, 503, "unavailable", "The live channel "
		    "is not taking reactions now; try again in a moment.");
	}
	o = json_object_new_object();
	json_object_object_add(o, "session_id", json_object_new_int64(sid));
	json_object_object_add(o, "emoji",
	    json_object_new_string(notify_emoji(emoji)));
	http_json(resp, 202, o);
	return 0;
}

/* --- moderation ------------------------------------------------------------ */

int
h_admin_rater_patch(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	char clean[STORE_RATER_NAME_MAX];
	struct json_object *body, *v, *rater;
	const char *name = NULL;
	int64_t seq = 0;
	int rc = 0;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	if (json_object_object_get_ex(body, "name", &v) &&
	    json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	/* The rules of PATCH /api/me: no NUL, no bidi or invisible marks. */
	if (name == NULL ||
	    strlen(name) != (size_t)json_object_get_string_len(v) ||
	    utf8_name_clean(name, STORE_RATER_NAME_CHARS, clean,
	    sizeof(clean)) == -1)
		rc = http_error(resp, 400, "invalid_name", "name must be 1 to "
		    "%d characters of text.", STORE_RATER_NAME_CHARS);
	json_object_put(body);
	if (rc == -1)
		return -1;
	if ((rc = store_rater_moderate_rename(app->store, req->path_id, clean,
	    &rater, &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 200, rater);
	return 0;
}

int
h_admin_rater_kick(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *o;
	int64_t seq = 0;
	int removed = 0, rc;

	if ((rc = store_rater_kick(app->store, req->path_id, &removed,
	    &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(req->path_id));
	json_object_object_add(o, "kicked", json_object_new_boolean(1));
	json_object_object_add(o, "removed", json_object_new_int(removed));
	http_json(resp, 200, o);
	return 0;
}

int
h_admin_session_lock(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *body, *v, *session;
	int64_t seq = 0;
	int locked, rc;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	if (!json_object_object_get_ex(body, "locked", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		json_object_put(body);
		return http_error(resp, 400, "invalid_locked",
		    "locked must be true or false.");
	}
	locked = json_object_get_boolean(v);
	json_object_put(body);
	if ((rc = store_session_lock(app->store, req->path_id, locked,
	    &session, &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 200, session);
	return 0;
}
