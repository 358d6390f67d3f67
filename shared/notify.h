#ifndef MEMETER_NOTIFY_H
#define MEMETER_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/*
 * The hint from workers to pushd: "seq N is committed", one datagram of
 * decimal text on a Unix datagram socket.  The truth stays in the events
 * table, so a lost hint only delays delivery until pushd's timer.
 */

/* A sender that never blocks.  Returns an fd, or -1 (logged). */
int	notify_sender_open(void);

/* Sends seq to path with MSG_DONTWAIT; failures (pushd down, queue full)
 * are expected and only counted at debug level.  Returns 0 or -1. */
int	notify_send(int fd, const char *path, int64_t seq);

/* Binds a non-blocking receiver at path (replacing a stale socket file).
 * Returns the fd, or -1 (logged). */
int	notify_receiver_open(const char *path);

/* Reads one datagram; returns its seq, 0 if none is waiting, -1 on error
 * or a malformed datagram (a reaction is not a seq: -1). */
int64_t	notify_receive(int fd);

/*
 * The second kind of datagram: "a rater of session S reacted with emoji
 * E", written by a worker after POST /api/reactions.  Reactions are not
 * stored; pushd sums them and tells the admins (pushd/reactions.c).
 * The text is "R<session id>:<emoji index>", nothing else.
 */
#define NOTIFY_EMOJI_COUNT	6
/* The emoji of index i (0..NOTIFY_EMOJI_COUNT-1) as UTF-8, else NULL. */
const char *notify_emoji(int i);
/* The index of emoji s (exactly one of the six), else -1. */
int	notify_emoji_index(const char *s);

enum notify_kind {
	NOTIFY_SEQ = 1,
	NOTIFY_REACTION,
};
struct notify_msg {
	enum notify_kind kind;
	int64_t		 seq;		/* NOTIFY_SEQ */
	int64_t		 session_id;	/* NOTIFY_REACTION */
	int		 emoji;		/* NOTIFY_REACTION: 0..5 */
};
/*
 * Sends a reaction the way notify_send() sends a seq, but waits up to
 * NOTIFY_REACTION_WAIT_MS for room in pushd's queue: 0, or -1 when pushd
 * did not take it (the caller says so instead of accepting it).
 */
#define NOTIFY_REACTION_WAIT_MS	20
int	notify_send_reaction(int fd, const char *path, int64_t session_id,
	    int emoji);
/* Parses one datagram's bytes (any bytes: fuzzed): 0 and *m, or -1. */
int	notify_parse(const char *buf, size_t len, struct notify_msg *m);
/* Reads one datagram: 1 with *m, 0 if none is waiting, -1 on error or a
 * malformed datagram. */
int	notify_receive_msg(int fd, struct notify_msg *m);

#endif
