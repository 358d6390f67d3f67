#ifndef MEMETER_NOTIFY_H
#define MEMETER_NOTIFY_H

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
 * or a malformed datagram. */
int64_t	notify_receive(int fd);

#endif
