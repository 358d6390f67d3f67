#ifndef MEMETER_CTL_H
#define MEMETER_CTL_H

/*
 * memeterctl: the operator's tool.  It links the same store (the data
 * layer, shared/store/) as the pool, so a session created here writes the same rows
 * and outbox events as one created through the API, and wakes pushd the
 * same way.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

#include "config.h"

struct store;

/* Exit statuses (documented in --help and memeterctl(1)). */
enum ctl_exit {
	CTL_OK = 0,		/* done */
	CTL_EFAIL = 1,		/* failed: database, file, daemon down (status) */
	CTL_EUSAGE = 2,		/* bad command line */
	CTL_ECONFIG = 3,	/* the configuration is invalid */
	CTL_ENOTFOUND = 4,	/* no session with that id */
	CTL_ESTATE = 5,		/* the session is in the wrong state */
	CTL_EINVAL = 6,		/* invalid input (a name, a password) */
	CTL_ECORRUPT = 7,	/* check: the database has problems */
};

struct ctl {
	struct config	 cfg;
	const char	*config_path;	/* the file actually read */
	int		 json;		/* --json: machine-readable output */
	struct store	*store;		/* opened by ctl_db_open() */
	int		 notify_fd;	/* -1 until the first notify */
	int		 privs_dropped;	/* running as the database's owner */
};

/* One command: argv[0] is the command word itself. */
typedef int (*ctl_cmd_fn)(struct ctl *ctl, int argc, char **argv);

struct ctl_command {
	const char	*name;
	ctl_cmd_fn	 fn;
	const char	*args;		/* for the usage line */
	const char	*help;		/* one line */
};

/* --- ctl.c: shared by the commands ------------------------------------- */

/*
 * When started as root, switches the effective ids to the owner of the
 * database's folder so files SQLite creates (-wal, -shm, a new database)
 * stay usable by the daemons' unprivileged user.  The saved id stays root
 * for ctl_privs_restore().  0 or -1 (message printed).
 */
int	ctl_privs_drop(struct ctl *ctl);
int	ctl_privs_restore(struct ctl *ctl);

/* How ctl_db_open() treats the schema version. */
enum ctl_db_mode {
	CTL_DB_CURRENT,		/* refuse an out-of-date schema (say: migrate) */
	CTL_DB_ANY,		/* any version (check, backup) */
	CTL_DB_CREATE,		/* create the file if missing (migrate) */
};

/* Opens cfg->db_path read-write (it must exist unless CTL_DB_CREATE).
 * CTL_OK or an exit status after printing why. */
int	ctl_db_open(struct ctl *ctl, enum ctl_db_mode mode);
void	ctl_close(struct ctl *ctl);

/* Tells pushd that seq is committed, as a worker does after a write. */
void	ctl_notify(struct ctl *ctl, int64_t seq);

/* Prints "memeterctl: <message>" on stderr. */
void	ctl_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A session id from the command line: > 0, or -1 after an error line. */
int64_t	ctl_parse_id(const char *arg);

/* The exit status and message (printed) for a store outcome other than
 * STORE_OK: the one place memeterctl maps them. */
int	ctl_fail(int rc, int64_t id, const char *what);

/* Prints o as pretty JSON on stdout and drops the reference. */
void	ctl_print_json(struct json_object *o);

/* A string member of o, "" if absent or null. */
const char *ctl_json_str(struct json_object *o, const char *key);

/* --- commands (cmd_*.c) ---------------------------------------------------- */

int	cmd_passwd(struct ctl *, int, char **);
int	cmd_sessions(struct ctl *, int, char **);
int	cmd_session(struct ctl *, int, char **);
int	cmd_populate(struct ctl *, int, char **);
int	cmd_export(struct ctl *, int, char **);
int	cmd_backup(struct ctl *, int, char **);
int	cmd_check(struct ctl *, int, char **);
int	cmd_status(struct ctl *, int, char **);
int	cmd_migrate(struct ctl *, int, char **);
int	cmd_config(struct ctl *, int, char **);

/* --- pieces with unit tests ------------------------------------------------ */

/*
 * The value of one sample in a Prometheus text exposition: name is the
 * metric with its labels exactly as printed (memeter_pushd_clients{group=
 * "user"}).  0 and *value set, or -1 when the sample is absent.
 */
int	ctl_metric_value(const char *text, const char *name, double *value);

/*
 * The body of an HTTP/1.x response held in buf (NUL-terminated), or NULL
 * when the status is not 200 or the header is incomplete.
 */
const char *ctl_http_body(const char *buf);

/*
 * Copies the live database src into the new file dest with SQLite's
 * online backup API, in steps so writers are not held up, then checks the
 * copy with quick_check.  dest is written under a temporary name and
 * renamed, so it never exists half-written.  Returns the number of pages
 * copied, or -1 after printing why.
 */
int	ctl_backup_db(struct store *src, const char *dest, struct ctl *ctl);

/*
 * Runs PRAGMA integrity_check and foreign_key_check; prints each problem
 * on out.  Returns the number of problems, or -1 on a database error.
 */
int	ctl_check_db(struct store *store, FILE *out);

#endif
