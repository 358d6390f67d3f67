/* Unit tests of the direct listener's WebSockets per address (pushd/peers.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "../../pushd/peers.h"

static struct peer_addr
v4(const char *text)
{
	struct peer_addr a = { .len = 4 };

	assert_int_equal(inet_pton(AF_INET, text, a.bytes), 1);
	return a;
}

static struct peer_addr
v6(const char *text)
{
	struct peer_addr a = { .len = 16 };

	assert_int_equal(inet_pton(AF_INET6, text, a.bytes), 1);
	return a;
}

/* Each address has its own count up to the cap; giving back frees a
 * place, and the last one removes the address from the table. */
static void
peers_cap_per_address(void **state)
{
	static struct peer_table t;
	struct peer_addr a = v4("192.0.2.1"), b = v4("192.0.2.2");

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(peer_table_take(&t, &a, 3), 0);
	assert_int_equal(peer_table_take(&t, &a, 3), -1);
	assert_int_equal(peer_table_count(&t, &a), 3);
	assert_int_equal(peer_table_take(&t, &b, 3), 0);
	assert_int_equal(t.addresses, 2);
	peer_table_give(&t, &a);
	assert_int_equal(peer_table_take(&t, &a, 3), 0);
	for (int i = 0; i < 3; i++)
		peer_table_give(&t, &a);
	assert_int_equal(peer_table_count(&t, &a), 0);
	assert_int_equal(t.addresses, 1);
	peer_table_give(&t, &a);	/* not there: nothing happens */
	assert_int_equal(peer_table_count(&t, &b), 1);
	peer_table_free(&t);
	assert_int_equal(t.addresses, 0);
	assert_int_equal(peer_table_count(&t, &b), 0);
}

/* Many addresses share buckets; each keeps its own count. */
static void
peers_many_addresses(void **state)
{
	static struct peer_table t;
	struct peer_addr a;

	(void)state;
	for (int i = 0; i < 5000; i++) {
		a = v6("2001:db8::");
		a.bytes[14] = (unsigned char)(i >> 8);
		a.bytes[15] = (unsigned char)i;
		assert_int_equal(peer_table_take(&t, &a, 2), 0);
		assert_int_equal(peer_table_take(&t, &a, 2), 0);
	}
	assert_int_equal(t.addresses, 5000);
	a = v6("2001:db8::");
	a.bytes[14] = 0x12;
	a.bytes[15] = 0x34;
	assert_int_equal(peer_table_take(&t, &a, 2), -1);
	/* An IPv4 address with the same last bytes is another peer. */
	a = v4("0.0.18.52");
	assert_int_equal(peer_table_count(&t, &a), 0);
	peer_table_free(&t);
}

/* The peer of a socket, an IPv4-mapped one as IPv4, and its text. */
static void
peers_addr_of_socket(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(sin6);
	struct peer_addr a;
	char text[64];
	int ls, cs, as, sv[2];

	(void)state;
	ls = socket(AF_INET6, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	sin6.sin6_addr = in6addr_any;	/* dual stack: takes IPv4 too */
	assert_int_equal(bind(ls, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sin6, &len), 0);
	cs = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in sin = { .sin_family = AF_INET,
		    .sin_port = sin6.sin6_port };

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(cs, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
	}
	as = accept(ls, NULL, NULL);
	assert_true(as >= 0);
	assert_int_equal(peer_addr_of_fd(as, &a), 0);
	assert_int_equal(a.len, 4);
	peer_addr_format(&a, text, sizeof(text));
	assert_string_equal(text, "127.0.0.1");
	close(as);
	close(cs);
	close(ls);
	/* A Unix socket (nginx's path) has no address to count. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(peer_addr_of_fd(sv[0], &a), -1);
	close(sv[0]);
	close(sv[1]);
	a = v6("2001:db8::1");
	peer_addr_format(&a, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peers_cap_per_address),
		cmocka_unit_test(peers_many_addresses),
		cmocka_unit_test(peers_addr_of_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
