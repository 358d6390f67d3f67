/*
 * Commands about the database itself and the configuration: passwd,
 * backup, check, migrate, config.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "db.h"
#include "token.h"

#define PASSWD_MIN	8
#define PASSWD_MAX	255	/* what config's admin_password can hold */
#define BACKUP_STEP	256	/* pages per step: writers wait at most this */

/* --- passwd ----------------------------------------------------------------- */

/* Reads one line into buf (without its newline); echo off when fd is a
 * terminal.  0, or -1 on EOF before anything or a line that is too long. */
static int
passwd_read_line(FILE *in, const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(fileno(in)), rc = 0;
	size_t n;

	if (tty && tcgetattr(fileno(in), &old) == 0) {
		/* Echo off (and typed-ahead input dropped) before the prompt
		 * shows: what is typed after it is never lost or echoed. */
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		(void)tcsetattr(fileno(in), TCSAFLUSH, &quiet);
		fputs(prompt, stderr);
		fflush(stderr);
	} else
		tty = 0;
	if (fgets(buf, (int)len, in) == NULL)
		rc = -1;
	if (tty)
		(void)tcsetattr(fileno(in), TCSANOW, &old);
	if (rc == -1)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(in))
		return -1;	/* longer than buf */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* The new password from the terminal (asked twice) or from stdin. */
static int
passwd_get(char *pw, size_t len)
{
	char again[PASSWD_MAX + 2];
	int rc;

	if (passwd_read_line(stdin, "New admin password: ", pw, len) == -1) {
		ctl_errx("passwd: no password read (give one line on stdin, "
		    "at most %d bytes)", PASSWD_MAX);
		return CTL_EINVAL;
	}
	if (strlen(pw) < PASSWD_MIN) {
		ctl_errx("passwd: the password must have at least %d characters",
		    PASSWD_MIN);
		return CTL_EINVAL;
	}
	if (!isatty(fileno(stdin)))
		return CTL_OK;
	rc = passwd_read_line(stdin, "Again: ", again, sizeof(again)) == -1 ||
	    strcmp(pw, again) != 0 ? CTL_EINVAL : CTL_OK;
	explicit_bzero(again, sizeof(again));
	if (rc != CTL_OK)
		ctl_errx("passwd: the two passwords differ; nothing changed");
	return rc;
}

/* Stores the hash and logs out every admin browser, in one transaction. */
static int
passwd_store(sqlite3 *db, const char *hash, int *loggedout)
{
	if (db_begin(db) == -1)
		return -1;
	if (db_setting_set(db, "admin_password_hash", hash) == -1 ||
	    db_exec(db, "DELETE FROM admin_sessions") == -1) {
		db_rollback(db);
		return -1;
	}
	*loggedout = sqlite3_changes(db);
	return db_commit(db);
}

int
cmd_passwd(struct ctl *ctl, int argc, char **argv)
{
	char pw[PASSWD_MAX + 2], hash[512];
	int rc, loggedout = 0;

	(void)argv;
	if (argc != 1) {
		ctl_errx("usage: memeterctl passwd  (the password comes from "
		    "stdin or the terminal, never the command line)");
		return CTL_EUSAGE;
	}
	if ((rc = ctl_db_open(ctl, CTL_DB_CURRENT)) != CTL_OK)
		return rc;
	rc = passwd_get(pw, sizeof(pw));
	if (rc == CTL_OK && token_password_hash(pw, hash, sizeof(hash)) == -1) {
		ctl_errx("passwd: crypt(3) failed");
		rc = CTL_EFAIL;
	}
	explicit_bzero(pw, sizeof(pw));
	if (rc != CTL_OK)
		return rc;
	if (passwd_store(ctl->db, hash, &loggedout) == -1) {
		ctl_errx("passwd: cannot store the password in %s",
		    ctl->cfg.db_path);
		return CTL_EFAIL;
	}
	printf("admin password changed; %d admin login%s ended\n", loggedout,
	    loggedout == 1 ? "" : "s");
	if (ctl->cfg.admin_password[0] != '\0')
		fprintf(stderr, "memeterctl: note: admin_password is set in %s "
		    "or MEMETER_ADMIN_PASSWORD; memeter-fcgi will put that one "
		    "back when it starts.  Remove it to keep this one.\n",
		    ctl->config_path);
	return CTL_OK;
}

/* --- backup ----------------------------------------------------------------- */

/* Copies src into the open dst in steps; SQLITE_OK or the error code. */
static int
backup_copy(sqlite3 *dst, sqlite3 *src, int *pages)
{
	sqlite3_backup *b;
	int rc;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return sqlite3_errcode(dst);
	do {
		rc = sqlite3_backup_step(b, BACKUP_STEP);
		/* A writer holds the lock: let it finish, then go on. */
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(10);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	*pages = sqlite3_backup_pagecount(b);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE)
		return rc != SQLITE_DONE ? rc : sqlite3_errcode(dst);
	return SQLITE_OK;
}

/* The copy as one self-contained file (not WAL), and sound. */
static int
backup_finish_copy(sqlite3 *dst, const char *dest)
{
	sqlite3_stmt *st;
	const char *res;
	int rc = -1;

	if (db_exec(dst, "PRAGMA journal_mode=DELETE") == -1)
		return -1;
	if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (res = (const char *)sqlite3_column_text(st, 0)) != NULL) {
		if (strcmp(res, "ok") == 0)
			rc = 0;
		else
			ctl_errx("backup: the copy %s fails quick_check: %s",
			    dest, res);
	}
	sqlite3_finalize(st);
	return rc;
}

int
ctl_backup_db(sqlite3 *src, const char *dest, struct ctl *ctl)
{
	char tmp[PATH_MAX];
	sqlite3 *dst = NULL;
	struct stat st;
	int rc, pages = 0;

	if (lstat(dest, &st) == 0) {
		ctl_errx("backup: %s exists already; choose a new name", dest);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.partial-%d", dest,
	    (int)getpid()) >= sizeof(tmp)) {
		ctl_errx("backup: %s: name too long", dest);
		return -1;
	}
	/* The copy belongs to whoever ran us, in a folder of their choice. */
	if (ctl != NULL && ctl_privs_restore(ctl) == -1)
		return -1;
	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, NULL);
	if (rc != SQLITE_OK) {
		ctl_errx("backup: cannot create %s: %s", tmp,
		    dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((rc = backup_copy(dst, src, &pages)) != SQLITE_OK) {
		ctl_errx("backup: copying into %s failed: %s", tmp,
		    sqlite3_errstr(rc));
		goto fail;
	}
	if (backup_finish_copy(dst, dest) == -1)
		goto fail;
	if (sqlite3_close(dst) != SQLITE_OK) {
		ctl_errx("backup: closing %s: %s", tmp, sqlite3_errmsg(dst));
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if (rename(tmp, dest) == -1) {
		ctl_errx("backup: rename %s to %s: %s", tmp, dest,
		    strerror(errno));
		goto fail;
	}
	return pages;
fail:
	sqlite3_close_v2(dst);
	unlink(tmp);
	return -1;
}

int
cmd_backup(struct ctl *ctl, int argc, char **argv)
{
	int rc, pages;

	if (argc != 2 || argv[1][0] == '\0') {
		ctl_errx("usage: memeterctl backup FILE");
		return CTL_EUSAGE;
	}
	if ((rc = ctl_db_open(ctl, CTL_DB_ANY)) != CTL_OK)
		return rc;
	if ((pages = ctl_backup_db(ctl->db, argv[1], ctl)) == -1)
		return CTL_EFAIL;
	printf("backed up %s to %s (%d pages, checked)\n", ctl->cfg.db_path,
	    argv[1], pages);
	return CTL_OK;
}

/* --- check ------------------------------------------------------------------ */

int
ctl_check_db(sqlite3 *db, FILE *out)
{
	sqlite3_stmt *st;
	const char *msg;
	int problems = 0, rc;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		msg = (const char *)sqlite3_column_text(st, 0);
		if (msg != NULL && strcmp(msg, "ok") == 0)
			continue;
		fprintf(out, "integrity: %s\n", msg ? msg : "(null)");
		problems++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) !=
	    SQLITE_OK)
		goto dberr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(out, "foreign key: %s row %lld refers to a missing %s "
		    "row\n", sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 2));
		problems++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	return problems;
dberr:
	fprintf(out, "check: %s\n", sqlite3_errmsg(db));
	return -1;
}

int
cmd_check(struct ctl *ctl, int argc, char **argv)
{
	int rc, problems, version;

	(void)argv;
	if (argc != 1) {
		ctl_errx("usage: memeterctl check");
		return CTL_EUSAGE;
	}
	if ((rc = ctl_db_open(ctl, CTL_DB_ANY)) != CTL_OK)
		return rc;
	if ((problems = ctl_check_db(ctl->db, stdout)) == -1)
		return CTL_EFAIL;
	version = db_schema_version(ctl->db);
	printf("%s: %s; schema version %d of %d%s\n", ctl->cfg.db_path,
	    problems == 0 ? "integrity ok, foreign keys ok" : "PROBLEMS FOUND",
	    version, db_latest_version(), version < db_latest_version() ?
	    " (run memeterctl migrate)" : "");
	if (problems > 0)
		return CTL_ECORRUPT;
	return version == db_latest_version() ? CTL_OK : CTL_EFAIL;
}

/* --- migrate ---------------------------------------------------------------- */

int
cmd_migrate(struct ctl *ctl, int argc, char **argv)
{
	int rc, before;

	(void)argv;
	if (argc != 1) {
		ctl_errx("usage: memeterctl migrate");
		return CTL_EUSAGE;
	}
	if ((rc = ctl_db_open(ctl, CTL_DB_CREATE)) != CTL_OK)
		return rc;
	before = db_schema_version(ctl->db);
	if (db_migrate(ctl->db) == -1) {
		ctl_errx("migrate: %s stays at schema version %d (see the log "
		    "line above)", ctl->cfg.db_path, before);
		return CTL_EFAIL;
	}
	if (before == db_latest_version())
		printf("%s: schema version %d is current\n", ctl->cfg.db_path,
		    before);
	else
		printf("%s: schema version %d -> %d\n", ctl->cfg.db_path, before,
		    db_schema_version(ctl->db));
	return CTL_OK;
}

/* --- config ----------------------------------------------------------------- */

static void
config_emit(const char *key, const char *value, void *arg)
{
	(void)arg;
	printf("%s = %s\n", key, value);
}

int
cmd_config(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		ctl_errx("usage: memeterctl config");
		return CTL_EUSAGE;
	}
	printf("# effective configuration: %s, then MEMETER_* variables\n",
	    ctl->config_path);
	config_dump(&ctl->cfg, config_emit, NULL);
	return CTL_OK;
}
