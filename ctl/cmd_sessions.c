/*
 * Sessions from the command line: list, create, start, finish, populate,
 * export.  Every change is one model call (one transaction with its
 * outbox event, as the API makes it), followed by the hint to pushd, so
 * open screens update exactly as if the admin had clicked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "db.h"
#include "export.h"
#include "../fcgi/media.h"
#include "../fcgi/model.h"

/* Counts shown next to each session in the list. */
static int
sessions_counts(sqlite3 *db, int64_t id, int64_t *memes, int64_t *ratings)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT "
	    "(SELECT count(*) FROM session_memes WHERE session_id=?1),"
	    "(SELECT count(*) FROM ratings WHERE session_id=?1)", -1, &st,
	    NULL) != SQLITE_OK) {
		ctl_errx("%s: %s", __func__, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*memes = sqlite3_column_int64(st, 0);
		*ratings = sqlite3_column_int64(st, 1);
		rc = 0;
	} else
		ctl_errx("%s: %s", __func__, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static int
sessions_list(struct ctl *ctl)
{
	struct json_object *all, *s;
	int64_t id, memes, ratings;
	size_t n;

	if ((all = model_all_sessions(ctl->db)) == NULL)
		return ctl_model_fail(MODEL_EDB, 0, "sessions list");
	n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		s = json_object_array_get_idx(all, i);
		id = json_object_get_int64(json_object_object_get(s, "id"));
		if (sessions_counts(ctl->db, id, &memes, &ratings) == -1) {
			json_object_put(all);
			return CTL_EFAIL;
		}
		json_object_object_add(s, "memes", json_object_new_int64(memes));
		json_object_object_add(s, "ratings",
		    json_object_new_int64(ratings));
	}
	if (ctl->json) {
		ctl_print_json(all);
		return CTL_OK;
	}
	if (n == 0)
		printf("no sessions yet (create one: memeterctl session create "
		    "NAME)\n");
	else
		printf("%5s  %-8s  %5s  %7s  %-20s  %s\n", "ID", "STATUS",
		    "MEMES", "RATINGS", "CREATED", "NAME");
	for (size_t i = 0; i < n; i++) {
		s = json_object_array_get_idx(all, i);
		printf("%5lld  %-8s  %5lld  %7lld  %-20s  %s\n",
		    (long long)json_object_get_int64(json_object_object_get(s,
		    "id")), ctl_json_str(s, "status"),
		    (long long)json_object_get_int64(json_object_object_get(s,
		    "memes")),
		    (long long)json_object_get_int64(json_object_object_get(s,
		    "ratings")), ctl_json_str(s, "created_at"),
		    ctl_json_str(s, "name"));
	}
	json_object_put(all);
	return CTL_OK;
}

int
cmd_sessions(struct ctl *ctl, int argc, char **argv)
{
	int rc;

	if (argc != 2 || strcmp(argv[1], "list") != 0) {
		ctl_errx("usage: memeterctl sessions list");
		return CTL_EUSAGE;
	}
	if ((rc = ctl_db_open(ctl, CTL_DB_CURRENT)) != CTL_OK)
		return rc;
	return sessions_list(ctl);
}

/* Prints a session after a change, and wakes pushd. */
static int
session_done(struct ctl *ctl, struct json_object *s, int64_t seq,
    const char *verb)
{
	ctl_notify(ctl, seq);
	if (ctl->json) {
		ctl_print_json(s);
		return CTL_OK;
	}
	printf("session %s %s: \"%s\" is %s\n", ctl_json_str(s, "id"), verb,
	    ctl_json_str(s, "name"), ctl_json_str(s, "status"));
	json_object_put(s);
	return CTL_OK;
}

int
cmd_session(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *s = NULL;
	int64_t id = 0, seq = 0;
	int rc;

	if (argc != 3 || (strcmp(argv[1], "create") != 0 &&
	    strcmp(argv[1], "start") != 0 && strcmp(argv[1], "finish") != 0)) {
		ctl_errx("usage: memeterctl session create NAME | start ID | "
		    "finish ID");
		return CTL_EUSAGE;
	}
	if (strcmp(argv[1], "create") != 0 && (id = ctl_parse_id(argv[2])) < 0)
		return CTL_EUSAGE;
	if ((rc = ctl_db_open(ctl, CTL_DB_CURRENT)) != CTL_OK)
		return rc;
	if (strcmp(argv[1], "create") == 0) {
		rc = model_session_create(ctl->db, argv[2], &s, &seq);
		if (rc == MODEL_EINVAL) {
			ctl_errx("session create: the name must have 1 to %d "
			    "characters and no control characters",
			    MODEL_SESSION_NAME_MAX);
			return CTL_EINVAL;
		}
	} else if (strcmp(argv[1], "start") == 0)
		rc = model_session_start(ctl->db, id, ctl->cfg.media_url, &s,
		    &seq);
	else
		rc = model_session_finish(ctl->db, id, &s, &seq);
	if (rc != MODEL_OK)
		return ctl_model_fail(rc, id, argv[1]);
	return session_done(ctl, s, seq, strcmp(argv[1], "create") == 0 ?
	    "created" : strcmp(argv[1], "start") == 0 ? "started" : "finished");
}

int
cmd_populate(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *added = NULL, *o;
	struct media_image *imgs = NULL;
	const char *folder;
	int64_t id, seq = 0;
	size_t n = 0;
	int rc, state;

	if (argc < 2 || argc > 3) {
		ctl_errx("usage: memeterctl populate ID [FOLDER]");
		return CTL_EUSAGE;
	}
	if ((id = ctl_parse_id(argv[1])) < 0)
		return CTL_EUSAGE;
	folder = argc == 3 ? argv[2] : ctl->cfg.library_dir;
	if ((rc = ctl_db_open(ctl, CTL_DB_CURRENT)) != CTL_OK)
		return rc;
	/* Refuse before copying anything into the media folder. */
	if ((state = model_session_state(ctl->db, id)) < 0)
		return ctl_model_fail(state, id, "populate");
	if (state == MODEL_FINISHED)
		return ctl_model_fail(MODEL_EFINISHED, id, "populate");
	if (media_scan_library(folder, ctl->cfg.media_dir,
	    (size_t)ctl->cfg.max_upload_bytes, &imgs, &n) == -1) {
		ctl_errx("populate: cannot import %s into %s (see the log line "
		    "above)", folder, ctl->cfg.media_dir);
		return CTL_EFAIL;
	}
	rc = model_session_add_images(ctl->db, id, imgs, n, ctl->cfg.media_url,
	    &added, &seq);
	free(imgs);
	if (rc != MODEL_OK)
		return ctl_model_fail(rc, id, "populate");
	ctl_notify(ctl, seq);
	if (ctl->json) {
		o = json_object_new_object();
		json_object_object_add(o, "added", json_object_new_int(
		    (int)json_object_array_length(added)));
		json_object_object_add(o, "images", json_object_new_int((int)n));
		json_object_object_add(o, "memes", added);
		ctl_print_json(o);
		return CTL_OK;
	}
	printf("session %lld: added %zu memes (%zu images in %s)\n",
	    (long long)id, json_object_array_length(added), n, folder);
	json_object_put(added);
	return CTL_OK;
}

/* --- export ----------------------------------------------------------------- */

/* {"session":S,"stats":STATS,"results":[every place, best first]} */
static struct json_object *
export_json(struct ctl *ctl, int64_t id, struct json_object *places)
{
	struct json_object *o, *s, *stats;

	if ((s = model_session_json(ctl->db, id)) == NULL)
		return NULL;
	if ((stats = model_stats(ctl->db, id, 0)) == NULL) {
		json_object_put(s);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_add(o, "session", s);
	json_object_object_add(o, "stats", stats);
	json_object_object_add(o, "results", json_object_get(places));
	return o;
}

int
cmd_export(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *places, *o;
	const char *format = NULL, *idarg = NULL;
	char *csv;
	int64_t id;
	int rc, state;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0 ||
		    strcmp(argv[i], "--json") == 0)
			format = argv[i] + 2;
		else if (idarg == NULL && argv[i][0] != '-')
			idarg = argv[i];
		else {
			ctl_errx("export: unexpected \"%s\"", argv[i]);
			return CTL_EUSAGE;
		}
	}
	if (idarg == NULL || format == NULL) {
		ctl_errx("usage: memeterctl export ID --csv|--json");
		return CTL_EUSAGE;
	}
	if ((id = ctl_parse_id(idarg)) < 0)
		return CTL_EUSAGE;
	if ((rc = ctl_db_open(ctl, CTL_DB_CURRENT)) != CTL_OK)
		return rc;
	if ((state = model_session_state(ctl->db, id)) < 0)
		return ctl_model_fail(state, id, "export");
	if ((places = model_results_all(ctl->db, id, ctl->cfg.media_url)) ==
	    NULL)
		return ctl_model_fail(MODEL_EDB, id, "export");
	if (strcmp(format, "csv") == 0) {
		if ((csv = export_results_csv(places, NULL)) == NULL) {
			json_object_put(places);
			ctl_errx("export: out of memory");
			return CTL_EFAIL;
		}
		fputs(csv, stdout);
		free(csv);
	} else {
		if ((o = export_json(ctl, id, places)) == NULL) {
			json_object_put(places);
			return ctl_model_fail(MODEL_EDB, id, "export");
		}
		ctl_print_json(o);
	}
	json_object_put(places);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_errx("export: cannot write the output");
		return CTL_EFAIL;
	}
	return CTL_OK;
}
