-- 003: the digest side owned by the bot core — channel subscriptions, cached industry flags,
-- paper x topic overlaps, the posting outbox, and the run log behind /scoop status.
-- Dates are ISO 'YYYY-MM-DD'; timestamps ISO-8601 UTC text, like 001 and 002.

-- One digest schedule per channel. days is a cron day_of_week list ('mon,thu'), time 'HH:MM'
-- in timezone (IANA). last_covered_until is the newest announcement date a digest covered.
CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT NOT NULL,
    workspace          TEXT NOT NULL,
    channel_id         TEXT NOT NULL,
    days               TEXT NOT NULL,
    time               TEXT NOT NULL CHECK (time GLOB '[0-2][0-9]:[0-5][0-9]'),
    timezone           TEXT NOT NULL,
    mode               TEXT NOT NULL CHECK (mode IN ('industry-only', 'all-papers')),
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    last_digest_at     TEXT,
    last_covered_until TEXT CHECK (last_covered_until IS NULL
                                   OR date(last_covered_until) = last_covered_until),
    UNIQUE (platform, channel_id)
);

-- Detector output per paper, replaced as a whole whenever the paper is re-detected.
CREATE TABLE paper_flags (
    id          INTEGER PRIMARY KEY,
    paper_key   TEXT NOT NULL,
    company     TEXT NOT NULL,
    lab         TEXT,
    evidence    TEXT NOT NULL,
    via         TEXT NOT NULL,
    confidence  REAL NOT NULL,
    author      TEXT,
    computed_at TEXT NOT NULL
);
CREATE INDEX paper_flags_paper ON paper_flags (paper_key);

-- A paper matched a topic: score and the terms that hit ([{term, field, count}]).
CREATE TABLE overlaps (
    paper_key   TEXT NOT NULL,
    topic_id    INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    score       REAL NOT NULL,
    terms       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(terms)),
    computed_at TEXT NOT NULL,
    PRIMARY KEY (paper_key, topic_id)
) WITHOUT ROWID;
CREATE INDEX overlaps_topic ON overlaps (topic_id);

-- The outbox: one row per paper per channel, ever. state moves intent -> posted -> threaded
-- -> done; attempts counts tries of the current step (a retried step first checks the
-- platform). card/prompt hold the exact messages so a resumed post is the same post.
CREATE TABLE posts (
    id                INTEGER PRIMARY KEY,
    platform          TEXT NOT NULL,
    workspace         TEXT NOT NULL DEFAULT '',
    channel_id        TEXT NOT NULL,
    paper_key         TEXT NOT NULL,
    marker            TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'intent'
                      CHECK (state IN ('intent', 'posted', 'threaded', 'prompted', 'done')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    card_message_id   TEXT,
    thread_root_id    TEXT,
    prompt_message_id TEXT,
    topics            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(topics)),
    member_ids        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(member_ids)),
    card              TEXT NOT NULL CHECK (json_valid(card)),
    prompt            TEXT NOT NULL CHECK (json_valid(prompt)),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (platform, channel_id, paper_key)
);
CREATE INDEX posts_pending ON posts (state) WHERE state <> 'done';
CREATE INDEX posts_thread ON posts (platform, channel_id, thread_root_id);
CREATE INDEX posts_card_message ON posts (platform, card_message_id);
CREATE INDEX posts_prompt_message ON posts (platform, prompt_message_id);

-- Every fetch / enrichment / digest run and its outcome: source health for /scoop status and
-- the reason a quiet digest gives. day is the announcement date a fetch was for.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('fetch', 'enrich', 'digest')),
    source      TEXT NOT NULL DEFAULT '',
    day         TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT,
    ok          INTEGER CHECK (ok IS NULL OR ok IN (0, 1)),
    detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX runs_kind ON runs (kind, source, started_at);
CREATE INDEX runs_day ON runs (kind, day);
