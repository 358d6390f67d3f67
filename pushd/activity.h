#ifndef MEMETER_PUSHD_ACTIVITY_H
#define MEMETER_PUSHD_ACTIVITY_H

/*
 * "k others are rating this meme now" on the phones (issue 13).  pushd
 * sees every event; for the session being rated it keeps each (rater,
 * meme) pair whose last new_rating is younger than ACTIVITY_WINDOW_MS and
 * sends the user group one connection message (no seq, like presence)
 *   {"type":"activity","data":{"session_id":S,"memes":{"<meme_id>":k,...}}}
 * at most every ACTIVITY_INTERVAL_US and only when the counts changed.
 * k counts the phone itself if it rated that meme in the window: the
 * phone knows it did, and subtracts itself.
 *
 * A pair's age is taken from the event's ts (when the worker committed
 * it), not from when pushd read it, so edges following a Redis stream
 * count the same pairs.  Events of another session replace the pairs
 * (one session is active at a time); session_finished, session_deleted
 * and session_started clear them; rater_kicked drops the rater's.
 *
 * No sockets and no timers: the server calls activity_event() for each
 * event read, schedules activity_tick() when activity_next() says, and
 * clients take the message when activity_due() says
 * (tests/unit/test_pushd_activity.c drives it).
 */

#include <stddef.h>
#include <stdint.h>

struct source_event;

#define ACTIVITY_WINDOW_MS	20000	/* "now": rated in the last 20 s */
#define ACTIVITY_INTERVAL_US	1000000	/* at most one message a second */
#define ACTIVITY_PAIRS_MAX	65536	/* beyond: the oldest pair goes */

struct activity_pair {
	int64_t		 meme_id;
	int64_t		 rater_id;
	int64_t		 at_ms;		/* unix ms of its last rating */
};

struct activity {
	int64_t			 session_id;	/* of the pairs; 0: none yet */
	struct activity_pair	*pairs;		/* owned */
	size_t			 n, cap;
	int			 dirty;		/* pairs changed since a tick */
	int			 scheduled;	/* a tick is due (timer set) */
	int64_t			 last_us;	/* last tick (monotonic) */
	char			*msg;		/* owned; the last message */
	int			 msg_len;
	int			 msg_empty;	/* msg counts no meme */
	uint32_t		 gen;		/* bumped when msg changes */
	uint64_t		 messages;
};

void	 activity_init(struct activity *a);
void	 activity_free(struct activity *a);

/* One event of the stream, in seq order.  1 if the pairs changed. */
int	 activity_event(struct activity *a, const struct source_event *ev);

/*
 * Microseconds until activity_tick() should run (0: now), or -1 when a
 * tick is already scheduled or there is nothing to count or expire.
 */
int64_t	 activity_next(struct activity *a, int64_t now_us);

/*
 * Drops pairs older than the window at wall clock now_ms and rebuilds
 * the message: 1 if it changed (gen bumped), 0 same, -1 out of memory.
 */
int	 activity_tick(struct activity *a, int64_t now_ms, int64_t now_us);

/* 1 if a client that last had message gen should get the current one. */
int	 activity_due(const struct activity *a, uint32_t gen);

/* The wall clock in unix ms, for activity_tick(). */
int64_t	 activity_clock_ms(void);

/* Unix ms of an ISO 8601 UTC time with milliseconds ("...T..:..:..123Z"),
 * or -1. */
int64_t	 activity_ts_ms(const char *ts);

#endif
