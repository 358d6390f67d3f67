#ifndef PUSHD_ENVELOPE_H
#define PUSHD_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

struct source_event;

/*
 * What goes on the wire: an event rendered once for every group that may
 * see it, and the connection messages.  No sockets, so the unit tests
 * can drive it.
 */
struct envelope_set {
	char	*admin;		/* envelope for admins, or NULL */
	size_t	 admin_len;
	char	*user;		/* envelope with the user view, or NULL */
	size_t	 user_len;
	int	 user_latest_wins; /* the user message may be coalesced */
};

/*
 * Renders one event for the groups in want (EVENT_GROUP_* bits) that may
 * see it: {"seq":N,"type":"T","ts":"...","data":VIEW}, VIEW being the
 * group's view as the source holds it.  Returns 0 with out filled (the
 * caller frees it with envelope_clear; a group that may not see it gets
 * NULL), or -1 for an unknown type or no memory (logged), out empty.
 */
int	 envelope_render(const struct source_event *ev, int want,
	    struct envelope_set *out);
void	 envelope_clear(struct envelope_set *out);

const char *envelope_group_name(int group);

/* The connection messages (no seq of their own); snprintf semantics. */
int	 envelope_hello(char *buf, size_t len, int64_t head, int group);
int	 envelope_resync(char *buf, size_t len, int64_t head);
int	 envelope_presence(char *buf, size_t len, int raters, int admins);

#endif
