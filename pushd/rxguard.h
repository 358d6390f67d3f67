#ifndef PUSHD_RXGUARD_H
#define PUSHD_RXGUARD_H

#include <stddef.h>
#include <stdint.h>

/*
 * RFC 6455 5.1: a server must close the connection when a client frame
 * is not masked.  libwebsockets 4.1 accepts such frames (its server
 * parser notes the mask bit and goes on) and tells the callbacks
 * nothing about it, so pushd watches the bytes lws reads from each
 * client socket (main.c wraps recv(2)) and parses only the frame
 * headers: the first one without the mask bit marks the connection,
 * and the callbacks close it with 1002.  Plain sockets only: over TLS
 * recv(2) carries ciphertext (a TLS listener would need the check on
 * the decrypted stream, which lws does not show either).
 */
struct rxguard {
	uint64_t	 left;		/* payload bytes still to pass */
	uint8_t		 hdr[14];	/* the header read so far */
	uint8_t		 have;
	uint8_t		 violated;	/* an unmasked frame was seen */
};

/* Follows n more bytes of a client's stream; -1 once a frame header
 * without the mask bit was seen (it stays so), else 0. */
int	 rxguard_feed(struct rxguard *g, const unsigned char *p, size_t n);

/*
 * The watched sockets, by descriptor: recv(2) has no context to carry,
 * so this one table is process-wide (and only main.c's recv feeds it).
 * Watching starts when the WebSocket is established (the handshake's
 * bytes are not frames) and ends when it closes.
 */
void	 rxguard_watch(int fd);
void	 rxguard_unwatch(int fd);
/* 1 if the client on fd sent an unmasked frame. */
int	 rxguard_violated(int fd);
/* What recv(2) returned on fd. */
void	 rxguard_received(int fd, const void *buf, size_t n);
void	 rxguard_table_free(void);

#endif
