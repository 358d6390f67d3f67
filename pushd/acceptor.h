#ifndef PUSHD_ACCEPTOR_H
#define PUSHD_ACCEPTOR_H

/*
 * Listening sockets that several pushd processes share (master.h), and
 * accepting on them; what becomes of an accepted connection (lws adopts
 * it) is the caller's.  libwebsockets 4.1 sets SO_REUSEPORT on its own
 * listeners only with several service threads, and cannot listen on a
 * socket it did not bind, so the children accept here instead.
 *
 * TCP: every child binds its own socket with SO_REUSEPORT, and the
 * kernel spreads new connections over them by a hash of the addresses.
 * Unix: SO_REUSEPORT does not balance AF_UNIX, so the master binds once
 * and every child polls the inherited socket; whoever wakes first takes
 * the connection, which favours the least busy child.
 */

/*
 * A listening TCP socket on iface:port (IPv4 or IPv6) that other processes of
 * this user may bind as well.  Non-blocking, close-on-exec.  The fd, or
 * -1 (logged).
 */
int	acceptor_tcp(const char *iface, int port);

/*
 * A listening Unix stream socket at path, replacing a stale socket file,
 * mode 0660 (nginx runs as another user of the group); "@name" is an
 * abstract name.  Non-blocking, close-on-exec.  The fd, or -1 (logged).
 */
int	acceptor_unix(const char *path);

/*
 * Accepts at most max of the connections waiting on fd (non-blocking,
 * close-on-exec) and hands each to take, which owns it from then on.
 * Returns how many, 0 when another process took them first, or -1 when
 * the process is out of descriptors (EMFILE, ENFILE: the connection
 * stays queued; the caller stops polling fd for a while).
 */
int	acceptor_take(int fd, int max, void (*take)(int conn, void *arg),
	    void *arg);

#endif
