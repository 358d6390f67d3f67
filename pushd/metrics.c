#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

struct metrics_out {
	char	*buf;
	size_t	 len;
	size_t	 used;
	int	 overflow;
};

static void
metrics_printf(struct metrics_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
metrics_printf(struct metrics_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->overflow = 1;
	else
		o->used += (size_t)n;
}

static void
metrics_head(struct metrics_out *o, const char *name, const char *type,
    const char *help)
{
	metrics_printf(o, "# HELP memeter_pushd_%s %s\n# TYPE memeter_pushd_%s "
	    "%s\n", name, help, name, type);
}

static void
metrics_counter(struct metrics_out *o, const char *name, const char *help,
    uint64_t v)
{
	metrics_head(o, name, "counter", help);
	metrics_printf(o, "memeter_pushd_%s %" PRIu64 "\n", name, v);
}

int
metrics_render(const struct pushd_metrics *m, char *buf, size_t len)
{
	struct metrics_out o = { buf, len, 0, 0 };

	metrics_head(&o, "clients", "gauge", "Open WebSocket connections.");
	metrics_printf(&o, "memeter_pushd_clients{group=\"user\"} %d\n"
	    "memeter_pushd_clients{group=\"admin\"} %d\n", m->clients_user,
	    m->clients_admin);
	metrics_counter(&o, "connections_total", "WebSocket upgrades accepted.",
	    m->connections);
	metrics_head(&o, "refused_total", "counter", "WebSocket upgrades refused.");
	metrics_printf(&o, "memeter_pushd_refused_total{reason=\"origin\"} %"
	    PRIu64 "\nmemeter_pushd_refused_total{reason=\"auth\"} %" PRIu64
	    "\nmemeter_pushd_refused_total{reason=\"path\"} %" PRIu64
	    "\nmemeter_pushd_refused_total{reason=\"request\"} %" PRIu64
	    "\nmemeter_pushd_refused_total{reason=\"unavailable\"} %" PRIu64
	    "\n", m->refused_origin, m->refused_auth, m->refused_path,
	    m->refused_request, m->refused_unavailable);
	metrics_counter(&o, "events_read_total", "Events read from the outbox.",
	    m->events_read);
	metrics_head(&o, "events_sent_total", "counter",
	    "Event frames written to clients.");
	metrics_printf(&o, "memeter_pushd_events_sent_total{group=\"user\"} %"
	    PRIu64 "\nmemeter_pushd_events_sent_total{group=\"admin\"} %" PRIu64
	    "\n", m->events_sent_user, m->events_sent_admin);
	metrics_counter(&o, "messages_sent_total", "All frames written to "
	    "clients.", m->messages_sent);
	metrics_counter(&o, "writes_total", "Socket writes to clients, each "
	    "with one or more frames.", m->writes);
	metrics_counter(&o, "fetches_total", "Reads of the outbox.",
	    m->fetches);
	metrics_counter(&o, "coalesced_total", "User stats_updated replaced by "
	    "a later one before going out.", m->coalesced);
	metrics_counter(&o, "replays_total", "Connections replayed from the "
	    "database.", m->replays);
	metrics_counter(&o, "replayed_events_total", "Event frames replayed "
	    "from the database.", m->replayed_events);
	metrics_counter(&o, "resyncs_total", "Resync messages sent.",
	    m->resyncs);
	metrics_counter(&o, "slow_closes_total", "Clients closed with 4008 "
	    "because they stopped reading.", m->slow_closes);
	metrics_counter(&o, "admin_closes_total", "Admin clients closed with "
	    "4001 because their admin session ended.", m->admin_closes);
	metrics_counter(&o, "hangups_total", "Clients dropped after "
	    "hangup_seconds without a pong.", m->hangups);
	metrics_counter(&o, "notify_datagrams_total", "Notify datagrams "
	    "received.", m->notify_datagrams);
	metrics_head(&o, "head_seq", "gauge", "Last event seq fanned out.");
	metrics_printf(&o, "memeter_pushd_head_seq %" PRId64 "\n", m->head_seq);
	metrics_head(&o, "stream_last_seq", "gauge",
	    "Last seq in the Redis stream an edge follows (0: not an edge).");
	metrics_printf(&o, "memeter_pushd_stream_last_seq %" PRId64 "\n",
	    m->stream_last_seq);
	metrics_head(&o, "writer_head_seq", "gauge", "An edge: the outbox head "
	    "the relay last reported (relay lag = this - stream_last_seq).");
	metrics_printf(&o, "memeter_pushd_writer_head_seq %" PRId64 "\n",
	    m->writer_head_seq);
	metrics_head(&o, "relay_report_time_seconds", "gauge", "An edge: unix "
	    "time of the relay's last report (0: none seen).");
	metrics_printf(&o, "memeter_pushd_relay_report_time_seconds %" PRId64
	    "\n", m->relay_report_time);
	metrics_head(&o, "source_up", "gauge", "1 while the event source can be "
	    "read (an edge: it follows the stream).");
	metrics_printf(&o, "memeter_pushd_source_up %d\n", m->source_up);
	metrics_head(&o, "ring_messages", "gauge", "Messages held per ring.");
	metrics_printf(&o, "memeter_pushd_ring_messages{group=\"user\"} %zu\n"
	    "memeter_pushd_ring_messages{group=\"admin\"} %zu\n",
	    m->ring_messages_user, m->ring_messages_admin);
	metrics_head(&o, "ring_bytes", "gauge", "Payload bytes held per ring.");
	metrics_printf(&o, "memeter_pushd_ring_bytes{group=\"user\"} %zu\n"
	    "memeter_pushd_ring_bytes{group=\"admin\"} %zu\n",
	    m->ring_bytes_user, m->ring_bytes_admin);
	return o.overflow ? -1 : (int)o.used;
}
