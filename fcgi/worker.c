#include "worker.h"

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "store/store.h"
#include "token.h"

static volatile sig_atomic_t worker_stopping;

/* Only flags: the loop notices them when epoll_pwait() returns EINTR. */
static void
worker_on_term(int sig)
{
	(void)sig;
	worker_stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * exec kept the master's signal mask and its ignored signals: start
 * clean, then take over what a worker needs.  SIGTERM (and SIGINT, which
 * a terminal sends to the whole group) mean "finish the request in hand
 * and exit"; the handler has no SA_RESTART so a blocked wait returns.
 * SIGHUP is the master's business; SIGPIPE from a vanished nginx
 * connection must not kill us mid-request.
 */
static int
worker_signals(void)
{
	static const int reset[] = { SIGHUP, SIGINT, SIGTERM, SIGCHLD, SIGPIPE,
	    SIGUSR1, SIGUSR2, SIGQUIT };
	struct sigaction sa;
	sigset_t none;
	size_t i;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1) {
		log_warn("%s: sigprocmask", __func__);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1) {
		log_warn("%s: sigaction", __func__);
		return -1;
	}
	sa.sa_handler = worker_on_term;
	sa.sa_flags = 0;	/* no SA_RESTART */
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		log_warn("%s: sigaction", __func__);
		return -1;
	}
	return 0;
}

int
worker_binary_id(const char *path, char out[17])
{
	char hex[SHA256_HEX_LEN + 1];
	struct stat st;
	void *map;
	int fd;

	out[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s: %s", __func__, path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0) {
		log_warn("%s: fstat %s", __func__, path);
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		log_warn("%s: mmap %s", __func__, path);
		return -1;
	}
	token_sha256_hex(map, (size_t)st.st_size, hex);
	munmap(map, (size_t)st.st_size);
	memcpy(out, hex, 16);
	out[16] = '\0';
	return 0;
}

/* Tells the master this worker can take requests; closing the pipe is
 * part of the message (EOF without it means the start failed). */
static int
worker_report_ready(int ready_fd, const char *binary_id)
{
	char line[64];
	int len, rc = 0;

	len = snprintf(line, sizeof(line), "ready %s\n", binary_id);
	if (write(ready_fd, line, (size_t)len) != len) {
		log_warn("%s: write", __func__);
		rc = -1;
	}
	close(ready_fd);
	return rc;
}

/*
 * Serves requests until SIGTERM.  SIGTERM stays blocked except inside
 * epoll_pwait(), so it can interrupt only the wait for a connection,
 * never a request being read, run or answered.  That needs a
 * non-blocking listen socket: a woken worker that loses the accept to
 * another gets EAGAIN and waits again, instead of sleeping in accept()
 * where the blocked signal could not reach it.  EPOLLEXCLUSIVE wakes one
 * idle worker per connection rather than all of them (with poll(), three
 * of four woke for nothing on every request).
 */
static int
worker_loop(struct app *app, FCGX_Request *req, int listen_fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	sigset_t block, wait_mask;
	int ep, rc = -1;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) == -1) {
		log_warn("%s: epoll", __func__);
		if (ep != -1)
			close(ep);
		return -1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) == -1) {
		log_warn("%s: sigprocmask", __func__);
		goto done;
	}
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	while (!worker_stopping) {
		if (epoll_pwait(ep, &ev, 1, -1, &wait_mask) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: epoll_pwait", __func__);
			goto done;
		}
		rc = FCGX_Accept_r(req);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
			continue;
		if (rc < 0) {
			log_warnx("%s: FCGX_Accept_r: %s", __func__,
			    rc > -4096 ? strerror(-rc) : "libfcgi error");
			rc = -1;
			goto done;
		}
		app_handle_fcgi(app, req);
		FCGX_Finish_r(req);
		app_after_request(app);
	}
	rc = 0;
done:
	close(ep);
	return rc;
}

int
worker_main(const struct config *cfg, int listen_fd, int ready_fd,
    int generation)
{
	FCGX_Request req;
	struct app *app;
	int flags, rc = 1;

	/* Dying with the master needs nothing here: the forked child set
	 * PR_SET_PDEATHSIG (kept across exec) and checked getppid() for the
	 * race before exec (pool.c).  SIGTERM it sends is handled below. */
	if (worker_signals() == -1)
		return 1;
	flags = fcntl(listen_fd, F_GETFL);
	if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("%s: fd %d", __func__, listen_fd);
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		log_warnx("%s: libfcgi initialisation failed", __func__);
		return 1;
	}
	store_process_init();
	/* The database is opened here, after fork and exec, never before. */
	if ((app = app_create(cfg, generation)) == NULL)
		return 1;
	/* /proc/self/exe is the file we were exec'd from, even if a newer
	 * binary has replaced it on disk since. */
	worker_binary_id("/proc/self/exe", app->binary_id);
	if (worker_report_ready(ready_fd, app->binary_id) == 0) {
		log_debug("worker %d (generation %d) ready, binary %s",
		    (int)getpid(), generation, app->binary_id);
		if (worker_loop(app, &req, listen_fd) == 0)
			rc = 0;
	}
	log_info("worker %d (generation %d) exiting after %llu requests",
	    (int)getpid(), generation, (unsigned long long)app->requests);
	app_destroy(app);
	/* Shared with every other worker: close our reference only. */
	close(listen_fd);
	return rc;
}
