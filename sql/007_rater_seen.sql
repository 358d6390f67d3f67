-- memeter schema, version 7: when each rater was last heard from (unix
-- seconds), so the dashboard can tell who is still at the party.  Written
-- at most every 30 s per rater (store_rater_seen), never on every request.
ALTER TABLE raters ADD COLUMN last_seen INTEGER;
