/*
 * The outbox in SQLite as an event source, through the store
 * (shared/store/): pushd holds no SQL.  The database is opened
 * read-only; the workers create and migrate it.
 */
#include "source.h"

#include <stdint.h>

#include "store/store.h"

static void *
store_source_open(const char *path)
{
	return store_open(path, STORE_READONLY);
}

static void
store_source_close(void *h)
{
	store_close(h);
}

struct store_relay {
	source_event_fn	 fn;
	void		*arg;
};

/* The store's event as the source interface hands it on. */
static int
store_source_event(const struct store_event *se, void *arg)
{
	struct store_relay *r = arg;
	struct source_event ev = {
		se->seq, se->session_id, se->type, se->ts, se->data,
		se->data_len, se->user_data, se->user_data_len
	};

	return r->fn(&ev, r->arg);
}

static int
store_source_events_after(void *h, int64_t after, int limit,
    source_event_fn fn, void *arg)
{
	struct store_relay r = { fn, arg };

	return store_events_after(h, after, limit, store_source_event, &r);
}

static int
store_source_head(void *h, int64_t *head)
{
	return store_event_head(h, head) == STORE_OK ? 0 : -1;
}

static int
store_source_first(void *h, int64_t *first)
{
	return store_event_first(h, first) == STORE_OK ? 0 : -1;
}

static int
store_source_admin_session(void *h, const unsigned char hash[32],
    int64_t *session_id, int64_t *expires_at)
{
	switch (store_admin_session_check(h, hash, session_id, expires_at)) {
	case STORE_OK:
		return 1;
	case STORE_NOT_FOUND:
		return 0;
	default:
		return -1;
	}
}

const struct source_ops source_store = {
	.name = "store",
	.open = store_source_open,
	.close = store_source_close,
	.events_after = store_source_events_after,
	.head = store_source_head,
	.first = store_source_first,
	.admin_session = store_source_admin_session,
};
