#include "progstart.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "version.h"

static void __attribute__((noreturn))
progstart_usage(const char *name, FILE *out, int status)
{
	fprintf(out, "usage: %s [-c config] [-V] [-h]\n"
	    "\n"
	    "  -c config  configuration file (default: $MEMETER_CONFIG or %s)\n"
	    "  -V         print the version and exit\n"
	    "  -h         print this help and exit\n", name,
	    config_default_path());
	exit(status);
}

void
progstart(const char *name, int argc, char *argv[], struct config *cfg)
{
	const char *path = NULL;
	enum log_level level;
	char err[512];
	int ch;

	log_init(name);
	optind = 1;		/* a second call (the tests) starts over */
	while ((ch = getopt(argc, argv, "c:hV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			progstart_usage(name, stdout, 0);
		case 'V':
			printf("%s %s\n", name, MEMETER_VERSION);
			exit(0);
		default:
			progstart_usage(name, stderr, 2);
		}
	}
	if (optind != argc)
		progstart_usage(name, stderr, 2);
	if (config_load(cfg, path != NULL ? path : config_default_path(),
	    path != NULL, err, sizeof(err)) == -1)
		fatalx("config: %s", err);
	if (log_parse_level(cfg->log_level, &level) == 0)
		log_set_level(level);
}
