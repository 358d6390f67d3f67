#include "linkmsg.h"

#include <sys/socket.h>

#include <errno.h>
#include <string.h>

int
linkmsg_send(int fd, const struct linkmsg_msg *msg)
{
	ssize_t n;

	n = send(fd, msg, sizeof(*msg), MSG_DONTWAIT | MSG_NOSIGNAL);
	return n == (ssize_t)sizeof(*msg) ? 0 : -1;
}

int
linkmsg_send_counts(int fd, enum linkmsg_type type, uint32_t id, int raters,
    int admins)
{
	struct linkmsg_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = (uint32_t)type;
	msg.id = id;
	msg.raters = raters;
	msg.admins = admins;
	return linkmsg_send(fd, &msg);
}

int
linkmsg_receive(int fd, struct linkmsg_msg *msg)
{
	ssize_t n;

	/* MSG_TRUNC: a longer packet shows its whole length, and is
	 * refused rather than read as its first bytes. */
	n = recv(fd, msg, sizeof(*msg), MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return LINKMSG_CLOSED;
	if (n != (ssize_t)sizeof(*msg) || msg->type < LINKMSG_COUNTS ||
	    msg->type > LINKMSG_METRICS)
		return -1;
	return 1;
}

void
linkmsg_metrics_add(struct pushd_metrics *sum, const struct pushd_metrics *m,
    int first, int counters_only)
{
	sum->connections += m->connections;
	sum->refused_origin += m->refused_origin;
	sum->refused_auth += m->refused_auth;
	sum->refused_path += m->refused_path;
	sum->refused_request += m->refused_request;
	sum->events_read += m->events_read;
	sum->events_sent_user += m->events_sent_user;
	sum->events_sent_admin += m->events_sent_admin;
	sum->messages_sent += m->messages_sent;
	sum->writes += m->writes;
	sum->fetches += m->fetches;
	sum->coalesced += m->coalesced;
	sum->replays += m->replays;
	sum->replayed_events += m->replayed_events;
	sum->resyncs += m->resyncs;
	sum->slow_closes += m->slow_closes;
	sum->admin_closes += m->admin_closes;
	sum->hangups += m->hangups;
	sum->notify_datagrams += m->notify_datagrams;
	if (counters_only)
		return;
	sum->clients_user += m->clients_user;
	sum->clients_admin += m->clients_admin;
	if (first || m->head_seq < sum->head_seq)
		sum->head_seq = m->head_seq;
	if (first || m->stream_last_seq > sum->stream_last_seq)
		sum->stream_last_seq = m->stream_last_seq;
	sum->ring_messages_user += m->ring_messages_user;
	sum->ring_messages_admin += m->ring_messages_admin;
	sum->ring_bytes_user += m->ring_bytes_user;
	sum->ring_bytes_admin += m->ring_bytes_admin;
}
