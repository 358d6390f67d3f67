-- memeter schema, version 9: host-paced rounds and locked joining.
--
-- pace 'host': the host opens one meme at a time (rounds); seconds is
-- the voting time of a round, 0 = until the host closes it.
ALTER TABLE sessions ADD COLUMN pace TEXT NOT NULL DEFAULT 'self'
    CHECK (pace IN ('self', 'host'));
ALTER TABLE sessions ADD COLUMN seconds INTEGER NOT NULL DEFAULT 0
    CHECK (seconds BETWEEN 0 AND 600);
-- While locked, nobody new may join (a request that would create a
-- rater is refused).
ALTER TABLE sessions ADD COLUMN locked INTEGER NOT NULL DEFAULT 0
    CHECK (locked IN (0, 1));

-- The round of a host-paced session: which meme (position: 1-based
-- rank in the session's order), open or closed, and when.  Times are
-- ISO 8601 UTC with milliseconds, as events.ts, so they compare as text
-- against the server's clock in the rating transaction.
CREATE TABLE rounds (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL CHECK (position >= 1),
    meme_id    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opens_at   TEXT NOT NULL,
    closes_at  TEXT
);
-- The pool master's timer asks for the next round to close.
CREATE INDEX rounds_closing ON rounds (closes_at)
    WHERE state = 'open' AND closes_at IS NOT NULL;
