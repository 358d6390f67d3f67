/*
 * ratebench: the worker CPU of one rating, measured without nginx or
 * FastCGI: N ratings through app_dispatch() against a WAL database file,
 * with user + system time from getrusage() around them.
 *
 *   ratebench [N [RATERS [MEMES]]]     defaults 20000 200 50
 *
 * Prints the CPU per rating (user and system) and the wall time.  It uses only APIs that
 * predate the store (db_open, db_migrate, app_create, app_dispatch), so
 * the same file builds on older commits to compare.
 */
#include <sys/resource.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "store/db.h"
#include "log.h"
#include "token.h"
#include "../../fcgi/app.h"

/* User and system CPU so far, in microseconds. */
static void
cpu_us(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec;
	*sys = (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

static double
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One active session with memes, and raters whose tokens are known. */
static int
setup(const char *path, int raters, int memes, char (*tokens)[TOKEN_HEX_LEN + 1])
{
	unsigned char hash[SHA256_BYTES];
	sqlite3_stmt *st;
	char sql[256];
	sqlite3 *db;

	if ((db = db_open(path, DB_READWRITE)) == NULL || db_migrate(db) == -1)
		return -1;
	if (db_exec(db, "BEGIN; INSERT INTO sessions(id,name,status) "
	    "VALUES(1,'Bench','active')") == -1)
		return -1;
	for (int m = 1; m <= memes; m++) {
		snprintf(sql, sizeof(sql), "INSERT INTO memes(id,sha256,title,"
		    "filename,mime,width,height) VALUES(%d,'h%d','Meme %d',"
		    "'h%d.png','image/png',10,10); INSERT INTO session_memes"
		    "(session_id,meme_id,position) VALUES(1,%d,%d)", m, m, m, m,
		    m, m);
		if (db_exec(db, sql) == -1)
			return -1;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO raters(token_hash,name) "
	    "VALUES(?1,?2)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (int r = 0; r < raters; r++) {
		char name[32];

		if (token_new(tokens[r]) == -1)
			return -1;
		token_sha256(tokens[r], TOKEN_HEX_LEN, hash);
		snprintf(name, sizeof(name), "Rater %d/\"x\"", r);
		sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (db_exec(db, "COMMIT") == -1)
		return -1;
	sqlite3_close_v2(db);
	return 0;
}

/* Rating i: every rater goes through the memes, then re-rates. */
static int
rate(struct app *app, char (*tokens)[TOKEN_HEX_LEN + 1], int raters,
    int memes, int i)
{
	struct http_request req;
	struct http_response resp;
	char cookie[64], body[96];
	int status;

	memset(&req, 0, sizeof(req));
	snprintf(cookie, sizeof(cookie), "mr_rater=%s", tokens[i % raters]);
	snprintf(body, sizeof(body), "{\"meme_id\":%d,\"score\":%d}",
	    (i / raters) % memes + 1, i % 11);
	req.method = "POST";
	req.path = "/api/ratings";
	req.query = "";
	req.content_type = "application/json";
	req.cookie = cookie;
	req.origin = "";
	req.referer = "";
	req.csrf = "";
	req.remote_addr = "127.0.0.1";
	req.body = body;
	req.body_len = strlen(body);
	http_response_init(&resp);
	app_dispatch(app, &req, &resp);
	status = resp.status;
	http_response_reset(&resp);
	app_after_request(app);
	return status;
}

int
main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	int raters = argc > 2 ? atoi(argv[2]) : 200;
	int memes = argc > 3 ? atoi(argv[3]) : 50;
	char dir[] = "/tmp/memeter-ratebench-XXXXXX", path[128], cmd[160];
	char (*tokens)[TOKEN_HEX_LEN + 1];
	struct config cfg;
	struct app *app;
	double u0, s0, u1, s1, w0, wall;
	int bad = 0, warm = raters * 2;

	log_init("ratebench");
	log_set_level(LOG_LEVEL_WARN);
	if (n <= 0 || raters <= 0 || memes <= 0 ||
	    (tokens = calloc((size_t)raters, sizeof(*tokens))) == NULL ||
	    mkdtemp(dir) == NULL) {
		fprintf(stderr, "usage: ratebench [N [RATERS [MEMES]]]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	config_defaults(&cfg);
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", path);
	snprintf(cfg.notify_socket, sizeof(cfg.notify_socket),
	    "%s/notify.sock", dir);
	if (setup(path, raters, memes, tokens) == -1 ||
	    (app = app_create(&cfg, 1)) == NULL) {
		fprintf(stderr, "ratebench: setup failed\n");
		return 1;
	}
	/* Statements prepared, pages cached: the steady state. */
	for (int i = 0; i < warm; i++)
		(void)rate(app, tokens, raters, memes, i);
	cpu_us(&u0, &s0);
	w0 = wall_us();
	for (int i = warm; i < warm + n; i++) {
		int s = rate(app, tokens, raters, memes, i);

		bad += s != 200 && s != 201;
	}
	cpu_us(&u1, &s1);
	wall = wall_us() - w0;
	app_destroy(app);
	printf("ratings %d (raters %d, memes %d), failed %d\n", n, raters,
	    memes, bad);
	printf("cpu %.1f us/rating (user %.1f, system %.1f), wall %.1f us/rating\n",
	    (u1 - u0 + s1 - s0) / n, (u1 - u0) / n, (s1 - s0) / n, wall / n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
	free(tokens);
	return bad == 0 ? 0 : 1;
}
