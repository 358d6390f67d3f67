#ifndef MEMETER_DB_H
#define MEMETER_DB_H

#include <stddef.h>
#include <sqlite3.h>

/* One schema step, embedded from sql/NNN_name.sql at build time. */
struct db_migration {
	int		 version;	/* NNN; recorded in PRAGMA user_version */
	const char	*name;
	const char	*sql;
};
extern const struct db_migration db_migrations[];
extern const int db_migration_count;

enum db_open_mode {
	DB_READWRITE,		/* create if missing; WAL; for workers and tools */
	DB_READONLY,		/* pushd: never writes, reads WAL snapshots */
};

/*
 * Opens path (":memory:" works) with the pragmas every connection needs:
 * WAL, synchronous=NORMAL, a 2 s busy handler, foreign_keys.  Returns
 * NULL after logging why.  The caller owns the handle (sqlite3_close_v2).
 */
sqlite3	*db_open(const char *path, enum db_open_mode mode);

/* Applies every migration newer than user_version, each in its own
 * transaction.  0 on success, -1 (logged) on failure. */
int	 db_migrate(sqlite3 *db);
int	 db_schema_version(sqlite3 *db);
int	 db_latest_version(void);

/* Transactions: BEGIN IMMEDIATE so a writer waits for the lock up front
 * (the busy handler) instead of failing at its first write. */
int	 db_begin(sqlite3 *db);
int	 db_commit(sqlite3 *db);
void	 db_rollback(sqlite3 *db);

/* Runs SQL without results; -1 (logged with where) on error. */
int	 db_exec(sqlite3 *db, const char *sql);


#endif
