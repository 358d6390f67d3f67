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
 *   GET /api/config          200 {"join_url","version","ws_url"}: join_url is
 *                            public_url, else the first origin of
 *                            site_origin, always ending in "/" when it
 *                            has no path (what the QR code encodes);
 *                            "ws_url": the WebSocket base the pages
 *                            connect to (pushd's direct listener), null
 *                            for their own origin (nginx's /ws/)
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "outcome.h"
#include "store/store.h"
#include "version.h"

/* The address raters open, into buf (see above). */
static void
config_join_url(const struct config *cfg, char *buf, size_t len)
{
	const char *src = cfg->public_url, *host;
	size_t n;

	if (src[0] == '\0') {
		src = cfg->site_origin;
		src += strspn(src, " \t");
	}
	n = strcspn(src, " \t");
	if (n >= len)
		n = len - 1;
	memcpy(buf, src, n);
	buf[n] = '\0';
	host = strstr(buf, "://");
	if (n > 0 && n + 1 < len &&
	    strchr(host != NULL ? host + 3 : buf, '/') == NULL) {
		buf[n] = '/';
		buf[n + 1] = '\0';
	}
}

int
h_config(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *o = json_object_new_object();
	char url[sizeof(app->cfg->public_url) + sizeof(app->cfg->site_origin)];
	size_t ws_len = strlen(app->cfg->ws_url);

	(void)req;
	/* Without its "/" (config_ws_url_ok allows no other path): the
	 * pages append /ws/user. */
	if (ws_len > 0 && app->cfg->ws_url[ws_len - 1] == '/')
		ws_len--;
	config_join_url(app->cfg, url, sizeof(url));
	json_object_object_add(o, "join_url", json_object_new_string(url));
	json_object_object_add(o, "version",
	    json_object_new_string(MEMETER_VERSION));
	json_object_object_add(o, "ws_url", ws_len > 0 ?
	    json_object_new_string_len(app->cfg->ws_url, (int)ws_len) : NULL);
	http_json(resp, 200, o);
	return 0;
}

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
