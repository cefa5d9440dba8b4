-- 007: a paper stored with an announcement date but no announce type (JSON Lines records that
-- left the type out, before the parsers gave such records one) counts like a new arXiv paper,
-- or as a replacement when the only announcement seen was of a version above 1: the rule the
-- parsers apply from now on, so digests and topic previews (new/cross only) show these papers.
-- Listing items whose type arXiv gave but scoopwatch did not know (extra.announce_type_raw)
-- keep no type.
UPDATE papers
SET announce_type = CASE
        WHEN version > 1 AND (last_announced IS NULL OR last_announced = announced)
        THEN 'replace' ELSE 'new' END
WHERE announce_type IS NULL AND announced IS NOT NULL
  AND json_extract(extra, '$.announce_type_raw') IS NULL;

UPDATE papers
SET last_announce_type = CASE WHEN version > 1 THEN 'replace' ELSE 'new' END
WHERE last_announce_type IS NULL AND last_announced IS NOT NULL
  AND json_extract(extra, '$.announce_type_raw') IS NULL;
