#include "coalesce.h"

#include <stdlib.h>
#include <string.h>

void
coalesce_init(struct coalesce *c, int64_t interval_us)
{
	memset(c, 0, sizeof(*c));
	c->interval_us = interval_us;
	c->last_us = INT64_MIN / 2;	/* never: the first may go at once */
}

void
coalesce_free(struct coalesce *c)
{
	free(c->payload);
	c->payload = NULL;
	c->held = 0;
}

int
coalesce_offer(struct coalesce *c, int64_t now_us, int64_t seq, char *payload,
    size_t len)
{
	if (!c->held && now_us - c->last_us >= c->interval_us) {
		c->last_us = now_us;
		return 1;
	}
	if (c->held) {
		free(c->payload);
		c->superseded++;
	}
	c->held = 1;
	c->seq = seq;
	c->payload = payload;
	c->len = len;
	return 0;
}

int
coalesce_take(struct coalesce *c, int64_t now_us, int64_t *seq, char **payload,
    size_t *len)
{
	if (!c->held)
		return 0;
	*seq = c->seq;
	*payload = c->payload;
	*len = c->len;
	c->payload = NULL;
	c->held = 0;
	c->last_us = now_us;
	return 1;
}

int64_t
coalesce_due(const struct coalesce *c)
{
	return c->last_us + c->interval_us;
}
