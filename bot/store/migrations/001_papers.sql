-- 001: the papers side — works, their authors and affiliations (per source), source cursors,
-- and the enrichment attempt log. Dates are ISO 'YYYY-MM-DD'; timestamps are ISO-8601 UTC
-- ('YYYY-MM-DDTHH:MM:SS+00:00') so that text order is time order. JSON columns hold arrays.

CREATE TABLE papers (
    key                TEXT PRIMARY KEY,          -- arXiv id without version, or 'openalex:W…'
    arxiv_id           TEXT,
    version            INTEGER CHECK (version IS NULL OR version >= 1),
    doi                TEXT,
    openalex_id        TEXT,
    title              TEXT NOT NULL,
    abstract           TEXT NOT NULL DEFAULT '',
    categories         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
    primary_category   TEXT,
    -- First announcement (new/cross preferred over replace*), and the latest one seen.
    announced          TEXT CHECK (announced IS NULL OR date(announced) = announced),
    announce_type      TEXT CHECK (announce_type IN ('new', 'cross', 'replace', 'replace-cross')),
    last_announced     TEXT CHECK (last_announced IS NULL OR date(last_announced) = last_announced),
    last_announce_type TEXT CHECK (last_announce_type IN ('new', 'cross', 'replace', 'replace-cross')),
    url                TEXT,
    published          TEXT,
    updated            TEXT,
    comment            TEXT,
    journal_ref        TEXT,
    extra              TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
    -- Who supplied the author list: 'arxiv' (authoritative for names) or an enrichment source.
    authors_from       TEXT,
    first_seen         TEXT NOT NULL,
    last_changed       TEXT NOT NULL
);
CREATE INDEX papers_announced ON papers (announced, key);
CREATE INDEX papers_last_announced ON papers (last_announced) WHERE last_announced IS NOT NULL;
CREATE INDEX papers_doi ON papers (doi) WHERE doi IS NOT NULL;
CREATE INDEX papers_openalex_id ON papers (openalex_id) WHERE openalex_id IS NOT NULL;
CREATE INDEX papers_arxiv_id ON papers (arxiv_id) WHERE arxiv_id IS NOT NULL;

CREATE TABLE authors (
    paper_key TEXT NOT NULL REFERENCES papers (key) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    name      TEXT NOT NULL,
    emails    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(emails)),
    PRIMARY KEY (paper_key, position)
) WITHOUT ROWID;

-- Row order (id) is the order of an author's affiliations; each source's rows for a paper
-- are replaced together when that source reports again.
CREATE TABLE affiliations (
    id              INTEGER PRIMARY KEY,
    paper_key       TEXT NOT NULL,
    author_position INTEGER NOT NULL,
    source          TEXT NOT NULL,                -- bot.models.AffiliationSource
    name            TEXT NOT NULL,
    openalex_id     TEXT,
    ror             TEXT,
    type            TEXT,
    lineage         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(lineage)),
    country         TEXT,
    FOREIGN KEY (paper_key, author_position)
        REFERENCES authors (paper_key, position) ON DELETE CASCADE
);
CREATE INDEX affiliations_author ON affiliations (paper_key, author_position);
CREATE INDEX affiliations_openalex_id ON affiliations (openalex_id) WHERE openalex_id IS NOT NULL;
CREATE INDEX affiliations_ror ON affiliations (ror) WHERE ror IS NOT NULL;

CREATE TABLE source_state (
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;

-- One row per (paper, enrichment source): when it was tried and what it returned.
CREATE TABLE paper_source_attempts (
    paper_key      TEXT NOT NULL REFERENCES papers (key) ON DELETE CASCADE,
    source         TEXT NOT NULL,
    first_tried_at TEXT NOT NULL,
    last_tried_at  TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    outcome        TEXT NOT NULL CHECK (outcome IN ('found', 'not_found', 'error')),
    detail         TEXT,
    PRIMARY KEY (paper_key, source)
) WITHOUT ROWID;
CREATE INDEX paper_source_attempts_source ON paper_source_attempts (source, outcome);
