/*
 * The SQLite outbox as an event source: pushd's only SQL.  The database
 * is opened read-only; the workers create and migrate it.
 */
#include "source.h"

#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "db.h"
#include "log.h"
#include "timeutil.h"

struct source_sqlite {
	sqlite3		*db;
	sqlite3_stmt	*st_after;	/* events after ?1, in order */
	sqlite3_stmt	*st_head;	/* newest seq */
	sqlite3_stmt	*st_first;	/* oldest kept seq */
	sqlite3_stmt	*st_admin;	/* valid admin session */
};

static void
sqlite_close(void *h)
{
	struct source_sqlite *s = h;

	if (s == NULL)
		return;
	sqlite3_finalize(s->st_after);
	sqlite3_finalize(s->st_head);
	sqlite3_finalize(s->st_first);
	sqlite3_finalize(s->st_admin);
	sqlite3_close_v2(s->db);
	free(s);
}

static void *
sqlite_open(const char *path)
{
	struct source_sqlite *s;
	const struct {
		sqlite3_stmt	**st;
		const char	 *sql;
	} stmts[] = {
		{ NULL, "SELECT seq,type,data,ts,session_id FROM events "
		    "WHERE seq > ?1 ORDER BY seq" },
		{ NULL, "SELECT coalesce(max(seq),0) FROM events" },
		{ NULL, "SELECT min(seq) FROM events" },
		{ NULL, "SELECT id,expires_at FROM admin_sessions "
		    "WHERE token_hash = ?1 AND expires_at > ?2" },
	};
	sqlite3_stmt **targets[4];

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	targets[0] = &s->st_after;
	targets[1] = &s->st_head;
	targets[2] = &s->st_first;
	targets[3] = &s->st_admin;
	if ((s->db = db_open(path, DB_READONLY)) == NULL)
		goto fail;
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		if (sqlite3_prepare_v3(s->db, stmts[i].sql, -1,
		    SQLITE_PREPARE_PERSISTENT, targets[i], NULL) != SQLITE_OK) {
			log_debug("%s: %s", __func__, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	return s;
fail:
	sqlite_close(s);
	return NULL;
}

static int
sqlite_events_after(void *h, int64_t after, int limit, source_event_fn fn,
    void *arg)
{
	struct source_sqlite *s = h;
	sqlite3_stmt *st = s->st_after;
	struct source_event ev;
	int n = 0, rc = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, after);
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev.seq = sqlite3_column_int64(st, 0);
		ev.type = (const char *)sqlite3_column_text(st, 1);
		ev.data = (const char *)sqlite3_column_text(st, 2);
		ev.data_len = (size_t)sqlite3_column_bytes(st, 2);
		ev.ts = (const char *)sqlite3_column_text(st, 3);
		ev.session_id = sqlite3_column_int64(st, 4);
		if (ev.type == NULL || ev.data == NULL || ev.ts == NULL) {
			log_warnx("%s: seq %lld: empty column", __func__,
			    (long long)ev.seq);
			continue;
		}
		n++;
		if (fn(&ev, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(s->db));
		n = -1;
	}
	sqlite3_reset(st);
	return n;
}

/* One integer from a one-row statement; 0 or -1. */
static int
sqlite_scalar(struct source_sqlite *s, sqlite3_stmt *st, int64_t *out,
    const char *what)
{
	int ok = sqlite3_step(st) == SQLITE_ROW;

	if (ok)
		*out = sqlite3_column_int64(st, 0);
	else
		log_warnx("%s: %s", what, sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	return ok ? 0 : -1;
}

static int
sqlite_head(void *h, int64_t *head)
{
	struct source_sqlite *s = h;

	return sqlite_scalar(s, s->st_head, head, __func__);
}

static int
sqlite_first(void *h, int64_t *first)
{
	struct source_sqlite *s = h;

	return sqlite_scalar(s, s->st_first, first, __func__);
}

static int
sqlite_admin_session(void *h, const unsigned char hash[32],
    int64_t *session_id, int64_t *expires_at)
{
	struct source_sqlite *s = h;
	sqlite3_stmt *st = s->st_admin;
	int rc, valid = 0;

	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_unix_now());
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*session_id = sqlite3_column_int64(st, 0);
		*expires_at = sqlite3_column_int64(st, 1);
		valid = 1;
	} else if (rc != SQLITE_DONE) {
		log_warnx("%s: %s", __func__, sqlite3_errmsg(s->db));
		valid = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return valid;
}

const struct source_ops source_sqlite = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.events_after = sqlite_events_after,
	.head = sqlite_head,
	.first = sqlite_first,
	.admin_session = sqlite_admin_session,
};
