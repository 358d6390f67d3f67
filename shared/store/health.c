/*
 * Whether the database can take a write now, for /api/health: a server
 * whose disk is full or whose write lock is held elsewhere must not look
 * healthy while every change it is sent fails.
 */
#include <sys/statvfs.h>

#include <string.h>

#include "store.h"
#include "store_int.h"

/* Below this much free space a commit that grows the WAL fails: say so
 * before it does. */
#define STORE_MIN_FREE_BYTES	(256 * 1024)

/* STORE_FULL when the database's file system has no room left. */
static int
store_space_check(struct store *store)
{
	const char *path = sqlite3_db_filename(store->db, "main");
	struct statvfs vfs;

	if (path == NULL || path[0] == '\0' || statvfs(path, &vfs) == -1)
		return STORE_OK;	/* in memory, or nothing to tell */
	if ((unsigned long long)vfs.f_bavail * vfs.f_frsize <
	    STORE_MIN_FREE_BYTES)
		return STORE_FULL;
	return STORE_OK;
}

int
store_write_probe(struct store *store)
{
	int rc;

	if (store->mode == STORE_READONLY)
		return STORE_OK;
	if ((rc = store_space_check(store)) != STORE_OK)
		return rc;
	/* Takes the write lock and gives it back: nothing is written. */
	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	store_rollback(store);
	return STORE_OK;
}
