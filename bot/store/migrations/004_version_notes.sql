-- 004: "a new version of this paper was announced" notes in paper threads, at most once per
-- (post, version). posts.noted_version is the version the thread already reflects: the one the
-- card was posted with (set by PostStore.insert_intents), then the last one noted. Existing
-- posts take their paper's current version, so upgrading never floods old threads with notes.
ALTER TABLE posts ADD COLUMN noted_version INTEGER
    CHECK (noted_version IS NULL OR noted_version >= 1);
UPDATE posts SET noted_version = (SELECT version FROM papers WHERE papers.key = posts.paper_key);

-- One row per note, written before the platform call ('intent', attempts counted) and marked
-- 'done' with the message id after it, like the outbox.
CREATE TABLE version_notes (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL CHECK (version >= 1),
    state      TEXT NOT NULL DEFAULT 'intent' CHECK (state IN ('intent', 'done')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (post_id, version)
) WITHOUT ROWID;
