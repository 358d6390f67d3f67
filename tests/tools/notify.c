/*
 * notify: sends one "seq N is committed" hint to pushd, exactly as a
 * worker does after a commit (for the stack tests).
 *
 *   notify SEQ [SOCKET]     SOCKET defaults to the config's notify_socket
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "log.h"
#include "notify.h"

int
main(int argc, char *argv[])
{
	struct config cfg;
	const char *path;
	char err[512];
	int fd;

	log_init("notify");
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: notify SEQ [SOCKET]\n");
		return 2;
	}
	if (argc == 3)
		path = argv[2];
	else {
		if (config_load(&cfg, config_default_path(), 0, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "notify: %s\n", err);
			return 2;
		}
		path = cfg.notify_socket;
	}
	if ((fd = notify_sender_open()) == -1)
		return 1;
	return notify_send(fd, path, strtoll(argv[1], NULL, 10)) == 0 ? 0 : 1;
}
