/*
 * shared/notify.c, the "seq N committed" datagram pushd reads from a
 * socket other local processes may write to.  Input: one datagram, sent
 * over a socketpair and read back with notify_receive().  Checked
 * against the reference: a datagram is a seq iff it is nothing but 1 to
 * 31 decimal digits (what notify_send() writes, leading zeros allowed)
 * of a value in 1..INT64_MAX; anything else is -1, never a seq read
 * from part of it.  A
 * seq made from the input and sent with notify_send()'s format comes
 * back the same.
 *
 * fuzz-sources: shared/notify.c shared/unixsock.c shared/log.c
 */
#include "fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/notify.h"

static int pair[2] = { -1, -1 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, pair) ==
	    0);
	return 0;
}

/* The reference: the seq of datagram d[0..n), or -1. */
static int64_t
reference(const uint8_t *d, size_t n)
{
	uint64_t v = 0;

	if (n == 0 || n > 31)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return -1;
		if (v > (uint64_t)INT64_MAX / 10)
			return -1;
		v = v * 10 + (uint64_t)(d[i] - '0');
		if (v > (uint64_t)INT64_MAX)
			return -1;
	}
	return v >= 1 ? (int64_t)v : -1;
}

static int64_t
send_and_receive(const void *d, size_t n)
{
	ssize_t sent = send(pair[0], d, n, 0);

	if (sent == -1)
		return -2;	/* too big for a datagram here: not a case */
	FUZZ_CHECK((size_t)sent == n);
	return notify_receive(pair[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[32];
	uint64_t seq = 0;
	int64_t got;
	int len;

	got = send_and_receive(data, size);
	if (got != -2)
		FUZZ_CHECK(got == reference(data, size));
	FUZZ_CHECK(notify_receive(pair[1]) == 0);	/* nothing left */

	for (size_t i = 0; i < size && i < 8; i++)
		seq = seq << 8 | data[i];
	seq = seq % INT64_MAX + 1;
	len = snprintf(msg, sizeof(msg), "%" PRId64, (int64_t)seq);
	FUZZ_CHECK(send_and_receive(msg, (size_t)len) == (int64_t)seq);
	return 0;
}
