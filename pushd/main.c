/*
 * memeter-pushd: the push daemon.  Serves /ws/user and /ws/admin behind
 * nginx, reads the events table after each notify datagram from the
 * workers (and on a timer) and fans each event out to the clients that
 * may see it.  See server.c for the data flow and the close codes.
 * With pushd_processes > 1 it is a master and that many children
 * (master.h).
 *
 *   memeter-pushd [-c config] [-V] [-h]
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "master.h"
#include "rxguard.h"
#include "server.h"
#include "version.h"

static void __attribute__((noreturn))
usage(FILE *out, int status)
{
	fprintf(out, "usage: memeter-pushd [-c config] [-V] [-h]\n"
	    "\n"
	    "  -c config  configuration file (default: $MEMETER_CONFIG or %s)\n"
	    "  -V         print the version and exit\n"
	    "  -h         print this help and exit\n", config_default_path());
	exit(status);
}

/*
 * libwebsockets reads its sockets with recv(2); this definition in the
 * program comes before libc's in the dynamic linker's lookup, so every
 * byte lws reads from a client passes rxguard (rxguard.h: lws 4.1 does
 * not refuse unmasked client frames).  The call itself is the system's.
 */
ssize_t	recv(int fd, void *buf, size_t len, int flags);

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);

	if (n > 0 && !(flags & MSG_PEEK))
		rxguard_received(fd, buf, (size_t)n);
	return n;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	const char *path = NULL;
	enum log_level level;
	char err[512];
	int ch, sigfd, status;

	log_init("memeter-pushd");
	while ((ch = getopt(argc, argv, "c:hV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("memeter-pushd %s\n", MEMETER_VERSION);
			return 0;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	if (config_load(&cfg, path != NULL ? path : config_default_path(),
	    path != NULL, err, sizeof(err)) == -1)
		fatalx("config: %s", err);
	if (log_parse_level(cfg.log_level, &level) == 0)
		log_set_level(level);
	if (cfg.pushd_processes > 1)
		status = master_run(&cfg);
	else {
		sigfd = pushd_signals_open(0);
		status = pushd_serve(&cfg, sigfd, NULL);
		close(sigfd);
	}
	rxguard_table_free();
	return status;
}
