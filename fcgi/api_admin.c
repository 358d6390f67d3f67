/*
 * The admin endpoints (login and logout live in api_auth.c).  The router
 * has checked the admin cookie and, for mutations, the CSRF token and
 * Origin before any of these runs, and set req->path_id.
 *
 * Every mutation is one store call (one transaction with its event);
 * after it commits, app_notify() wakes pushd.
 *
 * GET /api/admin/state shows, as "session", the active session, else the
 * newest one (the draft just created, or the session just finished and
 * now being revealed); ?session=ID picks another one.
 *
 * Refinements of SPEC.md:
 * - populate and upload answer {"added":n,"memes":[...]} with the memes
 *   actually added (not those already in the session); memes_populated
 *   is written only when n > 0.
 * - upload checks every file before storing any: a file that is not a
 *   JPEG/PNG/GIF/WebP by its bytes is 400 unsupported_media, one over
 *   max_upload_bytes 413 file_too_large, and nothing is stored.
 * - reveal writes results_revealed only when the count changed (prev at
 *   0 or next at the end answers 200 and writes nothing).
 * - export.csv works in every state (live standings while active); avg
 *   has two decimals, unrated memes have empty figures.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "handlers.h"
#include "log.h"
#include "media.h"
#include "multipart.h"
#include "outcome.h"
#include "store/store.h"

/* The value of parameter name in a query string, as a positive id; 0 if
 * absent, -1 if present but not a positive integer. */
static int64_t
admin_query_id(const char *query, const char *name)
{
	size_t n = strlen(name);
	const char *p = query;
	char *end;
	long long v;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			errno = 0;
			v = strtoll(p + n + 1, &end, 10);
			if (errno != 0 || end == p + n + 1 || v <= 0 ||
			    (*end != '\0' && *end != '&'))
				return -1;
			return v;
		}
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}
	return 0;
}

int
h_admin_state(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *out;
	int64_t sid;
	int rc;

	if ((sid = admin_query_id(req->query, "session")) < 0)
		return http_error(resp, 400, "invalid_session",
		    "session must be a positive session id.");
	if ((rc = store_admin_state(app->store, sid, app->cfg->media_url,
	    &out)) != STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, out);
	return 0;
}

/* "pace" ("self" when absent) and "seconds" (0 when absent) of a
 * create's body: 0, or -1 after a 400. */
static int
admin_session_pace(struct json_object *body, enum store_pace *pace,
    int *seconds, struct http_response *resp)
{
	struct json_object *v;
	int64_t n;

	*pace = STORE_PACE_SELF;
	*seconds = 0;
	if (json_object_object_get_ex(body, "pace", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    store_pace_parse(json_object_get_string(v), pace) != STORE_OK))
		return http_error(resp, 400, "invalid_pace",
		    "pace must be \"self\" or \"host\".");
	if (json_object_object_get_ex(body, "seconds", &v)) {
		n = json_object_get_int64(v);
		/* json-c clamps 2^63 and up to INT64_MAX: out of range too. */
		if (!json_object_is_type(v, json_type_int) || n < 0 ||
		    n > STORE_ROUND_SECONDS_MAX)
			return http_error(resp, 400, "invalid_seconds",
			    "seconds must be an integer from 0 to %d.",
			    STORE_ROUND_SECONDS_MAX);
		*seconds = (int)n;
	}
	return 0;
}

int
h_admin_session_create(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *body, *name, *session;
	enum store_pace pace;
	int64_t seq = 0;
	int rc, seconds;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	/* A \u0000 inside would silently cut the name short. */
	if (!json_object_object_get_ex(body, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    strlen(json_object_get_string(name)) !=
	    (size_t)json_object_get_string_len(name)) {
		json_object_put(body);
		return http_error(resp, 400, "invalid_name",
		    "name must be a string of 1 to %d characters.",
		    STORE_SESSION_NAME_MAX);
	}
	if ((rc = admin_session_pace(body, &pace, &seconds, resp)) != 0) {
		json_object_put(body);
		return rc;
	}
	rc = store_session_create_paced(app->store,
	    json_object_get_string(name), pace, seconds, &session, &seq);
	json_object_put(body);
	/* The one invalid input of a create is its name. */
	if (rc == STORE_INVALID)
		return http_error(resp, 400, "invalid_name", "The name must "
		    "have 1 to %d characters and no control characters.",
		    STORE_SESSION_NAME_MAX);
	if (rc != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 201, session);
	return 0;
}

int
h_admin_session_start(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *session;
	int64_t seq = 0;
	int rc;

	if ((rc = store_session_start(app->store, req->path_id,
	    app->cfg->media_url, &session, &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 200, session);
	return 0;
}

int
h_admin_session_finish(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *session;
	int64_t seq = 0;
	int rc;

	if ((rc = store_session_finish(app->store, req->path_id, &session,
	    &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 200, session);
	return 0;
}

/* 0 if memes may be added to the session now, else the error is set. */
static int
admin_check_addable(struct app *app, int64_t id, struct http_response *resp)
{
	enum store_session_status status;
	int rc;

	if ((rc = store_session_status(app->store, id, &status)) != STORE_OK)
		return outcome_error(resp, rc);
	if (status == STORE_STATUS_FINISHED)
		return outcome_error(resp, STORE_FINISHED);
	return 0;
}

/* Adds imgs to the session and answers {"added":n,"memes":[added M]}. */
static int
admin_add_images(struct app *app, int64_t id, const struct media_image *imgs,
    size_t n, int status, struct http_response *resp)
{
	struct json_object *added, *out;
	int64_t seq = 0;
	int rc;

	if ((rc = store_session_add_images(app->store, id, imgs, n,
	    app->cfg->media_url, &added, &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	out = json_object_new_object();
	json_object_object_add(out, "added",
	    json_object_new_int((int)json_object_array_length(added)));
	json_object_object_add(out, "memes", added);
	http_json(resp, status, out);
	return 0;
}

int
h_admin_session_populate(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct media_image *imgs;
	size_t n;
	int rc;

	if (admin_check_addable(app, req->path_id, resp) == -1)
		return -1;
	if (media_scan_library(app->cfg->library_dir, app->cfg->media_dir,
	    (size_t)app->cfg->max_upload_bytes, &imgs, &n) == -1)
		return http_error(resp, 500, "library_unreadable",
		    "The library folder could not be read; see the server log.");
	for (size_t i = 0; i < n; i++)
		media_variants(app->cfg->media_dir, &imgs[i]);
	rc = admin_add_images(app, req->path_id, imgs, n, 200, resp);
	free(imgs);
	return rc;
}

/* Checks every file part before anything is stored: one bad file refuses
 * the whole upload.  Fills imgs[0..*n). */
static int
admin_check_uploads(const struct app *app, const struct multipart_part *parts,
    size_t nparts, struct media_image *imgs, size_t *n,
    struct http_response *resp)
{
	const struct multipart_part *p;

	*n = 0;
	for (size_t i = 0; i < nparts; i++) {
		p = &parts[i];
		if (!p->is_file)
			continue;
		if (p->len > (size_t)app->cfg->max_upload_bytes)
			return http_error(resp, 413, "file_too_large",
			    "%s is larger than %d bytes.", p->filename,
			    app->cfg->max_upload_bytes);
		if (media_probe(p->data, p->len, p->filename, &imgs[*n]) == -1)
			return http_error(resp, 400, "unsupported_media",
			    "%s is not a JPEG, PNG, GIF or WebP image.",
			    p->filename[0] != '\0' ? p->filename : "A file");
		(*n)++;
	}
	if (*n == 0)
		return http_error(resp, 400, "no_files",
		    "Send one or more image files as multipart/form-data.");
	return 0;
}

int
h_admin_session_upload(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct multipart_part *parts = NULL;
	struct media_image *imgs = NULL;
	size_t nparts, n, j = 0;
	int rc = -1;

	if (!http_is_content_type(req, "multipart/form-data"))
		return http_error(resp, 415, "unsupported_content_type",
		    "Upload images as multipart/form-data.");
	if (multipart_parse(req->content_type, req->body, req->body_len, &parts,
	    &nparts) == -1)
		return http_error(resp, 400, "invalid_multipart",
		    "The multipart/form-data body is malformed (or has more "
		    "than %d parts).", MULTIPART_MAX_PARTS);
	if (admin_check_addable(app, req->path_id, resp) == -1)
		goto done;
	if (nparts > 0 && (imgs = calloc(nparts, sizeof(*imgs))) == NULL) {
		log_warnx("%s: out of memory", __func__);
		rc = outcome_error(resp, STORE_DB_ERROR);
		goto done;
	}
	if (admin_check_uploads(app, parts, nparts, imgs, &n, resp) == -1)
		goto done;
	for (size_t i = 0; i < nparts; i++) {
		if (!parts[i].is_file)
			continue;
		if (media_store(app->cfg->media_dir, parts[i].data,
		    parts[i].len, &imgs[j]) == -1) {
			rc = http_error(resp, 500, "storage_failed",
			    "The image could not be stored; see the server log.");
			goto done;
		}
		/* The phone and thumbnail sizes the network can carry. */
		media_variants(app->cfg->media_dir, &imgs[j++]);
	}
	rc = admin_add_images(app, req->path_id, imgs, n, 201, resp);
done:
	free(parts);
	free(imgs);
	return rc;
}

int
h_admin_session_stats(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *stats;
	int rc;

	if ((rc = store_stats(app->store, req->path_id, 0, &stats)) != STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, stats);
	return 0;
}

int
h_admin_session_reveal(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *body, *action, *out;
	enum store_reveal step;
	int64_t seq = 0;
	int revealed = 0, total = 0, rc;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	if (!json_object_object_get_ex(body, "action", &action) ||
	    !json_object_is_type(action, json_type_string) ||
	    store_reveal_parse(json_object_get_string(action), &step) !=
	    STORE_OK) {
		json_object_put(body);
		return http_error(resp, 400, "invalid_action",
		    "action must be \"next\", \"prev\" or \"reset\".");
	}
	json_object_put(body);
	if ((rc = store_session_reveal(app->store, req->path_id, step,
	    app->cfg->media_url, &revealed, &total, &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	out = json_object_new_object();
	json_object_object_add(out, "revealed", json_object_new_int(revealed));
	json_object_object_add(out, "total", json_object_new_int(total));
	http_json(resp, 200, out);
	return 0;
}

/* --- tidying up ------------------------------------------------------------ */

int
h_admin_session_delete(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *out;
	int64_t seq = 0;
	int rc;

	if ((rc = store_session_delete(app->store, req->path_id, &seq)) !=
	    STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	out = json_object_new_object();
	json_object_object_add(out, "deleted", json_object_new_int64(req->path_id));
	http_json(resp, 200, out);
	return 0;
}

int
h_admin_meme_patch(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *body, *title, *meme;
	int64_t seq = 0;
	int rc;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	if (!json_object_object_get_ex(body, "title", &title) ||
	    !json_object_is_type(title, json_type_string) ||
	    strlen(json_object_get_string(title)) !=
	    (size_t)json_object_get_string_len(title))
		rc = STORE_INVALID;
	else
		rc = store_meme_rename(app->store, req->path_id,
		    json_object_get_string(title), app->cfg->media_url, &meme,
		    &seq);
	json_object_put(body);
	if (rc == STORE_INVALID)
		return http_error(resp, 400, "invalid_title", "title must have "
		    "1 to %d characters and no control characters.",
		    STORE_MEME_TITLE_MAX);
	if (rc != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	http_json(resp, 200, meme);
	return 0;
}

int
h_admin_session_meme_delete(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *out;
	int64_t seq = 0;
	int rc;

	if ((rc = store_session_meme_remove(app->store, req->path_id,
	    req->path_id2, &seq)) != STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, seq);
	out = json_object_new_object();
	json_object_object_add(out, "session_id",
	    json_object_new_int64(req->path_id));
	json_object_object_add(out, "removed", json_object_new_int64(req->path_id2));
	http_json(resp, 200, out);
	return 0;
}

/* --- participants --------------------------------------------------------- */

int
h_admin_session_raters(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *list;
	int rc;

	if ((rc = store_session_raters(app->store, req->path_id, &list)) !=
	    STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, list);
	return 0;
}

#define ACTIVITY_DEFAULT	50

/* ?limit=1..STORE_ACTIVITY_MAX (50 without it). */
int
h_admin_session_activity(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *list;
	int64_t limit;
	int rc;

	if ((limit = admin_query_id(req->query, "limit")) < 0 ||
	    limit > STORE_ACTIVITY_MAX)
		return http_error(resp, 400, "invalid_limit",
		    "limit must be a whole number from 1 to %d.",
		    STORE_ACTIVITY_MAX);
	if ((rc = store_session_activity(app->store, req->path_id,
	    limit == 0 ? ACTIVITY_DEFAULT : (int)limit, &list)) != STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, list);
	return 0;
}

/* --- CSV export ----------------------------------------------------------- */

int
h_admin_session_export(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *places;
	char *csv;
	size_t len;
	int rc;

	if ((rc = store_results_all(app->store, req->path_id,
	    app->cfg->media_url, &places)) != STORE_OK)
		return outcome_error(resp, rc);
	csv = export_results_csv(places, &len);
	json_object_put(places);
	if (csv == NULL) {
		log_warnx("%s: out of memory", __func__);
		return outcome_error(resp, STORE_DB_ERROR);
	}
	resp->status = 200;
	resp->content_type = "text/csv; charset=utf-8";
	resp->raw = csv;
	resp->raw_len = len;
	http_header(resp, "Content-Disposition: attachment; "
	    "filename=\"memeter-session-%lld.csv\"", (long long)req->path_id);
	return 0;
}
