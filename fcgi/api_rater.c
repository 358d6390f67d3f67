/*
 * The rater's endpoints (state, ratings, skips, name) and /api/health.
 * Each checks its input, makes one store call and answers; the store
 * owns the transaction (a rating: one short write with its two outbox
 * events, every statement kept prepared).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "outcome.h"
#include "store/store.h"
#include "unixsock.h"
#include "utf8.h"
#include "version.h"

#define CLIENT_ID_MAX		(STORE_CLIENT_ID_CHARS * 4 + 1)

/* What a rating request asks for, validated. */
struct rating_in {
	int64_t		 meme_id;
	int		 score;
	char		 client_id[CLIENT_ID_MAX];	/* "" if none */
};

/* --- input ---------------------------------------------------------------- */

/* meme_id: a JSON integer > 0 (no 5.0, no "5"). */
static int
parse_meme_id(struct json_object *body, struct http_response *resp,
    int64_t *meme_id)
{
	struct json_object *v;

	/* json-c clamps what does not fit to INT64_MAX: no id is that big,
	 * so it is refused rather than read as another number. */
	if (!json_object_object_get_ex(body, "meme_id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (*meme_id = json_object_get_int64(v)) <= 0 ||
	    *meme_id == INT64_MAX)
		return http_error(resp, 400, "invalid_meme_id",
		    "meme_id must be a positive integer.");
	return 0;
}

static int
parse_rating(struct json_object *body, struct http_response *resp,
    struct rating_in *in)
{
	struct json_object *v;
	const char *s;
	size_t len;
	long chars;
	int64_t score;

	if (parse_meme_id(body, resp, &in->meme_id) == -1)
		return -1;
	if (!json_object_object_get_ex(body, "score", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (score = json_object_get_int64(v)) < STORE_SCORE_MIN || score > STORE_SCORE_MAX)
		return http_error(resp, 400, "invalid_score",
		    "score must be an integer from %d to %d.", STORE_SCORE_MIN,
		    STORE_SCORE_MAX);
	in->score = (int)score;
	in->client_id[0] = '\0';
	if (!json_object_object_get_ex(body, "client_id", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		goto bad_client_id;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	chars = utf8_chars(s, len);
	if (chars < 1 || chars > STORE_CLIENT_ID_CHARS || len >= sizeof(in->client_id) ||
	    memchr(s, '\0', len) != NULL)
		goto bad_client_id;
	memcpy(in->client_id, s, len + 1);
	return 0;
bad_client_id:
	return http_error(resp, 400, "invalid_client_id",
	    "client_id must be a string of 1 to %d characters.",
	    STORE_CLIENT_ID_CHARS);
}

/* --- ratings -------------------------------------------------------------- */

static void
rating_answer(struct http_response *resp, int status, int64_t meme_id,
    int score, int replaced)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "meme_id", json_object_new_int64(meme_id));
	json_object_object_add(o, "score", json_object_new_int(score));
	json_object_object_add(o, "replaced", json_object_new_boolean(replaced));
	http_json(resp, status, o);
}

int
h_ratings_post(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct store_rater rater;
	struct store_rating_done done;
	struct store_rating rating;
	struct rating_in in;
	struct json_object *body;
	int rc;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	rc = parse_rating(body, resp, &in);
	json_object_put(body);
	if (rc == -1)
		return -1;
	rating.meme_id = in.meme_id;
	rating.score = in.score;
	rating.client_id = in.client_id;
	if ((rc = store_rating_put(app->store, &rater, &rating, &done)) !=
	    STORE_OK)
		return outcome_error(resp, rc);
	app_notify(app, done.seq);
	/* A replay gets the first answer's body, but 200: nothing was
	 * created now. */
	rating_answer(resp, done.replayed || done.replaced ? 200 : 201,
	    done.meme_id, done.score, done.replaced);
	return 0;
}

/* --- skips ---------------------------------------------------------------- */

int
h_skips_post(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct store_rater rater;
	struct json_object *body, *o;
	int64_t meme_id;
	int rc;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	rc = parse_meme_id(body, resp, &meme_id);
	json_object_put(body);
	if (rc == -1)
		return -1;
	if ((rc = store_skip_put(app->store, rater.id, meme_id)) != STORE_OK)
		return outcome_error(resp, rc);
	o = json_object_new_object();
	json_object_object_add(o, "meme_id", json_object_new_int64(meme_id));
	json_object_object_add(o, "skipped", json_object_new_boolean(1));
	http_json(resp, 200, o);
	return 0;
}

/* --- name ----------------------------------------------------------------- */

int
h_me_patch(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct store_rater rater;
	struct json_object *body, *v, *o;
	const char *name = NULL;
	int rc = 0;

	if (auth_rater_require(app, req, resp, &rater) == -1 ||
	    (body = http_json_body(req, resp)) == NULL)
		return -1;
	if (json_object_object_get_ex(body, "name", &v) &&
	    json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	/* A NUL inside the JSON string would cut the name short silently. */
	if (name == NULL || strlen(name) != (size_t)json_object_get_string_len(v) ||
	    utf8_name_clean(name, AUTH_RATER_NAME_CHARS, rater.name,
	    sizeof(rater.name)) == -1)
		rc = http_error(resp, 400, "invalid_name", "name must be 1 to "
		    "%d characters of text.", AUTH_RATER_NAME_CHARS);
	json_object_put(body);
	if (rc == -1)
		return -1;
	if ((rc = store_rater_rename(app->store, rater.id, rater.name)) !=
	    STORE_OK)
		return outcome_error(resp, rc);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(rater.id));
	json_object_object_add(o, "name", json_object_new_string(rater.name));
	http_json(resp, 200, o);
	return 0;
}

/* POST /api/presence: the rater page is still open (its lookup notes
 * the time, at most every STORE_SEEN_SECONDS). */
int
h_presence_post(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct store_rater rater;
	struct json_object *o;

	if (auth_rater_require(app, req, resp, &rater) == -1)
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	http_json(resp, 200, o);
	return 0;
}

/* --- state ---------------------------------------------------------------- */

int
h_state(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct store_rater rater;
	struct json_object *o;
	int rc;

	if ((rc = auth_rater_lookup(app, req, &rater)) == STORE_NOT_FOUND)
		rc = auth_rater_create(app, req, resp, &rater);
	if (rc != STORE_OK ||
	    (rc = store_rater_state(app->store, &rater, app->cfg->media_url,
	    &o)) != STORE_OK)
		return outcome_error(resp, rc);
	http_json(resp, 200, o);
	return 0;
}

/* --- health --------------------------------------------------------------- */

/* 1 if something is bound to pushd's notify socket. */
static int
health_pushd(const char *path)
{
	struct sockaddr_un sun;
	int fd, up;

	if (unixsock_addr(&sun, path, __func__) == -1)
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	up = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return up;
}

int
h_health(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *o = json_object_new_object();
	struct auth_admin admin;
	const char *db = "ok";
	int64_t seq;
	int ok;

	if (store_event_head(app->store, &seq) != STORE_OK) {
		seq = -1;
		db = "error";
	} else {
		switch (store_write_probe(app->store)) {
		case STORE_OK:
			break;
		case STORE_FULL:
			db = "storage_full";
			break;
		case STORE_BUSY:
			db = "busy";
			break;
		default:
			db = "error";
			break;
		}
	}
	ok = strcmp(db, "ok") == 0;
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "db", json_object_new_string(db));
	json_object_object_add(o, "pushd", json_object_new_string(
	    health_pushd(app->cfg->notify_socket) ? "up" : "down"));
	json_object_object_add(o, "version",
	    json_object_new_string(MEMETER_VERSION));
	/* Which process and binary answered is for the operator, not for
	 * anyone who can reach the page. */
	if (auth_admin_lookup(app, req, &admin) == STORE_OK) {
		json_object_object_add(o, "binary",
		    json_object_new_string(app->binary_id));
		json_object_object_add(o, "generation",
		    json_object_new_int(app->generation));
		json_object_object_add(o, "pid",
		    json_object_new_int((int)getpid()));
	}
	if (seq >= 0)
		json_object_object_add(o, "seq", json_object_new_int64(seq));
	if (!ok)
		(void)http_header(resp, "Retry-After: %d",
		    strcmp(db, "storage_full") == 0 ? 30 : 1);
	http_json(resp, ok ? 200 : 503, o);
	return 0;
}
