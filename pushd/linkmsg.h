#ifndef PUSHD_LINKMSG_H
#define PUSHD_LINKMSG_H

#include <stdint.h>

#include "metrics.h"

/*
 * What the master of several pushd processes (master.h) and each of its
 * children say to each other, over one SOCK_SEQPACKET socketpair per
 * child: one fixed-size message per packet.  Both ends are the same
 * binary (the master forks without exec), so the struct travels as it
 * is; a packet of another size is refused.
 *
 *   LINKMSG_COUNTS       child -> master: my clients now (raters, admins)
 *   LINKMSG_OTHERS       master -> child: the other children's totals, for
 *                     the presence message (the child adds its own)
 *   LINKMSG_METRICS_ASK  master -> child: send your metrics (id)
 *   LINKMSG_METRICS      child -> master: its metrics (m), answering id
 *
 * The notify datagrams travel apart, unchanged (master.c relays them).
 */
enum linkmsg_type {
	LINKMSG_COUNTS = 1,
	LINKMSG_OTHERS,
	LINKMSG_METRICS_ASK,
	LINKMSG_METRICS,
};

struct linkmsg_msg {
	uint32_t		 type;		/* enum linkmsg_type */
	uint32_t		 id;		/* LINKMSG_METRICS_ASK and its answer */
	int32_t			 raters, admins; /* LINKMSG_COUNTS, LINKMSG_OTHERS */
	struct pushd_metrics	 m;		/* LINKMSG_METRICS */
};

#define LINKMSG_CLOSED	(-2)	/* linkmsg_receive: the other end is gone */

/* Sends one message without waiting; 0, or -1 (a full queue included:
 * the caller sends again on the next change). */
int	linkmsg_send(int fd, const struct linkmsg_msg *msg);
/* Sends a message of type with raters and admins (and id); 0 or -1. */
int	linkmsg_send_counts(int fd, enum linkmsg_type type, uint32_t id, int raters,
	    int admins);
/* Reads one message: 1 with *msg, 0 when none waits, -1 a malformed one
 * or an error, LINKMSG_CLOSED when the other end closed. */
int	linkmsg_receive(int fd, struct linkmsg_msg *msg);

/*
 * Adds a child's metrics into a sum over children: counters and client
 * gauges add up; head_seq is the lowest (every child has fanned out at
 * least that far), stream_last_seq the highest.  With counters_only,
 * only the counters (what a child that ended leaves to the totals).
 */
void	linkmsg_metrics_add(struct pushd_metrics *sum,
	    const struct pushd_metrics *m, int first, int counters_only);

#endif
