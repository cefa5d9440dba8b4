-- 009: a paper's title in the form its other versions share (bot.twins.title_key), so a journal
-- work found on OpenAlex and its arXiv preprint are known as one paper by title when no DOI or
-- arXiv id links them. Filled on every write from now on; rows written before it are filled by
-- PaperStore.fill_title_keys (the normalisation is Python's, not SQL's).
ALTER TABLE papers ADD COLUMN title_key TEXT;
CREATE INDEX papers_title_key ON papers (title_key) WHERE title_key IS NOT NULL;
