/*
 * memeterctl: operate a memeter installation from the shell.  See
 * usage() below (and docs/memeterctl.1) for every command.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "log.h"
#include "version.h"

static const struct ctl_command ctl_commands[] = {
	{ "passwd",   cmd_passwd,   "",
	  "set the admin password (stdin, or asked twice on a terminal)" },
	{ "sessions", cmd_sessions, "list",
	  "list every session, newest first, with meme and rating counts" },
	{ "session",  cmd_session,  "create NAME | start ID | finish ID",
	  "create a draft session, start it, finish it" },
	{ "populate", cmd_populate, "ID [FOLDER]",
	  "add every image of FOLDER (default: library_dir) to a session" },
	{ "export",   cmd_export,   "ID --csv|--json",
	  "write a session's full results to stdout" },
	{ "backup",   cmd_backup,   "FILE",
	  "copy the live database to the new FILE (online, checked)" },
	{ "check",    cmd_check,    "",
	  "integrity_check, foreign_key_check and the schema version" },
	{ "status",   cmd_status,   "",
	  "the pool's generation and workers, pushd's clients, the database" },
	{ "migrate",  cmd_migrate,  "",
	  "create the database or bring its schema up to date" },
	{ "config",   cmd_config,   "",
	  "print the effective configuration (password hidden)" },
};
#define CTL_NCOMMANDS (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void __attribute__((noreturn))
usage(FILE *out, int status)
{
	fprintf(out, "usage: memeterctl [-c FILE] [--json] COMMAND [ARGS]\n"
	    "       memeterctl --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < CTL_NCOMMANDS; i++)
		fprintf(out, "  %s%s%s\n      %s\n", ctl_commands[i].name,
		    *ctl_commands[i].args ? " " : "", ctl_commands[i].args,
		    ctl_commands[i].help);
	if (out == stderr)
		exit(status);
	fprintf(out,
"\n"
"memeterctl operates a memeter installation: the same database and data\n"
"model as the memeter-fcgi pool, so every change it makes writes the same\n"
"outbox event as the web API and wakes memeter-pushd: open admin\n"
"dashboards and rater phones update at once.\n"
"\n"
"options:\n"
"  -c, --config FILE  the configuration file (default: $MEMETER_CONFIG, else\n"
"                     %s).  MEMETER_<KEY> environment variables\n"
"                     override its keys, as for the daemons.\n"
"  -j, --json         machine-readable JSON output (sessions list, session,\n"
"                     populate, status)\n"
"  -h, --help         this text\n"
"  -V, --version      the version\n"
"\n"
"commands in detail:\n"
"  passwd             Reads the new admin password (at least 8 characters)\n"
"                     from the terminal without echo, twice, or as one line\n"
"                     from stdin (echo \"$PW\" | memeterctl passwd).  Stores\n"
"                     only its crypt(3) hash and ends every admin login.\n"
"                     If admin_password is set in the config, memeter-fcgi\n"
"                     puts that one back at its next start.\n"
"  sessions list      ID, status (draft, active, finished), memes, ratings,\n"
"                     creation time and name of every session.\n"
"  session create NAME  a new draft session; NAME has 1 to 80 characters.\n"
"  session start ID   starts a draft session (only one may be active).\n"
"  session finish ID  finishes the active session; its results can then\n"
"                     be revealed from the admin page.\n"
"  populate ID [FOLDER]  copies every JPEG, PNG, GIF and WebP image of\n"
"                     FOLDER (recognised by content; others are skipped)\n"
"                     into media_dir and appends the ones the session does\n"
"                     not have yet.  The session must not be finished.\n"
"  export ID --csv    place,title,count,avg,min,max,median per meme, as the\n"
"                     admin page's CSV download.\n"
"  export ID --json   {\"session\",\"stats\",\"results\"} with every place.\n"
"  backup FILE        copies the database while the services run (SQLite\n"
"                     online backup API; writers are never held up for\n"
"                     long), converts the copy to a single rollback-journal\n"
"                     file, runs quick_check on it, then renames it to FILE.\n"
"                     FILE must not exist.  To restore: stop memeter-fcgi\n"
"                     and memeter-pushd, copy FILE to db_path (removing any\n"
"                     old -wal and -shm files), start them again.\n"
"  check              PRAGMA integrity_check and foreign_key_check; prints\n"
"                     every problem.\n"
"  status             Asks the pool master on control_socket for its pid,\n"
"                     generation and workers, pushd on metrics_socket for\n"
"                     its clients, and the database for its schema and the\n"
"                     current session.  A daemon that does not answer is\n"
"                     shown as NOT RUNNING.\n"
"  migrate            creates the database if needed and applies every\n"
"                     missing schema step (memeter-fcgi does it at start).\n"
"  config             every key with its effective value.\n"
"\n"
"Run as root, memeterctl works as the owner of db_path's folder (the\n"
"memeter user), so files it creates stay usable by the services; backup\n"
"writes FILE as root.  Other commands never need root.\n"
"\n"
"exit status:\n"
"  0  done (status: the pool and pushd both answered)\n"
"  1  failed: database, file or folder error; status: a daemon is down;\n"
"     check: the schema is out of date\n"
"  2  bad command line\n"
"  3  the configuration is invalid (the message names the key)\n"
"  4  no session with that id\n"
"  5  the session is in the wrong state for this (e.g. already finished)\n"
"  6  invalid input: a session name, a password\n"
"  7  check found problems in the database\n"
"\n"
"environment:\n"
"  MEMETER_CONFIG     the configuration file when -c is not given\n"
"  MEMETER_<KEY>      overrides key <key> of the configuration file\n"
"\n"
"See also: memeter-fcgi --help, memeter-pushd --help, memeterctl(1),\n"
"docs/OPERATIONS.md (installed in share/doc/memeter).\n",
	    config_default_path());
	exit(status);
}

static const struct ctl_command *
ctl_find(const char *name)
{
	for (size_t i = 0; i < CTL_NCOMMANDS; i++)
		if (strcmp(ctl_commands[i].name, name) == 0)
			return &ctl_commands[i];
	return NULL;
}

/* "--json" after the command word means the same as before it, except
 * for export, where it picks the format.  Removes it from argv. */
static int
ctl_take_json(const struct ctl_command *cmd, int *argc, char **argv)
{
	int found = 0, j = 1;

	if (cmd->fn == cmd_export)
		return 0;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			found = 1;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return found;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument, NULL, 'c' },
		{ "json",	no_argument,	   NULL, 'j' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ "version",	no_argument,	   NULL, 'V' },
		{ NULL,		0,		   NULL, 0 }
	};
	static struct ctl ctl;
	const struct ctl_command *cmd;
	const char *path = NULL;
	enum log_level level;
	char err[512];
	int ch, rc;

	log_init("memeterctl");
	ctl.notify_fd = -1;
	/* '+': options after the command word belong to the command. */
	while ((ch = getopt_long(argc, argv, "+c:jhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'j':
			ctl.json = 1;
			break;
		case 'h':
			usage(stdout, CTL_OK);
		case 'V':
			printf("memeterctl %s\n", MEMETER_VERSION);
			return CTL_OK;
		default:
			usage(stderr, CTL_EUSAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(stderr, CTL_EUSAGE);
	if (strcmp(argv[0], "help") == 0)
		usage(stdout, CTL_OK);
	if ((cmd = ctl_find(argv[0])) == NULL) {
		ctl_errx("unknown command \"%s\" (memeterctl --help lists them)",
		    argv[0]);
		return CTL_EUSAGE;
	}
	if (ctl_take_json(cmd, &argc, argv))
		ctl.json = 1;
	ctl.config_path = path != NULL ? path : config_default_path();
	if (config_load(&ctl.cfg, ctl.config_path, path != NULL, err,
	    sizeof(err)) == -1) {
		ctl_errx("config: %s", err);
		return CTL_ECONFIG;
	}
	if (log_parse_level(ctl.cfg.log_level, &level) == -1) {
		ctl_errx("config: log_level: \"%s\" is not debug, info, warn or "
		    "error", ctl.cfg.log_level);
		return CTL_ECONFIG;
	}
	/* The library's info lines are for daemons; a tool says less. */
	log_set_level(level > LOG_LEVEL_WARN ? level : LOG_LEVEL_WARN);
	rc = cmd->fn(&ctl, argc, argv);
	ctl_close(&ctl);
	return rc;
}
