#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "unixsock.h"

int
notify_sender_open(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1)
		log_warn("%s: socket", __func__);
	return fd;
}

int
notify_send(int fd, const char *path, int64_t seq)
{
	struct sockaddr_un sun;
	char msg[32];
	int len;

	if (fd < 0 || unixsock_addr(&sun, path, __func__) == -1)
		return -1;
	len = snprintf(msg, sizeof(msg), "%" PRId64, seq);
	if (sendto(fd, msg, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_debug("%s: seq %" PRId64 " to %s: %s", __func__, seq, path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
notify_receiver_open(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (unixsock_addr(&sun, path, __func__) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s: bind %s", __func__, path);
		close(fd);
		return -1;
	}
	/* Workers may run as another user of the same group. */
	(void)chmod(path, 0660);
	return fd;
}

static const char *const notify_emojis[NOTIFY_EMOJI_COUNT] = {
	"\xf0\x9f\x98\x82",	/* face with tears of joy */
	"\xf0\x9f\x94\xa5",	/* fire */
	"\xf0\x9f\x92\x80",	/* skull */
	"\xf0\x9f\x91\x8f",	/* clapping hands */
	"\xf0\x9f\x98\x8d",	/* heart eyes */
	"\xf0\x9f\xa4\x94",	/* thinking face */
};

const char *
notify_emoji(int i)
{
	return i >= 0 && i < NOTIFY_EMOJI_COUNT ? notify_emojis[i] : NULL;
}

int
notify_emoji_index(const char *s)
{
	for (int i = 0; s != NULL && i < NOTIFY_EMOJI_COUNT; i++)
		if (strcmp(s, notify_emojis[i]) == 0)
			return i;
	return -1;
}

int
notify_send_reaction(int fd, const char *path, int64_t session_id, int emoji)
{
	struct sockaddr_un sun;
	struct timespec pause = { 0, 1000000L };	/* 1 ms */
	char msg[48];
	int len;

	if (fd < 0 || session_id <= 0 || notify_emoji(emoji) == NULL ||
	    unixsock_addr(&sun, path, __func__) == -1)
		return -1;
	len = snprintf(msg, sizeof(msg), "R%" PRId64 ":%d", session_id, emoji);
	/*
	 * A reaction lives only in this datagram, and pushd's queue holds
	 * ten (net.unix.max_dgram_qlen): when pushd is off the CPU a burst
	 * fills it.  Unlike a seq hint (the next read finds the event) a
	 * dropped reaction is lost, so wait a little for room.
	 */
	for (int waited = 0;; waited++) {
		if (sendto(fd, msg, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, sizeof(sun)) == len)
			return 0;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) ||
		    waited == NOTIFY_REACTION_WAIT_MS)
			break;
		(void)nanosleep(&pause, NULL);
	}
	log_debug("%s: to %s: %s", __func__, path, strerror(errno));
	return -1;
}

/* A positive decimal of exactly len digits (no sign, no space): 0 and
 * *out, or -1. */
static int
notify_decimal(const char *s, size_t len, int64_t *out)
{
	char buf[32];	/* as before reactions: up to 31 digits */
	long long v;

	if (len == 0 || len >= sizeof(buf) || strspn(s, "0123456789") < len)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, NULL, 10);
	if (errno != 0 || v <= 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/*
 * Any local process of the group can write to the socket, so a datagram
 * is only what notify_send() or notify_send_reaction() write: decimal
 * digits, or 'R', digits, ':' and one digit 0..5, nothing else (a NUL
 * inside is refused too: strspn stops there).
 */
int
notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *colon;

	memset(m, 0, sizeof(*m));
	if (len > 0 && buf[0] == 'R') {
		if ((colon = memchr(buf, ':', len)) == NULL ||
		    (size_t)(colon - buf) + 2 != len ||
		    colon[1] < '0' || colon[1] >= '0' + NOTIFY_EMOJI_COUNT ||
		    notify_decimal(buf + 1, (size_t)(colon - buf - 1),
		    &m->session_id) == -1)
			return -1;
		m->kind = NOTIFY_REACTION;
		m->emoji = colon[1] - '0';
		return 0;
	}
	if (notify_decimal(buf, len, &m->seq) == -1)
		return -1;
	m->kind = NOTIFY_SEQ;
	return 0;
}

int
notify_receive_msg(int fd, struct notify_msg *m)
{
	char msg[48];
	ssize_t n;

	/* MSG_TRUNC gives the whole datagram's length, so a long one is
	 * refused rather than read as its first bytes. */
	n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0 || (size_t)n > sizeof(msg) ||
	    notify_parse(msg, (size_t)n, m) == -1)
		return -1;
	return 1;
}

/* The seq hint alone (tests and older callers). */
int64_t
notify_receive(int fd)
{
	struct notify_msg m;
	int rc = notify_receive_msg(fd, &m);

	if (rc <= 0)
		return rc;
	return m.kind == NOTIFY_SEQ ? m.seq : -1;
}
