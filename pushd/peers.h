#ifndef PUSHD_PEERS_H
#define PUSHD_PEERS_H

#include <stddef.h>
#include <stdint.h>

/*
 * WebSockets held per peer address on the direct listener: nginx's
 * limit_conn for the proxied path, here where no nginx stands in front.
 * A table of counts by address; an address leaves it when its count
 * drops to 0, so the table holds the addresses connected now.
 */
struct peer_addr {
	uint8_t		 len;		/* 4 (IPv4) or 16 (IPv6); 0 unknown */
	unsigned char	 bytes[16];
};

#define PEER_BUCKETS	1024

struct peer_entry;

struct peer_table {
	struct peer_entry	*bucket[PEER_BUCKETS];
	size_t			 addresses;	/* entries in use */
};

/* The peer of a connected socket; an IPv4-mapped IPv6 peer is its IPv4
 * self.  0, or -1 (a Unix socket, an error). */
int	peer_addr_of_fd(int fd, struct peer_addr *a);

/* "a.b.c.d" or the IPv6 text, into buf. */
void	peer_addr_format(const struct peer_addr *a, char *buf, size_t len);

/* Counts one more for a unless it holds cap already: 0, -1 at the cap,
 * -2 out of memory. */
int	peer_table_take(struct peer_table *t, const struct peer_addr *a,
	    int cap);

/* One fewer for a (after a peer_table_take that returned 0). */
void	peer_table_give(struct peer_table *t, const struct peer_addr *a);

/* What a holds now. */
int	peer_table_count(const struct peer_table *t, const struct peer_addr *a);

void	peer_table_free(struct peer_table *t);

#endif
