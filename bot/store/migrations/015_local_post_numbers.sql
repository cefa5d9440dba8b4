-- 015: console post numbers that continue across sessions of one database, so "#N" names one
-- post for good and `reply N` reaches a card, prompt or reminder an earlier session printed.
-- local_posts.number is the number a post was printed with; local_numbers.last is the highest
-- number the console has shown in the channel (command answers and members' lines take numbers
-- too but are not kept in local_posts), so a new session goes on after it and never reuses one.
ALTER TABLE local_posts ADD COLUMN number INTEGER;

-- Posts of earlier versions were numbered per session (every session had a #1), so their
-- printed numbers name nothing today. They get new numbers, in posting order, above every
-- number those sessions printed for a post one could answer (a kept post, or a member's reply
-- kept as a note): a number typed from an old transcript then finds no post rather than a
-- different one, and yesterday's open threads can be answered at once. (A command's answer
-- was kept nowhere, so an old one may share a number with an upgraded post.)
UPDATE local_posts SET number = id + (
    SELECT coalesce(max(CAST(substr(message_id, instr(message_id, '.') + 1) AS INTEGER)), 0)
    FROM (SELECT message_id FROM local_posts
          UNION ALL SELECT message_id FROM notes WHERE platform = 'console'));

CREATE UNIQUE INDEX local_posts_number ON local_posts (platform, channel_id, number)
    WHERE number IS NOT NULL;

CREATE TABLE local_numbers (
    platform   TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (platform, channel_id)
);

INSERT INTO local_numbers (platform, channel_id, last)
    SELECT platform, channel_id, max(number) FROM local_posts GROUP BY platform, channel_id;
