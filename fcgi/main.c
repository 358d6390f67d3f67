/*
 * memeter-fcgi: the FastCGI worker pool.  Started by hand, by systemd or
 * by the stack harness it is the master (fcgi/pool.c); the master starts
 * itself again with --worker for each worker process (fcgi/worker.c).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "pool.h"
#include "version.h"
#include "worker.h"

enum main_opt {
	OPT_WORKER = 256,
	OPT_FD,
	OPT_READY_FD,
	OPT_GENERATION,
};

struct main_args {
	const char	*config_path;	/* -c, or NULL for the default */
	int		 worker;	/* --worker: internal, from the master */
	int		 listen_fd;
	int		 ready_fd;
	int		 generation;
};

static void __attribute__((noreturn))
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: memeter-fcgi [-c config] [--version] [--help]\n"
	    "\n"
	    "Runs the memeter FastCGI pool: a master that binds fcgi_socket\n"
	    "(or takes it from systemd socket activation) and `workers`\n"
	    "worker processes.  SIGHUP starts a new generation of workers\n"
	    "from the binary on disk and retires the old one; SIGTERM stops.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default: $MEMETER_CONFIG\n"
	    "                     or %s)\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n",
	    config_default_path());
	exit(status);
}

/* A non-negative int argument of an internal option, or exit. */
static int
main_number(const char *name, const char *arg)
{
	char *end;
	long n;

	n = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || n < 0 || n > INT_MAX) {
		fprintf(stderr, "memeter-fcgi: --%s: \"%s\" is not a number\n",
		    name, arg);
		exit(2);
	}
	return (int)n;
}

static void
main_parse(int argc, char **argv, struct main_args *args)
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ "worker",	no_argument,	   NULL, OPT_WORKER },
		{ "fd",		required_argument, NULL, OPT_FD },
		{ "ready-fd",	required_argument, NULL, OPT_READY_FD },
		{ "generation",	required_argument, NULL, OPT_GENERATION },
		{ NULL,		0,		   NULL, 0 }
	};
	int ch;

	memset(args, 0, sizeof(*args));
	args->listen_fd = args->ready_fd = -1;
	while ((ch = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			args->config_path = optarg;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("memeter-fcgi %s\n", MEMETER_VERSION);
			exit(0);
		case OPT_WORKER:
			args->worker = 1;
			break;
		case OPT_FD:
			args->listen_fd = main_number("fd", optarg);
			break;
		case OPT_READY_FD:
			args->ready_fd = main_number("ready-fd", optarg);
			break;
		case OPT_GENERATION:
			args->generation = main_number("generation", optarg);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	if (args->worker && (args->listen_fd < 0 || args->ready_fd < 0 ||
	    args->generation < 1)) {
		fprintf(stderr, "memeter-fcgi: --worker needs --fd, --ready-fd "
		    "and --generation (it is started by the master)\n");
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	static struct config cfg;	/* the workers' app keeps a pointer */
	struct main_args args;
	enum log_level level;
	char err[256];

	log_init("memeter-fcgi");
	main_parse(argc, argv, &args);
	if (config_load(&cfg, args.config_path != NULL ? args.config_path :
	    config_default_path(), args.config_path != NULL, err,
	    sizeof(err)) == -1)
		fatalx("config: %s", err);
	if (log_parse_level(cfg.log_level, &level) == -1)
		fatalx("config: log_level: \"%s\" is not debug, info, warn or "
		    "error", cfg.log_level);
	log_set_level(level);
	if (args.worker)
		return worker_main(&cfg, args.listen_fd, args.ready_fd,
		    args.generation);
	return pool_main(&cfg, args.config_path);
}
