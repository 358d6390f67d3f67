#include "source.h"

#include <stddef.h>

int
source_open(struct source *src, const struct source_ops *ops,
    const char *where)
{
	src->ops = ops;
	if ((src->h = ops->open(where)) == NULL) {
		src->ops = NULL;
		return -1;
	}
	return 0;
}

void
source_close(struct source *src)
{
	if (src->ops != NULL && src->h != NULL)
		src->ops->close(src->h);
	src->ops = NULL;
	src->h = NULL;
}

int
source_admin_session(struct source *src, const unsigned char hash[32],
    int64_t *session_id, int64_t *expires_at)
{
	if (src->ops->admin_session == NULL)
		return 0;
	return src->ops->admin_session(src->h, hash, session_id, expires_at);
}
