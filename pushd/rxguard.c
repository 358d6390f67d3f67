#include "rxguard.h"

#include <sys/resource.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"

/* The whole header's size, known from its second byte. */
static size_t
header_size(const uint8_t *hdr)
{
	size_t len7 = hdr[1] & 0x7f;

	return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) +
	    (hdr[1] & 0x80 ? 4 : 0);
}

static uint64_t
payload_size(const uint8_t *hdr)
{
	size_t len7 = hdr[1] & 0x7f;
	uint64_t n = 0;

	if (len7 < 126)
		return len7;
	if (len7 == 126)
		return (uint64_t)hdr[2] << 8 | hdr[3];
	for (int i = 0; i < 8; i++)
		n = n << 8 | hdr[2 + i];
	return n;
}

int
rxguard_feed(struct rxguard *g, const unsigned char *p, size_t n)
{
	while (n > 0 && !g->violated) {
		if (g->left > 0) {
			size_t skip = g->left < n ? (size_t)g->left : n;

			g->left -= skip;
			p += skip;
			n -= skip;
			continue;
		}
		g->hdr[g->have++] = *p++;
		n--;
		if (g->have < 2 || g->have < header_size(g->hdr))
			continue;
		if (!(g->hdr[1] & 0x80)) {
			g->violated = 1;
			break;
		}
		g->left = payload_size(g->hdr);
		g->have = 0;
	}
	return g->violated ? -1 : 0;
}

struct rxguard_slot {
	struct rxguard	 g;
	int		 watched;
};

static struct rxguard_slot	*slots;
static size_t			 nslots;

/* One slot per descriptor the process may open. */
static struct rxguard_slot *
slot_of(int fd, int create)
{
	struct rlimit rl;

	if (fd < 0)
		return NULL;
	if (slots == NULL && create) {
		nslots = 65536;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < nslots)
			nslots = (size_t)rl.rlim_cur;
		if ((slots = calloc(nslots, sizeof(*slots))) == NULL) {
			log_warnx("%s: out of memory", __func__);
			nslots = 0;
		}
	}
	return (size_t)fd < nslots ? &slots[fd] : NULL;
}

void
rxguard_watch(int fd)
{
	struct rxguard_slot *s = slot_of(fd, 1);

	if (s == NULL)
		return;
	memset(s, 0, sizeof(*s));
	s->watched = 1;
}

void
rxguard_unwatch(int fd)
{
	struct rxguard_slot *s = slot_of(fd, 0);

	if (s != NULL)
		s->watched = 0;
}

int
rxguard_violated(int fd)
{
	struct rxguard_slot *s = slot_of(fd, 0);

	return s != NULL && s->watched && s->g.violated;
}

void
rxguard_received(int fd, const void *buf, size_t n)
{
	struct rxguard_slot *s = slot_of(fd, 0);

	if (s != NULL && s->watched)
		(void)rxguard_feed(&s->g, buf, n);
}

void
rxguard_table_free(void)
{
	free(slots);
	slots = NULL;
	nslots = 0;
}
