#ifndef MEMETER_ROUND_TIMER_H
#define MEMETER_ROUND_TIMER_H

/*
 * The clock of host-paced rounds, kept by the pool master: a round with
 * closes_at closes by itself at that moment, whether or not anyone sends
 * a request then.  Ratings never need it (the rating transaction compares
 * closes_at with the server's clock itself); the screens do: the master
 * writes the close (round_changed, through the store) when closes_at
 * comes and tells pushd, so every page hears it within milliseconds.
 *
 * Why the master: it is the one process that is always there and has a
 * poll loop with a timeout (a worker sleeps in accept; pushd only reads
 * the database).  It learns of a new round by asking the store for the
 * next closes_at at least every ROUND_TIMER_RECHECK_MS, much shorter than
 * the shortest round (1 s), then sleeps exactly until that closes_at.
 */

#include <stdint.h>

#include "config.h"

#define ROUND_TIMER_RECHECK_MS	250

struct store;

struct round_timer {
	struct store	*store;		/* NULL: not running */
	int		 notify_fd;
	const char	*notify_path;
	uint64_t	 due_us;	/* monotonic: next look at the store */
};

/* Opens the master's store connection and notify socket: 0 or -1. */
int	round_timer_open(struct round_timer *rt, const struct config *cfg);
void	round_timer_close(struct round_timer *rt);
/* Milliseconds the master's poll may sleep (-1: forever). */
int	round_timer_timeout_ms(const struct round_timer *rt, uint64_t now_us);
/* When due: closes overdue rounds, tells pushd, schedules the next look. */
void	round_timer_tick(struct round_timer *rt, uint64_t now_us);

#endif
