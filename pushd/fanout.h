#ifndef PUSHD_FANOUT_H
#define PUSHD_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "coalesce.h"
#include "ring.h"

struct source;
struct source_event;

/*
 * What every client of a group shares: its ring of rendered events (each
 * rendered once, ring.h), the user group's coalesced stats_updated
 * (coalesce.h) and the presence message.  head is the last seq read from
 * the source; a client's position is always a seq at or below it.
 * No sockets and no timers: the server schedules, this decides.
 */
struct fanout {
	struct ring	 rings[2];	/* by fanout_ring() */
	struct coalesce	 stats;		/* user stats_updated */
	int64_t		 head;		/* last seq read */
	/* presence: counts as last sent, and the message */
	unsigned char	*presence;	/* RING_PRE headroom, then the text */
	size_t		 presence_len;
	uint32_t	 presence_gen;	/* bumped when the counts change */
	int		 presence_raters, presence_admins;
	int		 presence_pending; /* a newer one is about to be built */
	int64_t		 presence_last_us;
	/* Optional: shown every event read, in seq order (activity.h). */
	void		(*observe)(const struct source_event *ev, void *arg);
	void		*observe_arg;
};

/* Rings of ring_size messages starting after head; 0 or -1. */
int	 fanout_init(struct fanout *f, size_t ring_size, int64_t head,
	    int64_t coalesce_us);
void	 fanout_free(struct fanout *f);

struct ring *fanout_ring(struct fanout *f, int group);

/*
 * Reads at most limit events after head from src into the rings.
 * Returns how many were read (limit: more may be waiting) or -1; *touched
 * gets the groups whose ring grew.  When a user stats_updated is held
 * back, *held_due is when it is due (monotonic us), else 0.
 */
int	 fanout_read(struct fanout *f, struct source *src, int limit,
	    int64_t now_us, int *touched, int64_t *held_due);

/* Puts the held stats_updated into the user ring now; 1 if there was one. */
int	 fanout_release(struct fanout *f, int64_t now_us);

/* The counts changed: how long until the presence message may be built
 * (at least 1 us), or -1 if that is already due. */
int64_t	 fanout_presence_changed(struct fanout *f, int64_t now_us,
	    int64_t interval_us);

/* Builds the presence message for these counts; 1 if it changed (every
 * client gets it), 0 if the counts are the same, -1 out of memory. */
int	 fanout_presence_build(struct fanout *f, int64_t now_us, int raters,
	    int admins);

/* 1 if a client that last had presence gen should get it now. */
int	 fanout_presence_due(const struct fanout *f, uint32_t gen);

#endif
