#ifndef PUSHD_SERVER_H
#define PUSHD_SERVER_H

struct config;

/*
 * Runs the push daemon on one libwebsockets event loop until SIGTERM or
 * SIGINT arrives on sigfd (a signalfd the caller made): the WebSocket
 * listener, the notify datagram socket, the metrics endpoint and the
 * timers.  Returns the exit status.
 */
int	pushd_serve(const struct config *cfg, int sigfd);

#endif
