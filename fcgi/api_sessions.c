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
#include "db.h"
#include "handlers.h"
#include "log.h"
#include "model.h"

static int
sessions_model_error(struct http_response *resp, int rc)
{
	return http_error(resp, model_error_status(rc), model_error_code(rc),
	    "%s", model_error_message(rc));
}

int
h_sessions_list(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *list;

	(void)req;
	if ((list = model_finished_sessions(app->db)) == NULL)
		return sessions_model_error(resp, MODEL_EDB);
	http_json(resp, 200, list);
	return 0;
}

int
h_results_get(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	static const char *const keys[] = { "revealed", "total", "results" };
	struct json_object *session = NULL, *res = NULL, *out;
	int state, rc = MODEL_EDB;

	/* One snapshot: the session, its reveal count and the places. */
	if (db_exec(app->db, "BEGIN") == -1)
		return sessions_model_error(resp, MODEL_EDB);
	if ((state = model_session_state(app->db, req->path_id)) < 0) {
		rc = state;
		goto fail;
	}
	if (state != MODEL_FINISHED) {
		rc = MODEL_ENOTFINISHED;
		goto fail;
	}
	if ((session = model_session_json(app->db, req->path_id)) == NULL ||
	    (res = model_results(app->db, req->path_id,
	    app->cfg->media_url)) == NULL)
		goto fail;
	db_rollback(app->db);
	out = json_object_new_object();
	json_object_object_add(out, "session", session);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(out, keys[i], json_object_get(
		    json_object_object_get(res, keys[i])));
	json_object_put(res);
	http_json(resp, 200, out);
	return 0;
fail:
	db_rollback(app->db);
	json_object_put(session);
	return sessions_model_error(resp, rc);
}
