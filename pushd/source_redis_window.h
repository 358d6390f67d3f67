#ifndef PUSHD_SOURCE_REDIS_WINDOW_H
#define PUSHD_SOURCE_REDIS_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/*
 * The newest events an edge read from the stream, kept so that a
 * replay (a client back with since, every client of a dead edge at
 * once) does not ask Redis for every event of every client.  Holds one
 * run of consecutive seqs: an event that does not follow the last one
 * (Redis lost data, the outbox was pruned) starts the window again.
 * Pure: no Redis here.
 */
struct window_event {
	int64_t		 seq;
	int64_t		 session_id;
	enum event_type	 type;
	char		*ts, *data, *user_data;	/* one allocation, at ts */
	size_t		 data_len, user_data_len;
};

struct window {
	struct window_event	*ev;
	size_t			 cap, start, count;
};

int	 window_init(struct window *w, size_t cap);
void	 window_free(struct window *w);

/* Copies ev in.  0, 1 if ev->seq is not after the last one (ignored: an
 * id is never read twice), -1 out of memory. */
int	 window_push(struct window *w, const struct source_event *ev);

/* The first and last seq held (0 when empty). */
int64_t	 window_first(const struct window *w);
int64_t	 window_last(const struct window *w);

/* 1 if the events after seq after are all here (up to the last). */
int	 window_covers(const struct window *w, int64_t after);

/* As source_ops.events_after, from the window (which must cover after). */
int	 window_events_after(const struct window *w, int64_t after, int limit,
	    source_event_fn fn, void *arg);

#endif
