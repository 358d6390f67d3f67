/*
 * Unit tests of what several pushd processes share: the master's link
 * to a child (pushd/linkmsg.c: one fixed-size message per packet, anything
 * else refused, the end of the other side seen; metrics summed over the
 * children) and the shared listeners (pushd/acceptor.c: a Unix socket
 * two "children" accept on in turn, a TCP port two sockets bind with
 * SO_REUSEPORT).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../pushd/acceptor.h"
#include "../../pushd/linkmsg.h"

static void
link_carries_messages(void **state)
{
	struct linkmsg_msg msg, got;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(linkmsg_receive(sv[1], &got), 0);	/* none waits */
	assert_int_equal(linkmsg_send_counts(sv[0], LINKMSG_OTHERS, 7, 120, 3), 0);
	memset(&msg, 0, sizeof(msg));
	msg.type = LINKMSG_METRICS;
	msg.id = 9;
	msg.m.clients_user = 5;
	msg.m.head_seq = 77;
	assert_int_equal(linkmsg_send(sv[0], &msg), 0);
	assert_int_equal(linkmsg_receive(sv[1], &got), 1);
	assert_int_equal(got.type, LINKMSG_OTHERS);
	assert_int_equal(got.id, 7);
	assert_int_equal(got.raters, 120);
	assert_int_equal(got.admins, 3);
	assert_int_equal(linkmsg_receive(sv[1], &got), 1);
	assert_int_equal(got.type, LINKMSG_METRICS);
	assert_int_equal(got.id, 9);
	assert_int_equal(got.m.clients_user, 5);
	assert_int_equal(got.m.head_seq, 77);
	close(sv[0]);
	assert_int_equal(linkmsg_receive(sv[1], &got), LINKMSG_CLOSED);
	close(sv[1]);
}

static void
link_refuses_other_packets(void **state)
{
	struct linkmsg_msg msg, got;
	char big[sizeof(msg) + 8];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* Short, long, and of an unknown type: each refused, and the next
	 * good one still read. */
	assert_int_equal(send(sv[0], "12", 2, 0), 2);
	memset(big, 1, sizeof(big));
	assert_int_equal(send(sv[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
	memset(&msg, 0, sizeof(msg));
	msg.type = LINKMSG_METRICS + 1;
	assert_int_equal(linkmsg_send(sv[0], &msg), 0);
	msg.type = 0;
	assert_int_equal(linkmsg_send(sv[0], &msg), 0);
	assert_int_equal(linkmsg_send_counts(sv[0], LINKMSG_COUNTS, 0, 4, 1), 0);
	assert_int_equal(linkmsg_receive(sv[1], &got), -1);
	assert_int_equal(linkmsg_receive(sv[1], &got), -1);
	assert_int_equal(linkmsg_receive(sv[1], &got), -1);
	assert_int_equal(linkmsg_receive(sv[1], &got), -1);
	assert_int_equal(linkmsg_receive(sv[1], &got), 1);
	assert_int_equal(got.type, LINKMSG_COUNTS);
	assert_int_equal(got.raters, 4);
	close(sv[0]);
	close(sv[1]);
}

static void
metrics_sum_over_children(void **state)
{
	struct pushd_metrics a, b, sum, retired;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.clients_user = 100;
	a.clients_admin = 1;
	a.connections = 150;
	a.events_sent_user = 1000;
	a.head_seq = 500;
	a.ring_bytes_user = 64;
	b.clients_user = 80;
	b.clients_admin = 2;
	b.connections = 90;
	b.events_sent_user = 800;
	b.head_seq = 498;		/* one child a hair behind */
	b.stream_last_seq = 510;
	b.ring_bytes_user = 32;
	memset(&sum, 0, sizeof(sum));
	linkmsg_metrics_add(&sum, &a, 1, 0);
	linkmsg_metrics_add(&sum, &b, 0, 0);
	assert_int_equal(sum.clients_user, 180);
	assert_int_equal(sum.clients_admin, 3);
	assert_int_equal(sum.connections, 240);
	assert_int_equal(sum.events_sent_user, 1800);
	assert_int_equal(sum.head_seq, 498);	/* the lowest: all are there */
	assert_int_equal(sum.stream_last_seq, 510);
	assert_int_equal(sum.ring_bytes_user, 96);

	/* A child that ended leaves its counters, not its gauges. */
	memset(&retired, 0, sizeof(retired));
	linkmsg_metrics_add(&retired, &a, 0, 1);
	assert_int_equal(retired.connections, 150);
	assert_int_equal(retired.events_sent_user, 1000);
	assert_int_equal(retired.clients_user, 0);
	assert_int_equal(retired.head_seq, 0);
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

struct taken {
	int	fds[8];
	int	n;
};

static void
take(int conn, void *arg)
{
	struct taken *t = arg;

	assert_true(t->n < 8);
	t->fds[t->n++] = conn;
}

static void
taken_close(struct taken *t)
{
	while (t->n > 0)
		close(t->fds[--t->n]);
}

static void
unix_listener_shared_by_two(void **state)
{
	char dir[] = "/tmp/test_pushd_linkmsg.XXXXXX", path[64];
	struct taken one = { .n = 0 }, two = { .n = 0 };
	struct stat st;
	int lfd, c1, c2, c3;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pushd.sock", dir);
	/* A stale file from a crash is replaced. */
	close(creat(path, 0600));
	assert_true((lfd = acceptor_unix(path)) >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(acceptor_take(lfd, 4, take, &one), 0); /* none yet */
	c1 = connect_unix(path);
	c2 = connect_unix(path);
	c3 = connect_unix(path);
	/* Two processes polling one socket: each takes what it is allowed,
	 * and what the first left is the second's. */
	assert_int_equal(acceptor_take(lfd, 1, take, &one), 1);
	assert_int_equal(acceptor_take(lfd, 4, take, &two), 2);
	assert_int_equal(acceptor_take(lfd, 4, take, &one), 0);
	assert_int_equal(write(c1, "x", 1), 1);
	{
		char b;

		assert_int_equal(read(one.fds[0], &b, 1), 1);
		assert_int_equal(b, 'x');
	}
	taken_close(&one);
	taken_close(&two);
	close(c1);
	close(c2);
	close(c3);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

static void
tcp_port_shared_by_two(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int a, b, c;

	(void)state;
	assert_true((a = acceptor_tcp("127.0.0.1", 0)) >= 0);
	assert_int_equal(getsockname(a, (struct sockaddr *)&sin, &len), 0);
	/* A second process binds the same port: SO_REUSEPORT. */
	assert_true((b = acceptor_tcp("127.0.0.1", ntohs(sin.sin_port))) >= 0);
	/* A socket without SO_REUSEPORT may not. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c >= 0);
	assert_int_equal(bind(c, (struct sockaddr *)&sin, sizeof(sin)), -1);
	close(c);
	assert_int_equal(acceptor_tcp("not an address", 1), -1);
	close(a);
	close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(link_carries_messages),
		cmocka_unit_test(link_refuses_other_packets),
		cmocka_unit_test(metrics_sum_over_children),
		cmocka_unit_test(unix_listener_shared_by_two),
		cmocka_unit_test(tcp_port_shared_by_two),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
