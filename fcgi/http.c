/*
 * The request/response model of the API: responses, cookies, content
 * types and JSON bodies.  Nothing here knows about FastCGI (fcgi/app.c
 * does), so the unit tests drive it directly.
 */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cookie.h"
#include "log.h"

/* Deeper JSON than this is no request of ours; json-c's default is 32. */
#define HTTP_JSON_DEPTH	16

void
http_response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
}

void
http_response_reset(struct http_response *resp)
{
	for (int i = 0; i < resp->nheaders; i++)
		free(resp->headers[i]);
	json_object_put(resp->json);
	free(resp->raw);
	http_response_init(resp);
}

void
http_json(struct http_response *resp, int status, struct json_object *obj)
{
	json_object_put(resp->json);
	free(resp->raw);
	resp->raw = NULL;
	resp->raw_len = 0;
	resp->json = obj;
	resp->status = status;
	resp->content_type = NULL;
}

/* Cuts s before an incomplete UTF-8 sequence at its end. */
static void
http_utf8_trim(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char lead;

	while (i > 0 && len - i < 4 &&
	    ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	if (lead < 0xc0)
		return;			/* ASCII (or stray bytes) at the end */
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

int
http_error(struct http_response *resp, int status, const char *code,
    const char *fmt, ...)
{
	struct json_object *body, *err;
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message cut short must not end inside a UTF-8 sequence: the
	 * body would no longer be valid JSON text. */
	if (n >= (int)sizeof(msg))
		http_utf8_trim(msg);
	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "message", json_object_new_string(msg));
	body = json_object_new_object();
	json_object_object_add(body, "error", err);
	http_json(resp, status, body);
	return -1;
}

int
http_header(struct http_response *resp, const char *fmt, ...)
{
	va_list ap;
	char *h;
	int n;

	if (resp->nheaders >= HTTP_MAX_HEADERS) {
		log_warnx("%s: too many headers", __func__);
		return -1;
	}
	va_start(ap, fmt);
	n = vasprintf(&h, fmt, ap);
	va_end(ap);
	if (n == -1) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	/* A header value must never smuggle in another header. */
	if (strpbrk(h, "\r\n") != NULL) {
		log_warnx("%s: line break in header refused", __func__);
		free(h);
		return -1;
	}
	resp->headers[resp->nheaders++] = h;
	return 0;
}

static int
http_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 6265 parsing shared with pushd (shared/cookie.c). */
int
http_cookie(const struct http_request *req, const char *name, char *out,
    size_t outlen)
{
	return cookie_get(req->cookie, name, out, outlen);
}

int
http_is_content_type(const struct http_request *req, const char *type)
{
	const char *ct = req->content_type;
	size_t n = strlen(type), len;

	if (ct == NULL)
		return 0;
	while (http_is_ows(*ct))
		ct++;
	len = strcspn(ct, ";");
	while (len > 0 && http_is_ows(ct[len - 1]))
		len--;
	return len == n && strncasecmp(ct, type, n) == 0;
}

/*
 * RFC 8259 grammar check, because json-c 0.16 accepts more even in its
 * strict mode ('single quoted' keys, NaN).  json-c still builds the
 * object and checks the UTF-8; this only refuses what is no JSON.
 */
struct json_scan {
	const char	*p;
	const char	*end;
	int		 depth;
};

static void
json_scan_ws(struct json_scan *js)
{
	while (js->p < js->end && (*js->p == ' ' || *js->p == '\t' ||
	    *js->p == '\r' || *js->p == '\n'))
		js->p++;
}

static int
json_scan_digits(struct json_scan *js)
{
	const char *start = js->p;

	while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
		js->p++;
	return js->p > start ? 0 : -1;
}

static int
json_scan_number(struct json_scan *js)
{
	if (js->p < js->end && *js->p == '-')
		js->p++;
	if (js->p < js->end && *js->p == '0')
		js->p++;
	else if (json_scan_digits(js) == -1)
		return -1;
	if (js->p < js->end && *js->p == '.') {
		js->p++;
		if (json_scan_digits(js) == -1)
			return -1;
	}
	if (js->p < js->end && (*js->p == 'e' || *js->p == 'E')) {
		js->p++;
		if (js->p < js->end && (*js->p == '+' || *js->p == '-'))
			js->p++;
		if (json_scan_digits(js) == -1)
			return -1;
	}
	return 0;
}

static int
json_scan_string(struct json_scan *js)
{
	js->p++;	/* the opening quote */
	while (js->p < js->end) {
		unsigned char c = (unsigned char)*js->p++;

		if (c == '"')
			return 0;
		if (c < 0x20)
			return -1;
		if (c != '\\')
			continue;
		if (js->p >= js->end)
			return -1;
		c = (unsigned char)*js->p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, js->p++)
				if (js->p >= js->end ||
				    strchr("0123456789abcdefABCDEF", *js->p) ==
				    NULL || *js->p == '\0')
					return -1;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			return -1;
	}
	return -1;
}

static int
json_scan_literal(struct json_scan *js, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(js->end - js->p) < n || memcmp(js->p, word, n) != 0)
		return -1;
	js->p += n;
	return 0;
}

static int	json_scan_value(struct json_scan *);

/* An object or array: open, values (with keys), close. */
static int
json_scan_container(struct json_scan *js, char close, int keys)
{
	if (++js->depth > HTTP_JSON_DEPTH)
		return -1;
	js->p++;
	json_scan_ws(js);
	if (js->p < js->end && *js->p == close) {
		js->p++;
		js->depth--;
		return 0;
	}
	for (;;) {
		if (keys) {
			if (js->p >= js->end || *js->p != '"' ||
			    json_scan_string(js) == -1)
				return -1;
			json_scan_ws(js);
			if (js->p >= js->end || *js->p++ != ':')
				return -1;
		}
		if (json_scan_value(js) == -1)
			return -1;
		if (js->p >= js->end)
			return -1;
		if (*js->p == close) {
			js->p++;
			js->depth--;
			return 0;
		}
		if (*js->p++ != ',')
			return -1;
		json_scan_ws(js);
	}
}

static int
json_scan_value(struct json_scan *js)
{
	int rc;

	json_scan_ws(js);
	if (js->p >= js->end)
		return -1;
	switch (*js->p) {
	case '{':
		rc = json_scan_container(js, '}', 1);
		break;
	case '[':
		rc = json_scan_container(js, ']', 0);
		break;
	case '"':
		rc = json_scan_string(js);
		break;
	case 't':
		rc = json_scan_literal(js, "true");
		break;
	case 'f':
		rc = json_scan_literal(js, "false");
		break;
	case 'n':
		rc = json_scan_literal(js, "null");
		break;
	default:
		rc = json_scan_number(js);
		break;
	}
	json_scan_ws(js);
	return rc;
}

/* 1 if body[0..len) is one JSON object and nothing else but white space. */
static int
json_is_object_text(const char *body, size_t len)
{
	struct json_scan js = { body, body + len, 0 };

	json_scan_ws(&js);
	if (js.p >= js.end || *js.p != '{')
		return 0;
	return json_scan_value(&js) == 0 && js.p == js.end;
}

/*
 * Strict JSON (no comments, no single quotes, valid UTF-8), one value
 * filling the whole body but for white space, and that value an object.
 */
struct json_object *
http_json_body(const struct http_request *req, struct http_response *resp)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t used, len = req->body_len;
	const char *body = req->body != NULL ? req->body : "";

	if (!http_is_content_type(req, "application/json")) {
		http_error(resp, 415, "unsupported_media_type",
		    "Send the body as Content-Type: application/json.");
		return NULL;
	}
	if (len == 0 || len > (size_t)INT32_MAX ||
	    !json_is_object_text(body, len) ||
	    (tok = json_tokener_new_ex(HTTP_JSON_DEPTH + 1)) == NULL) {
		http_error(resp, 400, "invalid_json",
		    "The request body must be a JSON object.");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (obj != NULL && json_tokener_get_error(tok) == json_tokener_success) {
		while (used < len && (body[used] == ' ' || body[used] == '\t' ||
		    body[used] == '\r' || body[used] == '\n'))
			used++;
	}
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    used != len || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		json_tokener_free(tok);
		http_error(resp, 400, "invalid_json",
		    "The request body must be a JSON object.");
		return NULL;
	}
	json_tokener_free(tok);
	return obj;
}
