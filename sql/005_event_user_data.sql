-- memeter schema, version 5: each group's view of an event, rendered
-- once when it is appended.  data stays the admin group's view;
-- user_data is the user group's view, NULL when users must not see the
-- event, so pushd builds every envelope by concatenation.
ALTER TABLE events ADD COLUMN user_data TEXT;

-- Events written before this version, as the append renders them now.
UPDATE events SET user_data = data
    WHERE type IN ('session_started', 'session_finished', 'memes_populated',
                   'results_revealed');
UPDATE events SET user_data = json_object(
        'session_id', json_extract(data, '$.session_id'),
        'ratings', json_extract(data, '$.ratings'),
        'raters', json_extract(data, '$.raters'))
    WHERE type = 'stats_updated';
