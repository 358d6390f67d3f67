/*
 * What every memeterctl command shares: privileges, the database, the
 * notify hint to pushd, errors and output.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "notify.h"
#include "store/store.h"

void
ctl_errx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("memeterctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_privs_drop(struct ctl *ctl)
{
	char dir[sizeof(ctl->cfg.db_path)];
	struct passwd *pw;
	struct stat st;
	gid_t gid;

	if (geteuid() != 0 || ctl->privs_dropped)
		return 0;
	snprintf(dir, sizeof(dir), "%s", ctl->cfg.db_path);
	/* A missing folder is reported by whoever opens the database. */
	if (stat(dirname(dir), &st) == -1 || st.st_uid == 0)
		return 0;
	/* A root group would keep root's group access: take the owner's. */
	gid = st.st_gid;
	if (gid == 0 && (pw = getpwuid(st.st_uid)) != NULL)
		gid = pw->pw_gid;
	if (setgroups(1, &gid) == -1 || setegid(gid) == -1 ||
	    seteuid(st.st_uid) == -1) {
		ctl_errx("cannot switch to the owner (uid %u) of %s: %s",
		    (unsigned)st.st_uid, dir, strerror(errno));
		return -1;
	}
	ctl->privs_dropped = 1;
	return 0;
}

int
ctl_privs_restore(struct ctl *ctl)
{
	if (!ctl->privs_dropped)
		return 0;
	if (seteuid(0) == -1 || setegid(0) == -1) {
		ctl_errx("cannot switch back to root: %s", strerror(errno));
		return -1;
	}
	ctl->privs_dropped = 0;
	return 0;
}

int
ctl_db_open(struct ctl *ctl, enum ctl_db_mode mode)
{
	struct stat st;
	int version;

	if (ctl->store != NULL)
		return CTL_OK;
	if (ctl_privs_drop(ctl) == -1)
		return CTL_EFAIL;
	/* A typo in db_path must not leave an empty database behind. */
	if (mode != CTL_DB_CREATE && stat(ctl->cfg.db_path, &st) == -1) {
		ctl_errx("no database at %s (db_path in %s): %s; \"memeterctl "
		    "migrate\" creates one", ctl->cfg.db_path, ctl->config_path,
		    strerror(errno));
		return CTL_EFAIL;
	}
	if ((ctl->store = store_open(ctl->cfg.db_path, STORE_READWRITE)) ==
	    NULL) {
		ctl_errx("cannot open the database %s (db_path in %s)",
		    ctl->cfg.db_path, ctl->config_path);
		return CTL_EFAIL;
	}
	if (mode != CTL_DB_CURRENT)
		return CTL_OK;
	/* Never migrate behind the operator's back: say what to run. */
	version = store_schema_version(ctl->store);
	if (version != store_schema_latest()) {
		ctl_errx("%s: schema version %d, this memeterctl expects %d; "
		    "run \"memeterctl migrate\" (or start memeter-fcgi) first",
		    ctl->cfg.db_path, version, store_schema_latest());
		return CTL_EFAIL;
	}
	return CTL_OK;
}

void
ctl_close(struct ctl *ctl)
{
	if (ctl->store != NULL) {
		store_close(ctl->store);
		ctl->store = NULL;
	}
	if (ctl->notify_fd != -1) {
		close(ctl->notify_fd);
		ctl->notify_fd = -1;
	}
}

void
ctl_notify(struct ctl *ctl, int64_t seq)
{
	if (seq <= 0)
		return;
	if (ctl->notify_fd == -1 && (ctl->notify_fd = notify_sender_open()) == -1)
		return;
	/* pushd down is fine: it reads the outbox when it comes back. */
	(void)notify_send(ctl->notify_fd, ctl->cfg.notify_socket, seq);
}

int64_t
ctl_parse_id(const char *arg)
{
	char *end;
	long long v;

	errno = 0;
	v = arg != NULL ? strtoll(arg, &end, 10) : 0;
	if (arg == NULL || errno != 0 || end == arg || *end != '\0' || v <= 0) {
		ctl_errx("\"%s\" is not a session id (a whole number > 0; "
		    "see \"memeterctl sessions list\")", arg ? arg : "");
		return -1;
	}
	return v;
}

int
ctl_fail(int rc, int64_t id, const char *what)
{
	switch (rc) {
	case STORE_NOT_FOUND:
		ctl_errx("%s: there is no session %lld", what, (long long)id);
		return CTL_ENOTFOUND;
	case STORE_INVALID:
		ctl_errx("%s: invalid input", what);
		return CTL_EINVAL;
	case STORE_WRONG_STATE:
	case STORE_CONFLICT:
	case STORE_NOT_OPEN:
	case STORE_SELF_PACED:
	case STORE_NO_MORE_MEMES:
	case STORE_JOINING_LOCKED:
		ctl_errx("%s: session %lld: not in a state that allows this",
		    what, (long long)id);
		return CTL_ESTATE;
	case STORE_OTHER_ACTIVE:
		ctl_errx("%s: session %lld: another session is active; finish "
		    "it first", what, (long long)id);
		return CTL_ESTATE;
	case STORE_ALREADY_ACTIVE:
		ctl_errx("%s: session %lld: it is already active", what,
		    (long long)id);
		return CTL_ESTATE;
	case STORE_FINISHED:
		ctl_errx("%s: session %lld: it is finished", what,
		    (long long)id);
		return CTL_ESTATE;
	case STORE_NOT_ACTIVE:
		ctl_errx("%s: session %lld: it is not active", what,
		    (long long)id);
		return CTL_ESTATE;
	case STORE_NOT_FINISHED:
		ctl_errx("%s: session %lld: it is not finished yet", what,
		    (long long)id);
		return CTL_ESTATE;
	case STORE_SESSION_ACTIVE:
		ctl_errx("%s: session %lld: it is running; finish it first",
		    what, (long long)id);
		return CTL_ESTATE;
	case STORE_NOT_DRAFT:
		ctl_errx("%s: session %lld: it is not a draft", what,
		    (long long)id);
		return CTL_ESTATE;
	case STORE_NO_SUCH_MEME:
		ctl_errx("%s: no such meme", what);
		return CTL_ENOTFOUND;
	case STORE_BUSY:
		ctl_errx("%s: the database stayed locked by another process; "
		    "try again", what);
		return CTL_EFAIL;
	case STORE_FULL:
		ctl_errx("%s: the disk holding the database is full", what);
		return CTL_EFAIL;
	default:
		ctl_errx("%s: database error (see the log line above)", what);
		return CTL_EFAIL;
	}
}

void
ctl_print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

const char *
ctl_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}
