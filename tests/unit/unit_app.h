/*
 * A worker's app for the handler and router tests: default config with
 * the site origin the requests claim, a migrated in-memory store and
 * no notify socket open.  Header-only; include it after <cmocka.h>.
 */
#ifndef MEMETER_UNIT_APP_H
#define MEMETER_UNIT_APP_H

#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "config.h"
#include "unit_db.h"
#include "../../fcgi/app.h"

/* Fills cfg and app (app keeps a pointer to cfg); 0, or -1 when the
 * database cannot be made.  unit_app_close() frees what it opened. */
static inline int
unit_app_open(struct app *app, struct config *cfg, const char *site,
    const char *notify_socket)
{
	config_defaults(cfg);
	snprintf(cfg->site_origin, sizeof(cfg->site_origin), "%s", site);
	snprintf(cfg->notify_socket, sizeof(cfg->notify_socket), "%s",
	    notify_socket);
	app->cfg = cfg;
	app->notify_fd = -1;
	return (app->store = unit_store_open()) == NULL ? -1 : 0;
}

static inline void
unit_app_close(struct app *app)
{
	store_close(app->store);
}

/* The "code" of an error answer, "" for any other answer. */
static inline const char *
unit_code_of(const struct http_response *resp)
{
	struct json_object *e, *c;

	if (resp->json != NULL && json_object_object_get_ex(resp->json,
	    "error", &e) && json_object_object_get_ex(e, "code", &c))
		return json_object_get_string(c);
	return "";
}

/* The value of the answer's header name, or NULL if it has none. */
static inline const char *
unit_header_of(const struct http_response *resp, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < resp->nheaders; i++)
		if (strncmp(resp->headers[i], name, n) == 0 &&
		    resp->headers[i][n] == ':')
			return resp->headers[i] + n + 2;
	return NULL;
}

#endif
