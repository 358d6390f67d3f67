#include "peers.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct peer_entry {
	struct peer_entry	*next;
	struct peer_addr	 addr;
	int			 count;
};

int
peer_addr_of_fd(int fd, struct peer_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(a, 0, sizeof(*a));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		a->len = 4;
		memcpy(a->bytes, &sin->sin_addr, 4);
		return 0;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&ss;

		if (memcmp(sin6->sin6_addr.s6_addr, mapped, 12) == 0) {
			a->len = 4;
			memcpy(a->bytes, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->len = 16;
			memcpy(a->bytes, sin6->sin6_addr.s6_addr, 16);
		}
		return 0;
	}
	return -1;
}

void
peer_addr_format(const struct peer_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (a->len == 0 || inet_ntop(a->len == 4 ? AF_INET : AF_INET6,
	    a->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* FNV-1a over the address bytes. */
static size_t
peer_hash(const struct peer_addr *a)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < a->len; i++)
		h = (h ^ a->bytes[i]) * 16777619u;
	return h % PEER_BUCKETS;
}

static struct peer_entry **
peer_slot(struct peer_table *t, const struct peer_addr *a)
{
	struct peer_entry **pp = &t->bucket[peer_hash(a)];

	while (*pp != NULL && ((*pp)->addr.len != a->len ||
	    memcmp((*pp)->addr.bytes, a->bytes, a->len) != 0))
		pp = &(*pp)->next;
	return pp;
}

int
peer_table_take(struct peer_table *t, const struct peer_addr *a, int cap)
{
	struct peer_entry **pp = peer_slot(t, a), *e = *pp;

	if (e == NULL) {
		if (cap < 1)
			return -1;
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return -2;
		e->addr = *a;
		*pp = e;
		t->addresses++;
	} else if (e->count >= cap)
		return -1;
	e->count++;
	return 0;
}

void
peer_table_give(struct peer_table *t, const struct peer_addr *a)
{
	struct peer_entry **pp = peer_slot(t, a), *e = *pp;

	if (e == NULL)
		return;
	if (--e->count > 0)
		return;
	*pp = e->next;
	free(e);
	t->addresses--;
}

int
peer_table_count(const struct peer_table *t, const struct peer_addr *a)
{
	const struct peer_entry *e;

	for (e = t->bucket[peer_hash(a)]; e != NULL; e = e->next)
		if (e->addr.len == a->len &&
		    memcmp(e->addr.bytes, a->bytes, a->len) == 0)
			return e->count;
	return 0;
}

void
peer_table_free(struct peer_table *t)
{
	for (size_t i = 0; i < PEER_BUCKETS; i++) {
		while (t->bucket[i] != NULL) {
			struct peer_entry *e = t->bucket[i];

			t->bucket[i] = e->next;
			free(e);
		}
	}
	t->addresses = 0;
}
