"""Platform-neutral domain values describing papers, authors and affiliations.

Every source parser produces these, the store persists them, and the matcher and industry
detector read them. Frozen so they can be shared freely between layers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class AnnounceType(StrEnum):
    """How a paper appeared in an arXiv daily announcement."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"


class AffiliationSource(StrEnum):
    """Where an affiliation record came from; evidence for industry flags cites it."""

    ARXIV = "arxiv"
    OPENALEX = "openalex"
    HTML = "html"
    JSONL = "jsonl"
    PAPERLIST = "paperlist"


@dataclass(frozen=True, slots=True)
class Affiliation:
    """One affiliation of one author, as one source stated it.

    ``name`` is the raw affiliation string when the source gave one, otherwise the
    institution's display name. OpenAlex fields are filled only for OpenAlex records.
    """

    name: str
    source: AffiliationSource
    openalex_id: str | None = None  # short form, e.g. "I4210090411"
    ror: str | None = None  # short form, e.g. "00njsd438"
    type: str | None = None  # OpenAlex institution type: company, education, facility, ...
    lineage: tuple[str, ...] = ()  # short OpenAlex ids of parent institutions
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Author:
    """An author in paper order, with every affiliation any source gave for them."""

    name: str
    affiliations: tuple[Affiliation, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Paper:
    """One work. ``key`` is its identity in the store.

    For arXiv papers the key is the arXiv id without version (``2411.01234``,
    ``hep-th/9901001``); for works without an arXiv id it is a prefixed source id
    (``openalex:W2755950973``, ``jsonl:my-id``).
    """

    key: str
    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    version: int | None = None
    authors: tuple[Author, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    announced: date | None = None
    announce_type: AnnounceType | None = None
    doi: str | None = None
    openalex_id: str | None = None
    url: str | None = None
    published: date | None = None
    updated: date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def abs_url(self) -> str | None:
        """The page a human should open: arXiv abstract page when known."""
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return self.url


# New-style ids (0704.0001 .. 2411.01234) and old-style ids (hep-th/9901001, math.AG/0601001).
_NEW_ID = re.compile(r"(?P<id>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?")
_OLD_ID = re.compile(r"(?P<id>[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?/\d{7})(?:v(?P<v>\d+))?")
_ARXIV_PREFIX = re.compile(
    r"^(?:https?://(?:export\.)?arxiv\.org/(?:abs|pdf|html)/|oai:arXiv\.org:|arxiv:|"
    r"(?:https?://doi\.org/)?10\.48550/arxiv\.)",
    re.IGNORECASE,
)


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Split ``2411.01234v2`` / URL / DOI / OAI forms into (id without version, version).

    Raises ``ValueError`` for strings that are not arXiv identifiers.
    """
    text = _ARXIV_PREFIX.sub("", raw.strip())
    text = text.removesuffix(".pdf")
    for pattern in (_NEW_ID, _OLD_ID):
        m = pattern.fullmatch(text)
        if m:
            version = int(m["v"]) if m["v"] else None
            return m["id"], version
    raise ValueError(f"not an arXiv identifier: {raw!r}")


def arxiv_doi(arxiv_id: str) -> str:
    """The DataCite DOI arXiv registers for every paper (lower-case, as OpenAlex stores it)."""
    return f"10.48550/arxiv.{arxiv_id}".lower()


_RECORD_PREFIXES = ("openalex:", "jsonl:", "html:")  # keys of papers not known by arXiv id


def record_id(paper: Paper) -> str:
    """The id people know a paper by, in CLI output and JSON: the OpenAlex W-id, the arXiv id
    without version, or the id a JSON Lines record gave."""
    for prefix in _RECORD_PREFIXES:
        if paper.key.startswith(prefix):
            return paper.key.removeprefix(prefix)
    if paper.arxiv_id:
        return paper.arxiv_id
    try:
        return split_arxiv_id(paper.key)[0]
    except ValueError:
        return paper.key
