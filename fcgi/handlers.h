#ifndef MEMETER_HANDLERS_H
#define MEMETER_HANDLERS_H

/*
 * Every API endpoint of SPEC.md.  A handler fills resp (http_json or
 * http_error) and returns 0, or -1 after http_error().  The router in
 * fcgi/routes.c checks the method (405), the admin cookie (401) and, for
 * admin mutations, the CSRF token and Origin (403) before calling the
 * handlers marked "admin"; it sets req->path_id for {id} routes.
 */

#include "app.h"
#include "http.h"

typedef int (*http_handler)(struct app *, const struct http_request *,
    struct http_response *);

/* rater and public: fcgi/api_rater.c, fcgi/api_auth.c */
int h_state(struct app *, const struct http_request *, struct http_response *);
int h_ratings_post(struct app *, const struct http_request *, struct http_response *);
int h_skips_post(struct app *, const struct http_request *, struct http_response *);
int h_me_patch(struct app *, const struct http_request *, struct http_response *);
int h_presence_post(struct app *, const struct http_request *, struct http_response *);
int h_health(struct app *, const struct http_request *, struct http_response *);
int h_admin_login(struct app *, const struct http_request *, struct http_response *);
int h_admin_logout(struct app *, const struct http_request *, struct http_response *);

/* sessions, results and admin: fcgi/api_sessions.c, fcgi/api_admin.c */
int h_sessions_list(struct app *, const struct http_request *, struct http_response *);
int h_results_get(struct app *, const struct http_request *, struct http_response *);
int h_config(struct app *, const struct http_request *, struct http_response *);
int h_admin_state(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_create(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_start(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_finish(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_populate(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_upload(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_stats(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_reveal(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_export(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_delete(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_meme_delete(struct app *, const struct http_request *, struct http_response *);
int h_admin_meme_patch(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_raters(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_activity(struct app *, const struct http_request *, struct http_response *);

/* the show: fcgi/api_show.c */
int h_admin_session_round(struct app *, const struct http_request *, struct http_response *);
int h_reactions_post(struct app *, const struct http_request *, struct http_response *);
int h_admin_rater_patch(struct app *, const struct http_request *, struct http_response *);
int h_admin_rater_kick(struct app *, const struct http_request *, struct http_response *);
int h_admin_session_lock(struct app *, const struct http_request *, struct http_response *);

#endif
