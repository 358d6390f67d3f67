#include "outcome.h"

#include "store/store.h"

/* A rc with no row is a bug: it answers as a database error. */
static const struct outcome {
	int		 status;
	const char	*code;
	const char	*message;
	int		 retry_after;	/* seconds, 0: no Retry-After */
} outcomes[STORE_RC_COUNT] = {
	[STORE_NOT_FOUND] = { 404, "not_found", "No such session.", 0 },
	[STORE_INVALID] = { 400, "invalid_input", "Invalid input.", 0 },
	[STORE_WRONG_STATE] = { 409, "wrong_state",
	    "The session is not in a state that allows this.", 0 },
	[STORE_OTHER_ACTIVE] = { 409, "another_session_active",
	    "Another session is active; finish it first.", 0 },
	[STORE_ALREADY_ACTIVE] = { 409, "session_already_active",
	    "The session is already active.", 0 },
	[STORE_FINISHED] = { 409, "session_finished",
	    "The session is finished.", 0 },
	[STORE_NOT_ACTIVE] = { 409, "session_not_active",
	    "The session is not active.", 0 },
	[STORE_NOT_FINISHED] = { 409, "session_not_finished",
	    "The session is not finished yet.", 0 },
	[STORE_NO_ACTIVE_SESSION] = { 409, "no_active_session",
	    "No session is running; wait for the next one.", 0 },
	[STORE_UNKNOWN_MEME] = { 404, "unknown_meme",
	    "That meme is not in the running session.", 0 },
	[STORE_SESSION_ACTIVE] = { 409, "session_active",
	    "The session is running; finish it first.", 0 },
	[STORE_NOT_DRAFT] = { 409, "session_not_draft",
	    "Only a draft session allows this.", 0 },
	[STORE_NO_SUCH_MEME] = { 404, "unknown_meme", "No such meme.", 0 },
	[STORE_CONFLICT] = { 409, "conflict",
	    "Another change came first; reload and try again.", 0 },
	[STORE_LIMITED] = { 429, "too_many_requests",
	    "Too many new raters from this address; try again in a moment.",
	    1 },
	[STORE_NOT_OPEN] = { 409, "not_open",
	    "Voting on that meme is not open.", 0 },
	[STORE_SELF_PACED] = { 409, "self_paced",
	    "The session is self-paced: it has no rounds.", 0 },
	[STORE_NO_MORE_MEMES] = { 409, "no_more_memes",
	    "There is no meme in that direction.", 0 },
	[STORE_JOINING_LOCKED] = { 403, "joining_locked",
	    "Joining is locked: the host lets nobody new in now.", 0 },
	[STORE_UNKNOWN_RATER] = { 404, "unknown_rater", "No such rater.", 0 },
	[STORE_BUSY] = { 503, "unavailable",
	    "The database is busy; try again in a moment.", 1 },
	[STORE_FULL] = { 503, "storage_full",
	    "The server's storage is full; try again later.", 30 },
	[STORE_DB_ERROR] = { 500, "internal_error",
	    "Internal error; see the server log.", 0 },
};

static const struct outcome *
outcome_of(int rc)
{
	if (rc <= STORE_OK || rc >= STORE_RC_COUNT ||
	    outcomes[rc].status == 0)
		return &outcomes[STORE_DB_ERROR];
	return &outcomes[rc];
}

int
outcome_error(struct http_response *resp, int rc)
{
	const struct outcome *o = outcome_of(rc);

	if (o->retry_after > 0)
		(void)http_header(resp, "Retry-After: %d", o->retry_after);
	return http_error(resp, o->status, o->code, "%s", o->message);
}

int
outcome_status(int rc)
{
	return rc == STORE_OK ? 200 : outcome_of(rc)->status;
}
