-- memeter schema, version 1.
-- Times are ISO 8601 UTC text ("2026-11-25T22:17:24Z") so they sort and
-- print as the API returns them.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Anonymous raters; only a SHA-256 of the cookie token is kept.
CREATE TABLE raters (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Logged-in admin browsers.  expires_at is unix seconds.
CREATE TABLE admin_sessions (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    status      TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'active', 'finished')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    started_at  TEXT,
    finished_at TEXT,
    revealed    INTEGER NOT NULL DEFAULT 0 CHECK (revealed >= 0)
);
-- The database itself guarantees "at most one session is active".
CREATE UNIQUE INDEX sessions_one_active ON sessions (status)
    WHERE status = 'active';

-- The media library, deduplicated by content.
CREATE TABLE memes (
    id         INTEGER PRIMARY KEY,
    sha256     TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    filename   TEXT NOT NULL,      -- relative to the media directory
    mime       TEXT NOT NULL,
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE session_memes (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    meme_id    INTEGER NOT NULL REFERENCES memes (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (session_id, meme_id),
    UNIQUE (session_id, position)
) WITHOUT ROWID;

CREATE TABLE ratings (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL,
    meme_id    INTEGER NOT NULL,
    rater_id   INTEGER NOT NULL REFERENCES raters (id),
    score      INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (session_id, meme_id, rater_id),
    FOREIGN KEY (session_id, meme_id)
        REFERENCES session_memes (session_id, meme_id) ON DELETE CASCADE
);
CREATE INDEX ratings_by_meme ON ratings (session_id, meme_id, score);
CREATE INDEX ratings_by_rater ON ratings (rater_id, session_id);

-- client_id of every rating request already applied: a replayed offline
-- queue entry is answered without changing anything.
CREATE TABLE rating_requests (
    rater_id  INTEGER NOT NULL REFERENCES raters (id),
    client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 64),
    rating_id INTEGER NOT NULL,
    PRIMARY KEY (rater_id, client_id)
) WITHOUT ROWID;

CREATE TABLE skips (
    session_id INTEGER NOT NULL,
    meme_id    INTEGER NOT NULL,
    rater_id   INTEGER NOT NULL REFERENCES raters (id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (session_id, rater_id, meme_id),
    FOREIGN KEY (session_id, meme_id)
        REFERENCES session_memes (session_id, meme_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- The outbox: every data change writes its event here in the same
-- transaction.  pushd reads it; seq is what clients resume from.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT NOT NULL,
    session_id INTEGER,
    data       TEXT NOT NULL,      -- JSON, the admin group's view
    ts         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
