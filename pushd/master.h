#ifndef PUSHD_MASTER_H
#define PUSHD_MASTER_H

struct config;

/*
 * memeter-pushd with pushd_processes > 1: a small master and that many
 * children, each a whole pushd (its own lws context and event loop, its
 * own reader of the events: the outbox, or the Redis stream on an edge),
 * so that the fan-out, pushd's work, runs on every core.
 *
 * The master holds what must be one for the whole installation and
 * does no fan-out itself:
 *   - pushd_socket, bound once; the children inherit it and accept on it
 *     in turn (acceptor.h).  With pushd_port each child binds the port
 *     itself with SO_REUSEPORT and the kernel spreads the connections.
 *   - notify_socket: every datagram goes to every child (a socketpair
 *     each); the seq hints of one wake-up go as one, the newest, since a
 *     hint only says "read the outbox".  Every child sees every reaction,
 *     so each sums them all for its own admin clients (at most 4 a second
 *     each, as ever).
 *   - presence: each child reports its counts when they change (peer.h),
 *     the master sends each child the sum of the others', and a client
 *     of any child sees the total.
 *   - metrics_socket: the sum over the children (asked for on each GET),
 *     plus a few per-process gauges.
 *   - supervision: a child that dies is restarted (at once, or after a
 *     pause doubling from 0.1 s to 5 s if it died young), and logged; its
 *     clients reconnect with ?since= to the others or to it and miss
 *     nothing.  SIGTERM or SIGINT: every child closes its clients with
 *     1001 and exits; the master exits after the last one (SIGKILL after
 *     MASTER_STOP_US).
 *
 * Returns the exit status.
 */
int	master_run(const struct config *cfg);

/*
 * Blocks SIGTERM, SIGINT and SIGHUP (and SIGCHLD with sigchld) and
 * returns a signalfd for them, for an event loop to watch; SIGPIPE is
 * ignored.  Fatal on error.
 */
int	pushd_signals_open(int sigchld);

#endif
