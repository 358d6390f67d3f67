/* Unit tests of pushd's upgrade checks (pushd/upgrade.c): what a
 * WebSocket upgrade may ask, in the order the checks answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cookie.h"
#include "event.h"
#include "token.h"
#include "../../pushd/upgrade.h"

#define SITE	"http://127.0.0.1:8080"

static void
path_groups(void **state)
{
	(void)state;
	assert_int_equal(upgrade_path_group("/ws/user"), EVENT_GROUP_USER);
	assert_int_equal(upgrade_path_group("/ws/admin"), EVENT_GROUP_ADMIN);
	assert_int_equal(upgrade_path_group("/ws/admin/"), 0);
	assert_int_equal(upgrade_path_group("/ws/"), 0);
	assert_int_equal(upgrade_path_group("/ws/users"), 0);
}

static void
since_values(void **state)
{
	int64_t v = -1;

	(void)state;
	assert_int_equal(upgrade_parse_since("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(upgrade_parse_since("123456789012", &v), 0);
	assert_int_equal(v, 123456789012LL);
	assert_int_equal(upgrade_parse_since("-1", &v), -1);
	assert_int_equal(upgrade_parse_since("", &v), -1);
	assert_int_equal(upgrade_parse_since("12a", &v), -1);
	assert_int_equal(upgrade_parse_since(" 1", &v), -1);
	assert_int_equal(upgrade_parse_since("99999999999999999999", &v), -1);
	assert_int_equal(upgrade_parse_since(NULL, &v), -1);
}

static void
cookies(void **state)
{
	char out[40];

	(void)state;
	assert_int_equal(cookie_get("mr_admin=abc", "mr_admin", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(cookie_get("mr_rater=x; mr_admin=def ; z=1",
	    "mr_admin", out, sizeof(out)), 0);
	assert_string_equal(out, "def");
	/* A cookie whose name merely ends the same is another cookie. */
	assert_int_equal(cookie_get("xmr_admin=bad", "mr_admin", out,
	    sizeof(out)), -1);
	assert_int_equal(cookie_get("xmr_admin=bad;mr_admin=good",
	    "mr_admin", out, sizeof(out)), 0);
	assert_string_equal(out, "good");
	assert_int_equal(cookie_get("mr_admin=\"q\"", "mr_admin", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "q");
	assert_int_equal(cookie_get("a=1", "mr_admin", out,
	    sizeof(out)), -1);
	assert_int_equal(cookie_get("mr_admin=0123456789012345678901234"
	    "567890123456789", "mr_admin", out, sizeof(out)), -1);
}

static void
origins(void **state)
{
	(void)state;
	assert_true(upgrade_origin_ok(NULL, "http://127.0.0.1:8080"));
	assert_true(upgrade_origin_ok("http://127.0.0.1:8080",
	    "http://127.0.0.1:8080"));
	assert_true(upgrade_origin_ok("http://127.0.0.1:8080",
	    "http://127.0.0.1:8080/"));
	assert_false(upgrade_origin_ok("http://127.0.0.1:8081",
	    "http://127.0.0.1:8080"));
	assert_false(upgrade_origin_ok("http://127.0.0.1:8080.evil.example",
	    "http://127.0.0.1:8080"));
	assert_false(upgrade_origin_ok("null", "http://127.0.0.1:8080"));
	assert_false(upgrade_origin_ok("", "http://127.0.0.1:8080"));
}

/* The admin lookup of the tests: the session of token "good" only;
 * token "unknowable" is a lookup that cannot tell (an edge's Redis down). */
static int lookups;

static int
admin_lookup(void *arg, const unsigned char hash[32], int64_t *session_id,
    int64_t *expires_at)
{
	unsigned char good[32];

	(void)arg;
	lookups++;
	token_sha256("unknowable", 10, good);
	if (memcmp(hash, good, sizeof(good)) == 0)
		return -1;
	token_sha256("good", 4, good);
	if (memcmp(hash, good, sizeof(good)) != 0)
		return 0;
	*session_id = 42;
	*expires_at = 1900000000;
	return 1;
}

static enum upgrade_verdict
check(const char *path, const char *origin, const char *since,
    const char *cookie, struct upgrade_grant *g)
{
	struct upgrade_request req = { .path = path, .origin = origin,
	    .since = since, .cookie = cookie };

	return upgrade_check(&req, SITE, admin_lookup, NULL, g);
}

static void
user_upgrades(void **state)
{
	struct upgrade_grant g;

	(void)state;
	assert_int_equal(check("/ws/user", NULL, NULL, NULL, &g), UPGRADE_OK);
	assert_int_equal(g.group, EVENT_GROUP_USER);
	assert_false(g.has_since);
	assert_int_equal(check("/ws/user", SITE, "17", NULL, &g), UPGRADE_OK);
	assert_true(g.has_since);
	assert_int_equal(g.since, 17);
	assert_int_equal(check("/ws/nope", SITE, NULL, NULL, &g),
	    UPGRADE_BAD_PATH);
	assert_int_equal(check(NULL, SITE, NULL, NULL, &g), UPGRADE_BAD_PATH);
	assert_int_equal(check("/ws/user", "http://evil.example", NULL, NULL,
	    &g), UPGRADE_BAD_ORIGIN);
	assert_int_equal(check("/ws/user", SITE, "x1", NULL, &g),
	    UPGRADE_BAD_SINCE);
	assert_int_equal(lookups, 0);	/* users are never looked up */
}

static void
admin_upgrades(void **state)
{
	struct upgrade_grant g;
	unsigned char good[32];

	(void)state;
	lookups = 0;
	assert_int_equal(check("/ws/admin", SITE, NULL, "mr_admin=good", &g),
	    UPGRADE_OK);
	assert_int_equal(g.group, EVENT_GROUP_ADMIN);
	assert_int_equal(g.admin_session_id, 42);
	assert_int_equal(g.admin_expires_at, 1900000000);
	token_sha256("good", 4, good);
	assert_memory_equal(g.admin_hash, good, sizeof(good));
	assert_int_equal(check("/ws/admin", SITE, NULL, "mr_admin=bad", &g),
	    UPGRADE_NO_ADMIN);
	assert_int_equal(check("/ws/admin", SITE, NULL, "mr_rater=good", &g),
	    UPGRADE_NO_ADMIN);
	assert_int_equal(check("/ws/admin", SITE, NULL, NULL, &g),
	    UPGRADE_NO_ADMIN);
	assert_int_equal(lookups, 2);	/* no cookie: no lookup */
}

/* A lookup that cannot tell is a 503 (retry), never a 401 (log in). */
static void
admin_lookup_cannot_tell(void **state)
{
	struct upgrade_grant g;

	(void)state;
	assert_int_equal(check("/ws/admin", SITE, NULL, "mr_admin=unknowable",
	    &g), UPGRADE_UNAVAILABLE);
	assert_int_equal(upgrade_status(UPGRADE_UNAVAILABLE), 503);
	assert_string_not_equal(upgrade_reason(UPGRADE_UNAVAILABLE),
	    upgrade_reason(UPGRADE_NO_ADMIN));
	assert_int_equal(check("/ws/user", SITE, NULL, "mr_admin=unknowable",
	    &g), UPGRADE_OK);
}

/* An edge cut off from its stream serves what it holds, nothing newer. */
static void
source_down_serves_up_to_head(void **state)
{
	struct upgrade_grant g;
	struct upgrade_request req = { .path = "/ws/user", .origin = SITE,
	    .since = "100", .source_down = 1, .head = 100 };

	(void)state;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_OK);
	req.since = "101";
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_UNAVAILABLE);
	req.since = NULL;	/* no since: starts from the head it has */
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_OK);
	req.since = "101";	/* reachable: it catches up, then serves */
	req.source_down = 0;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_OK);
	lookups = 0;		/* an admin that cannot be served: no lookup */
	req.path = "/ws/admin";
	req.cookie = "mr_admin=good";
	req.source_down = 1;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_UNAVAILABLE);
	assert_int_equal(lookups, 0);
}

/* The first failing check answers, and cheap ones come first. */
static void
checks_answer_in_order(void **state)
{
	struct upgrade_grant g;
	struct upgrade_request req = { .path = "/ws/admin",
	    .origin = "http://evil.example", .since = "x", .stopping = 1 };

	(void)state;
	lookups = 0;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_STOPPING);
	req.stopping = 0;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_BAD_ORIGIN);
	req.origin = NULL;
	req.origin_too_long = 1;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_BAD_ORIGIN);
	req.origin_too_long = 0;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_BAD_SINCE);
	req.since = NULL;
	assert_int_equal(upgrade_check(&req, SITE, admin_lookup, NULL, &g),
	    UPGRADE_NO_ADMIN);
	assert_int_equal(lookups, 0);
	assert_int_equal(upgrade_status(UPGRADE_STOPPING), 503);
	assert_int_equal(upgrade_status(UPGRADE_BAD_PATH), 404);
	assert_int_equal(upgrade_status(UPGRADE_BAD_ORIGIN), 403);
	assert_int_equal(upgrade_status(UPGRADE_BAD_SINCE), 400);
	assert_int_equal(upgrade_status(UPGRADE_NO_ADMIN), 401);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_groups),
		cmocka_unit_test(since_values),
		cmocka_unit_test(cookies),
		cmocka_unit_test(origins),
		cmocka_unit_test(user_upgrades),
		cmocka_unit_test(admin_upgrades),
		cmocka_unit_test(admin_lookup_cannot_tell),
		cmocka_unit_test(source_down_serves_up_to_head),
		cmocka_unit_test(checks_answer_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
