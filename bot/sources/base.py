"""What every source parser returns, so fetchers, the store and the CLI share one shape.

A parser reads a document as a ``RecordStream``: records one at a time, so ``scoopwatch ingest``
stores a 150 MB file in batches with memory that does not grow with the file. ``page()`` collects
a stream into a ``ParsedPage`` for the callers that hold a whole (API-sized) response anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from types import TracebackType

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


Record = Paper | Skipped


@dataclass(slots=True)
class PageFacts:
    """The document-level facts of a ``ParsedPage``, filled in while its records are read
    (an OAI-PMH resumption token, for one, comes after the last record)."""

    announced: date | None = None
    feed_title: str | None = None
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    next_cursor: str | None = None
    resumption_token: str | None = None
    complete_list_size: int | None = None


Reader = Callable[[PageFacts], Iterator[Record]]


class RecordStream:
    """One document's records in file order, each parsed when it is asked for.

    Iterate it once. A document broken half-way raises ``ParseError`` (or ``SourceError``) at
    the record where it broke, after the records before it were handed out; ``facts`` is
    complete once iteration ends. ``close`` releases the file a stream was opened on.
    """

    def __init__(self, fmt: SourceFormat, read: Reader,
                 on_close: Callable[[], None] | None = None) -> None:
        self.format = fmt
        self.facts = PageFacts()
        self._records = read(self.facts)
        self._on_close = on_close

    @classmethod
    def of_page(cls, page: ParsedPage) -> RecordStream:
        """A stream over an already parsed page (formats that are never large)."""
        def read(facts: PageFacts) -> Iterator[Record]:
            for name in PageFacts.__slots__:
                setattr(facts, name, getattr(page, name))
            yield from page.papers
            yield from page.skipped

        return cls(page.format, read)

    def on_close(self, action: Callable[[], None]) -> None:
        """Run ``action`` (closing the file being read) when the stream is closed."""
        self._on_close = action

    def __iter__(self) -> Iterator[Record]:
        return self._records

    def page(self) -> ParsedPage:
        """Read every record and return them as one ``ParsedPage``."""
        papers: list[Paper] = []
        skipped: list[Skipped] = []
        for record in self:
            if isinstance(record, Paper):
                papers.append(record)
            else:
                skipped.append(record)
        return ParsedPage(self.format, tuple(papers), tuple(skipped), **asdict(self.facts))

    def close(self) -> None:
        close = getattr(self._records, "close", None)
        if close is not None:
            close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> RecordStream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
