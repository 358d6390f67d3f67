#ifndef PUSHD_SOURCE_H
#define PUSHD_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * Where pushd reads events from: the outbox in SQLite today, a Redis
 * stream on an edge later, behind the same operations.  Every event keeps
 * the seq the outbox gave it, so a position is a seq whatever the source.
 *
 * The strings of a source_event live until the callback returns.  A
 * source is not reentrant: a callback must not call the source again.
 */
struct source_event {
	int64_t		 seq;
	int64_t		 session_id;	/* 0 when the event has none */
	enum event_type	 type;		/* EVENT_UNKNOWN for a newer type */
	const char	*ts;		/* ISO 8601 UTC with ms */
	const char	*data;		/* the admin view, JSON text */
	size_t		 data_len;
	const char	*user_data;	/* the user view; NULL: users don't see it */
	size_t		 user_data_len;
};

/* Returns 0 to go on, non-zero to stop the read before the next event. */
typedef int (*source_event_fn)(const struct source_event *ev, void *arg);

struct source_ops {
	const char	*name;
	/* Opens the source at where (a path, an address); NULL if not now. */
	void		*(*open)(const char *where);
	void		 (*close)(void *h);
	/*
	 * Hands the events after seq after to fn in seq order, at most
	 * limit of them, until fn asks to stop.  Returns how many fn saw,
	 * or -1 on error (logged).
	 */
	int		 (*events_after)(void *h, int64_t after, int limit,
			    source_event_fn fn, void *arg);
	/* The newest seq (0 when empty).  0 or -1. */
	int		 (*head)(void *h, int64_t *head);
	/* The oldest seq still kept (0 when empty).  0 or -1. */
	int		 (*first)(void *h, int64_t *first);
	/*
	 * Optional (NULL: the source cannot tell): the admin session whose
	 * token hashes to hash.  1 valid (*session_id, *expires_at in unix
	 * seconds filled), 0 none or expired, -1 error.
	 */
	int		 (*admin_session)(void *h, const unsigned char hash[32],
			    int64_t *session_id, int64_t *expires_at);
};

struct source {
	const struct source_ops	*ops;
	void			*h;
};

/* The outbox of the SQLite database, through the store (read-only). */
extern const struct source_ops source_store;

/* 0 with src open, or -1 (src empty) if the source cannot be opened. */
int	 source_open(struct source *src, const struct source_ops *ops,
	    const char *where);
void	 source_close(struct source *src);

static inline int
source_events_after(struct source *src, int64_t after, int limit,
    source_event_fn fn, void *arg)
{
	return src->ops->events_after(src->h, after, limit, fn, arg);
}

static inline int
source_head(struct source *src, int64_t *head)
{
	return src->ops->head(src->h, head);
}

static inline int
source_first(struct source *src, int64_t *first)
{
	return src->ops->first(src->h, first);
}

/* As admin_session above; 0 (not valid) when the source cannot tell. */
int	 source_admin_session(struct source *src, const unsigned char hash[32],
	    int64_t *session_id, int64_t *expires_at);

#endif
