#include "stream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
stream_id_format(char *buf, size_t len, int64_t seq)
{
	int n;

	if (seq < 1)
		return -1;
	n = snprintf(buf, len, "%" PRId64 "-0", seq);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int64_t
stream_id_seq(const char *id, size_t len)
{
	int64_t seq = 0;
	size_t i = 0;

	if (len == 0 || len > 21)
		return -1;
	for (; i < len && id[i] >= '0' && id[i] <= '9'; i++) {
		if (seq > (INT64_MAX - (id[i] - '0')) / 10)
			return -1;
		seq = seq * 10 + (id[i] - '0');
	}
	if (i == 0 || seq < 1 || len - i != 2 || id[i] != '-' ||
	    id[i + 1] != '0')
		return -1;
	return seq;
}

int
stream_url_parse(const char *url, char *host, size_t hostlen, int *port)
{
	const char *p = url, *colon, *end;
	size_t hl;
	long n = 6379;
	char *e;

	if (strncmp(p, "redis://", 8) == 0)
		p += 8;
	end = p + strcspn(p, "/");
	if (*end == '/' && end[1] != '\0')
		return -1;	/* no database numbers or paths */
	colon = memchr(p, ':', (size_t)(end - p));
	hl = (size_t)((colon != NULL ? colon : end) - p);
	if (hl == 0 || hl >= hostlen)
		return -1;
	if (colon != NULL) {
		errno = 0;
		n = strtol(colon + 1, &e, 10);
		if (errno != 0 || e != end || e == colon + 1 || n < 1 ||
		    n > 65535)
			return -1;
	}
	memcpy(host, p, hl);
	host[hl] = '\0';
	*port = (int)n;
	return 0;
}

int
stream_key(char *buf, size_t len, const char *stream, const char *suffix)
{
	int n = snprintf(buf, len, "%s:%s", stream, suffix);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int64_t
stream_relay_after(int64_t stream_last, int64_t outbox_first,
    int64_t outbox_head)
{
	(void)outbox_head;	/* ahead of the outbox: wait, never rewrite */
	if (outbox_first > 0 && stream_last < outbox_first - 1)
		return outbox_first - 1;
	return stream_last;
}
