-- memeter schema, version 2: session totals (ratings, distinct raters,
-- sum of scores) read from one covering index, so the stats a worker
-- recomputes after every rating never touch the table rows.
CREATE INDEX ratings_by_session_rater ON ratings (session_id, rater_id, score);
