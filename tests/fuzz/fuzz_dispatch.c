/*
 * The whole API behind the FastCGI transport: app_dispatch() with the
 * router, auth, CSRF, every handler and the store, on an in-memory
 * database holding a party (a session, a rater, an admin).  Input: byte
 * 0 picks the method (low 3 bits) and who asks (bits 3-4: nobody, the
 * rater, the admin with CSRF, the admin without), byte 1 the
 * Content-Type; then the path (with ?query) up to '\n', then the body.
 * Beyond not crashing: every answer has a status of 200..599; an error
 * is SPEC's {"error":{"code","message"}} and changes nothing (the
 * outbox's head stays where it was: nothing acknowledged, nothing lost);
 * the database passes its integrity and foreign key checks every 4,096
 * inputs.
 *
 * fuzz-sources: fcgi/api_*.c fcgi/app.c fcgi/auth.c fcgi/context.c fcgi/http.c fcgi/multipart.c fcgi/names.c fcgi/outcome.c fcgi/routes.c shared/store/[a-z]*.c shared/config.c shared/cookie.c shared/event.c shared/export.c shared/jsonw.c shared/log.c shared/media.c shared/notify.c shared/origin.c shared/timeutil.c shared/token.c shared/unixsock.c shared/utf8.c build/release/gen/migrations.c
 * (Globs: a new handler or store file is linked without an edit here.)
 * fuzz-libs: -lfcgi -lsqlite3 -ljson-c -lcrypto -lcrypt -lm
 */
#include "fuzz.h"

#include <dirent.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "fcgi/app.h"
#include "fcgi/http.h"
#include "shared/config.h"
#include "shared/log.h"
#include "shared/store/store.h"
#include "shared/token.h"

/* The image variants are libvips's (tests/unit/test_image.c); this
 * harness stores the originals only, as a conversion that fails does. */
void
media_variants(const char *dir, struct media_image *img)
{
	(void)dir;
	img->has_variants = 0;
}

#define SITE	"http://127.0.0.1:8080"

static struct config cfg;
static struct app app;
static char rater_cookie[128], admin_cookie[128], csrf[TOKEN_HEX_LEN + 1];
static unsigned long inputs;
static char media_dir[] = "/tmp/memeter-fuzz-media.XXXXXX";

/* Uploads that pass land in a folder of our own, gone at exit. */
static void
media_dir_remove(void)
{
	char path[sizeof(media_dir) + 300];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(media_dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			snprintf(path, sizeof(path), "%s/%s", media_dir,
			    e->d_name);
			(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(media_dir);
}

static void
check_problem(const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "store_check: %s\n", line);
}

static const char *methods[8] = {
	"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS", "POST",
};
static const char *types[4] = {
	"application/json", "", "multipart/form-data; boundary=XyZ",
	"text/plain",
};

static int
dispatch(const char *method, const char *path, const char *query,
    const char *cookie, const char *token, const char *type,
    const char *body, size_t len, struct http_response *resp)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	req.referer = "";
	req.csrf = token;
	req.origin = SITE;
	req.remote_addr = "127.0.0.1";
	req.cookie = cookie;
	req.content_type = type;
	req.body = body;
	req.body_len = len;
	http_response_reset(resp);
	app_dispatch(&app, &req, resp);
	return resp->status;
}

/* "name=value" of a Set-Cookie header in resp, into out. */
static void
keep_cookie(const struct http_response *resp, char *out, size_t len)
{
	for (int i = 0; i < resp->nheaders; i++)
		if (strncmp(resp->headers[i], "Set-Cookie: ", 12) == 0) {
			const char *v = resp->headers[i] + 12;

			snprintf(out, len, "%.*s", (int)strcspn(v, ";"), v);
		}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct http_response resp = { 0 };
	struct json_object *v;
	char hash[256];
	static const char login[] = "{\"password\":\"fuzz\"}";
	static const char session[] = "{\"name\":\"Fuzz party\"}";

	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR + 1);
	config_defaults(&cfg);
	snprintf(cfg.site_origin, sizeof(cfg.site_origin), "%s", SITE);
	snprintf(cfg.notify_socket, sizeof(cfg.notify_socket),
	    "/nonexistent/notify.sock");
	if (mkdtemp(media_dir) == NULL)
		abort();
	atexit(media_dir_remove);
	snprintf(cfg.media_dir, sizeof(cfg.media_dir), "%s", media_dir);
	snprintf(cfg.library_dir, sizeof(cfg.library_dir), "%s", media_dir);
	app.cfg = &cfg;
	app.notify_fd = -1;
	if ((app.store = store_open(":memory:", STORE_READWRITE)) == NULL ||
	    store_migrate(app.store) != STORE_OK ||
	    token_password_hash("fuzz", hash, sizeof(hash)) == -1 ||
	    store_admin_password_set(app.store, hash, 0, NULL) != STORE_OK)
		abort();
	dispatch("GET", "/api/state", "", "", "", "", "", 0, &resp);
	keep_cookie(&resp, rater_cookie, sizeof(rater_cookie));
	dispatch("POST", "/api/admin/login", "", "", "", "application/json",
	    login, sizeof(login) - 1, &resp);
	keep_cookie(&resp, admin_cookie, sizeof(admin_cookie));
	if (resp.status != 200 || resp.json == NULL ||
	    !json_object_object_get_ex(resp.json, "csrf", &v))
		abort();
	snprintf(csrf, sizeof(csrf), "%s", json_object_get_string(v));
	dispatch("POST", "/api/admin/sessions", "", admin_cookie, csrf,
	    "application/json", session, sizeof(session) - 1, &resp);
	dispatch("POST", "/api/admin/sessions/1/start", "", admin_cookie, csrf,
	    "application/json", "{}", 2, &resp);
	http_response_reset(&resp);
	return 0;
}

/* SPEC's error body: {"error":{"code":"snake_case","message":"..."}}. */
static int
is_error_body(struct json_object *o)
{
	struct json_object *e, *c, *m;
	const char *s;

	if (o == NULL || !json_object_object_get_ex(o, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &c) ||
	    !json_object_object_get_ex(e, "message", &m) ||
	    !json_object_is_type(c, json_type_string) ||
	    !json_object_is_type(m, json_type_string))
		return 0;
	for (s = json_object_get_string(c); *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_' ||
		    (*s >= '0' && *s <= '9')))
			return 0;
	return json_object_get_string_len(m) > 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_response resp;
	char *buf, *nl, *path, *query, *body;
	const char *cookie = "", *token = "";
	int64_t before, after;
	size_t len;
	int status;

	if (size < 3)
		return 0;
	if ((buf = malloc(size - 1)) == NULL)
		return 0;
	memcpy(buf, data + 2, size - 2);
	buf[size - 2] = '\0';
	if ((nl = memchr(buf, '\n', size - 2)) == NULL) {
		free(buf);
		return 0;
	}
	*nl = '\0';
	path = buf;
	body = nl + 1;
	len = (size_t)(buf + size - 2 - body);
	if ((query = strchr(path, '?')) != NULL)
		*query++ = '\0';
	/* A login runs yescrypt (tens of ms): the fuzzer would spend its
	 * time there; the password check has its own unit tests. */
	if (strstr(path, "login") != NULL || path[0] != '/') {
		free(buf);
		return 0;
	}
	switch ((data[0] >> 3) & 3) {
	case 1:	cookie = rater_cookie; break;
	case 2:	cookie = admin_cookie; token = csrf; break;
	case 3:	cookie = admin_cookie; break;
	}
	if (store_event_head(app.store, &before) != STORE_OK)
		abort();
	status = dispatch(methods[data[0] & 7], path, query ? query : "",
	    cookie, token, types[data[1] & 3], body, len, &resp);
	FUZZ_CHECK(status >= 200 && status <= 599);
	if (status >= 400) {
		FUZZ_CHECK(is_error_body(resp.json));
		FUZZ_CHECK(store_event_head(app.store, &after) == STORE_OK);
		FUZZ_CHECK(after == before);
	}
	if (++inputs % 4096 == 0) {
		int problems = -1;

		FUZZ_CHECK(store_check(app.store, check_problem, NULL,
		    &problems) ==
		    STORE_OK && problems == 0);
	}
	http_response_reset(&resp);
	free(buf);
	return 0;
}
