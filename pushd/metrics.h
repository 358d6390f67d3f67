#ifndef PUSHD_METRICS_H
#define PUSHD_METRICS_H

#include <stddef.h>
#include <stdint.h>

/*
 * pushd's counters, served in the Prometheus text format on the metrics
 * socket.  Names (all prefixed memeter_pushd_):
 *   clients{group}            gauge: open WebSockets per group
 *   connections_total         upgrades accepted
 *   refused_total{reason}     upgrades refused: origin, auth, path, request,
 *                             unavailable (503: an edge cut off from Redis)
 *   events_read_total         events read from the outbox
 *   events_sent_total{group}  event frames written to clients
 *   messages_sent_total       all frames written (events, hello, presence, resync)
 *   writes_total              socket writes carrying them (frames are batched)
 *   fetches_total             reads of the outbox
 *   coalesced_total           user stats_updated replaced by a later one
 *   replays_total             connections that replayed from the database
 *   replayed_events_total     event frames sent from the database
 *   resyncs_total             resync messages sent
 *   slow_closes_total         clients closed with 4008 (stopped reading)
 *   admin_closes_total        admin clients closed with 4001 (session ended)
 *   hangups_total             clients dropped for silence (no pong)
 *   notify_datagrams_total    hints received from the workers
 *   head_seq                  gauge: last seq fanned out
 *   stream_last_seq           gauge: an edge: the Redis stream's last seq
 *                             (lag = this - head_seq); 0 on the writer
 *   writer_head_seq           gauge: an edge: the outbox head the relay last
 *                             reported (relay lag = this - stream_last_seq)
 *   relay_report_time_seconds gauge: an edge: unix time of that report
 *                             (stops moving when the relay is down)
 *   source_up                 gauge: 1 while pushd can read its source (an
 *                             edge: follows the stream), 0 cut off
 *   ring_messages{group}      gauge: messages held in each ring
 *   ring_bytes{group}         gauge: payload bytes held in each ring
 */
struct pushd_metrics {
	int		 clients_user;
	int		 clients_admin;
	uint64_t	 connections;
	uint64_t	 refused_origin;
	uint64_t	 refused_auth;
	uint64_t	 refused_path;
	uint64_t	 refused_request;
	uint64_t	 refused_unavailable;
	uint64_t	 events_read;
	uint64_t	 events_sent_user;
	uint64_t	 events_sent_admin;
	uint64_t	 messages_sent;
	uint64_t	 writes;
	uint64_t	 fetches;
	uint64_t	 coalesced;
	uint64_t	 replays;
	uint64_t	 replayed_events;
	uint64_t	 resyncs;
	uint64_t	 slow_closes;
	uint64_t	 admin_closes;
	uint64_t	 hangups;
	uint64_t	 notify_datagrams;
	int64_t		 head_seq;
	int64_t		 stream_last_seq;
	int64_t		 writer_head_seq;
	int64_t		 relay_report_time;
	int		 source_up;
	size_t		 ring_messages_user;
	size_t		 ring_messages_admin;
	size_t		 ring_bytes_user;
	size_t		 ring_bytes_admin;
};

/* Writes the exposition text into buf; returns its length (< len), or -1
 * if it does not fit. */
int	metrics_render(const struct pushd_metrics *m, char *buf, size_t len);

#endif
