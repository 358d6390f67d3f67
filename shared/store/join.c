/*
 * A rater joining: the per-address token bucket and the new rater, in
 * one write transaction, so two workers never both spend the last token.
 */
#include <math.h>
#include <time.h>

#include "store.h"
#include "store_int.h"

#define JOIN_FORGET_SECONDS	3600	/* a bucket this old is full again */

static const char SQL_JOIN_GET[] =
    "SELECT tokens,at FROM join_limits WHERE addr=?1";
static const char SQL_JOIN_PUT[] =
    "INSERT INTO join_limits(addr,tokens,at) VALUES(?1,?2,?3) "
    "ON CONFLICT(addr) DO UPDATE SET tokens=excluded.tokens,at=excluded.at";
static const char SQL_JOIN_FORGET[] = "DELETE FROM join_limits WHERE at<?1";

static double
join_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bucket of addr refilled to now; a new address starts full. */
static int
join_tokens(struct store *store, const char *addr, double now, int rate,
    int burst, double *tokens)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_JOIN_GET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	*tokens = burst;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*tokens = fmin(burst, sqlite3_column_double(st, 0) +
		    fmax(0, now - sqlite3_column_double(st, 1)) * rate);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    store_rc_of(store, rc, __func__);
}

static int
join_spend(struct store *store, const char *addr, double now, double tokens)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_prepare(store, SQL_JOIN_PUT, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, tokens - 1);
	sqlite3_bind_double(st, 3, now);
	if ((rc = store_step_done(store, st, __func__)) != STORE_OK)
		return rc;
	if ((rc = store_prepare(store, SQL_JOIN_FORGET, &st)) != STORE_OK)
		return rc;
	sqlite3_bind_double(st, 1, now - JOIN_FORGET_SECONDS);
	return store_step_done(store, st, __func__);
}

int
store_rater_join(struct store *store, const char *addr, int rate, int burst,
    const unsigned char hash[32], const char *name, struct store_rater *rater)
{
	double now = join_now(), tokens;
	int rc, locked;

	if ((rc = store_begin(store)) != STORE_OK)
		return rc;
	if ((rc = store_joining_locked(store, &locked)) != STORE_OK)
		goto fail;
	if (locked) {
		rc = STORE_JOINING_LOCKED;
		goto fail;
	}
	if ((rc = join_tokens(store, addr, now, rate, burst, &tokens)) !=
	    STORE_OK)
		goto fail;
	if (tokens < 1) {
		rc = STORE_LIMITED;
		goto fail;
	}
	if ((rc = join_spend(store, addr, now, tokens)) != STORE_OK ||
	    (rc = store_rater_create(store, hash, name, rater)) != STORE_OK ||
	    (rc = store_commit(store)) != STORE_OK)
		goto fail;
	return STORE_OK;
fail:
	store_rollback(store);
	return rc;
}
