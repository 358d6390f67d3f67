#ifndef MEMETER_HTTP_H
#define MEMETER_HTTP_H

/*
 * The request/response model the API handlers see.  fcgi/app.c fills a
 * struct http_request from the FastCGI parameters and body, calls the
 * handler the router picked, and writes the struct http_response out.
 * Unit tests build requests directly, with no FastCGI at all.
 */

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct http_request {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* "/api/state", without the query */
	const char	*query;		/* after '?', "" if none */
	const char	*content_type;	/* "" if none */
	const char	*cookie;	/* raw Cookie header, "" if none */
	const char	*origin;	/* Origin header, "" if none */
	const char	*referer;	/* Referer header, "" if none */
	const char	*csrf;		/* X-CSRF-Token header, "" if none */
	const char	*remote_addr;
	const char	*body;		/* whole body, NUL-terminated */
	size_t		 body_len;
	int64_t		 path_id;	/* the {id} of the matched route, else 0 */
	int64_t		 path_id2;	/* its second {id} (a meme of a session) */
	/* Set by the router on ADMIN routes: the caller's admin session
	 * (admin_sessions.id) and its CSRF token; else 0 and NULL. */
	int64_t		 admin_id;
	const char	*admin_csrf;
};

#define HTTP_MAX_HEADERS 8

/* The response.  Exactly one of json / raw is set for a body; the
 * response owns both and http_response_reset() frees them. */
struct http_response {
	int		 status;
	const char	*content_type;		/* default application/json */
	char		*headers[HTTP_MAX_HEADERS]; /* "Name: value", owned */
	int		 nheaders;
	struct json_object *json;
	char		*raw;
	size_t		 raw_len;
};

void	http_response_init(struct http_response *resp);
void	http_response_reset(struct http_response *resp);

/* Takes ownership of obj. */
void	http_json(struct http_response *resp, int status, struct json_object *obj);

/* SPEC's error body {"error":{"code":...,"message":...}} with status.
 * Always returns -1 so a handler can `return http_error(...)`. */
int	http_error(struct http_response *resp, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds "Name: value" (formatted); -1 when full. */
int	http_header(struct http_response *resp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Copies the value of cookie name from req->cookie into out; -1 if absent. */
int	http_cookie(const struct http_request *req, const char *name, char *out,
	    size_t outlen);

/* 1 if the request's media type (ignoring parameters) is type. */
int	http_is_content_type(const struct http_request *req, const char *type);

/*
 * Parses the body as a JSON object.  On failure sets the 400/415 error in
 * resp and returns NULL.  The caller owns the result.
 */
struct json_object *http_json_body(const struct http_request *req,
	    struct http_response *resp);

#endif
