#ifndef PUSHD_COALESCE_H
#define PUSHD_COALESCE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Rate limit for a stream where only the latest message matters (the user
 * group's stats_updated): at most one message per interval goes out.  The
 * first one after a quiet interval goes out at once; later ones within the
 * interval are held, each replacing the one before, and the held one goes
 * out when the interval ends (or earlier, when a message of another kind
 * must not overtake it: coalesce_take()).  Its seq carries on, so a client
 * that resumes from it misses nothing it needs.
 */
struct coalesce {
	int64_t		 interval_us;
	int64_t		 last_us;	/* when the last message went out */
	int		 held;		/* a message is waiting */
	int64_t		 seq;
	char		*payload;	/* owned while held */
	size_t		 len;
	uint64_t	 superseded;	/* messages replaced before going out */
};

void	 coalesce_init(struct coalesce *c, int64_t interval_us);
void	 coalesce_free(struct coalesce *c);

/*
 * Offers a message (payload malloc'd) at now_us.  Returns 1 when it may go
 * out now: the caller keeps payload and sends it.  Returns 0 when it is
 * held: payload now belongs to c.
 */
int	 coalesce_offer(struct coalesce *c, int64_t now_us, int64_t seq,
	    char *payload, size_t len);

/*
 * Hands over the held message, if any, as sent at now_us: returns 1 with
 * *payload (the caller frees it), *seq and *len set, or 0 if none is held.
 */
int	 coalesce_take(struct coalesce *c, int64_t now_us, int64_t *seq,
	    char **payload, size_t *len);

/* When the held message is due (monotonic us); only meaningful if held. */
int64_t	 coalesce_due(const struct coalesce *c);

#endif
