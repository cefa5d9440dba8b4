-- 005: digest headers go through an outbox like the cards. The row is written in the same
-- transaction as the digest's card intents and the subscription's cursor, before anything is
-- posted; state moves intent -> done. attempts counts posts tried: a header tried before is
-- looked up on the platform by its marker before it is posted again. header holds the exact
-- message (JSON), so a resumed header is the same header.
CREATE TABLE digest_headers (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL DEFAULT '',
    channel_id TEXT NOT NULL,
    marker     TEXT NOT NULL UNIQUE,
    header     TEXT NOT NULL CHECK (json_valid(header)),
    state      TEXT NOT NULL DEFAULT 'intent' CHECK (state IN ('intent', 'done')),
    message_id TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX digest_headers_pending ON digest_headers (state) WHERE state <> 'done';
