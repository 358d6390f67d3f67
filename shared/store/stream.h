#ifndef MEMETER_STREAM_H
#define MEMETER_STREAM_H

/*
 * The Redis stream the relay appends the outbox to and edge pushd nodes
 * follow (docs/OPERATIONS.md, "Edges").  Every event keeps its outbox
 * seq as the entry id "<seq>-0", so a client's since=SEQ is the same
 * position on every node.  Fields of an entry: type, session_id, ts,
 * data (the admin view) and user_data (the user view, only when users
 * may see the event).  Next to the stream, under the same prefix:
 *   <stream>:admin     hash: hex SHA-256 of an admin token -> "id expires"
 *   <stream>:presence  hash: edge name -> "raters admins unix_time"
 *   <stream>:relay     hash: the relay's outbox_head, relayed, at
 * Pure functions only: no sockets here, so the mapping is unit-tested.
 */

#include <stddef.h>
#include <stdint.h>

#define STREAM_ID_MAX		32	/* "<seq>-0" with its NUL */
#define STREAM_KEY_MAX		160
#define STREAM_PRESENCE_TTL	5	/* seconds an edge's counts count */

/* "<seq>-0" into buf; its length, or -1 if seq < 1 or buf is too small. */
int	 stream_id_format(char *buf, size_t len, int64_t seq);

/* The seq of an entry id "<seq>-0"; -1 for anything else (a stream not
 * written by the relay has ids "<ms>-<n>" with n > 0 too). */
int64_t	 stream_id_seq(const char *id, size_t len);

/* redis://host[:port][/] or host[:port] (port 6379 by default) into host
 * and *port.  0, or -1 for a malformed url. */
int	 stream_url_parse(const char *url, char *host, size_t hostlen,
	    int *port);

/* "<stream>:<suffix>" into buf; 0 or -1 if it does not fit. */
int	 stream_key(char *buf, size_t len, const char *stream,
	    const char *suffix);

/*
 * Where the relay appends from: the seq after which the outbox's events
 * are missing from a stream whose last entry is stream_last (0: empty),
 * the outbox keeping outbox_first .. outbox_head (0, 0 when empty).
 * Never below stream_last (an id is never written twice); never below
 * outbox_first - 1 (what the outbox pruned cannot be sent: edges answer
 * resync for it).  A stream ahead of the outbox (another database) gets
 * nothing until the outbox passes it.
 */
int64_t	 stream_relay_after(int64_t stream_last, int64_t outbox_first,
	    int64_t outbox_head);

#endif
