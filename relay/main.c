/*
 * memeter-relay: runs on the writer next to the pool.  Tails the outbox
 * and appends each event to the Redis stream edge pushd nodes follow,
 * with the entry id "<seq>-0" (shared/store/stream.h); publishes the
 * valid admin sessions for the edges' /ws/admin.  Idempotent: at start,
 * after a reconnect and whenever the stream turns out shorter than what
 * was appended (Redis restarted empty, a failover to a replica that had
 * less), it reads the stream's last id and appends only what is missing.
 *
 *   memeter-relay [-c config] [-V] [-h]
 *
 * A program of its own, not a mode of pushd: the writer needs no pushd
 * once every client is on an edge, the relay's only dependency is Redis,
 * and it restarts without dropping anybody's WebSocket.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "progstart.h"
#include "relay.h"
#include "store/store.h"
#include "timeutil.h"

#define RELAY_POLL_MS		5	/* idle: look at the outbox this often */
#define RELAY_RETRY_MS		500	/* Redis down: try again after */
#define RELAY_TICK_MS		1000
#define RELAY_STORE_WAIT_S	10	/* start: wait for the workers' database */

static volatile sig_atomic_t relay_stop;

static void
on_signal(int sig)
{
	(void)sig;
	relay_stop = 1;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);	/* a signal ends it early: fine */
}

/* The workers create and migrate the database; the relay may come first. */
static struct store *
open_store(const char *path)
{
	struct store *st;
	int64_t head;

	for (int i = 0; i < RELAY_STORE_WAIT_S * 10 && !relay_stop; i++) {
		if ((st = store_open(path, STORE_READONLY)) != NULL) {
			if (store_event_head(st, &head) == STORE_OK)
				return st;
			store_close(st);
		}
		sleep_ms(100);
	}
	return NULL;
}

static void
relay_run(struct relay *r)
{
	uint64_t next_tick = 0, now;
	int n;

	while (!relay_stop) {
		now = time_monotonic_us();
		if (now >= next_tick) {
			(void)relay_tick(r);
			next_tick = now + RELAY_TICK_MS * 1000ULL;
		}
		if ((n = relay_step(r)) == -1)
			sleep_ms(RELAY_RETRY_MS);
		else if (n == 0)
			sleep_ms(RELAY_POLL_MS);
	}
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct relay r;
	struct store *st;
	struct sigaction sa;

	progstart("memeter-relay", argc, argv, &cfg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: sleeps end at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((st = open_store(cfg.db_path)) == NULL)
		fatalx("%s: no readable events table", cfg.db_path);
	if (relay_init(&r, &cfg, st) == -1) {
		store_close(st);
		return 1;
	}
	log_info("relaying %s to redis %s:%d stream %s", cfg.db_path, r.host,
	    r.port, r.key);
	relay_run(&r);
	log_info("stopped after seq %lld (%llu appended, %llu already there)",
	    (long long)r.after, (unsigned long long)r.appended,
	    (unsigned long long)r.already_there);
	relay_free(&r);
	store_close(st);
	return 0;
}
