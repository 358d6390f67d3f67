/*
 * Unit tests of memeterctl's pieces that need no running daemon: the
 * metrics and HTTP parsing behind `status`, the CSV writer behind
 * `export`, the online backup and the integrity check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"
#include "export.h"
#include "../../ctl/ctl.h"

static const char METRICS[] =
    "# HELP memeter_pushd_clients open WebSockets\n"
    "# TYPE memeter_pushd_clients gauge\n"
    "memeter_pushd_clients{group=\"user\"} 17\n"
    "memeter_pushd_clients{group=\"admin\"} 2\n"
    "memeter_pushd_head_seq 4096\n"
    "memeter_pushd_head_seq_total 1\n";

static void
metric_values(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(ctl_metric_value(METRICS,
	    "memeter_pushd_clients{group=\"user\"}", &v), 0);
	assert_true(v == 17);
	assert_int_equal(ctl_metric_value(METRICS,
	    "memeter_pushd_clients{group=\"admin\"}", &v), 0);
	assert_true(v == 2);
	/* A prefix of a longer name is not that metric. */
	assert_int_equal(ctl_metric_value(METRICS, "memeter_pushd_head_seq",
	    &v), 0);
	assert_true(v == 4096);
	assert_int_equal(ctl_metric_value(METRICS, "memeter_pushd_clients",
	    &v), -1);
	assert_int_equal(ctl_metric_value(METRICS, "memeter_pushd_nothing",
	    &v), -1);
	assert_int_equal(ctl_metric_value("", "x", &v), -1);
}

static void
http_bodies(void **state)
{
	const char *b;

	(void)state;
	b = ctl_http_body("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
	assert_non_null(b);
	assert_string_equal(b, "abc");
	assert_null(ctl_http_body("HTTP/1.1 404 Not Found\r\n\r\nno"));
	assert_null(ctl_http_body("HTTP/1.1 200 OK\r\nX: y\r\n"));
	assert_null(ctl_http_body("SSH-2.0-OpenSSH\r\n\r\n"));
	assert_null(ctl_http_body(""));
}

/* One place as store_results_all() gives it. */
static struct json_object *
place(int n, const char *title, int count, double avg, int min, int max,
    double median)
{
	struct json_object *p = json_object_new_object(), *m;

	m = json_object_new_object();
	json_object_object_add(m, "title", json_object_new_string(title));
	json_object_object_add(p, "place", json_object_new_int(n));
	json_object_object_add(p, "meme", m);
	json_object_object_add(p, "count", json_object_new_int(count));
	if (count == 0) {
		json_object_object_add(p, "avg", NULL);
		json_object_object_add(p, "min", NULL);
		json_object_object_add(p, "max", NULL);
		json_object_object_add(p, "median", NULL);
		return p;
	}
	json_object_object_add(p, "avg", json_object_new_double(avg));
	json_object_object_add(p, "min", json_object_new_int(min));
	json_object_object_add(p, "max", json_object_new_int(max));
	json_object_object_add(p, "median", json_object_new_double(median));
	return p;
}

static void
csv_rows(void **state)
{
	struct json_object *places = json_object_new_array();
	char *csv;

	(void)state;
	json_object_array_add(places, place(1, "Cat \"the\" cat", 3, 8.333333,
	    7, 10, 8));
	json_object_array_add(places, place(2, "=HYPERLINK(1)", 2, 4.5, 4, 5,
	    4.5));
	json_object_array_add(places, place(3, "Nobody rated me", 0, 0, 0, 0,
	    0));
	csv = export_results_csv(places, NULL);
	assert_non_null(csv);
	assert_string_equal(csv,
	    "place,title,count,avg,min,max,median\r\n"
	    "1,\"Cat \"\"the\"\" cat\",3,8.33,7,10,8\r\n"
	    "2,\"'=HYPERLINK(1)\",2,4.50,4,5,4.5\r\n"
	    "3,\"Nobody rated me\",0,,,,\r\n");
	free(csv);
	json_object_put(places);
}

static void
csv_empty(void **state)
{
	struct json_object *places = json_object_new_array();
	char *csv;

	(void)state;
	csv = export_results_csv(places, NULL);
	assert_string_equal(csv, "place,title,count,avg,min,max,median\r\n");
	free(csv);
	json_object_put(places);
}

/* A migrated database in a temporary folder, with one session. */
struct fixture {
	char	 dir[64];
	char	 path[128];
	struct store *store;
};

static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/memeter-test_ctl.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/live.db", f->dir);
	if ((f->store = store_open(f->path, STORE_READWRITE)) == NULL ||
	    store_migrate(f->store) != STORE_OK ||
	    db_exec(f->store->db, "INSERT INTO sessions (name) VALUES ('Backed up')") ==
	    -1)
		return -1;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static int64_t
count_sessions(const char *path)
{
	sqlite3 *db = db_open(path, DB_READONLY);
	sqlite3_stmt *st;
	int64_t n = -1;

	if (db == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close_v2(db);
	return n;
}

static void
backup_copies_and_refuses_overwrite(void **state)
{
	struct fixture *f = *state;
	char dest[160];
	int pages;

	snprintf(dest, sizeof(dest), "%s/copy.db", f->dir);
	pages = ctl_backup_db(f->store, dest, NULL);
	assert_true(pages > 0);
	assert_int_equal(count_sessions(dest), 1);
	/* The live database goes on; the copy is a snapshot. */
	assert_int_equal(db_exec(f->store->db, "INSERT INTO sessions (name) "
	    "VALUES ('Later')"), 0);
	assert_int_equal(count_sessions(dest), 1);
	/* Never over an existing file, and nothing half-written is left. */
	assert_int_equal(ctl_backup_db(f->store, dest, NULL), -1);
	assert_int_equal(count_sessions(dest), 1);
	snprintf(dest, sizeof(dest), "%s/missing/copy.db", f->dir);
	assert_int_equal(ctl_backup_db(f->store, dest, NULL), -1);
}

static void
check_finds_dangling_rows(void **state)
{
	struct fixture *f = *state;
	FILE *out = tmpfile();

	assert_non_null(out);
	assert_int_equal(ctl_check_db(f->store, out), 0);
	assert_int_equal(db_exec(f->store->db, "PRAGMA foreign_keys=OFF;"
	    "INSERT INTO ratings (session_id, meme_id, rater_id, score) "
	    "VALUES (1, 1, 99, 5);"
	    "INSERT INTO rating_requests (rater_id, client_id, rating_id) "
	    "VALUES (98, 'c1', 1);"
	    "PRAGMA foreign_keys=ON"), 0);
	/* The rating misses its rater and its session meme; the request
	 * its rater: three dangling references. */
	assert_int_equal(ctl_check_db(f->store, out), 3);
	fclose(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metric_values),
		cmocka_unit_test(http_bodies),
		cmocka_unit_test(csv_rows),
		cmocka_unit_test(csv_empty),
		cmocka_unit_test_setup_teardown(
		    backup_copies_and_refuses_overwrite, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(check_finds_dangling_rows,
		    fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
