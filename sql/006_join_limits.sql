-- Raters one address may create (a token bucket per address): a made-up
-- rater cookie is a cookieless request, so nginx's per-cookie limit does
-- not hold it back; this does, in the transaction that adds the rater.
-- Rows of addresses quiet for an hour are dropped as others join.
CREATE TABLE join_limits (
    addr    TEXT PRIMARY KEY,
    tokens  REAL NOT NULL,
    at      REAL NOT NULL    -- unix seconds of the last refill
) WITHOUT ROWID;
