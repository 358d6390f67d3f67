#ifndef MEMETER_STORE_H
#define MEMETER_STORE_H

/*
 * The one data layer.  A struct store owns a SQLite connection and its
 * prepared statements; every query of fcgi, ctl and pushd is a store
 * function, and only store functions open transactions.  Functions
 * answer in domain outcomes (enum store_rc), never in HTTP: fcgi maps
 * them to statuses in one table, memeterctl to exit codes.  Reads fill
 * an out-parameter, so "not found" and "database error" never look
 * alike.
 *
 * One store per process and thread (workers open theirs after fork).
 */

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "event.h"
#include "media.h"

enum store_mode {
	STORE_READWRITE,	/* workers, memeterctl: creates the file if missing */
	STORE_READONLY,		/* pushd: never writes, reads WAL snapshots */
};

enum store_rc {
	STORE_OK = 0,
	STORE_NOT_FOUND,	/* no such session (or other row asked for by id) */
	STORE_INVALID,		/* the input breaks a rule (a name, an action) */
	STORE_WRONG_STATE,	/* not allowed in this state (no finer reason) */
	/* The finer kinds of wrong state, so a client learns why. */
	STORE_OTHER_ACTIVE,	/* another session is active */
	STORE_ALREADY_ACTIVE,	/* the session is already active */
	STORE_FINISHED,		/* the session is finished */
	STORE_NOT_ACTIVE,	/* the session is not active */
	STORE_NOT_FINISHED,	/* the session is not finished yet */
	STORE_NO_ACTIVE_SESSION,/* a rating or skip while no session runs */
	STORE_UNKNOWN_MEME,	/* the meme is not in the running session */
	STORE_SESSION_ACTIVE,	/* the session is running (delete it: no) */
	STORE_NOT_DRAFT,	/* only a draft allows this */
	STORE_NO_SUCH_MEME,	/* no such meme (in the library or session) */
	STORE_CONFLICT,		/* a constraint refused the change (a race) */
	STORE_LIMITED,		/* over a rate limit the store keeps (joins) */
	STORE_NOT_OPEN,		/* host-paced: that meme's round is not open */
	STORE_SELF_PACED,	/* a round action in a self-paced session */
	STORE_NO_MORE_MEMES,	/* a round step past the first or last meme */
	STORE_JOINING_LOCKED,	/* a new rater while joining is locked */
	STORE_UNKNOWN_RATER,	/* no rater with that id */
	STORE_BUSY,		/* SQLITE_BUSY/LOCKED after the busy timeout */
	STORE_FULL,		/* disk or database full, write I/O error */
	STORE_DB_ERROR,		/* anything else the database said (logged) */
	STORE_RC_COUNT
};

/* A short lower_snake name of rc, for logs and tests. */
const char	*store_rc_name(int rc);

struct store;

/* Process-wide SQLite settings for a busy worker; call once, before
 * the first store_open(). */
void		 store_process_init(void);

/* Opens path (":memory:" works) with the pragmas every connection needs
 * (WAL, synchronous=NORMAL, a 2 s busy wait in short steps,
 * foreign_keys).  NULL after logging why.  store_close() frees it. */
struct store	*store_open(const char *path, enum store_mode mode);
void		 store_close(struct store *store);

/* Applies every migration newer than the schema, each in its own
 * transaction.  STORE_OK or an error rc (logged). */
int	store_migrate(struct store *store);
/* PRAGMA user_version (-1 on error) and the newest this program knows. */
int	store_schema_version(struct store *store);
int	store_schema_latest(void);

/*
 * SQLite's automatic checkpoint, moved out of the request: a read-write
 * store only notes the WAL's size at each commit; this runs the same
 * PASSIVE checkpoint once the WAL holds STORE_CHECKPOINT_FRAMES frames.
 * Workers call it after the answer is sent.
 */
#define STORE_CHECKPOINT_FRAMES	1000	/* SQLite's default */
void	store_checkpoint_if_due(struct store *store);

/*
 * Whether a write could be done now (shared/store/health.c): STORE_OK,
 * STORE_FULL when the disk has no room, STORE_BUSY when another process
 * holds the write lock past the busy wait.  Writes nothing.
 */
int	store_write_probe(struct store *store);

/* --- the outbox (shared/store/outbox.c) ------------------------------------ */

/*
 * Appends an event in the caller's open write transaction (only store
 * functions have one) and sets *seq.  data_json is the admin view; the
 * user view is derived once here: all of it, nothing, or for
 * stats_updated the totals (parsed: the rating path passes both views
 * to store_event_append_views() instead).
 */
int	store_event_append(struct store *store, enum event_type type,
	    int64_t session_id, const char *data_json, size_t len,
	    int64_t *seq);
/* The same from a json-c object, serialised once. */
int	store_event_append_json(struct store *store, enum event_type type,
	    int64_t session_id, struct json_object *data, int64_t *seq);
/* The same with both views given (user_data NULL: users don't see it). */
int	store_event_append_views(struct store *store, enum event_type type,
	    int64_t session_id, const char *data, size_t data_len,
	    const char *user_data, size_t user_data_len, const char *ts,
	    int64_t *seq);

struct store_event {
	int64_t		 seq;
	int64_t		 session_id;	/* 0 when the event has none */
	enum event_type	 type;		/* EVENT_UNKNOWN for a newer type */
	const char	*ts;		/* ISO 8601 UTC with ms */
	const char	*data;		/* admin view, JSON text */
	size_t		 data_len;
	const char	*user_data;	/* NULL: users don't see it */
	size_t		 user_data_len;
};

/*
 * Calls fn for each event with seq > after, in seq order, at most limit;
 * the row's strings live until fn returns.  Returns the number read or
 * -1.  fn returning non-zero stops early (that event counts as read).
 */
int	store_events_after(struct store *store, int64_t after, int limit,
	    int (*fn)(const struct store_event *, void *), void *arg);
/* The newest seq (0 when empty): STORE_OK or an error rc. */
int	store_event_head(struct store *store, int64_t *head);
/* The oldest seq kept (0 when empty): STORE_OK or an error rc. */
int	store_event_first(struct store *store, int64_t *first);

/* --- identity (shared/store/auth.c) ---------------------------------------- */

/*
 * Raters and admin browsers are found by the SHA-256 of their cookie
 * token (hash: 32 bytes); the database never holds a token.
 */
#define STORE_RATER_NAME_CHARS	40
#define STORE_RATER_NAME_MAX	(STORE_RATER_NAME_CHARS * 4 + 1)
#define STORE_CSRF_MAX		65

struct store_rater {
	int64_t		 id;
	char		 name[STORE_RATER_NAME_MAX];
	int64_t		 seen;		/* last heard from, unix seconds */
};

/* STORE_OK with *rater filled, STORE_NOT_FOUND, or an error rc. */
int	store_rater_by_token(struct store *store, const unsigned char hash[32],
	    struct store_rater *rater);
/*
 * A new rater for a request from addr (shared/store/join.c): at most
 * burst at once and rate a second from one address, else STORE_LIMITED;
 * whatever cookie the request carried, a rater is only made here.
 */
int	store_rater_join(struct store *store, const char *addr, int rate,
	    int burst, const unsigned char hash[32], const char *name,
	    struct store_rater *rater);
/* A new rater named name (already valid); sets rater->id and ->name. */
int	store_rater_create(struct store *store, const unsigned char hash[32],
	    const char *name, struct store_rater *rater);
/* Renames rater id; name must be clean (utf8_name_clean). */
int	store_rater_rename(struct store *store, int64_t id, const char *name);

/* The admin session of a cookie token's SHA-256, if valid now: its id
 * and expiry (unix seconds).  STORE_OK, STORE_NOT_FOUND (unknown or
 * expired) or an error rc. */
int	store_admin_session_check(struct store *store,
	    const unsigned char hash[32], int64_t *session_id,
	    int64_t *expires_at);
/* The same with the session's CSRF token copied into csrf. */
int	store_admin_session_get(struct store *store,
	    const unsigned char hash[32], int64_t *session_id, char *csrf,
	    size_t csrf_len);
/* Starts an admin session (ending expired ones) and sets *session_id. */
int	store_admin_session_create(struct store *store,
	    const unsigned char hash[32], const char *csrf, int64_t expires_at,
	    int64_t *session_id);
/* Ends admin session id (STORE_OK even if it was gone). */
int	store_admin_session_delete(struct store *store, int64_t id);

/* The crypt(3) hash of the admin password into buf: STORE_OK,
 * STORE_NOT_FOUND when none is set, or an error rc. */
int	store_admin_password_get(struct store *store, char *buf, size_t len);
/*
 * Stores the hash.  With logout_all, also ends every admin session in
 * the same transaction and sets *ended to how many (memeterctl passwd);
 * ended may be NULL.
 */
int	store_admin_password_set(struct store *store, const char *hash,
	    int logout_all, int *ended);

/* --- sessions and memes (shared/store/session.c) -------------------------- */

/*
 * Sessions, memes, statistics and results come back as SPEC.md's JSON
 * shapes: S, M, STATS, places.  Every json_object handed out is a new
 * reference the caller owns; on an error rc nothing is handed out.
 * media_url is the URL prefix of the media folder (config media_url).
 */
enum store_session_status {
	STORE_STATUS_DRAFT = 1,
	STORE_STATUS_ACTIVE,
	STORE_STATUS_FINISHED,
};

#define STORE_SESSION_NAME_MAX	80

/* S of session id: STORE_OK, STORE_NOT_FOUND or an error rc. */
int	store_session_get(struct store *store, int64_t id,
	    struct json_object **session);
/* The session's state: STORE_OK, STORE_NOT_FOUND or an error rc. */
int	store_session_status(struct store *store, int64_t id,
	    enum store_session_status *status);
/* Finished sessions, newest first (array of S). */
int	store_sessions_finished(struct store *store, struct json_object **list);
/* All sessions, newest first (array of S). */
int	store_sessions_all(struct store *store, struct json_object **list);
/* How many memes and ratings session id has (memeterctl's list). */
int	store_session_counts(struct store *store, int64_t id, int64_t *memes,
	    int64_t *ratings);
/* The session a dashboard shows: the active one, else the newest (a
 * fresh draft, or the session just finished), else 0. */
int	store_admin_session_id(struct store *store, int64_t *id);
/* The M list of a session, in order (empty for an unknown one). */
int	store_session_memes(struct store *store, int64_t id,
	    const char *media_url, struct json_object **memes);

/*
 * The changes.  Each is one write transaction with its outbox event;
 * *seq is that event's seq (0 when nothing was written), for the hint
 * to pushd after the commit.
 */
/* A draft; STORE_INVALID if the name is not 1..80 clean characters. */
int	store_session_create(struct store *store, const char *name,
	    struct json_object **session, int64_t *seq);

enum store_pace {
	STORE_PACE_SELF,	/* each rater through all memes at their pace */
	STORE_PACE_HOST,	/* the host opens one meme at a time */
};
#define STORE_ROUND_SECONDS_MAX	600
/* "self", "host": STORE_OK, or STORE_INVALID for anything else. */
int	store_pace_parse(const char *pace, enum store_pace *out);
/* The same with a pace and the seconds of a round (0..600, else
 * STORE_INVALID). */
int	store_session_create_paced(struct store *store, const char *name,
	    enum store_pace pace, int seconds, struct json_object **session,
	    int64_t *seq);
/* draft -> active: STORE_ALREADY_ACTIVE, STORE_FINISHED,
 * STORE_OTHER_ACTIVE.  The reply is S; the event S with its memes. */
int	store_session_start(struct store *store, int64_t id,
	    const char *media_url, struct json_object **session, int64_t *seq);
/* active -> finished: STORE_NOT_ACTIVE otherwise. */
int	store_session_finish(struct store *store, int64_t id,
	    struct json_object **session, int64_t *seq);

enum store_reveal {
	STORE_REVEAL_NEXT,
	STORE_REVEAL_PREV,
	STORE_REVEAL_RESET,
};
/* "next", "prev", "reset": STORE_OK, or STORE_INVALID for anything else. */
int	store_reveal_parse(const char *action, enum store_reveal *out);
/* One reveal step of a finished session (STORE_NOT_FINISHED otherwise);
 * results_revealed is written only when the count changed. */
int	store_session_reveal(struct store *store, int64_t id,
	    enum store_reveal action, const char *media_url, int *revealed,
	    int *total, int64_t *seq);
/*
 * Adds images (stored in the media folder already) to a draft or active
 * session (STORE_FINISHED otherwise): their memes rows, the ones not yet
 * in the session and, if any, memes_populated.  *added is the array of
 * M actually added.
 */
int	store_session_add_images(struct store *store, int64_t id,
	    const struct media_image *imgs, size_t nimgs, const char *media_url,
	    struct json_object **added, int64_t *seq);

/* --- the host tidying up (shared/store/manage.c) --------------------------- */

#define STORE_MEME_TITLE_MAX	80

/* Deletes a draft or finished session with its memes list, ratings and
 * skips (STORE_SESSION_ACTIVE for the running one); session_deleted
 * {"session_id"} goes out.  Its earlier events stay as history. */
int	store_session_delete(struct store *store, int64_t id, int64_t *seq);
/* Renames a library meme (STORE_INVALID unless 1..80 clean characters,
 * STORE_NO_SUCH_MEME); *meme is its new M; meme_renamed
 * {"meme_id","title","meme":M}. */
int	store_meme_rename(struct store *store, int64_t meme_id,
	    const char *title, const char *media_url, struct json_object **meme,
	    int64_t *seq);
/* Removes a meme from a draft (STORE_NOT_DRAFT otherwise,
 * STORE_NO_SUCH_MEME if it is not in it); memes_removed
 * {"session_id","meme_ids":[id]}. */
int	store_session_meme_remove(struct store *store, int64_t id,
	    int64_t meme_id, int64_t *seq);

/* --- who is at the party (shared/store/participants.c) -------------------- */

/*
 * "Online" is "heard from in the last STORE_ONLINE_SECONDS": every rater
 * request notes the time, written at most every STORE_SEEN_SECONDS per
 * rater (the rater page sends POST /api/presence that often while it is
 * open), so the hot rating path almost never pays for it.
 */
#define STORE_SEEN_SECONDS	30
#define STORE_ONLINE_SECONDS	75

/* Notes that rater was heard from now, if rater->seen is older than
 * STORE_SEEN_SECONDS (updates rater->seen).  One autocommit UPDATE. */
int	store_rater_seen(struct store *store, struct store_rater *rater);
/*
 * [{"id","name","rated","skipped","online"}] of session id: every rater
 * with a rating or a skip in it and, while it is a draft or active,
 * every rater online now; most rated first.  STORE_NOT_FOUND for an
 * unknown session.
 */
int	store_session_raters(struct store *store, int64_t id,
	    struct json_object **list);
/* The session's last limit new_rating events, newest first, as the push
 * channel sends them: [{"seq","type","ts","data"}].  STORE_NOT_FOUND for
 * an unknown session. */
#define STORE_ACTIVITY_MAX	200
int	store_session_activity(struct store *store, int64_t id, int limit,
	    struct json_object **list);
/* --- host-paced rounds (shared/store/round.c) ----------------------------- */

/*
 * ROUND = {"session_id","meme_id" or null,"index","total","state",
 * "opens_at" or null,"closes_at" or null,"voted"}: index is the open (or
 * last opened) meme's 1-based place in the session's order, 0 before
 * the first round; state is "closed" once closes_at has passed by the
 * server's clock, whether or not the close was written yet.
 */
enum store_round_action {
	STORE_ROUND_NEXT,
	STORE_ROUND_PREV,
	STORE_ROUND_CLOSE,
};
/* "next", "prev", "close": STORE_OK, or STORE_INVALID. */
int	store_round_parse(const char *action, enum store_round_action *out);
/* ROUND of session id, NULL for a self-paced session (STORE_OK);
 * STORE_NOT_FOUND for an unknown one. */
int	store_round_get(struct store *store, int64_t id,
	    struct json_object **round);
/*
 * One step of the host (one transaction with round_changed):
 * STORE_NOT_FOUND, STORE_SELF_PACED, STORE_NOT_ACTIVE,
 * STORE_NO_MORE_MEMES (next after the last, prev before the first).
 * Closing a closed round changes nothing (*seq 0).
 */
int	store_round_step(struct store *store, int64_t id,
	    enum store_round_action action, struct json_object **round,
	    int64_t *seq);
/*
 * Writes the close of every open round whose closes_at has passed (the
 * pool master's timer): *seq the last round_changed written, 0 if none.
 */
int	store_round_close_due(struct store *store, int64_t *seq);
/* Milliseconds until the next open round closes (<= 0: due now);
 * *found 0 when no open round has a closing time. */
int	store_round_next_close_ms(struct store *store, int64_t *ms,
	    int *found);
/* In the rating transaction: STORE_OK if session sid is self-paced or
 * meme_id's round is open at now (ISO 8601 with ms), else
 * STORE_NOT_OPEN. */
int	store_round_allows(struct store *store, int64_t sid, int64_t meme_id,
	    const char *now);

/* --- moderation (shared/store/moderation.c) -------------------------------- */

/* The active session's id, 0 if none. */
int	store_session_active_id(struct store *store, int64_t *id);
/* Whether the session a newcomer would join (active, else the newest
 * draft) has joining locked. */
int	store_joining_locked(struct store *store, int *locked);
/* The host renames rater id (name clean already): *rater {"id","name"};
 * rater_renamed.  STORE_UNKNOWN_RATER. */
int	store_rater_moderate_rename(struct store *store, int64_t id,
	    const char *name, struct json_object **rater, int64_t *seq);
/*
 * The host kicks rater id: their ratings and skips in the active session
 * go (*removed ratings), their cookie stops working; rater_kicked and,
 * when ratings went, stats_updated with every meme.  STORE_UNKNOWN_RATER.
 */
int	store_rater_kick(struct store *store, int64_t id, int *removed,
	    int64_t *seq);
/* Locks or unlocks joining session id: *session S; session_locked. */
int	store_session_lock(struct store *store, int64_t id, int locked,
	    struct json_object **session, int64_t *seq);

/* --- statistics and results (shared/store/stats.c) ------------------------ */

/* STATS of session id (meme_id > 0: "memes" holds only that meme);
 * STORE_NOT_FOUND for an unknown session. */
int	store_stats(struct store *store, int64_t id, int64_t meme_id,
	    struct json_object **stats);
/*
 * Every place of a session, best first: {"place","meme":M,"count","avg",
 * "min","max","median"} (ties: more ratings first, then earlier
 * position; unrated last).  STORE_NOT_FOUND for an unknown session.
 */
int	store_results_all(struct store *store, int64_t id,
	    const char *media_url, struct json_object **places);
/* GET /api/results/{id}: {"session":S,"revealed","total","results":[the
 * revealed places, best first]} of a finished session, one snapshot;
 * STORE_NOT_FOUND, STORE_NOT_FINISHED. */
int	store_results_public(struct store *store, int64_t id,
	    const char *media_url, struct json_object **out);

/* --- what a page loads (shared/store/state.c) ------------------------------ */

/*
 * Each from one read snapshot, with the outbox head as "seq": a client
 * that resumes the push channel from it misses no event and sees none
 * twice.
 */
/* GET /api/state for rater: {"seq","session","memes","me":{"id","name",
 * "ratings","skipped"}} of the active session, else the newest draft,
 * else the latest finished one. */
int	store_rater_state(struct store *store, const struct store_rater *rater,
	    const char *media_url, struct json_object **out);
/* GET /api/admin/state: {"seq","session","sessions","memes","stats",
 * "participants"} for session id (0: store_admin_session_id()'s);
 * STORE_NOT_FOUND for an unknown id. */
int	store_admin_state(struct store *store, int64_t id,
	    const char *media_url, struct json_object **out);

/* --- ratings and skips (shared/store/rating.c) ----------------------------- */

#define STORE_SCORE_MIN		0
#define STORE_SCORE_MAX		10
#define STORE_CLIENT_ID_CHARS	64

struct store_rating {
	int64_t		 meme_id;
	int		 score;		/* STORE_SCORE_MIN..MAX */
	const char	*client_id;	/* NULL or "": none */
};

struct store_rating_done {
	int64_t		 meme_id;	/* what the answer says: for a */
	int		 score;		/* replay, the first request's */
	int		 replaced;
	int		 replayed;	/* client_id seen: nothing changed */
	int64_t		 seq;		/* the last event written, or 0 */
};

/*
 * Rates a meme of the active session (one transaction: the score, the
 * client_id, new_rating and stats_updated).  STORE_OK,
 * STORE_NO_ACTIVE_SESSION, STORE_UNKNOWN_MEME or an error rc.
 */
int	store_rating_put(struct store *store, const struct store_rater *rater,
	    const struct store_rating *in, struct store_rating_done *out);
/* Skips a meme of the active session (same outcomes). */
int	store_skip_put(struct store *store, int64_t rater_id, int64_t meme_id);

/* --- the database itself (shared/store/maint.c) ---------------------------- */

/*
 * Copies the live database into the new file path with SQLite's online
 * backup API, in steps so writers are not held up, makes the copy a
 * self-contained file (no WAL) and checks it with quick_check.  *pages
 * is the size copied.  STORE_OK or an error rc; *why (static text or
 * SQLite's message, valid until the next store call) says what failed.
 */
int	store_backup(struct store *store, const char *path, int *pages,
	    const char **why);
/*
 * PRAGMA integrity_check and foreign_key_check: fn is called with each
 * problem as a line of text; *problems is how many.  STORE_OK or an
 * error rc.
 */
int	store_check(struct store *store, void (*fn)(const char *, void *),
	    void *arg, int *problems);

#endif
