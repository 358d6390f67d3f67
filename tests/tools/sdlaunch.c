/*
 * sdlaunch: what systemd does for memeter-fcgi.socket + .service, small
 * enough for a test.  It binds a Unix stream socket and keeps it open for
 * its whole life, and runs a command with that socket passed the way
 * systemd passes it (fd 3, LISTEN_FDS=1, LISTEN_PID=<the command's pid>).
 *
 *   sdlaunch [-p PIDFILE] SOCKET -- COMMAND [ARGS...]
 *
 * SIGHUP   "systemctl restart": SIGTERM to the command, wait for it to
 *          exit, start it again (the socket stays open all along, so
 *          clients wait in its backlog instead of being refused).
 * SIGTERM  stop: SIGTERM to the command, wait, remove the socket, exit 0.
 * A command that exits by itself is started again (Restart=always).
 * Orphans of the command are reaped here (a child subreaper, as systemd).
 * PIDFILE holds the running command's pid, rewritten at each start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unixsock.h"

#define SD_LISTEN_FDS_START	3
#define LAUNCH_BACKLOG		4096

struct launch {
	const char	*socket_path;
	const char	*pidfile;
	char		**argv;		/* the command */
	int		 listen_fd;
	int		 signal_fd;
	pid_t		 child;
	unsigned	 starts;
};

static void __attribute__((noreturn))
launch_usage(void)
{
	fprintf(stderr, "usage: sdlaunch [-p PIDFILE] SOCKET -- COMMAND "
	    "[ARGS...]\n");
	exit(2);
}

static int
launch_listen(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (unixsock_addr(&sun, path, "sdlaunch") == -1)
		return -1;
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, LAUNCH_BACKLOG) == -1) {
		fprintf(stderr, "sdlaunch: %s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* In the child: the socket as fd 3 and the environment that names it. */
static void __attribute__((noreturn))
launch_exec(struct launch *l)
{
	char pid[32];
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (l->listen_fd != SD_LISTEN_FDS_START) {
		if (dup2(l->listen_fd, SD_LISTEN_FDS_START) == -1)
			_exit(127);
	} else if (fcntl(SD_LISTEN_FDS_START, F_SETFD, 0) == -1)
		_exit(127);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "memeter-fcgi.socket", 1);
	execvp(l->argv[0], l->argv);
	fprintf(stderr, "sdlaunch: exec %s: %s\n", l->argv[0], strerror(errno));
	_exit(127);
}

static int
launch_start(struct launch *l)
{
	FILE *fp;

	if ((l->child = fork()) == -1) {
		fprintf(stderr, "sdlaunch: fork: %s\n", strerror(errno));
		return -1;
	}
	if (l->child == 0)
		launch_exec(l);
	l->starts++;
	fprintf(stderr, "sdlaunch: started %s, pid %d (start %u)\n",
	    l->argv[0], (int)l->child, l->starts);
	if (l->pidfile != NULL && (fp = fopen(l->pidfile, "w")) != NULL) {
		fprintf(fp, "%d\n", (int)l->child);
		fclose(fp);
	}
	return 0;
}

/* SIGTERM to the command and wait for it: a graceful stop. */
static void
launch_stop_child(struct launch *l)
{
	int status;

	if (l->child <= 0)
		return;
	kill(l->child, SIGTERM);
	while (waitpid(l->child, &status, 0) == -1 && errno == EINTR)
		;
	fprintf(stderr, "sdlaunch: pid %d stopped (status %d)\n",
	    (int)l->child, WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
	l->child = 0;
}

static int
launch_loop(struct launch *l)
{
	struct signalfd_siginfo si;
	pid_t pid;
	int status;

	for (;;) {
		if (read(l->signal_fd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sdlaunch: signalfd: %s\n",
			    strerror(errno));
			return 1;
		}
		switch (si.ssi_signo) {
		case SIGHUP:
			launch_stop_child(l);
			if (launch_start(l) == -1)
				return 1;
			break;
		case SIGTERM:
		case SIGINT:
			launch_stop_child(l);
			return 0;
		case SIGCHLD:
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				if (pid != l->child)
					continue;
				fprintf(stderr, "sdlaunch: pid %d exited by "
				    "itself; starting it again\n", (int)pid);
				l->child = 0;
				if (launch_start(l) == -1)
					return 1;
			}
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	struct launch l;
	sigset_t mask;
	int ch, rc;

	memset(&l, 0, sizeof(l));
	while ((ch = getopt(argc, argv, "+p:")) != -1) {
		if (ch != 'p')
			launch_usage();
		l.pidfile = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || strcmp(argv[1], "--") != 0)
		launch_usage();
	l.socket_path = argv[0];
	l.argv = argv + 2;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (l.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "sdlaunch: signals: %s\n", strerror(errno));
		return 1;
	}
	/* Like systemd, reap what the command leaves behind: workers of a
	 * master that was killed come to us, not to init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		fprintf(stderr, "sdlaunch: prctl: %s\n", strerror(errno));
		return 1;
	}
	if ((l.listen_fd = launch_listen(l.socket_path)) == -1 ||
	    launch_start(&l) == -1)
		return 1;
	rc = launch_loop(&l);
	close(l.listen_fd);
	unlink(l.socket_path);
	return rc;
}
