-- 008: the bot's own posts on a chat that keeps no history the bot could read back (the local
-- console prints and forgets). Crash recovery asks the platform "did this post go out?" by a
-- card's or header's marker, or for the bot's first reply in a thread; such a chat answers
-- from these rows, written before the post is shown, so the answer survives a restart. Only
-- posts recovery asks about are kept: top-level posts with a marker, and the bot's posts in
-- threads. message_id is the chat's own id; thread_root_id is NULL for a top-level post.
CREATE TABLE local_posts (
    id             INTEGER PRIMARY KEY,
    platform       TEXT NOT NULL,
    channel_id     TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    thread_root_id TEXT,
    marker         TEXT,
    posted_at      TEXT NOT NULL,
    UNIQUE (platform, channel_id, message_id)
);
CREATE INDEX local_posts_marker ON local_posts (platform, channel_id, marker)
    WHERE marker IS NOT NULL;
CREATE INDEX local_posts_thread ON local_posts (platform, channel_id, thread_root_id)
    WHERE thread_root_id IS NOT NULL;
