-- 014: the optional semantic extra (scoopwatch[semantic]).
-- paper_embeddings caches one vector per paper and model, so a paper is embedded once: the
-- digest looks vectors up here before embedding anything. text_hash is a hash of the text that
-- was embedded (title and abstract): a paper whose text changed is embedded again. The vector
-- is little-endian float32, dim values.
CREATE TABLE paper_embeddings (
    paper_key  TEXT NOT NULL REFERENCES papers(key) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_at TEXT NOT NULL,
    PRIMARY KEY (paper_key, model)
);

-- A member's own papers for one of their topics (/scoop topic seed): with the topic's matched
-- papers they make its centroid, so related papers look like the lab's work.
CREATE TABLE topic_seeds (
    topic_id  INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    paper_key TEXT NOT NULL REFERENCES papers(key) ON DELETE CASCADE,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (topic_id, paper_key)
);
