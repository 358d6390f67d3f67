/* Unit tests of the store's guards: store_write_probe() (what
 * /api/health reports) and the per-address join limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

static void
probe_ok_then_busy_under_a_held_lock(void **state)
{
	char dir[] = "/tmp/memeter-probe.XXXXXX", path[64];
	struct store *store;
	sqlite3 *other;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/db", dir);
	assert_non_null(store = store_open(path, STORE_READWRITE));
	assert_int_equal(store_migrate(store), STORE_OK);
	assert_int_equal(store_write_probe(store), STORE_OK);
	/* Another process's lock, held past the busy wait. */
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(store_write_probe(store), STORE_BUSY);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	/* The probe wrote nothing and left no transaction open. */
	assert_int_equal(store_write_probe(store), STORE_OK);
	store_close(store);
	unlink(path);
	snprintf(path, sizeof(path), "%s/db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/db-shm", dir);
	unlink(path);
	rmdir(dir);
}

static void
probe_of_an_in_memory_store_is_ok(void **state)
{
	struct store *store = store_open(":memory:", STORE_READWRITE);

	(void)state;
	assert_non_null(store);
	assert_int_equal(store_write_probe(store), STORE_OK);
	store_close(store);
}

static void
joins_are_limited_per_address(void **state)
{
	struct store *store = store_open(":memory:", STORE_READWRITE);
	struct store_rater r;
	unsigned char hash[32] = { 0 };

	(void)state;
	assert_non_null(store);
	assert_int_equal(store_migrate(store), STORE_OK);
	for (int i = 0; i < 3; i++) {
		hash[0] = (unsigned char)i;
		assert_int_equal(store_rater_join(store, "192.0.2.1", 1, 3, hash,
		    "Brave Falcon", &r), STORE_OK);
		assert_true(r.id > 0);
	}
	hash[0] = 9;
	assert_int_equal(store_rater_join(store, "192.0.2.1", 1, 3, hash,
	    "Brave Falcon", &r), STORE_LIMITED);
	/* Refused: no rater, and the bucket did not go below empty. */
	assert_int_equal(store_rater_by_token(store, hash, &r),
	    STORE_NOT_FOUND);
	/* Another address has a bucket of its own. */
	assert_int_equal(store_rater_join(store, "192.0.2.2", 1, 3, hash,
	    "Calm Otter", &r), STORE_OK);
	store_close(store);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_ok_then_busy_under_a_held_lock),
		cmocka_unit_test(probe_of_an_in_memory_store_is_ok),
		cmocka_unit_test(joins_are_limited_per_address),
	};

	return cmocka_run_group_tests_name("store_guard", tests, NULL, NULL);
}
