/*
 * Unit tests of the pool master's bookkeeping (fcgi/pool.c): systemd
 * socket activation, generations, reloads that complete or fail, crash
 * loop backoff, shutdown and the status line.  fork() and kill() are
 * wrapped (test_pool.wrap): "workers" are pids that never existed, and
 * every signal the master would send is recorded instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "../../fcgi/pool.h"

#define FAKE_PID_BASE	4000000		/* above any real pid_max */
#define MAX_KILLS	256

pid_t	__wrap_fork(void);
int	__wrap_kill(pid_t, int);

static pid_t next_pid = FAKE_PID_BASE;
static int fork_fails;
static int nforks;
static struct { pid_t pid; int sig; } kills[MAX_KILLS];
static int nkills;

pid_t
__wrap_fork(void)
{
	if (fork_fails) {
		errno = EAGAIN;
		return -1;
	}
	nforks++;
	return next_pid++;
}

int
__wrap_kill(pid_t pid, int sig)
{
	assert_true(pid >= FAKE_PID_BASE);	/* never a real process */
	assert_true(nkills < MAX_KILLS);
	kills[nkills].pid = pid;
	kills[nkills].sig = sig;
	nkills++;
	return 0;
}

/* How many times pid got sig. */
static int
killed(pid_t pid, int sig)
{
	int i, n = 0;

	for (i = 0; i < nkills; i++)
		if (kills[i].pid == pid && kills[i].sig == sig)
			n++;
	return n;
}

struct fixture {
	struct config	 cfg;
	struct pool	 pool;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	config_defaults(&f->cfg);
	f->cfg.workers = 3;
	pool_init(&f->pool, &f->cfg, "/usr/bin/memeter-fcgi", NULL);
	next_pid = FAKE_PID_BASE;
	fork_fails = 0;
	nforks = 0;
	nkills = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pool_clear(&f->pool);
	free(f);
	return 0;
}

/* Reports every starting worker of generation ready. */
static void
all_ready(struct pool *pool, int generation, uint64_t now)
{
	struct pool_worker *w, *next;

	for (w = pool->workers; w != NULL; w = next) {
		next = w->next;
		if (w->generation == generation &&
		    w->state == POOL_WORKER_STARTING)
			pool_worker_ready(pool, w, "0123456789abcdef", now);
	}
}

/* The pid of the n-th listed worker of generation in state. */
static pid_t
nth_pid(struct pool *pool, int generation, int state, int n)
{
	struct pool_worker *w;

	for (w = pool->workers; w != NULL; w = w->next)
		if (w->generation == generation && (int)w->state == state &&
		    n-- == 0)
			return w->pid;
	fail_msg("no worker %d of generation %d in state %d", n, generation,
	    state);
	return -1;
}

static void
listen_fds_parsing(void **state)
{
	char err[160] = "";

	(void)state;
	assert_int_equal(pool_listen_fds(NULL, NULL, 42, err, sizeof(err)), 0);
	assert_int_equal(pool_listen_fds("42", NULL, 42, err, sizeof(err)), 0);
	assert_int_equal(pool_listen_fds("42", "1", 42, err, sizeof(err)), 3);
	/* Another process's sockets (we inherited its environment). */
	assert_int_equal(pool_listen_fds("41", "1", 42, err, sizeof(err)), 0);
	assert_int_equal(pool_listen_fds("4x", "1", 42, err, sizeof(err)), 0);
	assert_int_equal(pool_listen_fds("", "1", 42, err, sizeof(err)), 0);
	assert_int_equal(pool_listen_fds("42", "0", 42, err, sizeof(err)), 0);
	assert_int_equal(pool_listen_fds("42", "2", 42, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2 sockets"));
	err[0] = '\0';
	assert_int_equal(pool_listen_fds("42", "one", 42, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "one"));
	assert_int_equal(pool_listen_fds("42", "-1", 42, err, sizeof(err)), -1);
}

static void
start_spawns_one_generation(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;

	pool_start(pool, 1000);
	assert_int_equal(nforks, 3);
	assert_int_equal(pool->generation, 1);
	assert_int_equal(pool_count(pool, 1, POOL_WORKER_STARTING), 3);
	assert_int_equal(pool_count(pool, 1, -1), 3);
	/* Nothing is due while the generation is complete. */
	assert_int_equal(pool_timeout_ms(pool, 1000), -1);
	all_ready(pool, 1, 2000);
	assert_int_equal(pool_count(pool, 1, POOL_WORKER_READY), 3);
	assert_string_equal(pool->workers->binary_id, "0123456789abcdef");
	assert_int_equal(nkills, 0);
}

static void
reload_switches_only_when_all_ready(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	struct pool_worker *w;
	pid_t old[3];
	int i;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	for (i = 0; i < 3; i++)
		old[i] = nth_pid(pool, 1, POOL_WORKER_READY, i);

	pool_reload(pool, 5000000);
	assert_int_equal(pool->pending, 2);
	assert_int_equal(pool_count(pool, 2, POOL_WORKER_STARTING), 3);
	/* The deadline of the pending generation is the next timer. */
	assert_int_equal(pool_timeout_ms(pool, 5000000),
	    POOL_READY_TIMEOUT_US / 1000);

	/* Two of three ready: the old generation must still serve. */
	pool_worker_ready(pool, pool_worker_find(pool,
	    nth_pid(pool, 2, POOL_WORKER_STARTING, 0)), "aaaaaaaaaaaaaaaa", 1);
	pool_worker_ready(pool, pool_worker_find(pool,
	    nth_pid(pool, 2, POOL_WORKER_STARTING, 0)), "aaaaaaaaaaaaaaaa", 1);
	assert_int_equal(pool->generation, 1);
	assert_int_equal(nkills, 0);
	assert_int_equal(pool_count(pool, 1, POOL_WORKER_READY), 3);

	pool_worker_ready(pool, pool_worker_find(pool,
	    nth_pid(pool, 2, POOL_WORKER_STARTING, 0)), "aaaaaaaaaaaaaaaa", 1);
	assert_int_equal(pool->generation, 2);
	assert_int_equal(pool->pending, 0);
	assert_int_equal(pool->reloads, 1);
	assert_int_equal(nkills, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(killed(old[i], SIGTERM), 1);
		w = pool_worker_find(pool, old[i]);
		assert_non_null(w);
		assert_int_equal(w->state, POOL_WORKER_STOPPING);
	}

	/* The old ones exiting is expected: nothing is replaced. */
	for (i = 0; i < 3; i++)
		pool_worker_exited(pool, old[i], 0, 6000000);
	assert_int_equal(pool->restarts, 0);
	assert_int_equal(pool_count(pool, 0, -1), 3);
	pool_tick(pool, 7000000);
	assert_int_equal(nforks, 6);
	assert_null(pool_worker_find(pool, old[0]));
}

static void
reload_failure_keeps_old_generation(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	pid_t bad, other;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	pool_reload(pool, 2000000);
	bad = nth_pid(pool, 2, POOL_WORKER_STARTING, 0);
	other = nth_pid(pool, 2, POOL_WORKER_STARTING, 1);

	/* exec failed: status 127 before "ready". */
	pool_worker_exited(pool, bad, 127 << 8, 2100000);
	assert_int_equal(pool->generation, 1);
	assert_int_equal(pool->pending, 0);
	assert_int_equal(pool->reload_failures, 1);
	assert_int_equal(pool->restarts, 0);
	assert_int_equal(killed(other, SIGTERM), 1);
	assert_int_equal(pool_count(pool, 1, POOL_WORKER_READY), 3);
	assert_int_equal(pool_count(pool, 2, -1), 0);
	/* A late "ready" from a retired worker changes nothing. */
	pool_worker_ready(pool, pool_worker_find(pool, other), "x", 2200000);
	assert_int_equal(pool->generation, 1);

	/* The next SIGHUP tries again with a fresh generation number. */
	pool_reload(pool, 3000000);
	assert_int_equal(pool->pending, 3);
	all_ready(pool, 3, 3100000);
	assert_int_equal(pool->generation, 3);
	assert_int_equal(pool->reloads, 1);
}

static void
reload_failure_when_fork_fails(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	fork_fails = 1;
	pool_reload(pool, 1000);
	assert_int_equal(pool->pending, 0);
	assert_int_equal(pool->generation, 1);
	assert_int_equal(pool->reload_failures, 1);
	assert_int_equal(nkills, 0);
}

static void
reload_times_out(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	pool_reload(pool, 1000000);
	pool_tick(pool, 1000000 + POOL_READY_TIMEOUT_US - 1);
	assert_int_equal(pool->pending, 2);
	pool_tick(pool, 1000000 + POOL_READY_TIMEOUT_US);
	assert_int_equal(pool->pending, 0);
	assert_int_equal(pool->generation, 1);
	assert_int_equal(pool->reload_failures, 1);
	assert_int_equal(pool_count(pool, 2, POOL_WORKER_STOPPING), 3);
	assert_int_equal(nkills, 3);
}

/* SIGHUPs during a reload collapse into one more reload afterwards. */
static void
reloads_in_quick_succession(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	int i;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	for (i = 0; i < 10; i++)
		pool_reload(pool, 1000 + i);
	assert_int_equal(pool->pending, 2);
	assert_int_equal(pool->reload_again, 1);
	assert_int_equal(nforks, 6);

	all_ready(pool, 2, 2000);
	assert_int_equal(pool->generation, 2);
	assert_int_equal(pool->pending, 3);
	assert_int_equal(pool->reload_again, 0);
	assert_int_equal(nforks, 9);

	all_ready(pool, 3, 3000);
	assert_int_equal(pool->generation, 3);
	assert_int_equal(pool->pending, 0);
	assert_int_equal(pool->reloads, 2);
	assert_int_equal(pool_count(pool, 3, POOL_WORKER_READY), 3);
	assert_int_equal(pool_count(pool, 0, POOL_WORKER_STOPPING), 6);
}

static void
dead_worker_is_replaced(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	pid_t victim;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	victim = nth_pid(pool, 1, POOL_WORKER_READY, 1);
	/* Lived ten seconds: replaced at once. */
	pool_worker_exited(pool, victim, SIGKILL, 10000000);
	assert_int_equal(pool->restarts, 1);
	assert_int_equal(pool_count(pool, 1, -1), 2);
	assert_int_equal(pool_timeout_ms(pool, 10000000), 0);
	pool_tick(pool, 10000000);
	assert_int_equal(pool_count(pool, 1, -1), 3);
	assert_int_equal(pool_count(pool, 1, POOL_WORKER_STARTING), 1);
	assert_null(pool_worker_find(pool, victim));
	/* Unknown pids (not ours) are ignored. */
	pool_worker_exited(pool, 12345, 0, 10000001);
	assert_int_equal(pool->restarts, 1);
}

static void
crash_loop_backs_off(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	uint64_t now = 0;
	pid_t p;

	pool_start(pool, now);
	/* Dies before ready: wait the minimum before the next try. */
	p = nth_pid(pool, 1, POOL_WORKER_STARTING, 0);
	pool_worker_exited(pool, p, 1 << 8, now + 1000);
	assert_int_equal(pool->backoff_us, POOL_BACKOFF_MIN_US);
	pool_tick(pool, now + 2000);
	assert_int_equal(pool_count(pool, 1, -1), 2);
	assert_int_equal(pool_timeout_ms(pool, now + 2000),
	    (POOL_BACKOFF_MIN_US - 1000) / 1000);
	now += 1000 + POOL_BACKOFF_MIN_US;
	pool_tick(pool, now);
	assert_int_equal(pool_count(pool, 1, -1), 3);

	/* Again and again: the pause doubles up to its ceiling. */
	p = nth_pid(pool, 1, POOL_WORKER_STARTING, 2);
	pool_worker_exited(pool, p, 1 << 8, now);
	assert_int_equal(pool->backoff_us, 2 * POOL_BACKOFF_MIN_US);
	for (int i = 0; i < 20; i++) {
		now += pool->backoff_us;
		pool_tick(pool, now);
		p = nth_pid(pool, 1, POOL_WORKER_STARTING, 2);
		pool_worker_exited(pool, p, 1 << 8, now);
	}
	assert_int_equal(pool->backoff_us, POOL_BACKOFF_MAX_US);
	assert_int_equal(pool->restarts, 22);

	/* One that served for a while resets it. */
	now += pool->backoff_us;
	pool_tick(pool, now);
	all_ready(pool, 1, now);
	p = nth_pid(pool, 1, POOL_WORKER_READY, 0);
	pool_worker_exited(pool, p, 0, now + 2 * POOL_YOUNG_US);
	assert_int_equal(pool->backoff_us, 0);
}

static void
stop_terms_then_kills(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	pid_t a, b, c;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	a = nth_pid(pool, 1, POOL_WORKER_READY, 0);
	b = nth_pid(pool, 1, POOL_WORKER_READY, 1);
	c = nth_pid(pool, 1, POOL_WORKER_READY, 2);
	pool_stop(pool, 1000000);
	assert_int_equal(killed(a, SIGTERM), 1);
	assert_int_equal(killed(b, SIGTERM), 1);
	assert_int_equal(killed(c, SIGTERM), 1);
	/* No reload and no replacement while stopping. */
	pool_reload(pool, 1000001);
	assert_int_equal(pool->pending, 0);
	pool_worker_exited(pool, a, 0, 1100000);
	pool_tick(pool, 1100000);
	assert_int_equal(nforks, 3);
	assert_int_equal(pool->restarts, 0);
	assert_int_equal(pool_timeout_ms(pool, 1100000),
	    (POOL_STOP_US - 100000) / 1000);
	/* b ignores SIGTERM; c is slow but done before the deadline. */
	pool_worker_exited(pool, c, 0, 1200000);
	pool_tick(pool, 1000000 + POOL_STOP_US);
	assert_int_equal(killed(b, SIGKILL), 1);
	assert_int_equal(killed(c, SIGKILL), 0);
	pool_tick(pool, 2000000 + POOL_STOP_US);
	assert_int_equal(killed(b, SIGKILL), 1);	/* only once */
	pool_worker_exited(pool, b, SIGKILL, 2000000 + POOL_STOP_US);
	assert_null(pool->workers);
}

static void
status_line(void **state)
{
	struct fixture *f = *state;
	struct pool *pool = &f->pool;
	struct json_object *o, *v, *list, *w;
	char *line;

	pool_start(pool, 0);
	all_ready(pool, 1, 0);
	pool_reload(pool, 1000);
	line = pool_status_json(pool);
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	o = json_tokener_parse(line);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "pid", &v));
	assert_int_equal(json_object_get_int(v), getpid());
	assert_true(json_object_object_get_ex(o, "generation", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(o, "pending", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(o, "reloads", &v));
	assert_int_equal(json_object_get_int(v), 0);
	assert_true(json_object_object_get_ex(o, "restarts", &v));
	assert_int_equal(json_object_get_int(v), 0);
	assert_true(json_object_object_get_ex(o, "workers", &list));
	assert_int_equal(json_object_array_length(list), 6);
	w = json_object_array_get_idx(list, 0);
	assert_true(json_object_object_get_ex(w, "pid", &v));
	assert_int_equal(json_object_get_int(v), FAKE_PID_BASE);
	assert_true(json_object_object_get_ex(w, "generation", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(w, "state", &v));
	assert_string_equal(json_object_get_string(v), "ready");
	assert_true(json_object_object_get_ex(w, "started", &v));
	assert_int_equal(json_object_get_string_len(v), ISO8601_LEN - 1);
	w = json_object_array_get_idx(list, 5);
	assert_true(json_object_object_get_ex(w, "generation", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(w, "state", &v));
	assert_string_equal(json_object_get_string(v), "starting");
	json_object_put(o);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_fds_parsing),
		cmocka_unit_test_setup_teardown(start_spawns_one_generation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    reload_switches_only_when_all_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    reload_failure_keeps_old_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_failure_when_fork_fails,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(reload_times_out, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(reloads_in_quick_succession,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(dead_worker_is_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(crash_loop_backs_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(stop_terms_then_kills, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(status_line, setup, teardown),
	};

	/* The master logs every step; the assertions say enough here. */
	log_set_level(LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
