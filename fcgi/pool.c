#include "pool.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "jsonw.h"
#include "log.h"
#include "store/store.h"
#include "token.h"
#include "unixsock.h"

static void	pool_reload_abort(struct pool *, const char *, uint64_t);
static void	pool_reload_commit(struct pool *, uint64_t);

int
pool_listen_fds(const char *listen_pid, const char *listen_fds, pid_t self,
    char *err, size_t errlen)
{
	char *end;
	long n;

	if (listen_pid == NULL || listen_fds == NULL)
		return 0;
	errno = 0;
	n = strtol(listen_pid, &end, 10);
	/* Meant for another process (we were started by one that got it). */
	if (errno != 0 || end == listen_pid || *end != '\0' || n != self)
		return 0;
	errno = 0;
	n = strtol(listen_fds, &end, 10);
	if (errno != 0 || end == listen_fds || *end != '\0' || n < 0) {
		snprintf(err, errlen, "LISTEN_FDS=\"%s\" is not a count",
		    listen_fds);
		return -1;
	}
	if (n == 0)
		return 0;
	if (n != 1) {
		snprintf(err, errlen, "systemd passed %ld sockets; memeter-fcgi "
		    "takes exactly one (ListenStream= once)", n);
		return -1;
	}
	return 3;	/* SD_LISTEN_FDS_START */
}

void
pool_init(struct pool *pool, const struct config *cfg, const char *exe_path,
    const char *config_path)
{
	memset(pool, 0, sizeof(*pool));
	pool->cfg = cfg;
	snprintf(pool->exe_path, sizeof(pool->exe_path), "%s", exe_path);
	pool->config_path = config_path;
	pool->listen_fd = -1;
	pool->control_fd = -1;
	pool->signal_fd = -1;
	pool->nworkers = cfg->workers;
	pool->workers = NULL;
}

static void
pool_worker_free(struct pool_worker *w)
{
	if (w->ready_fd != -1)
		close(w->ready_fd);
	free(w);
}

void
pool_clear(struct pool *pool)
{
	struct pool_worker *w;

	while ((w = pool->workers) != NULL) {
		pool->workers = w->next;
		pool_worker_free(w);
	}
}

static void
pool_worker_unlink(struct pool *pool, struct pool_worker *w)
{
	struct pool_worker **pp;

	for (pp = &pool->workers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			w->next = NULL;
			return;
		}
	}
}

struct pool_worker *
pool_worker_find(struct pool *pool, pid_t pid)
{
	struct pool_worker *w;

	for (w = pool->workers; w != NULL; w = w->next)
		if (w->pid == pid)
			return w;
	return NULL;
}

int
pool_count(const struct pool *pool, int generation, int state)
{
	const struct pool_worker *w;
	int n = 0;

	for (w = pool->workers; w != NULL; w = w->next) {
		if (generation != 0 && w->generation != generation)
			continue;
		if (state == -1 ? w->state == POOL_WORKER_STOPPING :
		    (int)w->state != state)
			continue;
		n++;
	}
	return n;
}

/*
 * The forked child: undo what the master set up for itself (blocked
 * signals, ignored SIGPIPE), make sure it dies with the master, let the
 * two descriptors it needs survive exec, and become the worker.  Only
 * async-signal-safe calls until exec, plus one log line if exec fails.
 */
static void __attribute__((noreturn))
pool_child(const struct pool *pool, char *const argv[], int ready_fd,
    pid_t master)
{
	struct sigaction sa;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	/* Survives exec; checked against the race of a master that died
	 * before the call. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != master)
		_exit(1);
	if (fcntl(pool->listen_fd, F_SETFD, 0) == -1 ||
	    fcntl(ready_fd, F_SETFD, 0) == -1)
		_exit(126);
	execv(pool->exe_path, argv);
	log_warn("%s: exec %s", __func__, pool->exe_path);
	_exit(127);
}

int
pool_spawn(struct pool *pool, int generation, uint64_t now)
{
	char fdarg[16], readyarg[16], genarg[16];
	char *argv[12];
	struct pool_worker *w, **tail;
	pid_t master = getpid(), pid;
	int pfd[2], argc = 0;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	/* Non-blocking on both ends: the master polls its end, and the
	 * worker's single short write to an empty pipe never waits. */
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("%s: pipe2", __func__);
		free(w);
		return -1;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", pool->listen_fd);
	snprintf(readyarg, sizeof(readyarg), "%d", pfd[1]);
	snprintf(genarg, sizeof(genarg), "%d", generation);
	argv[argc++] = pool->exe_path;
	argv[argc++] = "--worker";
	argv[argc++] = "--fd";
	argv[argc++] = fdarg;
	argv[argc++] = "--ready-fd";
	argv[argc++] = readyarg;
	argv[argc++] = "--generation";
	argv[argc++] = genarg;
	if (pool->config_path != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = (char *)pool->config_path;
	}
	argv[argc] = NULL;

	if ((pid = fork()) == -1) {
		log_warn("%s: fork", __func__);
		close(pfd[0]);
		close(pfd[1]);
		free(w);
		return -1;
	}
	if (pid == 0)
		pool_child(pool, argv, pfd[1], master);
	close(pfd[1]);
	w->pid = pid;
	w->generation = generation;
	w->state = POOL_WORKER_STARTING;
	w->ready_fd = pfd[0];
	w->started_us = now;
	time_iso8601_now(w->started);
	for (tail = &pool->workers; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = w;
	log_debug("worker %d (generation %d) started", (int)pid, generation);
	return 0;
}

/* Asks w to finish its request and exit; SIGKILL follows at deadline. */
static void
pool_worker_stop(struct pool_worker *w, uint64_t deadline)
{
	if (w->state == POOL_WORKER_STOPPING) {
		if (deadline < w->deadline_us)
			w->deadline_us = deadline;
		return;
	}
	w->state = POOL_WORKER_STOPPING;
	w->deadline_us = deadline;
	if (kill(w->pid, SIGTERM) == -1 && errno != ESRCH)
		log_warn("%s: kill %d", __func__, (int)w->pid);
}

void
pool_start(struct pool *pool, uint64_t now)
{
	int i;

	pool->generation = pool->last_generation = 1;
	log_info("generation %d: starting %d workers", pool->generation,
	    pool->nworkers);
	for (i = 0; i < pool->nworkers; i++) {
		if (pool_spawn(pool, pool->generation, now) == -1) {
			/* pool_tick() fills the gap after a pause. */
			pool->backoff_us = POOL_BACKOFF_MIN_US;
			pool->respawn_at_us = now + pool->backoff_us;
			break;
		}
	}
}

/*
 * SIGHUP: start a whole new generation next to the serving one.  The old
 * one keeps accepting until every new worker has reported ready
 * (pool_worker_ready); a reload asked for while one is under way runs
 * once that one is settled, so a binary replaced in between is picked up.
 */
void
pool_reload(struct pool *pool, uint64_t now)
{
	int i;

	if (pool->stopping)
		return;
	if (pool->pending != 0) {
		pool->reload_again = 1;
		log_info("reload: generation %d is still starting; another "
		    "reload follows it", pool->pending);
		return;
	}
	pool->pending = ++pool->last_generation;
	pool->pending_deadline_us = now + POOL_READY_TIMEOUT_US;
	log_info("reload: starting generation %d (%d workers) from %s",
	    pool->pending, pool->nworkers, pool->exe_path);
	for (i = 0; i < pool->nworkers; i++) {
		if (pool_spawn(pool, pool->pending, now) == -1) {
			pool_reload_abort(pool, "could not start a worker", now);
			return;
		}
	}
}

/* The new generation is complete: it serves, the old one drains. */
static void
pool_reload_commit(struct pool *pool, uint64_t now)
{
	struct pool_worker *w;
	int old = pool->generation;

	pool->generation = pool->pending;
	pool->pending = 0;
	pool->reloads++;
	pool->backoff_us = 0;
	for (w = pool->workers; w != NULL; w = w->next)
		if (w->generation != pool->generation)
			pool_worker_stop(w, now + POOL_DRAIN_US);
	log_info("reload: generation %d serving; generation %d finishing its "
	    "requests", pool->generation, old);
	if (pool->reload_again) {
		pool->reload_again = 0;
		pool_reload(pool, now);
	}
}

/* The new generation failed: the serving one simply goes on. */
static void
pool_reload_abort(struct pool *pool, const char *why, uint64_t now)
{
	struct pool_worker *w;
	int failed = pool->pending;

	pool->pending = 0;
	pool->reload_failures++;
	for (w = pool->workers; w != NULL; w = w->next)
		if (w->generation == failed)
			pool_worker_stop(w, now + POOL_DRAIN_US);
	log_warnx("reload: generation %d failed (%s); generation %d keeps "
	    "serving", failed, why, pool->generation);
	if (pool->reload_again) {
		pool->reload_again = 0;
		pool_reload(pool, now);
	}
}

void
pool_stop(struct pool *pool, uint64_t now)
{
	struct pool_worker *w;

	if (pool->stopping)
		return;
	pool->stopping = 1;
	pool->pending = 0;
	pool->reload_again = 0;
	pool->stop_deadline_us = now + POOL_STOP_US;
	for (w = pool->workers; w != NULL; w = w->next)
		pool_worker_stop(w, pool->stop_deadline_us);
	log_info("stopping: %d workers finishing their requests",
	    pool_count(pool, 0, POOL_WORKER_STOPPING));
}

void
pool_worker_ready(struct pool *pool, struct pool_worker *w,
    const char *binary_id, uint64_t now)
{
	if (w->ready_fd != -1) {
		close(w->ready_fd);
		w->ready_fd = -1;
	}
	snprintf(w->binary_id, sizeof(w->binary_id), "%s", binary_id);
	if (w->state != POOL_WORKER_STARTING)
		return;
	w->state = POOL_WORKER_READY;
	log_debug("worker %d (generation %d) ready, binary %s", (int)w->pid,
	    w->generation, w->binary_id);
	if (pool->pending != 0 && w->generation == pool->pending &&
	    pool_count(pool, pool->pending, POOL_WORKER_READY) >=
	    pool->nworkers)
		pool_reload_commit(pool, now);
}

/* A serving worker died: replace it, pausing if it died young so that a
 * worker that cannot start does not spin the machine. */
static void
pool_schedule_replacement(struct pool *pool, const struct pool_worker *w,
    const char *how, uint64_t now)
{
	int young = w->state == POOL_WORKER_STARTING ||
	    now - w->started_us < POOL_YOUNG_US;

	pool->restarts++;
	pool->backoff_us = child_backoff_next(pool->backoff_us, young,
	    POOL_BACKOFF_MIN_US, POOL_BACKOFF_MAX_US);
	pool->respawn_at_us = now + pool->backoff_us;
	if (young) {
		log_warnx("worker %d (generation %d) %s %s; replacing it in "
		    "%llu ms", (int)w->pid, w->generation, how,
		    w->state == POOL_WORKER_STARTING ? "before it was ready" :
		    "right after starting",
		    (unsigned long long)(pool->backoff_us / 1000));
	} else {
		log_warnx("worker %d (generation %d) %s; replacing it",
		    (int)w->pid, w->generation, how);
	}
}

void
pool_worker_exited(struct pool *pool, pid_t pid, int status, uint64_t now)
{
	struct pool_worker *w;
	char how[96], why[160];

	if ((w = pool_worker_find(pool, pid)) == NULL)
		return;
	pool_worker_unlink(pool, w);
	child_describe_exit(status, how, sizeof(how));
	if (w->state == POOL_WORKER_STOPPING)
		log_info("worker %d (generation %d) %s", (int)pid,
		    w->generation, how);
	else if (pool->pending != 0 && w->generation == pool->pending) {
		snprintf(why, sizeof(why), "worker %d %s%s", (int)pid, how,
		    w->state == POOL_WORKER_STARTING ? " before it was ready" :
		    "");
		pool_reload_abort(pool, why, now);
	} else
		pool_schedule_replacement(pool, w, how, now);
	pool_worker_free(w);
}

void
pool_tick(struct pool *pool, uint64_t now)
{
	struct pool_worker *w;
	int missing;

	if (pool->pending != 0 && now >= pool->pending_deadline_us)
		pool_reload_abort(pool, "its workers were not ready in time",
		    now);
	for (w = pool->workers; w != NULL; w = w->next) {
		if (w->state != POOL_WORKER_STOPPING || now < w->deadline_us)
			continue;
		log_warnx("worker %d (generation %d) did not stop in time; "
		    "killing it", (int)w->pid, w->generation);
		if (kill(w->pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("%s: kill %d", __func__, (int)w->pid);
		w->deadline_us = UINT64_MAX;
	}
	if (pool->stopping || now < pool->respawn_at_us)
		return;
	missing = pool->nworkers - pool_count(pool, pool->generation, -1);
	for (; missing > 0; missing--) {
		if (pool_spawn(pool, pool->generation, now) == -1) {
			pool->backoff_us = POOL_BACKOFF_MAX_US;
			pool->respawn_at_us = now + pool->backoff_us;
			break;
		}
	}
}

static void
pool_timeout_min(uint64_t *next, uint64_t at)
{
	if (at < *next)
		*next = at;
}

int
pool_timeout_ms(const struct pool *pool, uint64_t now)
{
	const struct pool_worker *w;
	uint64_t next = UINT64_MAX;

	if (pool->pending != 0)
		pool_timeout_min(&next, pool->pending_deadline_us);
	for (w = pool->workers; w != NULL; w = w->next)
		if (w->state == POOL_WORKER_STOPPING)
			pool_timeout_min(&next, w->deadline_us);
	if (!pool->stopping &&
	    pool_count(pool, pool->generation, -1) < pool->nworkers)
		pool_timeout_min(&next, pool->respawn_at_us);
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	/* Round up: waking a hair early would only spin once more. */
	return (int)((next - now + 999) / 1000);
}

static const char *
pool_state_name(enum pool_worker_state state)
{
	switch (state) {
	case POOL_WORKER_STARTING:
		return "starting";
	case POOL_WORKER_READY:
		return "ready";
	case POOL_WORKER_STOPPING:
		return "stopping";
	}
	return "unknown";
}

static struct json_object *
pool_worker_json(const struct pool_worker *w)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(w->pid));
	json_object_object_add(o, "generation",
	    json_object_new_int(w->generation));
	json_object_object_add(o, "started", json_object_new_string(w->started));
	json_object_object_add(o, "state",
	    json_object_new_string(pool_state_name(w->state)));
	json_object_object_add(o, "binary", json_object_new_string(w->binary_id));
	return o;
}

char *
pool_status_json(const struct pool *pool)
{
	const struct pool_worker *w;
	struct json_object *o, *list;
	char *line = NULL;

	o = json_object_new_object();
	list = json_object_new_array();
	for (w = pool->workers; w != NULL; w = w->next)
		json_object_array_add(list, pool_worker_json(w));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "generation",
	    json_object_new_int(pool->generation));
	json_object_object_add(o, "workers", list);
	json_object_object_add(o, "reloads",
	    json_object_new_int64(pool->reloads));
	json_object_object_add(o, "restarts",
	    json_object_new_int64(pool->restarts));
	json_object_object_add(o, "reload_failures",
	    json_object_new_int64(pool->reload_failures));
	json_object_object_add(o, "pending",
	    json_object_new_int(pool->pending));
	json_object_object_add(o, "size", json_object_new_int(pool->nworkers));
	json_object_object_add(o, "binary",
	    json_object_new_string(pool->exe_path));
	json_object_object_add(o, "stopping",
	    json_object_new_boolean(pool->stopping));
	if (asprintf(&line, "%s\n", json_object_to_json_string_ext(o,
	    JSON_OUT_FLAGS)) == -1) {
		log_warn("%s: asprintf", __func__);
		line = NULL;
	}
	json_object_put(o);
	return line;
}

/* --- the process around the bookkeeping ---------------------------------- */

/*
 * Applies migrations and the configured admin password once, in the
 * master, and closes the database again: SQLite handles must never cross
 * a fork, so every worker opens its own.
 */
static int
pool_prepare_db(const struct config *cfg)
{
	char hash[512];
	struct store *store;
	int rc = -1;

	if ((store = store_open(cfg->db_path, STORE_READWRITE)) == NULL)
		return -1;
	if (store_migrate(store) != STORE_OK)
		goto done;
	if (cfg->admin_password[0] != '\0') {
		if (token_password_hash(cfg->admin_password, hash,
		    sizeof(hash)) == -1 ||
		    store_admin_password_set(store, hash, 0, NULL) != STORE_OK)
			goto done;
		log_info("admin password set from the configuration");
	}
	rc = 0;
 done:
	store_close(store);
	return rc;
}

/*
 * Removes a socket file left behind by a dead instance, but refuses to
 * take over one that something still listens on, or a non-socket file.
 */
static int
pool_unix_clear(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, live;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s: %s", __func__, sun->sun_path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s: %s exists and is not a socket", __func__,
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (live) {
		log_warnx("%s: %s: another process is listening on it",
		    __func__, sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		log_warn("%s: unlink %s", __func__, sun->sun_path);
		return -1;
	}
	return 0;
}

/* A listening Unix stream socket at path with mode; the caller owns it. */
static int
pool_unix_listen(const char *path, mode_t mode, int backlog, int flags)
{
	struct sockaddr_un sun;
	int fd;

	if (unixsock_addr(&sun, path, __func__) == -1)
		return -1;
	if (pool_unix_clear(&sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0)) ==
	    -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("%s: bind %s", __func__, path);
		close(fd);
		return -1;
	}
	if (chmod(path, mode) == -1 || listen(fd, backlog) == -1) {
		log_warn("%s: %s", __func__, path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/*
 * fcgi_listen = a.b.c.d:port: a TCP listener for the nginx of edges
 * (docs/OPERATIONS.md, "Edges") instead of fcgi_socket.  Who may connect
 * is libfcgi's own allow-list, FCGI_WEB_SERVER_ADDRS, which every worker
 * reads in FCGX_Init() and checks on each accept (a peer not on it is
 * closed unanswered); the master sets it from fcgi_allow before the
 * first fork, and a TCP listener without one is refused.
 */
static int
pool_tcp_listen(const struct config *cfg, int backlog)
{
	struct sockaddr_in sin;
	char host[64];
	const char *colon = strrchr(cfg->fcgi_listen, ':');
	long port;
	char *end;
	int fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
	if (colon == NULL || (size_t)(colon - cfg->fcgi_listen) >= sizeof(host) ||
	    *end != '\0' || port < 1 || port > 65535) {
		log_warnx("%s: fcgi_listen \"%s\" is not ADDRESS:PORT", __func__,
		    cfg->fcgi_listen);
		return -1;
	}
	memcpy(host, cfg->fcgi_listen, (size_t)(colon - cfg->fcgi_listen));
	host[colon - cfg->fcgi_listen] = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		log_warnx("%s: fcgi_listen: \"%s\" is not an IPv4 address",
		    __func__, host);
		return -1;
	}
	sin.sin_port = htons((uint16_t)port);
	if (cfg->fcgi_allow[0] == '\0') {
		log_warnx("%s: fcgi_listen needs fcgi_allow (the nginx hosts "
		    "that may connect)", __func__);
		return -1;
	}
	if (setenv("FCGI_WEB_SERVER_ADDRS", cfg->fcgi_allow, 1) == -1 ||
	    (fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, backlog) == -1) {
		log_warn("%s: %s", __func__, cfg->fcgi_listen);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A TCP socket from systemd (a writer's ListenStream=10.0.0.1:9000 for
 * its edges) is guarded by fcgi_allow as our own fcgi_listen is: without
 * it any host that reaches the port would skip nginx.
 */
static int
pool_inherited_tcp_allow(const struct config *cfg, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		log_warn("%s: getsockname", __func__);
		return -1;
	}
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
		return 0;
	if (cfg->fcgi_allow[0] == '\0') {
		log_warnx("%s: the socket from systemd is TCP: set fcgi_allow "
		    "(the nginx hosts that may connect)", __func__);
		return -1;
	}
	if (setenv("FCGI_WEB_SERVER_ADDRS", cfg->fcgi_allow, 1) == -1) {
		log_warn("%s: setenv", __func__);
		return -1;
	}
	return 0;
}

/* The FastCGI socket: systemd's if it handed us one, else our own. */
static int
pool_open_listener(struct pool *pool)
{
	char err[160];
	int fd, on = 0;
	socklen_t len = sizeof(on);

	fd = pool_listen_fds(getenv("LISTEN_PID"), getenv("LISTEN_FDS"),
	    getpid(), err, sizeof(err));
	if (fd == -1) {
		log_warnx("%s: %s", __func__, err);
		return -1;
	}
	if (fd == 0 && pool->cfg->fcgi_listen[0] != '\0') {
		pool->listen_fd = pool_tcp_listen(pool->cfg, POOL_BACKLOG);
		return pool->listen_fd == -1 ? -1 : 0;
	}
	if (fd == 0) {
		/* nginx reaches it through the group (www-data is a member of
		 * memeter's, conf/sysusers.d); nobody else, whatever the
		 * folder's mode: a local user must not skip nginx's limits. */
		pool->listen_fd = pool_unix_listen(pool->cfg->fcgi_socket, 0660,
		    POOL_BACKLOG, 0);
		return pool->listen_fd == -1 ? -1 : 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1 ||
	    !on) {
		log_warnx("%s: fd %d from systemd is not a listening socket",
		    __func__, fd);
		return -1;
	}
	if (pool_inherited_tcp_allow(pool->cfg, fd) == -1)
		return -1;
	/* Only the workers we start may inherit it, and not as "theirs". */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_warn("%s: fcntl", __func__);
		return -1;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	pool->listen_fd = fd;
	pool->listen_inherited = 1;
	return 0;
}

static int
pool_open_signals(struct pool *pool)
{
	struct sigaction sa;
	sigset_t mask;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		log_warn("%s: sigprocmask", __func__);
		return -1;
	}
	pool->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pool->signal_fd == -1) {
		log_warn("%s: signalfd", __func__);
		return -1;
	}
	return 0;
}

/* Reads what a starting worker wrote: "ready <binary id>\n". */
static void
pool_read_ready(struct pool *pool, struct pool_worker *w)
{
	char *nl, *id;
	ssize_t n;

	n = read(w->ready_fd, w->ready_buf + w->ready_len,
	    sizeof(w->ready_buf) - 1 - w->ready_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		w->ready_len += (size_t)n;
		w->ready_buf[w->ready_len] = '\0';
		if ((nl = strchr(w->ready_buf, '\n')) != NULL &&
		    strncmp(w->ready_buf, "ready", 5) == 0) {
			*nl = '\0';
			id = w->ready_buf + 5;
			id += strspn(id, " ");
			pool_worker_ready(pool, w, id, time_monotonic_us());
			return;
		}
		if (nl == NULL && w->ready_len < sizeof(w->ready_buf) - 1)
			return;
		log_warnx("%s: worker %d wrote garbage", __func__, (int)w->pid);
	}
	/* EOF or error before "ready": its exit status tells the rest. */
	close(w->ready_fd);
	w->ready_fd = -1;
}

static void
pool_reap(struct pool *pool)
{
	struct pool_worker *w;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/* It may have said "ready" before dying: read that first, so
		 * the exit is judged by what really happened. */
		if ((w = pool_worker_find(pool, pid)) != NULL &&
		    w->ready_fd != -1)
			pool_read_ready(pool, w);
		pool_worker_exited(pool, pid, status, time_monotonic_us());
	}
}

static void
pool_handle_signals(struct pool *pool)
{
	struct signalfd_siginfo si;

	while (read(pool->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			log_info("SIGHUP: reloading");
			pool_reload(pool, time_monotonic_us());
			break;
		case SIGTERM:
		case SIGINT:
			if (!pool->stopping)
				log_info("%s: stopping",
				    si.ssi_signo == SIGTERM ? "SIGTERM" :
				    "SIGINT");
			pool_stop(pool, time_monotonic_us());
			break;
		case SIGCHLD:
			pool_reap(pool);
			break;
		}
	}
}

/* One status line per connection, then close: nothing to parse. */
static void
pool_serve_status(struct pool *pool)
{
	char *line;
	int fd;

	while ((fd = accept4(pool->control_fd, NULL, NULL,
	    SOCK_CLOEXEC | SOCK_NONBLOCK)) != -1) {
		if ((line = pool_status_json(pool)) != NULL) {
			if (send(fd, line, strlen(line),
			    MSG_NOSIGNAL | MSG_DONTWAIT) == -1)
				log_warn("%s: send", __func__);
			free(line);
		}
		close(fd);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
		log_warn("%s: accept", __func__);
}

/* Builds the poll set: signals, status clients, starting workers. */
static struct pollfd *
pool_pollfds(struct pool *pool, pid_t **pids, nfds_t *n)
{
	struct pool_worker *w;
	struct pollfd *pfd;
	size_t max = 2;

	for (w = pool->workers; w != NULL; w = w->next)
		max++;
	if ((pfd = calloc(max, sizeof(*pfd))) == NULL ||
	    (*pids = calloc(max, sizeof(**pids))) == NULL)
		fatal("%s: calloc", __func__);
	pfd[0].fd = pool->signal_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = pool->control_fd;
	pfd[1].events = POLLIN;
	*n = 2;
	for (w = pool->workers; w != NULL; w = w->next) {
		if (w->ready_fd == -1)
			continue;
		pfd[*n].fd = w->ready_fd;
		pfd[*n].events = POLLIN;
		(*pids)[*n] = w->pid;
		(*n)++;
	}
	return pfd;
}

/* The workers' deadlines or the next round to close, whichever first. */
static int
pool_loop_timeout_ms(const struct pool *pool, uint64_t now)
{
	int a = pool_timeout_ms(pool, now), b = pool->stopping ? -1 :
	    round_timer_timeout_ms(&pool->rounds, now);

	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static void
pool_loop(struct pool *pool)
{
	struct pool_worker *w;
	struct pollfd *pfd;
	pid_t *pids;
	nfds_t i, n;

	while (!pool->stopping || pool->workers != NULL) {
		pfd = pool_pollfds(pool, &pids, &n);
		if (poll(pfd, n, pool_loop_timeout_ms(pool,
		    time_monotonic_us())) == -1 && errno != EINTR)
			fatal("%s: poll", __func__);
		if (pfd[0].revents != 0)
			pool_handle_signals(pool);
		if (pfd[1].revents != 0)
			pool_serve_status(pool);
		/* By pid: a worker may have been reaped above. */
		for (i = 2; i < n; i++) {
			if (pfd[i].revents == 0 ||
			    (w = pool_worker_find(pool, pids[i])) == NULL ||
			    w->ready_fd != pfd[i].fd)
				continue;
			pool_read_ready(pool, w);
		}
		free(pfd);
		free(pids);
		pool_tick(pool, time_monotonic_us());
		if (!pool->stopping)
			round_timer_tick(&pool->rounds, time_monotonic_us());
	}
}

static void
pool_close(struct pool *pool)
{
	if (pool->control_fd != -1) {
		close(pool->control_fd);
		unlink(pool->cfg->control_socket);
	}
	if (pool->listen_fd != -1) {
		close(pool->listen_fd);
		if (!pool->listen_inherited && pool->cfg->fcgi_listen[0] == '\0')
			unlink(pool->cfg->fcgi_socket);
	}
	if (pool->signal_fd != -1)
		close(pool->signal_fd);
	round_timer_close(&pool->rounds);
	pool_clear(pool);
}

int
pool_main(const struct config *cfg, const char *config_path)
{
	char exe[PATH_MAX], conf[PATH_MAX];
	struct pool pool;
	int rc = 1;

	/* Workers get it as given; absolute, it does not depend on a cwd. */
	if (config_path != NULL && realpath(config_path, conf) != NULL)
		config_path = conf;

	/* Resolved now: after a rebuild the link names the deleted inode,
	 * and reloads must exec whatever binary sits at this path then. */
	if (realpath("/proc/self/exe", exe) == NULL) {
		log_warn("%s: /proc/self/exe", __func__);
		return 1;
	}
	pool_init(&pool, cfg, exe, config_path);
	if (pool_prepare_db(cfg) == -1 || pool_open_listener(&pool) == -1)
		goto done;
	pool.control_fd = pool_unix_listen(cfg->control_socket, 0660, 16,
	    SOCK_NONBLOCK);
	if (pool.control_fd == -1 || pool_open_signals(&pool) == -1)
		goto done;
	if (pool.listen_inherited)
		log_info("master %d: %s, socket fd %d from systemd, status on "
		    "%s", (int)getpid(), exe, pool.listen_fd,
		    cfg->control_socket);
	else
		log_info("master %d: %s, socket %s, status on %s",
		    (int)getpid(), exe, cfg->fcgi_listen[0] != '\0' ?
		    cfg->fcgi_listen : cfg->fcgi_socket, cfg->control_socket);
	/* Without it rounds still stop taking ratings at closes_at; only
	 * the screens would hear of it late (at the host's next step). */
	if (round_timer_open(&pool.rounds, cfg) == -1)
		log_warnx("master: no round timer");
	pool_start(&pool, time_monotonic_us());
	pool_loop(&pool);
	log_info("stopped after %u reloads and %u restarts", pool.reloads,
	    pool.restarts);
	rc = 0;
 done:
	pool_close(&pool);
	return rc;
}
