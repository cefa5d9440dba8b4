"""Platform-neutral messages the core emits; each adapter renders them (Block Kit, embeds, text).

Every string field here is plain text exactly as the user or the source wrote it: adapters
escape it for their platform. Members are mentioned only through ``member_id`` fields
(platform user ids from the core's member records), never through text, so user text can
never ping anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Text:
    """A plain reply or notice. ``mentions`` are member ids the adapter mentions up front."""

    body: str
    mentions: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True, slots=True)
class TopicHits:
    """How many overlaps one topic had in a digest."""

    topic: str
    member_id: str
    count: int


@dataclass(frozen=True, slots=True)
class DigestHeader:
    """The first message of a digest: range, counts, and why it is quiet when it is.

    ``marker`` (e.g. ``sw:digest:3f9c0a1b2c4d``) is set once the header is recorded in the
    store; adapters include it, like a card's, so a header posted just before a crash is found
    again instead of posted twice.
    """

    date_from: date
    date_to: date
    papers_seen: int
    overlaps: int
    shown: int
    topic_hits: tuple[TopicHits, ...] = ()
    quiet_reason: str | None = None  # set when overlaps == 0: weekend, holiday, source failure...
    more_hint: str | None = None  # e.g. "4 more: /scoop digest now since 2026-11-20"
    mode: str = "industry-only"
    marker: str | None = None


UNLISTED_COMPANY = "company (not in the watched list)"
"""How a card names a company the lab registry does not list (its flags have no lab)."""


@dataclass(frozen=True, slots=True)
class LabBadge:
    """One industry flag in short form, with the evidence that caused it.

    ``lab`` is None for a company outside the watched list (found by its legal form, an e-mail
    domain spelling its name, or OpenAlex typing it a company): the card must say so rather
    than present it like a watched lab, hence :attr:`label`.
    """

    company: str
    lab: str | None
    evidence: str
    via: str

    @property
    def watched(self) -> bool:
        """Whether the company is one of the registry's watched labs."""
        return self.lab is not None

    @property
    def label(self) -> str:
        """"Google DeepMind", or "Tensormesh — company (not in the watched list)"."""
        return self.lab if self.lab is not None else f"{self.company} — {UNLISTED_COMPANY}"


@dataclass(frozen=True, slots=True)
class MemberMatch:
    """A member whose topic matched, which topic, and the terms that hit."""

    member_id: str
    topic: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PaperCard:
    """One overlapping paper. ``marker`` is a short unique tag (e.g. ``sw:2411.01234``) that
    adapters include in the message so a post can be found again after a crash."""

    paper_key: str
    title: str
    url: str | None
    labs: tuple[LabBadge, ...]
    authors: tuple[str, ...]
    et_al: bool
    matches: tuple[MemberMatch, ...]
    categories: tuple[str, ...]
    announced: date | None
    abstract_opening: str
    marker: str

    @property
    def member_ids(self) -> tuple[str, ...]:
        """Distinct matched members in order: the only people a card may mention."""
        return tuple(dict.fromkeys(m.member_id for m in self.matches))


@dataclass(frozen=True, slots=True)
class QuotedNote:
    """An earlier differentiation note quoted back in a thread prompt."""

    author_id: str
    author_name: str
    written_at: datetime
    paper_title: str
    text: str


@dataclass(frozen=True, slots=True)
class ThreadPrompt:
    """The first message in a paper's thread: the question, who is asked, what we said before."""

    question: str
    mentions: tuple[str, ...]
    topics: tuple[str, ...]
    quoted_notes: tuple[QuotedNote, ...] = ()


@dataclass(frozen=True, slots=True)
class File:
    """A file to upload (notes export)."""

    filename: str
    content: bytes
    mime_type: str
    title: str
    comment: str | None = None


Message = Text | DigestHeader | PaperCard | ThreadPrompt | File
