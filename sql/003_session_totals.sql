-- memeter schema, version 3 (session totals; answers of rating requests).
--
-- Session totals kept by triggers, so the stats a worker sends after
-- every rating cost the same with 100 ratings as with 100,000 (counting
-- them per rating made each rating slower than the last).  Every change
-- to ratings, by any path, goes through these triggers.
CREATE TABLE session_totals (
    session_id INTEGER PRIMARY KEY,
    ratings    INTEGER NOT NULL DEFAULT 0,
    raters     INTEGER NOT NULL DEFAULT 0,   -- distinct raters
    score_sum  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO session_totals(session_id, ratings, raters, score_sum)
    SELECT session_id, count(*), count(DISTINCT rater_id), sum(score)
    FROM ratings GROUP BY session_id;

CREATE TRIGGER ratings_totals_insert AFTER INSERT ON ratings BEGIN
    INSERT INTO session_totals(session_id, ratings, raters, score_sum)
        VALUES (NEW.session_id, 1, 1, NEW.score)
    ON CONFLICT (session_id) DO UPDATE SET
        ratings = ratings + 1,
        score_sum = score_sum + NEW.score,
        raters = raters + NOT EXISTS (SELECT 1 FROM ratings
            WHERE rater_id = NEW.rater_id AND session_id = NEW.session_id
            AND id <> NEW.id);
END;

CREATE TRIGGER ratings_totals_update AFTER UPDATE OF score ON ratings BEGIN
    UPDATE session_totals SET score_sum = score_sum - OLD.score + NEW.score
        WHERE session_id = NEW.session_id;
END;

CREATE TRIGGER ratings_totals_delete AFTER DELETE ON ratings BEGIN
    UPDATE session_totals SET
        ratings = ratings - 1,
        score_sum = score_sum - OLD.score,
        raters = raters - NOT EXISTS (SELECT 1 FROM ratings
            WHERE rater_id = OLD.rater_id AND session_id = OLD.session_id)
        WHERE session_id = OLD.session_id;
END;

-- A replayed client_id is answered with what the first request got.
ALTER TABLE rating_requests ADD COLUMN meme_id INTEGER;
ALTER TABLE rating_requests ADD COLUMN score INTEGER;
ALTER TABLE rating_requests ADD COLUMN replaced INTEGER;
