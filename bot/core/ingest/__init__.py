"""Papers in: the nightly fetch, missed-day recovery, and affiliation enrichment."""
