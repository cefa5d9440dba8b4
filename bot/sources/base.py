"""What every source parser returns, so fetchers, the store and the CLI share one shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.models import Paper


class SourceFormat(StrEnum):
    """Document formats scoopwatch can read (``scoopwatch ingest --format``)."""

    ARXIV_RSS = "arxiv-rss"  # rss.arxiv.org listing, RSS 2.0
    ARXIV_ATOM = "arxiv-atom"  # rss.arxiv.org listing, Atom 1.0 (/atom/...)
    ARXIV_API = "arxiv-api"  # export.arxiv.org/api/query, Atom 1.0 + opensearch
    OAI_PMH = "oai-pmh"  # OAI-PMH ListRecords/GetRecord, metadataPrefix=arXiv
    OPENALEX = "openalex"  # OpenAlex /works list page, single work, or JSON list of works
    JSONL = "jsonl"  # scoopwatch's generic JSON Lines paper format
    ARXIV_HTML = "arxiv-html"  # a saved arxiv.org/html or ar5iv page (LaTeXML): one paper


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the parser could not turn into a Paper, and why (reported, never silent)."""

    ident: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """One parsed document: papers plus the paging/announcement facts the fetchers need."""

    format: SourceFormat
    papers: tuple[Paper, ...]
    skipped: tuple[Skipped, ...] = ()
    # arXiv listing feeds: the announcement date (channel pubDate/lastBuildDate) and title.
    announced: date | None = None
    feed_title: str | None = None
    # arXiv API (opensearch): paging facts, to detect "empty page while more results exist".
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    # OpenAlex cursor paging and OAI-PMH resumption.
    next_cursor: str | None = None
    resumption_token: str | None = None
    complete_list_size: int | None = None
