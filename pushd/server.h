#ifndef PUSHD_SERVER_H
#define PUSHD_SERVER_H

struct config;

/*
 * What a child of the master (master.h) gets from it in place of the
 * sockets a lone pushd binds itself.
 */
struct pushd_child {
	int	index;		/* 1..pushd_processes, for the logs */
	int	listen_fd;	/* the shared Unix listener; -1: pushd_port,
				 * each child binds it with SO_REUSEPORT */
	int	notify_fd;	/* the master's relay of the notify datagrams */
	int	link_fd;	/* presence and metrics with the master (peer.h) */
};

/*
 * Runs the push daemon on one libwebsockets event loop until SIGTERM or
 * SIGINT arrives on sigfd (a signalfd the caller made): the WebSocket
 * listener, the notify datagram socket, the metrics endpoint and the
 * timers.  child: NULL for a lone pushd, which binds its sockets; else
 * what the master passed (the master serves the metrics).  Returns the
 * exit status.
 */
int	pushd_serve(const struct config *cfg, int sigfd,
	    const struct pushd_child *child);

#endif
