-- 002: the chat side owned by the bot core — members, their topics, differentiation notes
-- (with edit history), processed platform events (de-duplication of redeliveries) and
-- reaction feedback on paper cards. Timestamps are ISO-8601 UTC text, like 001.

CREATE TABLE members (
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    member_id    TEXT NOT NULL,                  -- opaque platform user id
    display_name TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, member_id)
) WITHOUT ROWID;
CREATE INDEX members_name ON members (platform, workspace, display_name COLLATE NOCASE);

CREATE TABLE topics (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    query      TEXT NOT NULL,
    paused     INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (platform, workspace, member_id, name)
);
CREATE INDEX topics_workspace ON topics (platform, workspace, paused);

-- One row per member message in a paper thread. paper_title/paper_url are a snapshot taken
-- when the note is written, so lists and exports never depend on the paper still being stored.
CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    root_message_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    paper_key       TEXT NOT NULL,
    paper_title     TEXT NOT NULL DEFAULT '',
    paper_url       TEXT,
    topics          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(topics)),
    author_id       TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT,
    UNIQUE (platform, channel_id, message_id)
);
CREATE INDEX notes_workspace ON notes (platform, workspace, created_at);
CREATE INDEX notes_paper ON notes (paper_key);
CREATE INDEX notes_message ON notes (platform, message_id);

-- Earlier texts of edited notes, oldest first.
CREATE TABLE note_edits (
    id        INTEGER PRIMARY KEY,
    note_id   INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    text      TEXT NOT NULL,
    edited_at TEXT NOT NULL
);
CREATE INDEX note_edits_note ON note_edits (note_id, id);

CREATE TABLE processed_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;

-- Reactions members add to the bot's paper cards: a cheap relevance signal for later tuning.
CREATE TABLE feedback (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    paper_key  TEXT,
    member_id  TEXT NOT NULL,
    emoji      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (platform, channel_id, message_id, member_id, emoji)
);
