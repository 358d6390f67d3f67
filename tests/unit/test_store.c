/*
 * Unit tests of the store (shared/store/): the object, its outcomes, the
 * outbox and the admin session check.  They look inside through
 * store_int.h for what only the store's own files may do (transactions,
 * the connection's busy timeout and page limit).
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
#include "timeutil.h"
#include "token.h"
#include "store/store.h"
#include "store/store_int.h"

struct fixture {
	char		 dir[64];
	char		 path[128];
	struct store	*store;
	sqlite3		*other;		/* a second connection, as another
					 * process would hold one */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/memeter-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/m.db", f->dir);
	if ((f->store = store_open(f->path, STORE_READWRITE)) == NULL ||
	    store_migrate(f->store) != STORE_OK ||
	    (f->other = db_open(f->path, DB_READWRITE)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

	store_close(f->store);
	sqlite3_close_v2(f->other);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* What store_events_after() handed over, copied. */
struct seen {
	int		 n;
	int		 stop_at;	/* stop after this many; 0 never */
	int64_t		 seq[16];
	enum event_type	 type[16];
	int64_t		 sid[16];
	char		 data[16][256];
	char		 user[16][256];	/* "(null)" for NULL */
	int		 ts_ok[16];
};

static int
collect(const struct store_event *ev, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->seq[s->n] = ev->seq;
	s->type[s->n] = ev->type;
	s->sid[s->n] = ev->session_id;
	assert_int_equal(strlen(ev->data), ev->data_len);
	snprintf(s->data[s->n], sizeof(s->data[0]), "%s", ev->data);
	if (ev->user_data != NULL)
		assert_int_equal(strlen(ev->user_data), ev->user_data_len);
	snprintf(s->user[s->n], sizeof(s->user[0]), "%s",
	    ev->user_data != NULL ? ev->user_data : "(null)");
	/* 2026-11-25T22:17:24.123Z */
	s->ts_ok[s->n] = strlen(ev->ts) == 24 && ev->ts[10] == 'T' &&
	    ev->ts[19] == '.' && ev->ts[23] == 'Z';
	s->n++;
	return s->stop_at > 0 && s->n >= s->stop_at;
}

static struct json_object *
stats_data(int64_t sid)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "session_id", json_object_new_int64(sid));
	json_object_object_add(o, "ratings", json_object_new_int(5));
	json_object_object_add(o, "raters", json_object_new_int(2));
	json_object_object_add(o, "avg", json_object_new_double(6.5));
	json_object_object_add(o, "memes", json_object_new_array());
	return o;
}

static void
append_renders_views_once(void **state)
{
	struct fixture *f = *state;
	struct json_object *d = stats_data(7);
	struct seen s = { 0 };
	const char *rating = "{\"session_id\":7,\"meme_id\":1,\"rater\":"
	    "{\"id\":1,\"name\":\"x/y\"},\"score\":3,\"replaced\":false}";
	const char *stats = "{\"session_id\":7,\"ratings\":6,\"raters\":3,"
	    "\"avg\":5,\"memes\":[]}";
	int64_t seq[4];

	assert_int_equal(store_begin(f->store), STORE_OK);
	assert_int_equal(store_event_append_json(f->store, EVENT_STATS_UPDATED,
	    7, d, &seq[0]), STORE_OK);
	assert_int_equal(store_event_append(f->store, EVENT_NEW_RATING, 7,
	    rating, strlen(rating), &seq[1]), STORE_OK);
	assert_int_equal(store_event_append(f->store, EVENT_STATS_UPDATED, 7,
	    stats, strlen(stats), &seq[2]), STORE_OK);
	assert_int_equal(store_event_append_json(f->store,
	    EVENT_SESSION_FINISHED, 0, d, &seq[3]), STORE_OK);
	assert_int_equal(store_commit(f->store), STORE_OK);
	json_object_put(d);
	for (int i = 1; i < 4; i++)
		assert_int_equal(seq[i], seq[i - 1] + 1);

	assert_int_equal(store_events_after(f->store, 0, 10, collect, &s), 4);
	assert_int_equal(s.type[0], EVENT_STATS_UPDATED);
	assert_string_equal(s.data[0], "{\"session_id\":7,\"ratings\":5,"
	    "\"raters\":2,\"avg\":6.5,\"memes\":[]}");
	assert_string_equal(s.user[0],
	    "{\"session_id\":7,\"ratings\":5,\"raters\":2}");
	assert_int_equal(s.type[1], EVENT_NEW_RATING);
	assert_string_equal(s.data[1], rating);
	assert_string_equal(s.user[1], "(null)");
	/* The text form parses what it must cut. */
	assert_string_equal(s.user[2],
	    "{\"session_id\":7,\"ratings\":6,\"raters\":3}");
	assert_int_equal(s.type[3], EVENT_SESSION_FINISHED);
	assert_string_equal(s.user[3], s.data[3]);
	assert_int_equal(s.sid[0], 7);
	assert_int_equal(s.sid[3], 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(s.seq[i], seq[i]);
		assert_true(s.ts_ok[i]);
	}
}

static void
append_refuses_unknown_and_bad(void **state)
{
	struct fixture *f = *state;
	int64_t seq = 99;

	assert_int_equal(store_event_append(f->store, EVENT_UNKNOWN, 1, "{}", 2,
	    &seq), STORE_INVALID);
	assert_int_equal(seq, 0);
	assert_int_equal(store_event_append(f->store, EVENT_STATS_UPDATED, 1,
	    "{nope", 5, &seq), STORE_INVALID);
}

static void
append_views_binds_ts(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	int64_t seq;

	assert_int_equal(store_event_append_views(f->store, EVENT_NEW_RATING, 3,
	    "{\"a\":1}", 7, NULL, 0, "2026-11-25T22:17:24.123Z", &seq),
	    STORE_OK);
	assert_int_equal(store_events_after(f->store, seq - 1, 1, collect, &s),
	    1);
	assert_true(s.ts_ok[0]);
	assert_string_equal(s.user[0], "(null)");
}

static void
events_after_order_limit_stop(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	int64_t seq, first = 0;
	char data[32];
	int n;

	for (int i = 0; i < 10; i++) {
		n = snprintf(data, sizeof(data), "{\"i\":%d}", i);
		assert_int_equal(store_event_append(f->store,
		    EVENT_SESSION_CREATED, 1, data, (size_t)n, &seq), STORE_OK);
		if (i == 0)
			first = seq;
	}
	/* Limit. */
	assert_int_equal(store_events_after(f->store, first - 1, 4, collect,
	    &s), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.seq[i], first + i);
	assert_string_equal(s.data[3], "{\"i\":3}");
	/* After: strictly greater. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_events_after(f->store, first + 7, 10, collect,
	    &s), 2);
	assert_int_equal(s.seq[0], first + 8);
	assert_int_equal(s.seq[1], first + 9);
	/* Early stop: the event that stopped counts. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 3;
	assert_int_equal(store_events_after(f->store, first - 1, 10, collect,
	    &s), 3);
	assert_int_equal(s.n, 3);
	/* Nothing newer. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_events_after(f->store, first + 9, 10, collect,
	    &s), 0);
	assert_int_equal(s.n, 0);
}

static void
head_and_first(void **state)
{
	struct fixture *f = *state;
	int64_t head = -1, first = -1, a, b;

	assert_int_equal(store_event_head(f->store, &head), STORE_OK);
	assert_int_equal(store_event_first(f->store, &first), STORE_OK);
	assert_int_equal(head, 0);
	assert_int_equal(first, 0);
	assert_int_equal(store_event_append(f->store, EVENT_SESSION_CREATED, 1,
	    "{}", 2, &a), STORE_OK);
	assert_int_equal(store_event_append(f->store, EVENT_SESSION_CREATED, 1,
	    "{}", 2, &b), STORE_OK);
	assert_int_equal(store_event_head(f->store, &head), STORE_OK);
	assert_int_equal(store_event_first(f->store, &first), STORE_OK);
	assert_int_equal(head, b);
	assert_int_equal(first, a);
	/* Pruned from the front (retention): first moves, head stays. */
	assert_int_equal(db_exec(f->other, "DELETE FROM events WHERE seq = "
	    "(SELECT min(seq) FROM events)"), 0);
	assert_int_equal(store_event_first(f->store, &first), STORE_OK);
	assert_int_equal(first, b);
	assert_int_equal(store_event_head(f->store, &head), STORE_OK);
	assert_int_equal(head, b);
}

/* Inserts an admin session for token expiring at expires (unix s). */
static void
add_admin(struct fixture *f, const char *token, int64_t expires, int64_t *id)
{
	unsigned char hash[SHA256_BYTES];
	sqlite3_stmt *st;

	token_sha256(token, strlen(token), hash);
	assert_int_equal(sqlite3_prepare_v2(f->other, "INSERT INTO "
	    "admin_sessions(token_hash,csrf,expires_at) VALUES(?1,'c',?2)", -1,
	    &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, expires);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(f->other);
}

static void
admin_session_check(void **state)
{
	struct fixture *f = *state;
	unsigned char hash[SHA256_BYTES];
	int64_t now = time_unix_now(), valid, expired, id, exp;

	add_admin(f, "valid-token", now + 3600, &valid);
	add_admin(f, "old-token", now - 1, &expired);
	token_sha256("valid-token", 11, hash);
	assert_int_equal(store_admin_session_check(f->store, hash, &id, &exp),
	    STORE_OK);
	assert_int_equal(id, valid);
	assert_int_equal(exp, now + 3600);
	token_sha256("old-token", 9, hash);
	assert_int_equal(store_admin_session_check(f->store, hash, &id, &exp),
	    STORE_NOT_FOUND);
	assert_int_equal(id, 0);
	token_sha256("never-seen", 10, hash);
	assert_int_equal(store_admin_session_check(f->store, hash, &id, &exp),
	    STORE_NOT_FOUND);
}

/* A read-only store (pushd's) reads the outbox and refuses to write. */
static void
readonly_store(void **state)
{
	struct fixture *f = *state;
	struct store *ro;
	int64_t seq, head;

	assert_int_equal(store_event_append(f->store, EVENT_SESSION_CREATED, 1,
	    "{}", 2, &seq), STORE_OK);
	assert_non_null(ro = store_open(f->path, STORE_READONLY));
	assert_int_equal(store_event_head(ro, &head), STORE_OK);
	assert_int_equal(head, seq);
	assert_int_not_equal(store_event_append(ro, EVENT_SESSION_CREATED, 1,
	    "{}", 2, &seq), STORE_OK);
	store_close(ro);
}

static void
busy_outcome(void **state)
{
	struct fixture *f = *state;
	int64_t seq;

	/* Another process holds the write lock past our (short) wait. */
	assert_int_equal(db_exec(f->other, "BEGIN IMMEDIATE"), 0);
	sqlite3_busy_timeout(f->store->db, 20);
	assert_int_equal(store_begin(f->store), STORE_BUSY);
	assert_int_equal(store_event_append(f->store, EVENT_SESSION_CREATED, 1,
	    "{}", 2, &seq), STORE_BUSY);
	db_rollback(f->other);
	assert_int_equal(store_begin(f->store), STORE_OK);
	store_rollback(f->store);
}

static void
full_outcome(void **state)
{
	struct fixture *f = *state;
	static char big[16384];
	int64_t seq;
	int rc = STORE_OK;

	memset(big, 'x', sizeof(big) - 3);
	big[0] = '"';
	big[sizeof(big) - 3] = '"';
	big[sizeof(big) - 2] = '\0';
	/* The file may not grow beyond its pages now plus a few. */
	assert_int_equal(db_exec(f->store->db, "PRAGMA max_page_count=60"), 0);
	assert_int_equal(store_begin(f->store), STORE_OK);
	for (int i = 0; i < 100 && rc == STORE_OK; i++)
		rc = store_event_append(f->store, EVENT_SESSION_CREATED, 1, big,
		    strlen(big), &seq);
	assert_int_equal(rc, STORE_FULL);
	store_rollback(f->store);
}

static void
rc_names(void **state)
{
	(void)state;
	assert_string_equal(store_rc_name(STORE_OK), "ok");
	assert_string_equal(store_rc_name(STORE_BUSY), "busy");
	assert_string_equal(store_rc_name(STORE_FULL), "full");
	for (int rc = 0; rc < STORE_RC_COUNT; rc++)
		assert_string_not_equal(store_rc_name(rc), "unknown");
	assert_string_equal(store_rc_name(STORE_RC_COUNT), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(append_renders_views_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(append_refuses_unknown_and_bad,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(append_views_binds_ts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(events_after_order_limit_stop,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(head_and_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(admin_session_check, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(readonly_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(busy_outcome, setup, teardown),
		cmocka_unit_test_setup_teardown(full_outcome, setup, teardown),
		cmocka_unit_test(rc_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
