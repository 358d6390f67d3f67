/*
 * Sessions from the command line: list, create, start, finish, populate,
 * export.  Every change is one store call (one transaction with its
 * outbox event, as the API makes it), followed by the hint to pushd, so
 * open screens update exactly as if the admin had clicked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "export.h"
#include "media.h"
#include "store/store.h"

static int
sessions_list(struct ctl *ctl)
{
	struct json_object *all, *s;
	int64_t id, memes, ratings;
	size_t n;
	int rc;

	if ((rc = store_sessions_all(ctl->store, &all)) != STORE_OK)
		return ctl_fail(rc, 0, "sessions list");
	n = json_object_array_length(all);
	for (size_t i = 0; i < n; i++) {
		s = json_object_array_get_idx(all, i);
		id = json_object_get_int64(json_object_object_get(s, "id"));
		if ((rc = store_session_counts(ctl->store, id, &memes,
		    &ratings)) != STORE_OK) {
			json_object_put(all);
			return ctl_fail(rc, id, "sessions list");
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
		rc = store_session_create(ctl->store, argv[2], &s, &seq);
		if (rc == STORE_INVALID) {
			ctl_errx("session create: the name must have 1 to %d "
			    "characters and no control characters",
			    STORE_SESSION_NAME_MAX);
			return CTL_EINVAL;
		}
	} else if (strcmp(argv[1], "start") == 0)
		rc = store_session_start(ctl->store, id, ctl->cfg.media_url,
		    &s, &seq);
	else
		rc = store_session_finish(ctl->store, id, &s, &seq);
	if (rc != STORE_OK)
		return ctl_fail(rc, id, argv[1]);
	return session_done(ctl, s, seq, strcmp(argv[1], "create") == 0 ?
	    "created" : strcmp(argv[1], "start") == 0 ? "started" : "finished");
}

int
cmd_populate(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *added = NULL, *o;
	struct media_image *imgs = NULL;
	enum store_session_status status;
	const char *folder;
	int64_t id, seq = 0;
	size_t n = 0;
	int rc;

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
	if ((rc = store_session_status(ctl->store, id, &status)) != STORE_OK)
		return ctl_fail(rc, id, "populate");
	if (status == STORE_STATUS_FINISHED)
		return ctl_fail(STORE_FINISHED, id, "populate");
	if (media_scan_library(folder, ctl->cfg.media_dir,
	    (size_t)ctl->cfg.max_upload_bytes, &imgs, &n) == -1) {
		ctl_errx("populate: cannot import %s into %s (see the log line "
		    "above)", folder, ctl->cfg.media_dir);
		return CTL_EFAIL;
	}
	for (size_t i = 0; i < n; i++)
		media_variants(ctl->cfg.media_dir, &imgs[i]);
	rc = store_session_add_images(ctl->store, id, imgs, n,
	    ctl->cfg.media_url, &added, &seq);
	free(imgs);
	if (rc != STORE_OK)
		return ctl_fail(rc, id, "populate");
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
static int
export_json(struct ctl *ctl, int64_t id, struct json_object *places,
    struct json_object **out)
{
	struct json_object *o, *s, *stats;
	int rc;

	*out = NULL;
	if ((rc = store_session_get(ctl->store, id, &s)) != STORE_OK)
		return rc;
	if ((rc = store_stats(ctl->store, id, 0, &stats)) != STORE_OK) {
		json_object_put(s);
		return rc;
	}
	o = json_object_new_object();
	json_object_object_add(o, "session", s);
	json_object_object_add(o, "stats", stats);
	json_object_object_add(o, "results", json_object_get(places));
	*out = o;
	return STORE_OK;
}

int
cmd_export(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *places, *o;
	const char *format = NULL, *idarg = NULL;
	char *csv;
	int64_t id;
	int rc;

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
	if ((rc = store_results_all(ctl->store, id, ctl->cfg.media_url,
	    &places)) != STORE_OK)
		return ctl_fail(rc, id, "export");
	if (strcmp(format, "csv") == 0) {
		if ((csv = export_results_csv(places, NULL)) == NULL) {
			json_object_put(places);
			ctl_errx("export: out of memory");
			return CTL_EFAIL;
		}
		fputs(csv, stdout);
		free(csv);
	} else {
		if ((rc = export_json(ctl, id, places, &o)) != STORE_OK) {
			json_object_put(places);
			return ctl_fail(rc, id, "export");
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
