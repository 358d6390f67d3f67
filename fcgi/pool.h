#ifndef MEMETER_POOL_H
#define MEMETER_POOL_H

/*
 * The pool master: owns the FastCGI listening socket, forks and execs the
 * workers (fcgi/worker.c), replaces the ones that die, and on SIGHUP swaps
 * in a whole new generation before retiring the old one, the way nginx
 * reloads.  All of its work happens in one poll loop; signals arrive there
 * through a signalfd.
 *
 * The bookkeeping (which worker belongs to which generation, what an exit
 * means, when a reload is complete) lives in small functions that take
 * the clock as an argument, so tests/unit/test_pool.c drives them without
 * real processes.
 */

#include <sys/types.h>
#include <limits.h>
#include <stdint.h>

#include "config.h"
#include "timeutil.h"
#include "round_timer.h"

#define POOL_BACKLOG		1024
#define POOL_YOUNG_US		1000000		/* died sooner: crash loop */
#define POOL_BACKOFF_MIN_US	100000
#define POOL_BACKOFF_MAX_US	5000000
#define POOL_READY_TIMEOUT_US	30000000	/* a new generation must be up by then */
#define POOL_DRAIN_US		130000000	/* nginx's longest read timeout + slack */
#define POOL_STOP_US		8000000		/* SIGTERM to SIGKILL on shutdown */
#define POOL_BINARY_ID_LEN	16

enum pool_worker_state {
	POOL_WORKER_STARTING,	/* forked, has not reported ready yet */
	POOL_WORKER_READY,	/* serving */
	POOL_WORKER_STOPPING,	/* sent SIGTERM, finishing its request */
};

struct pool_worker {
	struct pool_worker *next;
	pid_t		 pid;
	int		 generation;
	enum pool_worker_state state;
	int		 ready_fd;	/* read end of its ready pipe, or -1 */
	char		 ready_buf[64];	/* what it wrote so far */
	size_t		 ready_len;
	uint64_t	 started_us;	/* monotonic */
	uint64_t	 deadline_us;	/* STOPPING: SIGKILL after this */
	char		 started[ISO8601_LEN];
	char		 binary_id[POOL_BINARY_ID_LEN + 1];
};

struct pool {
	const struct config *cfg;
	char		 exe_path[PATH_MAX];	/* resolved once at start */
	const char	*config_path;		/* passed on as -c, or NULL */
	int		 listen_fd;
	int		 listen_inherited;	/* from systemd: never unlink */
	int		 control_fd;
	int		 signal_fd;
	int		 nworkers;		/* workers per generation */
	int		 generation;		/* the one serving */
	int		 last_generation;	/* highest number handed out */
	int		 pending;		/* generation being started, or 0 */
	int		 reload_again;		/* SIGHUP came during a reload */
	uint64_t	 pending_deadline_us;
	int		 stopping;
	uint64_t	 stop_deadline_us;
	uint64_t	 respawn_at_us;		/* next replacement allowed at */
	uint64_t	 backoff_us;		/* current crash-loop delay */
	unsigned	 reloads;		/* generations that took over */
	unsigned	 reload_failures;
	unsigned	 restarts;		/* workers replaced after dying */
	struct pool_worker *workers;		/* in start order */
	struct round_timer rounds;		/* host-paced rounds' clock */
};

/*
 * Returns the systemd socket-activation fd (3) if LISTEN_PID names self
 * and LISTEN_FDS is "1", 0 if the environment does not hand us a socket,
 * and -1 with a message in err if it hands us something we cannot use.
 */
int	pool_listen_fds(const char *listen_pid, const char *listen_fds,
	    pid_t self, char *err, size_t errlen);

/* Sets up an empty pool; no sockets, no processes. */
void	pool_init(struct pool *pool, const struct config *cfg,
	    const char *exe_path, const char *config_path);
/* Frees the bookkeeping of workers still listed (does not signal them). */
void	pool_clear(struct pool *pool);

/* Forks and execs one worker of generation; -1 (logged) on failure. */
int	pool_spawn(struct pool *pool, int generation, uint64_t now);

/* Bookkeeping hooks the main loop calls; now is time_monotonic_us(). */
void	pool_start(struct pool *pool, uint64_t now);
void	pool_reload(struct pool *pool, uint64_t now);
void	pool_stop(struct pool *pool, uint64_t now);
void	pool_worker_ready(struct pool *pool, struct pool_worker *w,
	    const char *binary_id, uint64_t now);
void	pool_worker_exited(struct pool *pool, pid_t pid, int status,
	    uint64_t now);
void	pool_tick(struct pool *pool, uint64_t now);

/* Milliseconds until pool_tick() has something to do, -1 for never. */
int	pool_timeout_ms(const struct pool *pool, uint64_t now);

struct pool_worker *pool_worker_find(struct pool *pool, pid_t pid);
/* Workers of generation in the given state; state -1 means "not stopping". */
int	pool_count(const struct pool *pool, int generation, int state);

/*
 * The status line the control socket serves:
 * {"pid","generation","workers":[{"pid","generation","started",...}],
 *  "reloads","restarts",...} plus a newline.  The caller frees it.
 */
char	*pool_status_json(const struct pool *pool);

/* The master: runs until SIGTERM/SIGINT; returns the exit status. */
int	pool_main(const struct config *cfg, const char *config_path);

#endif
