#ifndef PUSHD_CLIENT_H
#define PUSHD_CLIENT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct reactions;
struct activity;

struct fanout;
struct pushd_metrics;
struct source;

/*
 * One client's state machine: where it is (a seq, and a position in its
 * group's ring), what it is owed (hello, resync, presence, events, a
 * ping), and whether it keeps up.  The transport is a set of operations
 * it is given (client_io), so the unit tests drive it without sockets.
 *
 * Position.  cseq is the last seq delivered to the client or passed over
 * (not for its group, or coalesced away): everything after it is still
 * owed.  A client with ?since=SEQ below what the ring covers is replayed
 * from the source one event at a time up to head, then follows the ring
 * from the first message after cseq, so no event is lost or sent twice
 * while events keep arriving.  A since older than the source keeps, newer
 * than head, or a client that fell behind the ring gets
 * {"type":"resync","seq":S} and follows from S.
 *
 * Close codes (client_sweep):
 *   4008  too slow: it had messages waiting and took none for stall_us.
 *   4001  admin session ended: its admin session was logged out or expired.
 *   1002  protocol error: it sent a frame lws let pass (unmasked).
 */
enum client_state { CLIENT_REPLAY, CLIENT_LIVE };

#define CLIENT_CLOSE_ADMIN_ENDED	4001
#define CLIENT_CLOSE_TOO_SLOW		4008
#define CLIENT_CLOSE_GOING_AWAY		1001
#define CLIENT_CLOSE_PROTOCOL_ERROR	1002

/* The admin session an admin client came in with (NULL for users). */
struct client_admin {
	unsigned char	 hash[32];	/* SHA-256 of its cookie token */
	int64_t		 session_id;
	int64_t		 expires_at;	/* unix seconds */
};

struct client {
	void			*conn;		/* the transport's handle */
	TAILQ_ENTRY(client)	 entry;
	int			 group;		/* EVENT_GROUP_* */
	int			 registered;	/* in a client list */
	int			 has_since;
	int64_t			 since;
	enum client_state	 state;
	int64_t			 cseq;		/* last seq delivered or passed */
	uint64_t		 tail;		/* next ring position (live) */
	int			 hello_sent;
	int			 resync;	/* a resync is due */
	int			 doomed;	/* being closed */
	int			 peer_closed;	/* sent a close: nothing more */
	int			 ping_due;	/* send a PING next */
	int64_t			 rx_us;		/* last data or pong from it */
	int64_t			 ping_us;	/* last PING sent */
	uint32_t		 presence_gen;	/* presence last sent */
	uint32_t		 reactions_gen;	/* reactions last sent (admins) */
	uint32_t		 activity_gen;	/* activity last sent (users) */
	int64_t			 progress_us;	/* last event, or last idle */
	struct client_admin	*admin;		/* owned; admins only */
};
TAILQ_HEAD(client_list, client);

/* What a client needs from its transport. */
struct client_io {
	/* Writes len bytes at buf (LWS_PRE headroom before it): 0 when the
	 * transport took them all (it may hold some to finish later), -1
	 * when the connection failed. */
	int	(*write)(struct client *c, unsigned char *buf, size_t len);
	/* 1 while an earlier write is still being finished. */
	int	(*busy)(const struct client *c);
	/* Call client_write() when the connection can take more. */
	void	(*want_write)(struct client *c);
	/* The close code and reason sent when it closes (a write turn of
	 * a doomed client closes it, sending them). */
	void	(*close_reason)(struct client *c, int code, const char *reason);
	/* Drop the connection after secs (0: at once), close frame or not. */
	void	(*kill)(struct client *c, int secs);
	/* 1 if the peer broke the protocol in a way lws let pass. */
	int	(*broken)(const struct client *c);
};

/* What the clients share. */
struct client_hub {
	const struct client_io	*io;
	struct fanout		*fan;
	struct source		*src;
	struct pushd_metrics	*m;
	struct client_list	 lists[2];	/* by group */
	struct ws_batch		 out;		/* frames of one write */
	int64_t			 ping_us;	/* ping clients silent this long */
	int64_t			 hangup_us;	/* drop clients silent this long */
	int64_t			 stall_us;	/* 4008 after this long stuck */
	int			 stopping;	/* closing everyone with 1001 */
	struct reactions	*reactions;	/* NULL: none (unit tests) */
	struct activity		*activity;	/* NULL: none (unit tests) */
};

void	 client_hub_init(struct client_hub *h, const struct client_io *io,
	    struct fanout *fan, struct source *src, struct pushd_metrics *m);
void	 client_hub_free(struct client_hub *h);
struct client_list *client_list_of(struct client_hub *h, int group);

/*
 * A connection is established: registers c (group, since, admin and conn
 * already set) and decides where it starts: live at head, in the ring,
 * replay, or resync.  The caller first brings the fanout's head up to
 * date (the hello tells it, and a since above it would resync).
 */
void	 client_open(struct client_hub *h, struct client *c, int64_t now_us);
/* The connection is gone; frees what c owns. */
void	 client_closed(struct client_hub *h, struct client *c);

/* Anything from the peer (data, pong) proves it lives. */
void	 client_heard(struct client *c, int64_t now_us);

/*
 * Writes what waits for c, up to CLIENT_WRITE_BYTES framed into one
 * write, and asks for another turn if more waits.  0, or -1: close it.
 */
int	 client_write(struct client_hub *h, struct client *c, int64_t now_us);
int	 client_has_work(const struct client_hub *h, const struct client *c);

/* Writes at once to every client of group what waits for it. */
void	 client_flush_group(struct client_hub *h, int group, int64_t now_us);
/* Asks every client for a write turn (stopping: they close with 1001). */
void	 client_wake_all(struct client_hub *h);

/*
 * The once-a-second check: hangs up on silent clients, pings quiet ones,
 * closes clients that stopped reading (4008) and admin clients whose
 * session ended (4001: expired by now_unix, or gone from the source).
 */
void	 client_sweep(struct client_hub *h, int64_t now_us, int64_t now_unix);

/*
 * Closes c from outside its write turn.  With a code, its next write turn
 * sends the close frame (it is asked for one), and it is dropped anyway
 * after CLIENT_CLOSE_GRACE_S if the frame cannot go out (a full socket);
 * without one it is dropped at once.
 */
void	 client_doom(struct client_hub *h, struct client *c, int code,
	    const char *reason, const char *why);

#define CLIENT_WRITE_BYTES	16384	/* one write's frames; more wait */
#define CLIENT_CLOSE_GRACE_S	2	/* for a close frame to go out */

#endif
