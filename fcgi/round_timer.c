#include "round_timer.h"

#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "store/store.h"

int
round_timer_open(struct round_timer *rt, const struct config *cfg)
{
	rt->due_us = 0;
	rt->notify_path = cfg->notify_socket;
	if ((rt->store = store_open(cfg->db_path, STORE_READWRITE)) == NULL)
		return -1;
	if ((rt->notify_fd = notify_sender_open()) == -1) {
		store_close(rt->store);
		rt->store = NULL;
		return -1;
	}
	return 0;
}

void
round_timer_close(struct round_timer *rt)
{
	if (rt->store == NULL)
		return;
	store_close(rt->store);
	close(rt->notify_fd);
	rt->store = NULL;
}

int
round_timer_timeout_ms(const struct round_timer *rt, uint64_t now_us)
{
	if (rt->store == NULL)
		return -1;
	if (rt->due_us <= now_us)
		return 0;
	return (int)((rt->due_us - now_us + 999) / 1000);
}

void
round_timer_tick(struct round_timer *rt, uint64_t now_us)
{
	int64_t seq = 0, ms = 0;
	int found = 0, rc;

	if (rt->store == NULL || now_us < rt->due_us)
		return;
	if ((rc = store_round_close_due(rt->store, &seq)) != STORE_OK)
		log_warnx("round timer: closing rounds: %s", store_rc_name(rc));
	if (seq > 0)
		(void)notify_send(rt->notify_fd, rt->notify_path, seq);
	if (store_round_next_close_ms(rt->store, &ms, &found) != STORE_OK ||
	    !found || ms > ROUND_TIMER_RECHECK_MS)
		ms = ROUND_TIMER_RECHECK_MS;
	/* A round due now (ms <= 0) closes on the next turn of the loop. */
	rt->due_us = now_us + (uint64_t)(ms > 0 ? ms : 0) * 1000;
}
