-- memeter schema, version 4.
--
-- Each meme's histogram (how many ratings of each score) kept by
-- triggers, so the per-meme stats sent after every rating read at most
-- 11 rows instead of every rating of the meme.
CREATE TABLE meme_scores (
    session_id INTEGER NOT NULL,
    meme_id    INTEGER NOT NULL,
    score      INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (session_id, meme_id, score)
) WITHOUT ROWID;
INSERT INTO meme_scores(session_id, meme_id, score, n)
    SELECT session_id, meme_id, score, count(*) FROM ratings
    GROUP BY session_id, meme_id, score;

CREATE TRIGGER ratings_scores_insert AFTER INSERT ON ratings BEGIN
    INSERT INTO meme_scores(session_id, meme_id, score, n)
        VALUES (NEW.session_id, NEW.meme_id, NEW.score, 1)
    ON CONFLICT (session_id, meme_id, score) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ratings_scores_update AFTER UPDATE OF score ON ratings
WHEN OLD.score <> NEW.score BEGIN
    UPDATE meme_scores SET n = n - 1 WHERE session_id = OLD.session_id
        AND meme_id = OLD.meme_id AND score = OLD.score;
    INSERT INTO meme_scores(session_id, meme_id, score, n)
        VALUES (NEW.session_id, NEW.meme_id, NEW.score, 1)
    ON CONFLICT (session_id, meme_id, score) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ratings_scores_delete AFTER DELETE ON ratings BEGIN
    UPDATE meme_scores SET n = n - 1 WHERE session_id = OLD.session_id
        AND meme_id = OLD.meme_id AND score = OLD.score;
END;

-- Totals and histograms no longer read ratings: these indexes only cost
-- every rating two more pages to write.  (The UNIQUE index on
-- (session_id, meme_id, rater_id) and ratings_by_rater stay.)
DROP INDEX ratings_by_meme;
DROP INDEX ratings_by_session_rater;
