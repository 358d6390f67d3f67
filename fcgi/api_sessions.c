/*
 * Public endpoints about past sessions: the list of finished sessions and
 * the results revealed so far.
 *
 *   GET /api/sessions        200 [S...], finished sessions, newest first
 *   GET /api/results/{id}    200 {"session":S,"revealed":k,"total":n,
 *                            "results":[revealed places, best first]};
 *                            404 not_found for an unknown id, 409
 *                            session_not_finished while it is a draft or
 *                            active (results exist only once it ended)
 */
#include "handlers.h"
#include "outcome.h"
#include "store/store.h"

int
h_sessions_list(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *list;
	int rc;

	(void)req;
	if ((rc = store_sessions_finished(app->store, &list)) != STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, list);
	return 0;
}

int
h_results_get(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *out;
	int rc;

	if ((rc = store_results_public(app->store, req->path_id,
	    app->cfg->media_url, &out)) != STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, out);
	return 0;
}
