-- 011: the inbox (inbound events kept before the platform is told they arrived) and claims
-- (which worker drives a row, until when), so several scoopwatch processes can share one
-- database and each post, digest and note still happens once.
--
-- A claim is (claim_owner, claim_until): taken by compare-and-set in one statement (free, or
-- its lease ran out, or already ours), renewed while the owner works, released when it is
-- done. A worker killed mid-row leaves a lease that runs out, and another worker takes the row
-- over. Timestamps are ISO-8601 UTC text like 001-007, so text order is time order.

-- Thread replies, edits, deletions and reactions, kept before they are acknowledged and
-- processed from here until done. event_key is the delivery's identity (a platform
-- redelivery has the same one, so it is kept once); subject is the message it concerns, and
-- a subject's events are processed in arrival order. event is the core's event as JSON.
-- not_before delays a retry; last_error says why the last try failed.
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('reply', 'deleted', 'reaction')),
    event       TEXT NOT NULL CHECK (json_valid(event)),
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    claim_owner TEXT,
    claim_until TEXT,
    last_error  TEXT,
    received_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (platform, event_key)
);
CREATE INDEX inbox_pending ON inbox (not_before, id) WHERE state = 'pending';
CREATE INDEX inbox_subject ON inbox (platform, subject, id) WHERE state = 'pending';
CREATE INDEX inbox_done ON inbox (updated_at) WHERE state = 'done';

-- Outbox rows: the worker posting a card (or a thread's "new version" note, which claims its
-- card's row) or a digest header.
ALTER TABLE posts ADD COLUMN claim_owner TEXT;
ALTER TABLE posts ADD COLUMN claim_until TEXT;
ALTER TABLE digest_headers ADD COLUMN claim_owner TEXT;
ALTER TABLE digest_headers ADD COLUMN claim_until TEXT;

-- One row per scheduled digest firing (slot: the cron's fire time, UTC): claimed by the first
-- scheduler that fires it, 'done' in the transaction that records the digest, so two
-- schedulers firing the same slot post one digest.
CREATE TABLE digest_slots (
    platform    TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    slot        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'claimed' CHECK (state IN ('claimed', 'done')),
    claim_owner TEXT,
    claim_until TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (platform, channel_id, slot)
) WITHOUT ROWID;
CREATE INDEX digest_slots_claimed ON digest_slots (claim_until) WHERE state = 'claimed';
