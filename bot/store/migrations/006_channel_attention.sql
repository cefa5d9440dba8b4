-- 006: channels a platform refuses to post in until a person acts there (the bot was never
-- invited, the channel is archived or gone, a permission is missing). reason is the core's
-- code (bot.errors.ChannelProblem), fix the adapter's sentence for members. A row exists
-- while the channel needs attention: the bot stops retrying its queued posts in the
-- background, /scoop status shows the reason and the fix, and the next post that succeeds
-- there deletes the row. since is the first refusal, last_seen the latest.
CREATE TABLE channel_attention (
    platform   TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    fix        TEXT NOT NULL,
    since      TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (platform, channel_id)
) WITHOUT ROWID;
