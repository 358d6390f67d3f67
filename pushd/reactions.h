#ifndef MEMETER_PUSHD_REACTIONS_H
#define MEMETER_PUSHD_REACTIONS_H

/*
 * Emoji reactions (SPEC.md "reactions and moderation"): workers send one
 * datagram per accepted reaction (shared/notify.h); nothing is stored.
 * pushd sums them and sends the admin group one
 * {"type":"reactions","data":{"session_id","counts":{E:n,...}}} (no seq)
 * at most every REACTIONS_INTERVAL_US, with what arrived since the last
 * one, so a burst from hundreds of phones is a handful of messages.
 *
 * Only one session is active at a time: counts of another session
 * arriving while some are pending replace them (the old session ended).
 * No sockets or timers here: the server schedules reactions_build() when
 * reactions_add() says, and clients send the message when
 * reactions_due() says (tests/unit/test_reactions.c drives it).
 */

#include <stdint.h>

#include "notify.h"

#define REACTIONS_INTERVAL_US	250000	/* at most 4 a second */
#define REACTIONS_FRESH_US	1000000	/* a newcomer is not sent older */
#define REACTIONS_MSG_MAX	256

struct reactions {
	int64_t		 session_id;	/* of the pending counts */
	uint32_t	 counts[NOTIFY_EMOJI_COUNT];
	int		 pending;	/* counts since the last message */
	int		 scheduled;	/* a build is due (timer set) */
	int64_t		 last_us;	/* last message built */
	char		 msg[REACTIONS_MSG_MAX];
	int		 msg_len;
	uint32_t	 gen;		/* bumped with each message */
	uint64_t	 received, messages;
};

void	 reactions_init(struct reactions *r);
/*
 * One reaction.  Returns the microseconds to wait before calling
 * reactions_build() (0: now), or -1 when a build is already scheduled.
 */
int64_t	 reactions_add(struct reactions *r, int64_t session_id, int emoji,
	    int64_t now_us);
/* The message of the pending counts (and resets them): 1 built, 0 none
 * pending. */
int	 reactions_build(struct reactions *r, int64_t now_us);
/* 1 if a client that last had message gen should get the current one. */
int	 reactions_due(const struct reactions *r, uint32_t gen,
	    int64_t now_us);
/* The message's text: {"type":"reactions","data":{...}}; its length. */
int	 reactions_text(char *buf, size_t len, int64_t session_id,
	    const uint32_t counts[NOTIFY_EMOJI_COUNT]);

#endif
