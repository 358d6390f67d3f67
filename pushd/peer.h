#ifndef PUSHD_PEER_H
#define PUSHD_PEER_H

#include <stdint.h>

#include "metrics.h"

/*
 * What the master of several pushd processes (master.h) and each of its
 * children say to each other, over one SOCK_SEQPACKET socketpair per
 * child: one fixed-size message per packet.  Both ends are the same
 * binary (the master forks without exec), so the struct travels as it
 * is; a packet of another size is refused.
 *
 *   PEER_COUNTS       child -> master: my clients now (raters, admins)
 *   PEER_OTHERS       master -> child: the other children's totals, for
 *                     the presence message (the child adds its own)
 *   PEER_METRICS_ASK  master -> child: send your metrics (id)
 *   PEER_METRICS      child -> master: its metrics (m), answering id
 *
 * The notify datagrams travel apart, unchanged (master.c relays them).
 */
enum peer_type {
	PEER_COUNTS = 1,
	PEER_OTHERS,
	PEER_METRICS_ASK,
	PEER_METRICS,
};

struct peer_msg {
	uint32_t		 type;		/* enum peer_type */
	uint32_t		 id;		/* PEER_METRICS_ASK and its answer */
	int32_t			 raters, admins; /* PEER_COUNTS, PEER_OTHERS */
	struct pushd_metrics	 m;		/* PEER_METRICS */
};

#define PEER_CLOSED	(-2)	/* peer_receive: the other end is gone */

/* Sends one message without waiting; 0, or -1 (a full queue included:
 * the caller sends again on the next change). */
int	peer_send(int fd, const struct peer_msg *msg);
/* Sends a message of type with raters and admins (and id); 0 or -1. */
int	peer_send_counts(int fd, enum peer_type type, uint32_t id, int raters,
	    int admins);
/* Reads one message: 1 with *msg, 0 when none waits, -1 a malformed one
 * or an error, PEER_CLOSED when the other end closed. */
int	peer_receive(int fd, struct peer_msg *msg);

/*
 * Adds a child's metrics into a sum over children: counters and client
 * gauges add up; head_seq is the lowest (every child has fanned out at
 * least that far), stream_last_seq the highest.  With counters_only,
 * only the counters (what a child that ended leaves to the totals).
 */
void	peer_metrics_add(struct pushd_metrics *sum,
	    const struct pushd_metrics *m, int first, int counters_only);

#endif
