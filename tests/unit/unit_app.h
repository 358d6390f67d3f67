/*
 * A worker's app for the handler and router tests: default config with
 * the site origin the requests claim, a migrated in-memory database and
 * no notify socket open.  Header-only; include it after <cmocka.h>.
 */
#ifndef MEMETER_UNIT_APP_H
#define MEMETER_UNIT_APP_H

#include <stdio.h>
#include <string.h>

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
	return (app->db = unit_db_open()) == NULL ? -1 : 0;
}

static inline void
unit_app_close(struct app *app)
{
	app_stmts_finalize(app);
	sqlite3_close_v2(app->db);
}

#endif
