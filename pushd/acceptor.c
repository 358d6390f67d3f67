#include "acceptor.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unixsock.h"

int
acceptor_tcp(const char *iface, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, iface, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, iface, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*sin6);
	} else {
		log_warnx("%s: %s is not an IP address", __func__, iface);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	/* As listen.c: an IPv6 listener is for IPv6 peers alone. */
	if ((ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		log_warn("%s: listen on %s port %d", __func__, iface, port);
		close(fd);
		return -1;
	}
	return fd;
}

/* The address of path, an abstract one for "@name" (no NUL counted, as
 * lws names them).  Its length, or 0 (logged). */
static socklen_t
acceptor_unix_addr(struct sockaddr_un *sun, const char *path)
{
	if (unixsock_addr(sun, path, __func__) == -1)
		return 0;
	if (path[0] != '@')
		return UNIXSOCK_LEN(sun);
	sun->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
}

int
acceptor_unix(const char *path)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if ((len = acceptor_unix_addr(&sun, path)) == 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	if (path[0] != '@')
		(void)unlink(path);	/* stale after a crash */
	if (bind(fd, (struct sockaddr *)&sun, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		log_warn("%s: listen on %s", __func__, path);
		close(fd);
		return -1;
	}
	if (path[0] != '@' && chmod(path, 0660) == -1)
		log_warn("%s: chmod %s", __func__, path);
	return fd;
}

int
acceptor_take(int fd, int max, void (*take)(int conn, void *arg), void *arg)
{
	int n, conn, one = 1;

	for (n = 0; n < max; n++) {
		conn = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (conn >= 0) {
			/* As lws's own listener does; on a Unix socket it
			 * fails, harmlessly. */
			(void)setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			take(conn, arg);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("%s: accept", __func__);
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("%s: accept", __func__);
		break;
	}
	return n;
}
