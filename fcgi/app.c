/*
 * The FastCGI transport: a request's parameters and body in, the routed
 * answer out, one access log line.
 */
#include "app.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "jsonw.h"
#include "log.h"
#include "routes.h"
#include "timeutil.h"

/* JSON requests are small; nginx refuses bigger ones first (64k). */
#define APP_JSON_BODY_MAX	(64 * 1024)

void
app_dispatch(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	app->requests++;
	routes_dispatch(app, req, resp);
}

/* --- FastCGI transport ---------------------------------------------------- */

static const char *
app_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Status";
	}
}

static const char *
app_param(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);

	return v != NULL ? v : "";
}

/*
 * Reads the body into a malloc'd NUL-terminated buffer the caller frees.
 * Returns 0, 1 if it is longer than max (nothing more is read), -1 on a
 * read error or a body shorter than announced.
 */
static int
app_read_body(FCGX_Request *fr, const char *clen, size_t max, char **body,
    size_t *len)
{
	unsigned long long n = 0;
	char *end, *buf;
	int got;

	*body = NULL;
	*len = 0;
	if (clen[0] != '\0') {
		errno = 0;
		n = strtoull(clen, &end, 10);
		if (errno != 0 || *end != '\0' || clen[0] == '-')
			return -1;
	}
	if (n > max)
		return 1;
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		log_warn("%s: malloc %llu", __func__, n);
		return -1;
	}
	for (size_t off = 0; off < n; off += (size_t)got) {
		size_t want = (size_t)n - off;

		got = FCGX_GetStr(buf + off, want > INT_MAX ? INT_MAX :
		    (int)want, fr->in);
		if (got <= 0) {
			free(buf);
			return -1;
		}
	}
	buf[n] = '\0';
	*body = buf;
	*len = (size_t)n;
	return 0;
}

static int
app_has_header(const struct http_response *resp, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < resp->nheaders; i++)
		if (strncasecmp(resp->headers[i], name, n) == 0 &&
		    resp->headers[i][n] == ':')
			return 1;
	return 0;
}

/*
 * Writes the FastCGI response.  Headers are formatted with snprintf:
 * libfcgi's own FCGX_FPrintF knows no %zu and would cut the head short.
 */
static void
app_write(FCGX_Request *fr, const struct http_response *resp)
{
	char line[1024];
	const char *body = NULL;
	size_t len = 0;
	int n;

	if (resp->json != NULL) {
		body = json_object_to_json_string_ext(resp->json,
		    JSON_OUT_FLAGS);
		len = strlen(body);
	} else if (resp->raw != NULL) {
		body = resp->raw;
		len = resp->raw_len;
	}
	n = snprintf(line, sizeof(line), "Status: %d %s\r\nContent-Type: %s\r\n"
	    "%sX-Content-Type-Options: nosniff\r\nContent-Length: %zu\r\n",
	    resp->status, app_reason(resp->status),
	    resp->content_type != NULL ? resp->content_type : "application/json",
	    /* API answers are per user and change all the time. */
	    app_has_header(resp, "Cache-Control") ? "" :
	    "Cache-Control: no-store\r\n", len);
	FCGX_PutStr(line, n < (int)sizeof(line) ? n : (int)sizeof(line) - 1,
	    fr->out);
	for (int i = 0; i < resp->nheaders; i++) {
		FCGX_PutS(resp->headers[i], fr->out);
		FCGX_PutS("\r\n", fr->out);
	}
	FCGX_PutS("\r\n", fr->out);
	if (len > 0)
		FCGX_PutStr(body, (int)len, fr->out);
}

void
app_handle_fcgi(struct app *app, FCGX_Request *fr)
{
	struct http_request req;
	struct http_response resp;
	uint64_t t0 = time_monotonic_us();
	char *body = NULL;
	size_t max;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = app_param(fr, "REQUEST_METHOD");
	req.path = app_param(fr, "DOCUMENT_URI");
	req.query = app_param(fr, "QUERY_STRING");
	req.content_type = app_param(fr, "CONTENT_TYPE");
	req.cookie = app_param(fr, "HTTP_COOKIE");
	req.origin = app_param(fr, "HTTP_ORIGIN");
	req.referer = app_param(fr, "HTTP_REFERER");
	req.csrf = app_param(fr, "HTTP_X_CSRF_TOKEN");
	req.remote_addr = app_param(fr, "REMOTE_ADDR");
	http_response_init(&resp);

	max = routes_is_upload(req.path) ?
	    (size_t)app->cfg->max_upload_bytes * 8 : APP_JSON_BODY_MAX;
	rc = app_read_body(fr, app_param(fr, "CONTENT_LENGTH"), max, &body,
	    &req.body_len);
	if (rc == 1)
		http_error(&resp, 413, "body_too_large",
		    "The request body is too large (at most %zu bytes).", max);
	else if (rc == -1)
		http_error(&resp, 400, "bad_request",
		    "The request body could not be read.");
	else {
		req.body = body;
		app_dispatch(app, &req, &resp);
	}
	app_write(fr, &resp);
	log_info("%s %s %d %.1f ms", req.method, req.path, resp.status,
	    (double)(time_monotonic_us() - t0) / 1000.0);
	http_response_reset(&resp);
	free(body);
}
