-- 012: reactions on paper cards that teach the bot. Feedback emoji are stored under one name
-- each (+1, -1, office), so rows written before that read alike; a 🏢 (office, "not an
-- industry paper") keeps the evidence of the flags it corrects, so the lab stops trusting that
-- evidence; a topic whose cards keep getting 👎 is sent one query suggestion per query.

UPDATE OR IGNORE feedback SET emoji = '+1'
 WHERE emoji IN ('thumbsup', '👍') OR emoji LIKE '+1::skin-tone-_'
    OR emoji LIKE 'thumbsup::skin-tone-_';
UPDATE OR IGNORE feedback SET emoji = '-1'
 WHERE emoji IN ('thumbsdown', '👎') OR emoji LIKE '-1::skin-tone-_'
    OR emoji LIKE 'thumbsdown::skin-tone-_';
UPDATE OR IGNORE feedback SET emoji = 'office' WHERE emoji = '🏢';
-- What is left under an old spelling duplicates a row under the new name (the same member's
-- reaction on the same message): nothing is lost by dropping it.
DELETE FROM feedback
 WHERE emoji IN ('thumbsup', '👍', 'thumbsdown', '👎', '🏢')
    OR emoji LIKE '+1::skin-tone-_' OR emoji LIKE 'thumbsup::skin-tone-_'
    OR emoji LIKE '-1::skin-tone-_' OR emoji LIKE 'thumbsdown::skin-tone-_';

CREATE INDEX feedback_workspace ON feedback (platform, workspace, emoji);
-- /scoop stats reads a workspace's cards of the last weeks.
CREATE INDEX posts_workspace ON posts (platform, workspace, created_at);

-- The industry flags one 🏢 reaction corrected, with the evidence behind each (an affiliation
-- string, an e-mail domain, an institution id). A row lives exactly as long as its reaction:
-- removing the 🏢 deletes the feedback row and, through the cascade, these.
CREATE TABLE flag_corrections (
    id          INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    company     TEXT NOT NULL,
    lab         TEXT,
    via         TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    UNIQUE (feedback_id, via, evidence)
);

-- A query suggestion sent for a topic: once per topic and query (an edited query starts over).
CREATE TABLE topic_suggestions (
    topic_id   INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    query      TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (topic_id, query)
) WITHOUT ROWID;
