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

#include "handlers.h"
#include "outcome.h"
#include "store/store.h"

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
