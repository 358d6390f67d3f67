/*
 * Unit tests of fcgi/http.c: responses and their error format, headers,
 * cookies, content types and JSON bodies.  No FastCGI, no database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../fcgi/http.h"

static struct http_request
request(const char *content_type, const char *body)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/api/ratings";
	req.query = req.cookie = req.origin = req.referer = req.csrf = "";
	req.content_type = content_type;
	req.body = body;
	req.body_len = strlen(body);
	return req;
}

/* The error code of resp, "" if it is no SPEC error body. */
static const char *
error_code(const struct http_response *resp)
{
	struct json_object *err, *code, *msg;

	if (resp->json == NULL ||
	    !json_object_object_get_ex(resp->json, "error", &err) ||
	    !json_object_object_get_ex(err, "code", &code) ||
	    !json_object_object_get_ex(err, "message", &msg) ||
	    json_object_get_string_len(msg) == 0)
		return "";
	return json_object_get_string(code);
}

static void
error_format(void **state)
{
	struct http_response resp;

	(void)state;
	http_response_init(&resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(http_error(&resp, 409, "no_active_session",
	    "No session %d.", 7), -1);
	assert_int_equal(resp.status, 409);
	assert_null(resp.content_type);
	assert_string_equal(json_object_to_json_string_ext(resp.json,
	    JSON_C_TO_STRING_PLAIN), "{\"error\":{\"code\":\"no_active_session\","
	    "\"message\":\"No session 7.\"}}");
	/* A second answer replaces the first without leaking it (ASan). */
	http_json(&resp, 201, json_object_new_object());
	assert_int_equal(resp.status, 201);
	assert_string_equal(error_code(&resp), "");
	http_response_reset(&resp);
	assert_null(resp.json);
	assert_int_equal(resp.status, 200);
}

static void
headers(void **state)
{
	struct http_response resp;

	(void)state;
	http_response_init(&resp);
	assert_int_equal(http_header(&resp, "Allow: %s", "GET, POST"), 0);
	assert_string_equal(resp.headers[0], "Allow: GET, POST");
	/* No header injection through a value. */
	assert_int_equal(http_header(&resp, "X-A: %s", "a\r\nSet-Cookie: x=1"),
	    -1);
	assert_int_equal(resp.nheaders, 1);
	for (int i = 1; i < HTTP_MAX_HEADERS; i++)
		assert_int_equal(http_header(&resp, "X-N: %d", i), 0);
	assert_int_equal(http_header(&resp, "X-Full: 1"), -1);
	assert_int_equal(resp.nheaders, HTTP_MAX_HEADERS);
	http_response_reset(&resp);
	assert_int_equal(resp.nheaders, 0);
}

static void
cookies(void **state)
{
	struct http_request req = request("", "");
	char v[33];

	(void)state;
	req.cookie = "a=1; mr_rater=abc; mr_rater_x=no; b = \"quoted\" ;c=";
	assert_int_equal(http_cookie(&req, "mr_rater", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(http_cookie(&req, "a", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(http_cookie(&req, "b", v, sizeof(v)), 0);
	assert_string_equal(v, "quoted");
	assert_int_equal(http_cookie(&req, "c", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	/* A prefix of another cookie's name is not that cookie. */
	assert_int_equal(http_cookie(&req, "mr_", v, sizeof(v)), -1);
	assert_int_equal(http_cookie(&req, "mr_admin", v, sizeof(v)), -1);
	/* The first of two wins. */
	req.cookie = "x=first; x=second";
	assert_int_equal(http_cookie(&req, "x", v, sizeof(v)), 0);
	assert_string_equal(v, "first");
	/* Too long for the buffer: absent, never cut. */
	req.cookie = "x=0123456789abcdef0123456789abcdef0";
	assert_int_equal(http_cookie(&req, "x", v, sizeof(v)), -1);
	req.cookie = "";
	assert_int_equal(http_cookie(&req, "x", v, sizeof(v)), -1);
	req.cookie = "novalue; ; =x";
	assert_int_equal(http_cookie(&req, "novalue", v, sizeof(v)), -1);
}

static void
content_types(void **state)
{
	static const struct {
		const char	*ct;
		int		 json;
	} cases[] = {
		{ "application/json", 1 },
		{ "application/json; charset=utf-8", 1 },
		{ "Application/JSON;charset=UTF-8", 1 },
		{ " application/json ", 1 },
		{ "application/jsonx", 0 },
		{ "text/plain", 0 },
		{ "application/x-www-form-urlencoded", 0 },
		{ "", 0 },
		{ "application/json-patch+json", 0 },
	};
	struct http_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req = request(cases[i].ct, "");
		if (http_is_content_type(&req, "application/json") !=
		    cases[i].json)
			fail_msg("content type \"%s\"", cases[i].ct);
	}
	req = request(NULL, "");
	assert_false(http_is_content_type(&req, "application/json"));
}

static void
json_bodies(void **state)
{
	static const struct {
		const char	*body;
		const char	*code;		/* NULL: parses */
	} cases[] = {
		{ "{\"meme_id\":1,\"score\":5}", NULL },
		{ "  {\"a\":[1,2,{\"b\":null}]}\r\n", NULL },
		{ "{}", NULL },
		{ "", "invalid_json" },
		{ "   ", "invalid_json" },
		{ "{", "invalid_json" },
		{ "{\"a\":1", "invalid_json" },
		{ "{\"a\":1}}", "invalid_json" },
		{ "{\"a\":1} {\"b\":2}", "invalid_json" },
		{ "{'a':1}", "invalid_json" },
		{ "{a:1}", "invalid_json" },
		{ "{\"a\":1,}", "invalid_json" },
		{ "{\"a\":NaN}", "invalid_json" },
		{ "/* c */ {}", "invalid_json" },
		{ "[1,2]", "invalid_json" },
		{ "5", "invalid_json" },
		{ "\"text\"", "invalid_json" },
		{ "null", "invalid_json" },
		{ "{\"a\":\"\xff\xfe\"}", "invalid_json" },
		{ "{\"a\":-0.5e+3,\"b\":\"\\u00e9\\n\",\"c\":[true,false]}", NULL },
		{ "{\"a\":01}", "invalid_json" },
		{ "{\"a\":1.}", "invalid_json" },
		{ "{\"a\":+1}", "invalid_json" },
		{ "{\"a\":\"\\x\"}", "invalid_json" },
		{ "{\"a\":\"\\u12\"}", "invalid_json" },
		{ "{\"a\":\"tab\there\"}", "invalid_json" },
		{ "{\"a\":tru}", "invalid_json" },
		{ "{\"a\":Infinity}", "invalid_json" },
		{ "{\"a\" 1}", "invalid_json" },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]"
		  "]]]]]]]]]]]]]]]]", "invalid_json" },
	};
	struct http_response resp;
	struct http_request req;
	struct json_object *obj;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_response_init(&resp);
		req = request("application/json", cases[i].body);
		obj = http_json_body(&req, &resp);
		if (cases[i].code == NULL) {
			if (obj == NULL)
				fail_msg("body %zu should parse", i);
			assert_true(json_object_is_type(obj, json_type_object));
			assert_null(resp.json);
		} else {
			if (obj != NULL)
				fail_msg("body %zu should not parse", i);
			assert_int_equal(resp.status, 400);
			assert_string_equal(error_code(&resp), cases[i].code);
		}
		json_object_put(obj);
		http_response_reset(&resp);
	}
}

static void
json_body_needs_json_type(void **state)
{
	struct http_response resp;
	struct http_request req;

	(void)state;
	http_response_init(&resp);
	req = request("text/plain", "{\"a\":1}");
	assert_null(http_json_body(&req, &resp));
	assert_int_equal(resp.status, 415);
	assert_string_equal(error_code(&resp), "unsupported_media_type");
	http_response_reset(&resp);
	req = request("", "{\"a\":1}");
	assert_null(http_json_body(&req, &resp));
	assert_int_equal(resp.status, 415);
	http_response_reset(&resp);
	/* The length counts, not the NUL: a NUL inside is no JSON. */
	req = request("application/json", "{\"a\":1}");
	req.body_len = 4;
	assert_null(http_json_body(&req, &resp));
	assert_int_equal(resp.status, 400);
	http_response_reset(&resp);
}

/* Found by tests/fuzz/fuzz_http.c: a message cut at its 511th byte
 * could end inside a UTF-8 sequence, and the error body with it. */
static void
error_message_cut_on_a_character(void **state)
{
	struct http_response resp;
	struct json_object *err, *msg;
	char in[700];
	const char *m;

	(void)state;
	for (int i = 0; i < 300; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);	/* 600 bytes of e-acute */
	in[600] = '\0';
	http_response_init(&resp);
	/* 511 bytes fit: 255 characters and the first byte of the next. */
	http_error(&resp, 400, "x", "%s", in);
	assert_true(json_object_object_get_ex(resp.json, "error", &err));
	assert_true(json_object_object_get_ex(err, "message", &msg));
	m = json_object_get_string(msg);
	assert_int_equal(strlen(m), 510);
	assert_memory_equal(m, in, 510);
	http_response_reset(&resp);
	/* Cut on a boundary already: all 511 bytes stay. */
	http_error(&resp, 400, "x", "%s", in + 1);
	assert_true(json_object_object_get_ex(resp.json, "error", &err));
	assert_true(json_object_object_get_ex(err, "message", &msg));
	assert_int_equal(strlen(json_object_get_string(msg)), 511);
	http_response_reset(&resp);
	/* A message that fits is never touched, even ending oddly. */
	http_error(&resp, 400, "x", "ab\xc3");
	assert_true(json_object_object_get_ex(resp.json, "error", &err));
	assert_true(json_object_object_get_ex(err, "message", &msg));
	assert_string_equal(json_object_get_string(msg), "ab\xc3");
	http_response_reset(&resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error_format),
		cmocka_unit_test(error_message_cut_on_a_character),
		cmocka_unit_test(headers),
		cmocka_unit_test(cookies),
		cmocka_unit_test(content_types),
		cmocka_unit_test(json_bodies),
		cmocka_unit_test(json_body_needs_json_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
