#include "source_redis_window.h"

#include <stdlib.h>
#include <string.h>

int
window_init(struct window *w, size_t cap)
{
	memset(w, 0, sizeof(*w));
	if (cap == 0 || (w->ev = calloc(cap, sizeof(*w->ev))) == NULL)
		return -1;
	w->cap = cap;
	return 0;
}

static struct window_event *
window_at(const struct window *w, size_t i)
{
	return &w->ev[(w->start + i) % w->cap];
}

static void
window_drop_oldest(struct window *w)
{
	free(w->ev[w->start].ts);
	memset(&w->ev[w->start], 0, sizeof(w->ev[w->start]));
	w->start = (w->start + 1) % w->cap;
	w->count--;
}

void
window_free(struct window *w)
{
	while (w->count > 0)
		window_drop_oldest(w);
	free(w->ev);
	memset(w, 0, sizeof(*w));
}

int64_t
window_first(const struct window *w)
{
	return w->count > 0 ? window_at(w, 0)->seq : 0;
}

int64_t
window_last(const struct window *w)
{
	return w->count > 0 ? window_at(w, w->count - 1)->seq : 0;
}

int
window_push(struct window *w, const struct source_event *ev)
{
	size_t sl = strlen(ev->ts) + 1;
	size_t ul = ev->user_data != NULL ? ev->user_data_len + 1 : 0;
	struct window_event *e;
	char *p;

	if (w->count > 0 && ev->seq <= window_last(w))
		return 1;
	if ((p = malloc(sl + ev->data_len + 1 + ul)) == NULL)
		return -1;
	if (w->count > 0 && ev->seq != window_last(w) + 1)
		while (w->count > 0)	/* a hole: one run only */
			window_drop_oldest(w);
	if (w->count == w->cap)
		window_drop_oldest(w);
	e = window_at(w, w->count);
	e->seq = ev->seq;
	e->session_id = ev->session_id;
	e->type = ev->type;
	e->ts = memcpy(p, ev->ts, sl);
	e->data = memcpy(p + sl, ev->data, ev->data_len);
	e->data[ev->data_len] = '\0';
	e->data_len = ev->data_len;
	e->user_data = NULL;
	e->user_data_len = 0;
	if (ev->user_data != NULL) {
		e->user_data = memcpy(p + sl + ev->data_len + 1,
		    ev->user_data, ev->user_data_len);
		e->user_data[ev->user_data_len] = '\0';
		e->user_data_len = ev->user_data_len;
	}
	w->count++;
	return 0;
}

int
window_covers(const struct window *w, int64_t after)
{
	return w->count > 0 && after >= window_first(w) - 1 &&
	    after <= window_last(w);
}

int
window_events_after(const struct window *w, int64_t after, int limit,
    source_event_fn fn, void *arg)
{
	struct source_event ev;
	const struct window_event *e;
	size_t i;
	int n = 0;

	if (!window_covers(w, after))
		return 0;
	for (i = (size_t)(after - window_first(w) + 1);
	    i < w->count && n < limit; i++) {
		e = window_at(w, i);
		ev.seq = e->seq;
		ev.session_id = e->session_id;
		ev.type = e->type;
		ev.ts = e->ts;
		ev.data = e->data;
		ev.data_len = e->data_len;
		ev.user_data = e->user_data;
		ev.user_data_len = e->user_data_len;
		n++;
		if (fn(&ev, arg) != 0)
			break;
	}
	return n;
}
