#ifndef MEMETER_ADMIN_LIST_H
#define MEMETER_ADMIN_LIST_H

/*
 * The admin sessions valid now, for the relay to publish to edges that
 * cannot read SQLite (shared/store/stream.h, "<stream>:admin").
 */

#include <stdint.h>

struct store;

struct admin_list_entry {
	unsigned char	 hash[32];	/* SHA-256 of the cookie token */
	int64_t		 session_id;
	int64_t		 expires_at;	/* unix seconds */
};

/* Calls fn for each admin session whose expiry is after now_unix.
 * Returns how many, or -1 (logged). */
int	store_admin_sessions_valid(struct store *store, int64_t now_unix,
	    void (*fn)(const struct admin_list_entry *, void *), void *arg);

#endif
