#ifndef PUSHD_SOURCE_REDIS_H
#define PUSHD_SOURCE_REDIS_H

#include <stdint.h>

#include "source.h"

struct ev_loop;

/*
 * An edge's source: the Redis stream memeter-relay appends the outbox to
 * (shared/store/stream.h).  open() takes "redis://host:port STREAM".
 * Its events arrive by themselves (XREAD BLOCK on the libev loop, after
 * source_redis_follow()) into a window of the newest ones that
 * events_after() serves; older ones come from XRANGE.  Without a loop
 * (lws on poll(2)), events_after() reads new events with XRANGE on each
 * fetch instead.  admin_session() reads what the relay publishes.
 */
extern const struct source_ops source_redis;

/* Follows the stream on loop; ready(arg) is called after new events are
 * in the window (the server fetches as on a notify hint).  0 or -1. */
int	 source_redis_follow(void *h, struct ev_loop *loop,
	    void (*ready)(void *), void *arg);

/* 1 while the edge can read the stream (following it with XREAD; without
 * a loop, the synchronous connection is up), 0 while Redis is out of
 * reach: what it holds is all it can serve until it reconnects. */
int	 source_redis_reachable(void *h);

/*
 * Publishes this edge's counts (with a time: STREAM_PRESENCE_TTL) and
 * sums every live edge's into *raters and *admins (this edge's own
 * counts included); also notes the stream's last seq for the lag
 * metric.  0, or -1 if Redis cannot be asked now (the sums are then
 * the local counts).
 */
int	 source_redis_presence(void *h, int raters, int admins, int *sum_raters,
	    int *sum_admins);

/* The stream's last seq as of the last source_redis_presence() (0 when
 * not known): an edge lags by this minus its head. */
int64_t	 source_redis_stream_last(void *h);

/* The relay's last report, as of the last source_redis_presence(): the
 * outbox head it saw and when (unix seconds); both 0 before the first. */
void	 source_redis_relay_report(void *h, int64_t *outbox_head, int64_t *at);

#endif
