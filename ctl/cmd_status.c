/*
 * status: what the pool master says on its control socket (one JSON
 * line), what pushd's Prometheus endpoint says (HTTP on a Unix socket),
 * and a glance at the database.  A daemon that is down is reported as
 * such; the others are still shown.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "store/store.h"
#include "timeutil.h"
#include "unixsock.h"

#define STATUS_TIMEOUT_MS	3000
#define STATUS_MAX		(256 * 1024)

/* A connected stream socket to path, or -1 with the reason in err. */
static int
status_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (unixsock_addr(&sun, path, __func__) == -1) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 once buf holds a whole HTTP response with a Content-Length. */
static int
status_http_complete(const char *buf, size_t len)
{
	const char *end = strstr(buf, "\r\n\r\n"), *cl;

	if (end == NULL)
		return 0;
	if ((cl = strcasestr(buf, "\r\ncontent-length:")) == NULL || cl > end)
		return 0;
	return len >= (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
}

/*
 * Sends req (if any) and reads the answer until EOF (or a complete HTTP
 * response when http), with one deadline for it all.  Returns a malloc'd
 * NUL-terminated string the caller frees, or NULL with the reason in err.
 */
static char *
status_fetch(const char *path, const char *req, int http, char *err,
    size_t errlen)
{
	uint64_t deadline = time_monotonic_us() + STATUS_TIMEOUT_MS * 1000ULL;
	struct pollfd pfd;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, left;

	if ((fd = status_connect(path, err, errlen)) == -1)
		return NULL;
	if (req != NULL && send(fd, req, strlen(req), MSG_NOSIGNAL) == -1) {
		snprintf(err, errlen, "%s: send: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if ((buf = malloc(STATUS_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	for (;;) {
		buf[len] = '\0';
		if (http && status_http_complete(buf, len))
			break;
		left = (int)((deadline - time_monotonic_us()) / 1000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			snprintf(err, errlen, "%s: no answer within %d ms", path,
			    STATUS_TIMEOUT_MS);
			goto fail;
		}
		n = read(fd, buf + len, STATUS_MAX - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if ((len += (size_t)n) == STATUS_MAX - 1) {
			snprintf(err, errlen, "%s: answer too long", path);
			goto fail;
		}
	}
	close(fd);
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

const char *
ctl_http_body(const char *buf)
{
	const char *end;

	if (strncmp(buf, "HTTP/1.", 7) != 0 || strlen(buf) < 12 ||
	    strncmp(buf + 8, " 200", 4) != 0)
		return NULL;
	if ((end = strstr(buf, "\r\n\r\n")) == NULL)
		return NULL;
	return end + 4;
}

int
ctl_metric_value(const char *text, const char *name, double *value)
{
	size_t n = strlen(name);
	const char *line = text;
	char *end;

	while (line != NULL && *line != '\0') {
		if (strncmp(line, name, n) == 0 && line[n] == ' ') {
			*value = strtod(line + n + 1, &end);
			if (end != line + n + 1)
				return 0;
		}
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	}
	return -1;
}

/* The pool's status object, or NULL with the reason in err. */
static struct json_object *
status_pool(struct ctl *ctl, char *err, size_t errlen)
{
	struct json_object *o;
	char *text;

	if ((text = status_fetch(ctl->cfg.control_socket, NULL, 0, err,
	    errlen)) == NULL)
		return NULL;
	o = json_tokener_parse(text);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s: not a status line: %.60s",
		    ctl->cfg.control_socket, text);
		json_object_put(o);
		o = NULL;
	}
	free(text);
	return o;
}

/* The pushd figures operators look at, from its metrics. */
static struct json_object *
status_pushd(struct ctl *ctl, char *err, size_t errlen)
{
	static const struct {
		const char *metric, *key;
	} figures[] = {
		{ "memeter_pushd_clients{group=\"user\"}", "clients_user" },
		{ "memeter_pushd_clients{group=\"admin\"}", "clients_admin" },
		{ "memeter_pushd_head_seq", "head_seq" },
		{ "memeter_pushd_connections_total", "connections_total" },
		{ "memeter_pushd_messages_sent_total", "messages_sent_total" },
		{ "memeter_pushd_slow_closes_total", "slow_closes_total" },
		{ "memeter_pushd_resyncs_total", "resyncs_total" },
	};
	struct json_object *o;
	const char *body;
	char *text;
	double v;

	if ((text = status_fetch(ctl->cfg.metrics_socket, "GET /metrics "
	    "HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 1,
	    err, errlen)) == NULL)
		return NULL;
	if ((body = ctl_http_body(text)) == NULL) {
		snprintf(err, errlen, "%s: unexpected answer: %.40s",
		    ctl->cfg.metrics_socket, text);
		free(text);
		return NULL;
	}
	o = json_object_new_object();
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		if (ctl_metric_value(body, figures[i].metric, &v) == 0)
			json_object_object_add(o, figures[i].key,
			    json_object_new_int64((int64_t)v));
	free(text);
	return o;
}

/* Schema, outbox head and the current session, from the database. */
static struct json_object *
status_database(struct ctl *ctl, char *err, size_t errlen)
{
	struct json_object *o, *s = NULL;
	int64_t sid, head;
	int version;

	if (ctl_db_open(ctl, CTL_DB_ANY) != CTL_OK) {
		snprintf(err, errlen, "cannot open %s", ctl->cfg.db_path);
		return NULL;
	}
	version = store_schema_version(ctl->store);
	o = json_object_new_object();
	json_object_object_add(o, "path",
	    json_object_new_string(ctl->cfg.db_path));
	json_object_object_add(o, "schema", json_object_new_int(version));
	json_object_object_add(o, "schema_latest",
	    json_object_new_int(store_schema_latest()));
	if (version == store_schema_latest()) {
		json_object_object_add(o, "head_seq", json_object_new_int64(
		    store_event_head(ctl->store, &head) == STORE_OK ? head : -1));
		if (store_admin_session_id(ctl->store, &sid) == STORE_OK &&
		    sid > 0 && store_session_get(ctl->store, sid, &s) != STORE_OK)
			s = NULL;
	}
	json_object_object_add(o, "session", s);
	return o;
}

static int64_t
status_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(json_object_object_get(o, key));
}

static void
status_print_pool(struct json_object *pool, const char *err)
{
	struct json_object *workers, *w;

	if (pool == NULL) {
		printf("pool:     NOT RUNNING (%s)\n", err);
		return;
	}
	workers = json_object_object_get(pool, "workers");
	printf("pool:     running, master pid %lld, generation %lld, %zu "
	    "workers, %lld reloads, %lld restarts%s\n",
	    (long long)status_int(pool, "pid"),
	    (long long)status_int(pool, "generation"),
	    json_object_array_length(workers),
	    (long long)status_int(pool, "reloads"),
	    (long long)status_int(pool, "restarts"),
	    json_object_get_boolean(json_object_object_get(pool, "stopping")) ?
	    ", STOPPING" : "");
	for (size_t i = 0; i < json_object_array_length(workers); i++) {
		w = json_object_array_get_idx(workers, i);
		printf("          worker %-7lld generation %-3lld %-9s since %s\n",
		    (long long)status_int(w, "pid"),
		    (long long)status_int(w, "generation"),
		    ctl_json_str(w, "state"), ctl_json_str(w, "started"));
	}
}

static void
status_print(struct json_object *pool, const char *pool_err,
    struct json_object *pushd, const char *pushd_err, struct json_object *db,
    const char *db_err)
{
	struct json_object *s;

	status_print_pool(pool, pool_err);
	if (pushd == NULL)
		printf("pushd:    NOT RUNNING (%s)\n", pushd_err);
	else
		printf("pushd:    running, %lld clients (%lld user, %lld admin), "
		    "head seq %lld, %lld connections since start\n",
		    (long long)(status_int(pushd, "clients_user") +
		    status_int(pushd, "clients_admin")),
		    (long long)status_int(pushd, "clients_user"),
		    (long long)status_int(pushd, "clients_admin"),
		    (long long)status_int(pushd, "head_seq"),
		    (long long)status_int(pushd, "connections_total"));
	if (db == NULL) {
		printf("database: UNAVAILABLE (%s)\n", db_err);
		return;
	}
	printf("database: %s, schema %lld of %lld, head seq %lld\n",
	    ctl_json_str(db, "path"), (long long)status_int(db, "schema"),
	    (long long)status_int(db, "schema_latest"),
	    (long long)status_int(db, "head_seq"));
	if ((s = json_object_object_get(db, "session")) != NULL)
		printf("session:  %lld \"%s\" is %s\n",
		    (long long)status_int(s, "id"), ctl_json_str(s, "name"),
		    ctl_json_str(s, "status"));
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *pool, *pushd, *db, *o;
	char pool_err[1024] = "", pushd_err[1024] = "", db_err[1024] = "";
	int up;

	(void)argv;
	if (argc != 1) {
		ctl_errx("usage: memeterctl status");
		return CTL_EUSAGE;
	}
	pool = status_pool(ctl, pool_err, sizeof(pool_err));
	pushd = status_pushd(ctl, pushd_err, sizeof(pushd_err));
	db = status_database(ctl, db_err, sizeof(db_err));
	up = pool != NULL && pushd != NULL;
	if (ctl->json) {
		o = json_object_new_object();
		json_object_object_add(o, "pool", pool);
		if (pool == NULL)
			json_object_object_add(o, "pool_error",
			    json_object_new_string(pool_err));
		json_object_object_add(o, "pushd", pushd);
		if (pushd == NULL)
			json_object_object_add(o, "pushd_error",
			    json_object_new_string(pushd_err));
		json_object_object_add(o, "database", db);
		json_object_object_add(o, "ok", json_object_new_boolean(up));
		ctl_print_json(o);
	} else {
		status_print(pool, pool_err, pushd, pushd_err, db, db_err);
		json_object_put(pool);
		json_object_put(pushd);
		json_object_put(db);
	}
	return up ? CTL_OK : CTL_EFAIL;
}
