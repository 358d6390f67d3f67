#ifndef PUSHD_FRAME_H
#define PUSHD_FRAME_H

#include <stddef.h>

/*
 * A batch of WebSocket frames written to one client in one lws_write()
 * (LWS_WRITE_RAW): one syscall, and one read and one write in the nginx
 * that proxies it, for however many messages were waiting, instead of one
 * each.  Server frames are never masked, so framing is only a header.
 * The bytes start after LWS_PRE of headroom, as lws_write() wants.
 */
enum ws_opcode {
	WS_OP_TEXT = 0x1,
	WS_OP_PING = 0x9,
};

#define WS_FRAME_HEADER_MAX	10

struct ws_batch {
	unsigned char	*buf;	/* LWS_PRE headroom, then the frames */
	size_t		 cap;	/* bytes after the headroom */
	size_t		 len;	/* bytes of frames */
	int		 frames;
};

/* Writes the header of one final, unmasked frame; returns its size. */
size_t	 ws_frame_header(unsigned char *out, enum ws_opcode op, size_t len);

/* Appends one frame, growing the buffer as needed.  0 or -1. */
int	 ws_batch_add(struct ws_batch *b, enum ws_opcode op,
	    const void *payload, size_t len);
void	 ws_batch_reset(struct ws_batch *b);
void	 ws_batch_free(struct ws_batch *b);

/* The frames, with LWS_PRE writable bytes in front of them. */
unsigned char	*ws_batch_data(const struct ws_batch *b);

#endif
