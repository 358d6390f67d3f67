/*
 * fcgi/http.c as the handlers use it: the JSON body of a request under
 * a Content-Type, the response helpers that carry client bytes (error
 * messages, headers).  Input: byte 0 picks a Content-Type (or, with its
 * high bit set, the first line is the Content-Type), the rest is the
 * body.  Beyond not crashing: a refused body has a 400/415 error body;
 * an accepted one is an object of bounded depth whose JSON text, parsed
 * again, is the same object; an error message of clean UTF-8 comes out
 * as a clean UTF-8 prefix of it; a header is stored iff it has no line
 * break.
 *
 * fuzz-sources: fcgi/http.c shared/cookie.c shared/log.c
 * fuzz-libs: -ljson-c
 */
#include "fuzz.h"

#include "fcgi/http.h"
#include "shared/log.h"

#define HTTP_JSON_DEPTH_LIMIT	16	/* http.c's HTTP_JSON_DEPTH */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	return 0;
}

static const char *const content_types[] = {
	"application/json", "application/json; charset=utf-8",
	" Application/JSON ;x=1", "application/jsonx", "text/plain", "",
};

static int
depth(struct json_object *o)
{
	int d = 0, c;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if ((c = depth(v)) > d)
				d = c;
		}
		return d + 1;
	}
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if ((c = depth(json_object_array_get_idx(o, i))) > d)
				d = c;
		return d + 1;
	}
	return 0;
}

/* The error body SPEC asks for: {"error":{"code":"...","message":"..."}}. */
static const char *
error_message(const struct http_response *resp, const char **code)
{
	struct json_object *e, *c, *m;

	FUZZ_CHECK(resp->json != NULL);
	FUZZ_CHECK(json_object_object_get_ex(resp->json, "error", &e));
	FUZZ_CHECK(json_object_object_get_ex(e, "code", &c) &&
	    json_object_is_type(c, json_type_string));
	FUZZ_CHECK(json_object_object_get_ex(e, "message", &m) &&
	    json_object_is_type(m, json_type_string));
	*code = json_object_get_string(c);
	return json_object_get_string(m);
}

static void
check_json_body(const char *ct, const char *body, size_t len)
{
	struct http_request req = { .content_type = ct, .body = body,
	    .body_len = len };
	struct http_request again = req;
	struct http_response resp, resp2;
	struct json_object *obj, *obj2;
	const char *text, *code;

	http_response_init(&resp);
	http_response_init(&resp2);
	obj = http_json_body(&req, &resp);
	if (obj == NULL) {
		FUZZ_CHECK(resp.status == 400 || resp.status == 415);
		error_message(&resp, &code);
		FUZZ_CHECK(strcmp(code, resp.status == 400 ? "invalid_json" :
		    "unsupported_media_type") == 0);
		FUZZ_CHECK(resp.status == 400 || !http_is_content_type(&req,
		    "application/json"));
	} else {
		FUZZ_CHECK(http_is_content_type(&req, "application/json"));
		FUZZ_CHECK(json_object_is_type(obj, json_type_object));
		FUZZ_CHECK(depth(obj) <= HTTP_JSON_DEPTH_LIMIT);
		text = json_object_to_json_string_ext(obj,
		    JSON_C_TO_STRING_PLAIN);
		again.body = text;
		again.body_len = strlen(text);
		obj2 = http_json_body(&again, &resp2);
		FUZZ_CHECK(obj2 != NULL);
		FUZZ_CHECK(json_object_equal(obj, obj2));
		json_object_put(obj2);
		json_object_put(obj);
	}
	http_response_reset(&resp);
	http_response_reset(&resp2);
}

static void
check_error_message(const char *s, size_t len)
{
	struct http_response resp;
	const char *msg, *code;

	http_response_init(&resp);
	FUZZ_CHECK(http_error(&resp, 400, "fuzz", "%s", s) == -1);
	msg = error_message(&resp, &code);
	FUZZ_CHECK(resp.status == 400 && strcmp(code, "fuzz") == 0);
	FUZZ_CHECK(strlen(msg) <= strlen(s) && strncmp(msg, s, strlen(msg)) == 0);
	if (fuzz_clean_utf8(s, len))
		FUZZ_CHECK(fuzz_clean_utf8(msg, strlen(msg)));
	http_response_reset(&resp);
}

static void
check_header(const char *s)
{
	struct http_response resp;
	int rc;

	http_response_init(&resp);
	rc = http_header(&resp, "X-Fuzz: %s", s);
	FUZZ_CHECK((rc == 0) == (strpbrk(s, "\r\n") == NULL));
	if (rc == 0) {
		FUZZ_CHECK(resp.nheaders == 1);
		FUZZ_CHECK(strncmp(resp.headers[0], "X-Fuzz: ", 8) == 0 &&
		    strcmp(resp.headers[0] + 8, s) == 0);
	}
	http_response_reset(&resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t head = 0, tail = 1, n = sizeof(content_types) /
	    sizeof(content_types[0]);
	char *ct, *body;

	if (size == 0)
		return 0;
	if (data[0] & 0x80) {
		fuzz_split_line(data + 1, size - 1, 256, &head, &tail);
		ct = fuzz_dup(data + 1, head, 1);
		tail++;
	} else
		ct = strdup(content_types[data[0] % n]);
	FUZZ_CHECK(ct != NULL);
	/* app.c hands the handlers a NUL-terminated body. */
	body = fuzz_dup(data + tail, size - tail, 1);
	check_json_body(ct, body, size - tail);
	check_error_message(body, strlen(body));
	check_header(body);
	free(ct);
	free(body);
	return 0;
}
