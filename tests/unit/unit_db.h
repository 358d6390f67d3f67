/*
 * cmocka fixtures the unit tests share: a migrated in-memory database as
 * the test state.  Header-only (static inline), so each test_*.c that
 * includes it stays one translation unit; include it after <cmocka.h>.
 */
#ifndef MEMETER_UNIT_DB_H
#define MEMETER_UNIT_DB_H

#include <sqlite3.h>

#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

/* A new in-memory database with every migration applied, or NULL.  The
 * caller closes it (sqlite3_close_v2). */
static inline sqlite3 *
unit_db_open(void)
{
	sqlite3 *db = db_open(":memory:", DB_READWRITE);

	if (db != NULL && db_migrate(db) == -1) {
		sqlite3_close_v2(db);
		return NULL;
	}
	return db;
}

/* A new in-memory store with every migration applied, or NULL; the
 * tests reach its connection as store->db (store_int.h). */
static inline struct store *
unit_store_open(void)
{
	struct store *store = store_open(":memory:", STORE_READWRITE);

	if (store != NULL && store_migrate(store) != STORE_OK) {
		store_close(store);
		return NULL;
	}
	return store;
}

/* Setup and teardown with the database itself as *state. */
static inline int
unit_db_setup(void **state)
{
	return (*state = unit_db_open()) == NULL ? -1 : 0;
}

static inline int
unit_db_teardown(void **state)
{
	sqlite3_close_v2(*state);
	return 0;
}

#endif
