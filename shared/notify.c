#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * Any local process of the group can write to the socket, so a datagram
 * is a seq only if it is what notify_send() writes: decimal digits and
 * nothing else.  MSG_TRUNC gives the whole datagram's length, so a long
 * one is refused rather than read as its first bytes.
 */
int64_t
notify_receive(int fd)
{
	char msg[32];
	ssize_t n;
	long long seq;

	n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0 || (size_t)n >= sizeof(msg))
		return -1;
	msg[n] = '\0';
	if (strspn(msg, "0123456789") != (size_t)n)
		return -1;
	errno = 0;
	seq = strtoll(msg, NULL, 10);
	if (errno != 0 || seq <= 0)
		return -1;
	return (int64_t)seq;
}
