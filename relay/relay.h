#ifndef RELAY_RELAY_H
#define RELAY_RELAY_H

/*
 * memeter-relay: appends the outbox to the Redis stream that edge pushd
 * nodes follow (shared/store/stream.h) and publishes what edges cannot
 * read from SQLite (the valid admin sessions).  relay_step() sends one
 * batch of what is missing; relay_tick() does the once-a-second work;
 * main.c loops over them.
 */

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "store/stream.h"

struct config;
struct store;

#define RELAY_BATCH	256	/* events per pipelined round trip */

struct relay {
	const struct config	*cfg;
	struct store		*store;
	redisContext		*redis;		/* NULL: not connected */
	char			 host[128];
	int			 port;
	char			 key[STREAM_KEY_MAX];
	char			 key_admin[STREAM_KEY_MAX];
	char			 key_relay[STREAM_KEY_MAX];
	int64_t			 after;		/* the stream has every seq <= after */
	int64_t			 outbox_head;
	int64_t			 stuck_seq;	/* a type this relay does not know */
	uint64_t		 appended, already_there;
};

/* Fills r from cfg (the store is opened by the caller); 0 or -1 (logged). */
int	 relay_init(struct relay *r, const struct config *cfg,
	    struct store *store);
void	 relay_free(struct relay *r);

/* Connects if needed and finds where to append from; 0 or -1. */
int	 relay_connect(struct relay *r);

/* Appends the next batch; how many events it sent (0: up to date) or -1
 * (the connection is dropped, the next call reconnects). */
int	 relay_step(struct relay *r);

/* Once a second: notices a stream that lost data, publishes the admin
 * sessions and the relay's position.  0 or -1 (dropped as above). */
int	 relay_tick(struct relay *r);

/* 1 if a Redis error reply says the id is not above the stream's top:
 * the entry is there already (the relay never writes an id twice). */
int	 relay_error_is_duplicate(const char *msg);

#endif
