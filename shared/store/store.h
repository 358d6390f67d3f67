#ifndef MEMETER_STORE_H
#define MEMETER_STORE_H

/*
 * The one data layer.  A struct store owns a SQLite connection and its
 * prepared statements; every query of fcgi, ctl and pushd is a store
 * function, and only store functions open transactions.  Functions
 * answer in domain outcomes (enum store_rc), never in HTTP: fcgi maps
 * them to statuses in one table, memeterctl to exit codes.  Reads fill
 * an out-parameter, so "not found" and "database error" never look
 * alike.
 *
 * One store per process and thread (workers open theirs after fork).
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum store_mode {
	STORE_READWRITE,	/* workers, memeterctl: creates the file if missing */
	STORE_READONLY,		/* pushd: never writes, reads WAL snapshots */
};

enum store_rc {
	STORE_OK = 0,
	STORE_NOT_FOUND,	/* no such session (or other row asked for by id) */
	STORE_INVALID,		/* the input breaks a rule (a name, an action) */
	STORE_WRONG_STATE,	/* not allowed in this state (no finer reason) */
	/* The finer kinds of wrong state, so a client learns why. */
	STORE_OTHER_ACTIVE,	/* another session is active */
	STORE_ALREADY_ACTIVE,	/* the session is already active */
	STORE_FINISHED,		/* the session is finished */
	STORE_NOT_ACTIVE,	/* the session is not active */
	STORE_NOT_FINISHED,	/* the session is not finished yet */
	STORE_NO_ACTIVE_SESSION,/* a rating or skip while no session runs */
	STORE_UNKNOWN_MEME,	/* the meme is not in the running session */
	STORE_CONFLICT,		/* a constraint refused the change (a race) */
	STORE_BUSY,		/* SQLITE_BUSY/LOCKED after the busy timeout */
	STORE_FULL,		/* disk or database full, write I/O error */
	STORE_DB_ERROR,		/* anything else the database said (logged) */
	STORE_RC_COUNT
};

/* A short lower_snake name of rc, for logs and tests. */
const char	*store_rc_name(int rc);

struct store;

/* Opens path (":memory:" works) with the pragmas every connection needs
 * (WAL, synchronous=NORMAL, a 5 s busy wait in short steps,
 * foreign_keys).  NULL after logging why.  store_close() frees it. */
struct store	*store_open(const char *path, enum store_mode mode);
void		 store_close(struct store *store);

/* Applies every migration newer than the schema, each in its own
 * transaction.  STORE_OK or an error rc (logged). */
int	store_migrate(struct store *store);
/* PRAGMA user_version (-1 on error) and the newest this program knows. */
int	store_schema_version(struct store *store);
int	store_schema_latest(void);

/*
 * SQLite's automatic checkpoint, moved out of the request: a read-write
 * store only notes the WAL's size at each commit; this runs the same
 * PASSIVE checkpoint once the WAL holds STORE_CHECKPOINT_FRAMES frames.
 * Workers call it after the answer is sent.
 */
#define STORE_CHECKPOINT_FRAMES	1000	/* SQLite's default */
void	store_checkpoint_if_due(struct store *store);

/* --- the outbox (shared/store/outbox.c) ------------------------------------ */

/*
 * Appends an event in the caller's open write transaction (only store
 * functions have one) and sets *seq.  data_json is the admin view; the
 * user view is derived once here: all of it, nothing, or for
 * stats_updated the totals (parsed: the rating path passes both views
 * to store_event_append_views() instead).
 */
int	store_event_append(struct store *store, enum event_type type,
	    int64_t session_id, const char *data_json, size_t len,
	    int64_t *seq);
/* The same from a json-c object, serialised once. */
int	store_event_append_json(struct store *store, enum event_type type,
	    int64_t session_id, struct json_object *data, int64_t *seq);
/* The same with both views given (user_data NULL: users don't see it). */
int	store_event_append_views(struct store *store, enum event_type type,
	    int64_t session_id, const char *data, size_t data_len,
	    const char *user_data, size_t user_data_len, const char *ts,
	    int64_t *seq);

struct store_event {
	int64_t		 seq;
	int64_t		 session_id;	/* 0 when the event has none */
	enum event_type	 type;		/* EVENT_UNKNOWN for a newer type */
	const char	*ts;		/* ISO 8601 UTC with ms */
	const char	*data;		/* admin view, JSON text */
	size_t		 data_len;
	const char	*user_data;	/* NULL: users don't see it */
	size_t		 user_data_len;
};

/*
 * Calls fn for each event with seq > after, in seq order, at most limit;
 * the row's strings live until fn returns.  Returns the number read or
 * -1.  fn returning non-zero stops early (that event counts as read).
 */
int	store_events_after(struct store *store, int64_t after, int limit,
	    int (*fn)(const struct store_event *, void *), void *arg);
/* The newest seq (0 when empty): STORE_OK or an error rc. */
int	store_event_head(struct store *store, int64_t *head);
/* The oldest seq kept (0 when empty): STORE_OK or an error rc. */
int	store_event_first(struct store *store, int64_t *first);

/* --- identity (shared/store/auth.c) ---------------------------------------- */

/* The admin session of a cookie token's SHA-256, if valid now: its id
 * and expiry (unix seconds).  STORE_OK, STORE_NOT_FOUND (unknown or
 * expired) or an error rc. */
int	store_admin_session_check(struct store *store,
	    const unsigned char hash[32], int64_t *session_id,
	    int64_t *expires_at);

#endif
