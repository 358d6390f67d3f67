#include "reactions.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"

void
reactions_init(struct reactions *r)
{
	memset(r, 0, sizeof(*r));
}

int64_t
reactions_add(struct reactions *r, int64_t session_id, int emoji,
    int64_t now_us)
{
	int64_t wait;

	if (notify_emoji(emoji) == NULL || session_id <= 0)
		return -1;
	r->received++;
	if (r->pending && r->session_id != session_id)
		memset(r->counts, 0, sizeof(r->counts));
	r->session_id = session_id;
	r->counts[emoji]++;
	r->pending = 1;
	if (r->scheduled)
		return -1;
	r->scheduled = 1;
	/* The first after a quiet spell goes out at once. */
	wait = r->messages == 0 ? 0 : r->last_us + REACTIONS_INTERVAL_US -
	    now_us;
	return wait > 0 ? wait : 0;
}

int
reactions_text(char *buf, size_t len, int64_t session_id,
    const uint32_t counts[NOTIFY_EMOJI_COUNT])
{
	struct jsonw w;
	int first = 1;

	jsonw_init(&w, buf, len);
	jsonw_lit(&w, "{\"type\":\"reactions\",\"data\":{\"session_id\":");
	jsonw_int(&w, session_id);
	jsonw_lit(&w, ",\"counts\":{");
	for (int i = 0; i < NOTIFY_EMOJI_COUNT; i++) {
		if (counts[i] == 0)
			continue;
		if (!first)
			jsonw_lit(&w, ",");
		first = 0;
		jsonw_string(&w, notify_emoji(i));
		jsonw_lit(&w, ":");
		jsonw_int(&w, counts[i]);
	}
	jsonw_lit(&w, "}}}");
	return jsonw_len(&w);
}

int
reactions_build(struct reactions *r, int64_t now_us)
{
	int n;

	r->scheduled = 0;
	if (!r->pending)
		return 0;
	n = reactions_text(r->msg, sizeof(r->msg), r->session_id, r->counts);
	r->msg_len = n < 0 ? 0 : n;
	memset(r->counts, 0, sizeof(r->counts));
	r->pending = 0;
	r->last_us = now_us;
	r->gen++;
	r->messages++;
	return r->msg_len > 0;
}

int
reactions_due(const struct reactions *r, uint32_t gen, int64_t now_us)
{
	return r->msg_len > 0 && gen != r->gen &&
	    now_us - r->last_us < REACTIONS_FRESH_US;
}
