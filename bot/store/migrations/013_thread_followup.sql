-- 013: follow-through on paper threads.
-- thread_closures: a thread closed without a note (/scoop snooze used in it, or a "not a
-- concern" reaction on its card); the first closure is kept. A closed thread gets no reminder
-- and leaves the digest header's list of open threads.
-- thread_reminders: the one reminder a thread with no note gets, ever (post_id is the key).
-- Like the other outboxes the row is written ('intent', with its marker and the exact message
-- as JSON) before the platform call, every try is counted, and it is marked 'done' with the
-- message id after; 'cancelled' when a note or a closure came first.
CREATE TABLE thread_closures (
    post_id   INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    via       TEXT NOT NULL CHECK (via IN ('snooze', 'reaction')),
    closed_at TEXT NOT NULL
);

CREATE TABLE thread_reminders (
    post_id    INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    marker     TEXT NOT NULL UNIQUE,
    reminder   TEXT NOT NULL CHECK (json_valid(reminder)),
    state      TEXT NOT NULL DEFAULT 'intent' CHECK (state IN ('intent', 'done', 'cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX thread_reminders_pending ON thread_reminders (state) WHERE state = 'intent';
