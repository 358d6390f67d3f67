/* Unit tests of shared/: config, database layer, outbox, tokens, notify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "child.h"
#include "config.h"
#include "store/db.h"
#include "event.h"
#include "notify.h"
#include "token.h"
#include "unit_db.h"

static int
test_begin(void **state)
{
	return db_exec(*state, "BEGIN");
}

static int
test_rollback(void **state)
{
	return db_exec(*state, "ROLLBACK");
}

/* A child that keeps dying young waits longer each time, up to the cap;
 * one that had lived is replaced at once and starts the doubling over. */
static void
backoff_doubles_while_young(void **state)
{
	uint64_t b = 0;

	(void)state;
	b = child_backoff_next(b, 1, 100, 450);
	assert_int_equal(b, 100);
	b = child_backoff_next(b, 1, 100, 450);
	assert_int_equal(b, 200);
	b = child_backoff_next(b, 1, 100, 450);
	assert_int_equal(b, 400);
	b = child_backoff_next(b, 1, 100, 450);
	assert_int_equal(b, 450);
	b = child_backoff_next(b, 0, 100, 450);
	assert_int_equal(b, 0);
	assert_int_equal(child_backoff_next(b, 1, 100, 450), 100);
}

static void
child_exit_described(void **state)
{
	char buf[64];

	(void)state;
	child_describe_exit(1 << 8, buf, sizeof(buf));
	assert_string_equal(buf, "exited with status 1");
	child_describe_exit(9, buf, sizeof(buf));
	assert_string_equal(buf, "was killed by signal 9 (Killed)");
}

static void
config_defaults_then_env(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	setenv("MEMETER_WORKERS", "7", 1);
	setenv("MEMETER_DB_PATH", "/tmp/x.db", 1);
	assert_int_equal(config_load(&cfg, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(cfg.workers, 7);
	assert_string_equal(cfg.db_path, "/tmp/x.db");
	assert_string_equal(cfg.media_url, "/media");
	unsetenv("MEMETER_WORKERS");
	unsetenv("MEMETER_DB_PATH");
}

static void
config_bad_value_names_key(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	setenv("MEMETER_WORKERS", "lots", 1);
	assert_int_equal(config_load(&cfg, NULL, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MEMETER_WORKERS"));
	unsetenv("MEMETER_WORKERS");
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "nosuchkey", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nosuchkey"));
}

static void
config_file_parses_and_reports_line(void **state)
{
	char path[] = "/tmp/memeter-config-XXXXXX";
	struct config cfg;
	char err[512];
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	(void)state;
	fputs("# comment\nworkers = 3\n\nsite_origin = http://x:1 # trailing\n"
	    "workers = 0\n", fp);
	fclose(fp);
	assert_int_equal(config_load(&cfg, path, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":5: workers"));
	unlink(path);
}

static void
config_listen_addresses(void **state)
{
	static const char *bad[] = { "", "8443", "127.0.0.1", "127.0.0.1:",
	    "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:84x", ":8443",
	    "memes.example.org:8443", "::1:8443", "[::1]", "[::1]8443",
	    "[127.0.0.1]:8443", "[]:8443", "ab.cd.ef.01:80", "1.2.3:80",
	    "256.1.1.1:80", "[fe80::1%eth0]:80" };
	char host[64];
	int port;

	(void)state;
	assert_int_equal(config_parse_listen("0.0.0.0:8443", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 8443);
	assert_int_equal(config_parse_listen("[::1]:1", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (config_parse_listen(bad[i], host, sizeof(host), &port) != -1)
			fail_msg("\"%s\" was taken", bad[i]);
	/* Too long for the caller's buffer: refused, not cut. */
	assert_int_equal(config_parse_listen("127.0.0.1:80", host, 9, &port),
	    -1);
}

static void
config_ws_urls(void **state)
{
	static const char *good[] = { "ws://127.0.0.1:8090", "wss://memes.example.org",
	    "wss://memes.example.org:8443/", "ws://[::1]:9000", "wss://a-b.c" };
	static const char *bad[] = { "", "http://x", "wss://", "wss:///",
	    "wss://x/ws", "wss://x:", "wss://x:0", "wss://x:65536", "wss://:80",
	    "wss://x?y", "wss://u@x", "wss://x y", "wss://[::1", "ws://x:8a",
	    "WSS//x" };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!config_ws_url_ok(good[i]))
			fail_msg("\"%s\" was refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (config_ws_url_ok(bad[i]))
			fail_msg("\"%s\" was taken", bad[i]);
}

/* The direct listener's keys are checked at load, naming the key. */
static void
config_direct_keys_checked_at_load(void **state)
{
	static const struct { const char *env, *value, *names; } cases[] = {
		{ "MEMETER_PUSHD_LISTEN", "localhost:8443", "pushd_listen" },
		{ "MEMETER_PUSHD_TLS_CERT", "/etc/ssl/cert.pem", "pushd_tls_key" },
		{ "MEMETER_PUSHD_TLS_KEY", "/etc/ssl/key.pem", "pushd_tls_cert" },
		{ "MEMETER_WS_URL", "https://memes.example.org", "ws_url" },
		{ "MEMETER_PUSHD_WS_PER_ADDR", "0", "pushd_ws_per_addr" },
	};
	struct config cfg;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv(cases[i].env, cases[i].value, 1);
		assert_int_equal(config_load(&cfg, NULL, 0, err, sizeof(err)),
		    -1);
		if (strstr(err, cases[i].names) == NULL)
			fail_msg("%s=%s: \"%s\" does not name %s", cases[i].env,
			    cases[i].value, err, cases[i].names);
		unsetenv(cases[i].env);
	}
	setenv("MEMETER_PUSHD_LISTEN", "127.0.0.1:8443", 1);
	setenv("MEMETER_PUSHD_TLS_CERT", "/etc/ssl/cert.pem", 1);
	setenv("MEMETER_PUSHD_TLS_KEY", "/etc/ssl/key.pem", 1);
	setenv("MEMETER_WS_URL", "wss://127.0.0.1:8443", 1);
	assert_int_equal(config_load(&cfg, NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(cfg.pushd_listen, "127.0.0.1:8443");
	assert_string_equal(cfg.ws_url, "wss://127.0.0.1:8443");
	assert_int_equal(cfg.pushd_ws_per_addr, 500);
	unsetenv("MEMETER_PUSHD_LISTEN");
	unsetenv("MEMETER_PUSHD_TLS_CERT");
	unsetenv("MEMETER_PUSHD_TLS_KEY");
	unsetenv("MEMETER_WS_URL");
}

/* conf/memeter.conf documents every key: each must stand in it as an
 * uncommented "key = default" line (run from the top of the tree). */
struct sample {
	char	text[16384];	/* the file, after a leading newline */
	int	missing;
};

static void
sample_has(const char *key, const char *value, void *arg)
{
	struct sample *s = arg;
	char line[1100];

	snprintf(line, sizeof(line), *value ? "\n%s = %s\n" : "\n%s =\n", key,
	    value);
	if (strstr(s->text, line) == NULL) {
		print_error("conf/memeter.conf lacks \"%s\"\n", line + 1);
		s->missing++;
	}
}

static void
config_sample_has_every_key_and_default(void **state)
{
	static struct sample s;
	struct config cfg;
	FILE *fp;
	size_t n;

	(void)state;
	assert_non_null(fp = fopen("conf/memeter.conf", "r"));
	s.text[0] = '\n';
	n = fread(s.text + 1, 1, sizeof(s.text) - 2, fp);
	fclose(fp);
	assert_true(n > 0 && n < sizeof(s.text) - 2);
	s.text[n + 1] = '\0';
	config_defaults(&cfg);
	config_dump(&cfg, sample_has, &s);
	assert_int_equal(s.missing, 0);
}

static void
db_migrates_to_latest(void **state)
{
	assert_int_equal(db_schema_version(*state), db_latest_version());
	assert_true(db_latest_version() >= 1);
	/* A second run is a no-op. */
	assert_int_equal(db_migrate(*state), 0);
}

static void
db_enforces_one_active_session(void **state)
{
	sqlite3 *db = *state;

	assert_int_equal(db_exec(db, "INSERT INTO sessions(name,status) "
	    "VALUES('a','active')"), 0);
	assert_int_equal(db_exec(db, "INSERT INTO sessions(name,status) "
	    "VALUES('b','active')"), -1);
	assert_int_equal(db_exec(db, "INSERT INTO sessions(name,status) "
	    "VALUES('c','draft')"), 0);
}

static void
db_rejects_out_of_range_score(void **state)
{
	sqlite3 *db = *state;

	assert_int_equal(db_exec(db,
	    "INSERT INTO sessions(id,name) VALUES(1,'s');"
	    "INSERT INTO memes(id,sha256,title,filename,mime) VALUES(1,'h','t','f','image/png');"
	    "INSERT INTO session_memes VALUES(1,1,1);"
	    "INSERT INTO raters(id,token_hash,name) VALUES(1,x'00','Brave Falcon')"), 0);
	assert_int_equal(db_exec(db, "INSERT INTO ratings(session_id,meme_id,"
	    "rater_id,score) VALUES(1,1,1,11)"), -1);
	assert_int_equal(db_exec(db, "INSERT INTO ratings(session_id,meme_id,"
	    "rater_id,score) VALUES(1,1,1,10)"), 0);
	assert_int_equal(db_exec(db, "INSERT INTO ratings(session_id,meme_id,"
	    "rater_id,score) VALUES(1,1,1,3)"), -1);
}

static void
admin_password_roundtrip(void **state)
{
	struct store *store = unit_store_open();
	char buf[64];
	int ended = -1;

	(void)state;
	assert_non_null(store);
	assert_int_equal(store_admin_password_get(store, buf, sizeof(buf)),
	    STORE_NOT_FOUND);
	assert_int_equal(store_admin_password_set(store, "v1", 0, NULL),
	    STORE_OK);
	assert_int_equal(db_exec(store->db, "INSERT INTO admin_sessions"
	    "(token_hash,csrf,expires_at) VALUES(randomblob(32),'c',1)"), 0);
	/* memeterctl passwd: the new hash and every admin logged out. */
	assert_int_equal(store_admin_password_set(store, "v2", 1, &ended),
	    STORE_OK);
	assert_int_equal(ended, 1);
	assert_int_equal(store_admin_password_get(store, buf, sizeof(buf)),
	    STORE_OK);
	assert_string_equal(buf, "v2");
	store_close(store);
}

static void
event_append_assigns_increasing_seq(void **state)
{
	struct store *store = unit_store_open();
	struct json_object *data = json_object_new_object();
	int64_t head, a, b, now;

	(void)state;
	assert_non_null(store);
	assert_int_equal(store_event_head(store, &head), STORE_OK);
	json_object_object_add(data, "x", json_object_new_int(1));
	assert_int_equal(store_event_append_json(store, EVENT_SESSION_CREATED,
	    0, data, &a), STORE_OK);
	assert_int_equal(store_event_append_json(store, EVENT_NEW_RATING, 0,
	    data, &b), STORE_OK);
	json_object_put(data);
	assert_true(a > head);
	assert_int_equal(b, a + 1);
	assert_int_equal(store_event_head(store, &now), STORE_OK);
	assert_int_equal(now, b);
	store_close(store);
}

static void
event_groups_follow_spec(void **state)
{
	(void)state;
	assert_int_equal(event_type_groups(event_type_from_name(
	    "session_created")), EVENT_GROUP_ADMIN);
	assert_int_equal(event_type_groups(event_type_from_name("new_rating")),
	    EVENT_GROUP_ADMIN);
	assert_int_equal(event_type_groups(event_type_from_name(
	    "session_started")), EVENT_GROUP_ADMIN | EVENT_GROUP_USER);
	assert_int_equal(event_type_groups(event_type_from_name(
	    "results_revealed")), EVENT_GROUP_ADMIN | EVENT_GROUP_USER);
	assert_int_equal(event_type_groups(event_type_from_name("bogus")), 0);
}

static void
event_user_view_hides_per_meme_stats(void **state)
{
	struct json_object *data = json_tokener_parse(
	    "{\"session_id\":1,\"ratings\":5,\"raters\":2,\"memes\":[{\"meme_id\":1}]}");
	struct json_object *view, *v;
	struct event_views views;

	(void)state;
	assert_int_equal(event_render(EVENT_STATS_UPDATED, data, &views), 0);
	assert_non_null(views.user_data);
	view = json_tokener_parse(views.user_data);
	assert_non_null(view);
	assert_false(json_object_object_get_ex(view, "memes", &v));
	assert_true(json_object_object_get_ex(view, "ratings", &v));
	assert_int_equal(json_object_get_int(v), 5);
	json_object_put(view);
	event_views_free(&views);
	assert_int_equal(event_render(EVENT_NEW_RATING, data, &views), 0);
	assert_null(views.user_data);
	event_views_free(&views);
	json_object_put(data);
}

static void
event_envelope_is_spec_shape(void **state)
{
	struct json_object *env, *v;
	char text[256];

	(void)state;
	assert_true(event_envelope_write(text, sizeof(text), 42,
	    EVENT_SESSION_FINISHED, "2026-01-01T00:00:00.000Z", "{}", 2) > 0);
	env = json_tokener_parse(text);
	assert_non_null(env);
	assert_true(json_object_object_get_ex(env, "seq", &v));
	assert_int_equal(json_object_get_int64(v), 42);
	assert_true(json_object_object_get_ex(env, "type", &v));
	assert_string_equal(json_object_get_string(v), "session_finished");
	assert_true(json_object_object_get_ex(env, "data", &v));
	json_object_put(env);
}

static void
token_new_is_valid_and_random(void **state)
{
	char a[TOKEN_HEX_LEN + 1], b[TOKEN_HEX_LEN + 1];

	(void)state;
	assert_int_equal(token_new(a), 0);
	assert_int_equal(token_new(b), 0);
	assert_true(token_valid(a));
	assert_string_not_equal(a, b);
	assert_false(token_valid("abc"));
	assert_false(token_valid("ABCDEFABCDEFABCDEFABCDEFABCDEFAB"));
}

static void
token_sha256_known_vector(void **state)
{
	char hex[SHA256_HEX_LEN + 1];

	(void)state;
	token_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
token_password_hash_and_check(void **state)
{
	char hash[256];

	(void)state;
	assert_int_equal(token_password_hash("s3cret", hash, sizeof(hash)), 0);
	assert_memory_equal(hash, "$y$", 3);
	assert_true(token_password_check("s3cret", hash));
	assert_false(token_password_check("s3creT", hash));
	assert_false(token_password_check("", hash));
}

static void
notify_roundtrip(void **state)
{
	char path[64];
	int rx, tx;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/memeter-notify-%d.sock", (int)getpid());
	rx = notify_receiver_open(path);
	tx = notify_sender_open();
	assert_true(rx >= 0 && tx >= 0);
	assert_int_equal(notify_receive(rx), 0);
	assert_int_equal(notify_send(tx, path, 12345), 0);
	assert_int_equal(notify_receive(rx), 12345);
	close(rx);
	unlink(path);
	/* Nobody listening: the sender fails at once, it never blocks. */
	assert_int_equal(notify_send(tx, path, 1), -1);
	close(tx);
}

/* Found by tests/fuzz/fuzz_notify.c: a datagram longer than the
 * buffer was read as its first bytes, one with a NUL as what came
 * before it, and " 7" or "+7" as 7. */
static void
notify_refuses_all_but_digits(void **state)
{
	static const char *const bad[] = { "", "0", "-1", "+7", " 7", "7 ",
	    "12abc", "9223372036854775808",
	    "00000000000000000000000000000001",	/* 32 bytes: truncated */
	    "0000000000000000000000000000001234x" };
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv),
	    0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(send(sv[0], bad[i], strlen(bad[i]), 0),
		    (ssize_t)strlen(bad[i]));
		assert_int_equal(notify_receive(sv[1]), -1);
	}
	assert_int_equal(send(sv[0], "5\0" "9", 3, 0), 3);
	assert_int_equal(notify_receive(sv[1]), -1);
	assert_int_equal(notify_receive(sv[1]), 0);	/* all were read */
	assert_int_equal(send(sv[0], "0000000000000000000000000000042", 31, 0),
	    31);
	assert_int_equal(notify_receive(sv[1]), 42);
	assert_int_equal(send(sv[0], "9223372036854775807", 19, 0), 19);
	assert_int_equal(notify_receive(sv[1]), INT64_MAX);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_defaults_then_env),
		cmocka_unit_test(config_bad_value_names_key),
		cmocka_unit_test(config_listen_addresses),
		cmocka_unit_test(config_ws_urls),
		cmocka_unit_test(config_direct_keys_checked_at_load),
		cmocka_unit_test(config_file_parses_and_reports_line),
		cmocka_unit_test(config_sample_has_every_key_and_default),
		cmocka_unit_test(db_migrates_to_latest),
		cmocka_unit_test_setup_teardown(db_enforces_one_active_session,
		    test_begin, test_rollback),
		cmocka_unit_test_setup_teardown(db_rejects_out_of_range_score,
		    test_begin, test_rollback),
		cmocka_unit_test(admin_password_roundtrip),
		cmocka_unit_test(event_append_assigns_increasing_seq),
		cmocka_unit_test(event_groups_follow_spec),
		cmocka_unit_test(event_user_view_hides_per_meme_stats),
		cmocka_unit_test(event_envelope_is_spec_shape),
		cmocka_unit_test(token_new_is_valid_and_random),
		cmocka_unit_test(token_sha256_known_vector),
		cmocka_unit_test(token_password_hash_and_check),
		cmocka_unit_test(backoff_doubles_while_young),
		cmocka_unit_test(child_exit_described),
		cmocka_unit_test(notify_roundtrip),
		cmocka_unit_test(notify_refuses_all_but_digits),
	};

	return cmocka_run_group_tests_name("shared", tests, unit_db_setup,
	    unit_db_teardown);
}
