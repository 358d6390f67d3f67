/*
 * The master of several pushd processes (master.h): one poll(2) loop
 * over the signals, the notify socket, the metrics socket and its
 * requests, and each child's link.  Everything it does is small and
 * bounded; the clients' work is the children's.
 */
#include "master.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acceptor.h"
#include "child.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "linkmsg.h"
#include "rxguard.h"
#include "server.h"
#include "timeutil.h"

#define MASTER_BACKOFF_MIN_US	100000ULL	/* a child that died young */
#define MASTER_BACKOFF_MAX_US	5000000ULL
#define MASTER_YOUNG_US		5000000ULL	/* died sooner: back off */
#define MASTER_STOP_US		8000000ULL	/* SIGTERM: then SIGKILL */
#define MASTER_METRICS_WAIT_US	500000ULL	/* for the children's answers */
#define MASTER_HTTP_MAX		8		/* metrics requests at once */
#define MASTER_HTTP_TIMEOUT_US	5000000ULL
#define MASTER_TICK_US		1000000ULL	/* presence retries, timeouts */
#define MASTER_RELAY_SNDBUF	(1 << 20)	/* per child: a reaction burst */
#define MASTER_DRAIN_MAX	256		/* datagrams per wake */
#define MASTER_METRICS_MAX	16384

struct master_child {
	int			 index;		/* 1..n */
	pid_t			 pid;		/* 0: not running */
	int			 relay_fd;	/* our end of the datagram relay */
	int			 link_fd;	/* our end of the link (peer.h) */
	int			 raters, admins; /* its clients, as it reported */
	int			 told_raters, told_admins; /* others', as sent */
	struct pushd_metrics	 m;		/* its last metrics */
	uint32_t		 answered;	/* the request m answers */
	uint64_t		 started_us;
	uint64_t		 respawn_at_us;	/* when down */
	uint64_t		 backoff_us;
	uint64_t		 restarts;
	int			 killed;	/* SIGKILL sent */
};

/* One GET /metrics on the metrics socket. */
struct master_http {
	int			 fd;		/* -1: a free slot */
	uint64_t		 deadline_us;
	uint32_t		 id;		/* metrics asked; 0: reading */
	uint64_t		 asked_us;
	size_t			 in_len;
	char			 in[1024];
	char			*out;		/* the answer (owned) */
	size_t			 out_len, out_off;
};

struct master {
	const struct config	*cfg;
	int			 n;
	struct master_child	*children;	/* n of them (owned) */
	int			 sig_fd, notify_fd, listen_fd, metrics_fd;
	struct master_http	 http[MASTER_HTTP_MAX];
	uint32_t		 metrics_id;
	struct pushd_metrics	 retired;	/* counters of ended children */
	uint64_t		 datagrams;	/* notify datagrams received */
	uint64_t		 relay_drops;	/* relayed ones a child's queue refused */
	int			 stopping;
	uint64_t		 stop_deadline_us;
};

static uint64_t
master_now(void)
{
	return time_monotonic_us();
}

int
pushd_signals_open(int sigchld)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigchld)
		sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

static int
master_running(const struct master *ms)
{
	int n = 0;

	for (int i = 0; i < ms->n; i++)
		if (ms->children[i].pid != 0)
			n++;
	return n;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
master_http_free(struct master_http *h)
{
	close_fd(&h->fd);
	free(h->out);
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

/* Everything the master holds; a child calls it too, for its copies. */
static void
master_free(struct master *ms)
{
	for (int i = 0; i < MASTER_HTTP_MAX; i++)
		master_http_free(&ms->http[i]);
	for (int i = 0; ms->children != NULL && i < ms->n; i++) {
		close_fd(&ms->children[i].relay_fd);
		close_fd(&ms->children[i].link_fd);
	}
	free(ms->children);
	ms->children = NULL;
	close_fd(&ms->notify_fd);
	close_fd(&ms->metrics_fd);
	close_fd(&ms->listen_fd);
	close_fd(&ms->sig_fd);
}

/* --- presence -------------------------------------------------------------- */

/*
 * Sends each child the others' totals when they changed since it was
 * last told (a send that failed is retried on the tick).
 */
static void
master_share_presence(struct master *ms)
{
	int raters = 0, admins = 0;

	for (int i = 0; i < ms->n; i++) {
		raters += ms->children[i].raters;
		admins += ms->children[i].admins;
	}
	for (int i = 0; i < ms->n; i++) {
		struct master_child *c = &ms->children[i];
		int r = raters - c->raters, a = admins - c->admins;

		if (c->link_fd < 0 || (r == c->told_raters &&
		    a == c->told_admins))
			continue;
		if (linkmsg_send_counts(c->link_fd, LINKMSG_OTHERS, 0, r, a) == 0) {
			c->told_raters = r;
			c->told_admins = a;
		}
	}
}

/* --- the children ---------------------------------------------------------- */

/*
 * The forked child: it keeps the shared listener and its own ends of
 * the relay and the link, and becomes a whole pushd.  exit(), not
 * _exit(): its sanitizers check for leaks at exit as a lone pushd's do.
 */
static void __attribute__((noreturn))
master_child_main(struct master *ms, struct master_child *c, pid_t master,
    int relay_end, int link_end)
{
	struct pushd_child pc;
	const struct config *cfg = ms->cfg;
	sigset_t chld;
	int sigfd, status;

	/* A master killed outright still stops its children, gracefully. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != master)
		_exit(1);
	pc.index = c->index;
	pc.listen_fd = ms->listen_fd;
	pc.notify_fd = relay_end;
	pc.link_fd = link_end;
	ms->listen_fd = -1;	/* ours now: not closed with the rest */
	master_free(ms);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigprocmask(SIG_UNBLOCK, &chld, NULL);
	sigfd = pushd_signals_open(0);
	status = pushd_serve(cfg, sigfd, &pc);
	close(sigfd);
	rxguard_table_free();
	exit(status);
}

static int
master_socketpair(int type, int sv[2])
{
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("%s: socketpair", __func__);
		return -1;
	}
	return 0;
}

static int
master_spawn(struct master *ms, struct master_child *c, uint64_t now)
{
	int relay[2], link[2], sndbuf = MASTER_RELAY_SNDBUF;
	pid_t master = getpid(), pid;

	if (master_socketpair(SOCK_DGRAM, relay) == -1)
		return -1;
	if (master_socketpair(SOCK_SEQPACKET, link) == -1) {
		close(relay[0]);
		close(relay[1]);
		return -1;
	}
	/* The relay queue is bounded by the sender's buffer. */
	(void)setsockopt(relay[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf));
	if ((pid = fork()) == -1) {
		log_warn("%s: fork", __func__);
		close(relay[0]);
		close(relay[1]);
		close(link[0]);
		close(link[1]);
		return -1;
	}
	if (pid == 0) {
		close(relay[0]);
		close(link[0]);
		master_child_main(ms, c, master, relay[1], link[1]);
	}
	close(relay[1]);
	close(link[1]);
	c->pid = pid;
	c->relay_fd = relay[0];
	c->link_fd = link[0];
	c->raters = c->admins = 0;
	c->told_raters = c->told_admins = 0;
	c->answered = 0;
	c->killed = 0;
	memset(&c->m, 0, sizeof(c->m));
	c->started_us = now;
	log_info("process %d started (pid %d)", c->index, (int)pid);
	master_share_presence(ms);	/* the others' clients, so far */
	return 0;
}

/* A child ended: its counts leave the presence, its counters stay in the
 * totals, and unless we are stopping it is started again. */
static void
master_child_ended(struct master *ms, struct master_child *c, int status,
    uint64_t now)
{
	char how[96];

	child_describe_exit(status, how, sizeof(how));
	close_fd(&c->relay_fd);
	close_fd(&c->link_fd);
	linkmsg_metrics_add(&ms->retired, &c->m, 0, 1);
	memset(&c->m, 0, sizeof(c->m));
	c->raters = c->admins = 0;
	c->pid = 0;
	if (ms->stopping) {
		log_info("process %d %s", c->index, how);
		return;
	}
	c->restarts++;
	c->backoff_us = child_backoff_next(c->backoff_us,
	    now - c->started_us < MASTER_YOUNG_US, MASTER_BACKOFF_MIN_US,
	    MASTER_BACKOFF_MAX_US);
	c->respawn_at_us = now + c->backoff_us;
	if (c->backoff_us > 0)
		log_warnx("process %d %s right after starting; restarting it "
		    "in %" PRIu64 " ms", c->index, how, c->backoff_us / 1000);
	else
		log_warnx("process %d %s; restarting it", c->index, how);
	master_share_presence(ms);
}

static void
master_reap(struct master *ms, uint64_t now)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (int i = 0; i < ms->n; i++)
			if (ms->children[i].pid == pid)
				master_child_ended(ms, &ms->children[i],
				    status, now);
}

static void
master_signal_all(struct master *ms, int sig)
{
	for (int i = 0; i < ms->n; i++)
		if (ms->children[i].pid != 0 &&
		    kill(ms->children[i].pid, sig) == -1 && errno != ESRCH)
			log_warn("%s: kill %d", __func__,
			    (int)ms->children[i].pid);
}

static void
master_stop(struct master *ms, uint64_t now)
{
	if (ms->stopping)
		return;
	ms->stopping = 1;
	ms->stop_deadline_us = now + MASTER_STOP_US;
	log_info("stopping: %d processes closing their clients",
	    master_running(ms));
	master_signal_all(ms, SIGTERM);
}

static void
master_signals(struct master *ms, uint64_t now)
{
	struct signalfd_siginfo si;

	while (read(ms->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			master_stop(ms, now);
		else if (si.ssi_signo == SIGHUP)
			log_info("SIGHUP: nothing to reload; clients stay");
		else if (si.ssi_signo == SIGCHLD)
			master_reap(ms, now);
	}
}

/* --- the notify relay ------------------------------------------------------ */

static void
master_relay_one(struct master *ms, const char *buf, size_t len)
{
	for (int i = 0; i < ms->n; i++) {
		struct master_child *c = &ms->children[i];

		if (c->relay_fd >= 0 && send(c->relay_fd, buf, len,
		    MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
			ms->relay_drops++;
	}
}

/*
 * Every reaction goes to every child as it came; the seq hints of one
 * wake go as one, the newest: a hint only says "read the outbox", and a
 * burst of them would cost each child a wake per hint.
 */
static void
master_relay(struct master *ms)
{
	struct notify_msg msg;
	int64_t newest = 0;
	char buf[48];
	ssize_t n;
	int len;

	for (int i = 0; i < MASTER_DRAIN_MAX; i++) {
		n = recv(ms->notify_fd, buf, sizeof(buf), MSG_DONTWAIT |
		    MSG_TRUNC);
		if (n == -1)
			break;
		ms->datagrams++;
		if (n == 0 || (size_t)n > sizeof(buf) ||
		    notify_parse(buf, (size_t)n, &msg) == -1)
			log_debug("%s: malformed datagram", __func__);
		else if (msg.kind == NOTIFY_REACTION)
			master_relay_one(ms, buf, (size_t)n);
		else if (msg.seq > newest)
			newest = msg.seq;
	}
	if (newest > 0) {
		len = snprintf(buf, sizeof(buf), "%" PRId64, newest);
		master_relay_one(ms, buf, (size_t)len);
	}
}

/* --- the links ------------------------------------------------------------- */

static void	master_http_progress(struct master *, uint64_t);

static void
master_link_readable(struct master *ms, struct master_child *c,
    uint64_t now)
{
	struct linkmsg_msg msg;
	int rc, counts = 0;

	while ((rc = linkmsg_receive(c->link_fd, &msg)) > 0) {
		if (msg.type == LINKMSG_COUNTS) {
			c->raters = msg.raters;
			c->admins = msg.admins;
			counts = 1;
		} else if (msg.type == LINKMSG_METRICS) {
			c->m = msg.m;
			c->answered = msg.id;
		}
	}
	if (rc == LINKMSG_CLOSED)	/* it is ending: SIGCHLD follows */
		close_fd(&c->link_fd);
	if (counts)
		master_share_presence(ms);
	master_http_progress(ms, now);
}

/* --- the metrics endpoint -------------------------------------------------- */

static void
master_http_answer(struct master_http *h, const char *status,
    const char *body, size_t len)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: "
	    "text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, len);
	free(h->out);
	h->out_off = 0;
	h->out_len = 0;
	if (n < 0 || (h->out = malloc((size_t)n + len)) == NULL) {
		log_warn("%s: malloc", __func__);
		master_http_free(h);
		return;
	}
	memcpy(h->out, head, (size_t)n);
	memcpy(h->out + n, body, len);
	h->out_len = (size_t)n + len;
}

/* The children's sum, and what only the master knows. */
static int
master_metrics_render(const struct master *ms, char *buf, size_t len)
{
	struct pushd_metrics sum = ms->retired;
	int first = 1, n, used;

	for (int i = 0; i < ms->n; i++) {
		if (ms->children[i].pid == 0)
			continue;
		linkmsg_metrics_add(&sum, &ms->children[i].m, first, 0);
		first = 0;
	}
	/* The children count the relayed datagrams; these are the sent. */
	sum.notify_datagrams = ms->datagrams;
	if ((used = metrics_render(&sum, buf, len)) < 0)
		return -1;
	n = snprintf(buf + used, len - (size_t)used,
	    "# HELP memeter_pushd_processes pushd processes running.\n"
	    "# TYPE memeter_pushd_processes gauge\n"
	    "memeter_pushd_processes %d\n"
	    "# HELP memeter_pushd_relay_drops_total Relayed datagrams a "
	    "child's queue refused.\n"
	    "# TYPE memeter_pushd_relay_drops_total counter\n"
	    "memeter_pushd_relay_drops_total %" PRIu64 "\n"
	    "# HELP memeter_pushd_process_clients Open WebSockets per "
	    "process.\n# TYPE memeter_pushd_process_clients gauge\n",
	    master_running(ms), ms->relay_drops);
	if (n < 0 || (size_t)n >= len - (size_t)used)
		return -1;
	used += n;
	for (int i = 0; i < ms->n; i++) {
		const struct master_child *c = &ms->children[i];

		n = snprintf(buf + used, len - (size_t)used,
		    "memeter_pushd_process_clients{process=\"%d\","
		    "group=\"user\"} %d\nmemeter_pushd_process_clients{"
		    "process=\"%d\",group=\"admin\"} %d\n", c->index,
		    c->m.clients_user, c->index, c->m.clients_admin);
		if (n < 0 || (size_t)n >= len - (size_t)used)
			return -1;
		used += n;
	}
	n = snprintf(buf + used, len - (size_t)used,
	    "# HELP memeter_pushd_process_restarts_total Times the master "
	    "restarted a process.\n"
	    "# TYPE memeter_pushd_process_restarts_total counter\n");
	if (n < 0 || (size_t)n >= len - (size_t)used)
		return -1;
	used += n;
	for (int i = 0; i < ms->n; i++) {
		n = snprintf(buf + used, len - (size_t)used,
		    "memeter_pushd_process_restarts_total{process=\"%d\"} %"
		    PRIu64 "\n", ms->children[i].index,
		    ms->children[i].restarts);
		if (n < 0 || (size_t)n >= len - (size_t)used)
			return -1;
		used += n;
	}
	return used;
}

/* Answers the requests whose children have all answered, or waited long
 * enough (a child that is starting, or stuck, is summed as last seen). */
static void
master_http_progress(struct master *ms, uint64_t now)
{
	char *body;
	int len;

	for (int i = 0; i < MASTER_HTTP_MAX; i++) {
		struct master_http *h = &ms->http[i];
		int waiting = 0;

		if (h->fd < 0 || h->id == 0 || h->out != NULL)
			continue;
		for (int k = 0; k < ms->n; k++)
			if (ms->children[k].link_fd >= 0 &&
			    ms->children[k].answered < h->id)
				waiting = 1;
		if (waiting && now - h->asked_us < MASTER_METRICS_WAIT_US)
			continue;
		if ((body = malloc(MASTER_METRICS_MAX)) == NULL) {
			log_warn("%s: malloc", __func__);
			master_http_free(h);
			continue;
		}
		if ((len = master_metrics_render(ms, body,
		    MASTER_METRICS_MAX)) < 0) {
			log_warnx("%s: metrics do not fit", __func__);
			master_http_answer(h, "500 Internal Server Error", "", 0);
		} else
			master_http_answer(h, "200 OK", body, (size_t)len);
		free(body);
	}
}

/* A whole request head is in: GET /metrics asks every child. */
static void
master_http_request(struct master *ms, struct master_http *h, uint64_t now)
{
	static const char notfound[] = "not found\n";

	if (strncmp(h->in, "GET /metrics ", 13) != 0 &&
	    strncmp(h->in, "GET /metrics?", 13) != 0) {
		master_http_answer(h, "404 Not Found", notfound,
		    sizeof(notfound) - 1);
		return;
	}
	if (++ms->metrics_id == 0)
		ms->metrics_id = 1;
	h->id = ms->metrics_id;
	h->asked_us = now;
	for (int i = 0; i < ms->n; i++)
		if (ms->children[i].link_fd >= 0)
			(void)linkmsg_send_counts(ms->children[i].link_fd,
			    LINKMSG_METRICS_ASK, h->id, 0, 0);
	master_http_progress(ms, now);
}

static void
master_http_readable(struct master *ms, struct master_http *h, uint64_t now)
{
	ssize_t n;

	n = read(h->fd, h->in + h->in_len, sizeof(h->in) - 1 - h->in_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		master_http_free(h);
		return;
	}
	h->in_len += (size_t)n;
	h->in[h->in_len] = '\0';
	if (strstr(h->in, "\r\n\r\n") != NULL)
		master_http_request(ms, h, now);
	else if (h->in_len == sizeof(h->in) - 1)
		master_http_answer(h, "400 Bad Request", "", 0);
}

static void
master_http_writable(struct master_http *h)
{
	ssize_t n;

	n = write(h->fd, h->out + h->out_off, h->out_len - h->out_off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (h->out_off += (size_t)n) == h->out_len)
		master_http_free(h);
}

static void
master_http_accept(struct master *ms, uint64_t now)
{
	int fd;

	while ((fd = accept4(ms->metrics_fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		struct master_http *h = NULL;

		for (int i = 0; i < MASTER_HTTP_MAX && h == NULL; i++)
			if (ms->http[i].fd < 0)
				h = &ms->http[i];
		if (h == NULL) {
			log_warnx("%s: %d metrics requests at once; closing one",
			    __func__, MASTER_HTTP_MAX);
			close(fd);
			continue;
		}
		h->fd = fd;
		h->deadline_us = now + MASTER_HTTP_TIMEOUT_US;
	}
}

/* --- the loop -------------------------------------------------------------- */

/* Restarts what is due, sends SIGKILL at the stop deadline, drops stuck
 * requests, retries presence. */
static void
master_tick(struct master *ms, uint64_t now)
{
	for (int i = 0; i < ms->n; i++) {
		struct master_child *c = &ms->children[i];

		if (ms->stopping && c->pid != 0 && !c->killed &&
		    now >= ms->stop_deadline_us) {
			log_warnx("process %d did not stop in time; killing it",
			    c->index);
			(void)kill(c->pid, SIGKILL);
			c->killed = 1;
		} else if (!ms->stopping && c->pid == 0 &&
		    now >= c->respawn_at_us && master_spawn(ms, c, now) == -1)
			c->respawn_at_us = now + MASTER_BACKOFF_MAX_US;
	}
	for (int i = 0; i < MASTER_HTTP_MAX; i++)
		if (ms->http[i].fd >= 0 && now >= ms->http[i].deadline_us)
			master_http_free(&ms->http[i]);
	master_share_presence(ms);
	master_http_progress(ms, now);
}

static void
master_timeout_min(uint64_t *next, uint64_t at)
{
	if (at < *next)
		*next = at;
}

static int
master_timeout_ms(const struct master *ms, uint64_t now)
{
	uint64_t next = now + MASTER_TICK_US;

	if (ms->stopping)
		master_timeout_min(&next, ms->stop_deadline_us);
	for (int i = 0; i < ms->n; i++)
		if (!ms->stopping && ms->children[i].pid == 0)
			master_timeout_min(&next, ms->children[i].respawn_at_us);
	for (int i = 0; i < MASTER_HTTP_MAX; i++)
		if (ms->http[i].fd >= 0 && ms->http[i].id != 0 &&
		    ms->http[i].out == NULL)
			master_timeout_min(&next, ms->http[i].asked_us +
			    MASTER_METRICS_WAIT_US);
	if (next <= now)
		return 0;
	return (int)((next - now + 999) / 1000);
}

enum { FD_SIGNAL, FD_NOTIFY, FD_METRICS, FD_FIXED };

/* One turn: poll what is open, handle what is ready, then the timers. */
static void
master_turn(struct master *ms)
{
	struct pollfd pfd[FD_FIXED + MASTER_HTTP_MAX + 64];
	int http_at[MASTER_HTTP_MAX], link_at[64];
	uint64_t now = master_now();
	int n = FD_FIXED;

	pfd[FD_SIGNAL] = (struct pollfd){ ms->sig_fd, POLLIN, 0 };
	pfd[FD_NOTIFY] = (struct pollfd){ ms->notify_fd, POLLIN, 0 };
	pfd[FD_METRICS] = (struct pollfd){ ms->metrics_fd, POLLIN, 0 };
	for (int i = 0; i < MASTER_HTTP_MAX; i++) {
		const struct master_http *h = &ms->http[i];

		http_at[i] = -1;
		if (h->fd < 0 || (h->id != 0 && h->out == NULL))
			continue;	/* free, or waiting for the children */
		http_at[i] = n;
		pfd[n++] = (struct pollfd){ h->fd, h->out != NULL ? POLLOUT :
		    POLLIN, 0 };
	}
	for (int i = 0; i < ms->n; i++) {
		link_at[i] = -1;
		if (ms->children[i].link_fd < 0)
			continue;
		link_at[i] = n;
		pfd[n++] = (struct pollfd){ ms->children[i].link_fd, POLLIN,
		    0 };
	}
	if (poll(pfd, (nfds_t)n, master_timeout_ms(ms, now)) == -1 &&
	    errno != EINTR)
		fatal("poll");
	now = master_now();
	if (pfd[FD_SIGNAL].revents != 0)
		master_signals(ms, now);
	if (pfd[FD_NOTIFY].revents != 0)
		master_relay(ms);
	for (int i = 0; i < ms->n; i++)
		if (link_at[i] >= 0 && pfd[link_at[i]].revents != 0 &&
		    ms->children[i].link_fd >= 0)
			master_link_readable(ms, &ms->children[i], now);
	for (int i = 0; i < MASTER_HTTP_MAX; i++) {
		if (http_at[i] < 0 || pfd[http_at[i]].revents == 0 ||
		    ms->http[i].fd < 0)
			continue;
		if (ms->http[i].out != NULL)
			master_http_writable(&ms->http[i]);
		else
			master_http_readable(ms, &ms->http[i], now);
	}
	if (pfd[FD_METRICS].revents != 0)
		master_http_accept(ms, now);
	master_tick(ms, now);
}

/* The sockets that are one for all the children. */
static int
master_open(struct master *ms)
{
	const struct config *cfg = ms->cfg;

	if (strcmp(cfg->source, "sqlite") != 0 &&
	    strcmp(cfg->source, "redis") != 0) {
		log_warnx("%s: source \"%s\" is not sqlite or redis", __func__,
		    cfg->source);
		return -1;
	}
	if (cfg->pushd_port == 0 &&
	    (ms->listen_fd = acceptor_unix(cfg->pushd_socket)) == -1)
		return -1;
	if ((ms->metrics_fd = acceptor_unix(cfg->metrics_socket)) == -1)
		return -1;
	if ((ms->notify_fd = notify_receiver_open(cfg->notify_socket)) == -1)
		return -1;
	return 0;
}

static void
master_unlink(const char *path)
{
	if (path[0] != '\0' && path[0] != '@')
		(void)unlink(path);
}

int
master_run(const struct config *cfg)
{
	struct master ms;

	memset(&ms, 0, sizeof(ms));
	ms.cfg = cfg;
	ms.n = cfg->pushd_processes;
	ms.notify_fd = ms.listen_fd = ms.metrics_fd = -1;
	for (int i = 0; i < MASTER_HTTP_MAX; i++)
		ms.http[i].fd = -1;
	ms.sig_fd = pushd_signals_open(1);
	if (ms.n > 64 || (ms.children = calloc((size_t)ms.n,
	    sizeof(*ms.children))) == NULL) {
		log_warnx("%s: %d processes", __func__, ms.n);
		master_free(&ms);
		return 1;
	}
	for (int i = 0; i < ms.n; i++) {
		ms.children[i].index = i + 1;
		ms.children[i].relay_fd = ms.children[i].link_fd = -1;
	}
	if (master_open(&ms) == -1) {
		master_free(&ms);
		return 1;
	}
	log_info("master: %d processes on %s, metrics on %s", ms.n,
	    cfg->pushd_port > 0 ? "127.0.0.1 (SO_REUSEPORT)" :
	    cfg->pushd_socket, cfg->metrics_socket);
	master_tick(&ms, master_now());
	while (!ms.stopping || master_running(&ms) > 0)
		master_turn(&ms);
	master_free(&ms);
	if (cfg->pushd_port == 0)
		master_unlink(cfg->pushd_socket);
	master_unlink(cfg->metrics_socket);
	master_unlink(cfg->notify_socket);
	log_info("stopped");
	return 0;
}
