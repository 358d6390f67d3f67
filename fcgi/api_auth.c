/*
 * Admin login and logout.  The password is checked against the crypt(3)
 * hash the pool master stores at start (settings "admin_password_hash");
 * there is no built-in password.
 */
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "outcome.h"
#include "store/store.h"

#define PASSWORD_MAX	1024	/* longer is no password, and costs crypt */
#define HASH_MAX	512

int
h_admin_login(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct auth_admin admin;
	struct json_object *body, *v, *o;
	char hash[HASH_MAX];
	const char *password = NULL;
	int ok, rc;

	if ((body = http_json_body(req, resp)) == NULL)
		return -1;
	if (json_object_object_get_ex(body, "password", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) <= PASSWORD_MAX)
		password = json_object_get_string(v);
	if (password == NULL) {
		json_object_put(body);
		return http_error(resp, 400, "invalid_password",
		    "password must be a string.");
	}
	if ((rc = store_admin_password_get(app->store, hash, sizeof(hash))) !=
	    STORE_OK) {
		json_object_put(body);
		if (rc != STORE_NOT_FOUND)
			return outcome_error(resp, rc);
		return http_error(resp, 503, "no_admin_password",
		    "No admin password is set: set one with memeterctl passwd "
		    "or MEMETER_ADMIN_PASSWORD.");
	}
	ok = token_password_check(password, hash);
	json_object_put(body);
	if (!ok) {
		log_info("admin login refused for %s", req->remote_addr != NULL ?
		    req->remote_addr : "?");
		return http_error(resp, 401, "bad_password",
		    "Wrong password.");
	}
	if ((rc = auth_admin_create(app, resp, &admin)) != STORE_OK)
		return outcome_error(resp, rc);
	o = json_object_new_object();
	json_object_object_add(o, "csrf", json_object_new_string(admin.csrf));
	http_json(resp, 200, o);
	return 0;
}

int
h_admin_logout(struct app *app, const struct http_request *req,
    struct http_response *resp)
{
	struct json_object *o;
	int rc;

	if ((rc = auth_admin_delete(app, resp, req->admin_id)) != STORE_OK)
		return outcome_error(resp, rc);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	http_json(resp, 200, o);
	return 0;
}
