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
#include "store/store.h"
#include "token.h"

#define PASSWD_MIN	8
#define PASSWD_MAX	255	/* what config's admin_password can hold */

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
	/* The new hash, and every admin browser logged out, at once. */
	if ((rc = store_admin_password_set(ctl->store, hash, 1, &loggedout)) !=
	    STORE_OK) {
		ctl_errx("passwd: cannot store the password in %s",
		    ctl->cfg.db_path);
		return ctl_fail(rc, 0, "passwd");
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

int
ctl_backup_db(struct store *src, const char *dest, struct ctl *ctl)
{
	char tmp[PATH_MAX];
	const char *why;
	struct stat st;
	int pages = 0;

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
	if (store_backup(src, tmp, &pages, &why) != STORE_OK) {
		ctl_errx("backup: %s", why);
		goto fail;
	}
	if (rename(tmp, dest) == -1) {
		ctl_errx("backup: rename %s to %s: %s", tmp, dest,
		    strerror(errno));
		goto fail;
	}
	return pages;
fail:
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
	if ((pages = ctl_backup_db(ctl->store, argv[1], ctl)) == -1)
		return CTL_EFAIL;
	printf("backed up %s to %s (%d pages, checked)\n", ctl->cfg.db_path,
	    argv[1], pages);
	return CTL_OK;
}

/* --- check ------------------------------------------------------------------ */

static void
check_print(const char *problem, void *arg)
{
	fprintf(arg, "%s\n", problem);
}

int
ctl_check_db(struct store *store, FILE *out)
{
	int problems, rc;

	if ((rc = store_check(store, check_print, out, &problems)) != STORE_OK) {
		fprintf(out, "check: the database could not be read (%s)\n",
		    store_rc_name(rc));
		return -1;
	}
	return problems;
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
	if ((problems = ctl_check_db(ctl->store, stdout)) == -1)
		return CTL_EFAIL;
	version = store_schema_version(ctl->store);
	printf("%s: %s; schema version %d of %d%s\n", ctl->cfg.db_path,
	    problems == 0 ? "integrity ok, foreign keys ok" : "PROBLEMS FOUND",
	    version, store_schema_latest(), version < store_schema_latest() ?
	    " (run memeterctl migrate)" : "");
	if (problems > 0)
		return CTL_ECORRUPT;
	return version == store_schema_latest() ? CTL_OK : CTL_EFAIL;
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
	before = store_schema_version(ctl->store);
	if (store_migrate(ctl->store) != STORE_OK) {
		ctl_errx("migrate: %s stays at schema version %d (see the log "
		    "line above)", ctl->cfg.db_path, before);
		return CTL_EFAIL;
	}
	if (before == store_schema_latest())
		printf("%s: schema version %d is current\n", ctl->cfg.db_path,
		    before);
	else
		printf("%s: schema version %d -> %d\n", ctl->cfg.db_path, before,
		    store_schema_version(ctl->store));
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
