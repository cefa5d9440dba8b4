"""Platform-neutral messages the core emits; each adapter renders them (Block Kit, embeds, text).

Every string here is plain text exactly as the user or the source wrote it: adapters escape
it for their platform. The core's own layout is never written as markup inside a string:
a reply (:class:`Text`) is a sequence of blocks (:class:`Line`, list items, a
:class:`Preformatted` block) made of spans (plain text, :class:`Code`, the platform's word for
its :data:`SPACE`), so an adapter draws the structure with its own markup and escapes only the
text. Members are mentioned only through ``member_id`` fields (platform user ids from the
core's member records), never through text, so user text can never ping anyone; where a
message names a member without pinging, it carries the display name as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class Code:
    """Text shown as code (a command, a query, a term): verbatim, in a monospace font."""

    text: str


@dataclass(frozen=True, slots=True)
class SpaceWord:
    """The platform's own word for the group the bot serves (a *workspace*, a *server*): each
    adapter writes its word, so help never speaks another platform's language."""


SPACE = SpaceWord()
Span = str | Code | SpaceWord


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a reply. ``item`` lines are list items: the adapter draws its own bullet.
    ``indent`` is a nesting level (each adapter decides how wide a level is)."""

    spans: tuple[Span, ...]
    item: bool = False
    indent: int = 0


@dataclass(frozen=True, slots=True)
class Preformatted:
    """Lines shown exactly as written in a monospace block, so columns line up (a query with a
    caret under the column of an error)."""

    text: str


Block = Line | Preformatted


def line(*spans: Span, indent: int = 0) -> Line:
    return Line(tuple(s for s in spans if s != ""), indent=indent)


def item(*spans: Span, indent: int = 0) -> Line:
    return Line(tuple(s for s in spans if s != ""), item=True, indent=indent)


def blocks_of(text: str) -> tuple[Block, ...]:
    """Plain text as blocks: one line each, no markup (what ``Text("...")`` holds)."""
    return tuple(Line((part,) if part else ()) for part in text.split("\n"))


def span_text(span: Span, space: str = "workspace") -> str:
    """A span as plain text: code keeps its backticks, the space is ``space``."""
    if isinstance(span, Code):
        return f"`{span.text}`"
    if isinstance(span, SpaceWord):
        return space
    return span


def plain_text(blocks: Iterable[Block], space: str = "workspace") -> str:
    """Blocks as plain text: two spaces per indent level, ``- `` before items, preformatted
    lines indented by two spaces."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Preformatted):
            out += [f"  {row}" for row in block.text.split("\n")]
            continue
        lead = "  " * block.indent + ("- " if block.item else "")
        out.append(lead + "".join(span_text(s, space) for s in block.spans))
    return "\n".join(out)


@dataclass(frozen=True, slots=True, init=False)
class Text:
    """A reply or notice: ``blocks`` of text, ``mentions`` are member ids the adapter mentions
    up front. ``Text("plain words")`` holds plain lines; pass blocks for lists, code and the
    like. ``body`` is the plain-text form (the console prints it; logs and tests read it)."""

    blocks: tuple[Block, ...]
    mentions: tuple[str, ...]
    title: str | None

    def __init__(self, body: str | Iterable[Block], mentions: Sequence[str] = (),
                 title: str | None = None) -> None:
        blocks = blocks_of(body) if isinstance(body, str) else tuple(body)
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "mentions", tuple(mentions))
        object.__setattr__(self, "title", title)

    @property
    def body(self) -> str:
        return plain_text(self.blocks)


@dataclass(frozen=True, slots=True)
class TopicHits:
    """How many overlaps one topic had in a digest; the owner is named, never mentioned."""

    topic: str
    member_id: str
    count: int
    member_name: str


@dataclass(frozen=True, slots=True)
class ThreadLink:
    """An open paper thread a digest header points to. Each adapter links it its own way (a
    permalink, the thread's URL in its server, a post number), from these opaque ids."""

    workspace: str
    channel_id: str
    root_message_id: str
    title: str
    opened: date


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
    # Paper threads of this channel still open (no note, not closed) from the last
    # ``open_days`` days: ``open_total`` of them, the oldest few linked in ``open_threads``.
    open_threads: tuple[ThreadLink, ...] = ()
    open_total: int = 0
    open_days: int = 14

    @property
    def open_summary(self) -> str | None:
        """The open-threads line's lead-in, the same on every platform; None when none are
        open."""
        if not self.open_total:
            return None
        noun = "thread is" if self.open_total == 1 else "threads are"
        return (f"{self.open_total} paper {noun} still open from the last {self.open_days} "
                "days (no note yet):")

    @property
    def open_rest(self) -> str | None:
        """What the links leave out, and where to find it; None when every one is linked."""
        rest = self.open_total - len(self.open_threads)
        return f"… and {rest} more: /scoop status lists them" if rest > 0 else None


UNLISTED_COMPANY = "company (not in the watched list)"
"""How a card names a company the lab registry does not list (its flags have no lab)."""


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters: whitespace collapsed, cut before ``limit``
    with an ellipsis, dropping a word the cut would split (unless that word is over half the
    room, as in a long URL). Cards, thread prompts and note lists all quote text this way."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if flat[limit - 1] != " " and space > limit // 2:  # the cut splits a word: drop it
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


ECHO_CHARS = 60


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """Member input quoted back in a reply (``unknown command "..."``): enough to recognise
    it, never a wall of text, so a pasted 100 KB token comes back as its first characters."""
    return shorten(text, limit)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 paper``, ``0 papers``, ``2 papers``: every count a member reads agrees with its
    noun (``plural`` for the irregular ones)."""
    return f"{count} {noun_for(count, noun, plural)}"


def noun_for(count: int, noun: str, plural: str | None = None) -> str:
    """The noun alone, for layouts that set the number apart (``*1* paper seen``)."""
    return noun if count == 1 else plural or noun + "s"


def lab_label(company: str, lab: str | None) -> str:
    """How a watched lab is named to members on every platform and in exports: ``Google
    DeepMind`` for (Google, Google DeepMind), ``Meta (FAIR)`` for (Meta, FAIR), the company
    alone without a lab. A bare lab name such as ``FAIR`` would not say whose lab it is."""
    if not lab or lab == company:
        return company
    return lab if company.lower() in lab.lower() else f"{company} ({lab})"


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
        """The lab as members see it: ``Meta (FAIR)`` (:func:`lab_label`), or
        ``Tensormesh — company (not in the watched list)``."""
        if self.lab is None:
            return f"{self.company} — {UNLISTED_COMPANY}"
        return lab_label(self.company, self.lab)


@dataclass(frozen=True, slots=True)
class MemberMatch:
    """A member whose topic matched, which topic, and the terms that hit. A card names the
    member (``member_name``); only the thread prompt mentions them."""

    member_id: str
    topic: str
    terms: tuple[str, ...]
    member_name: str


RELATED_LABEL = "Related, no shared keywords"
"""How every adapter marks a card found by meaning (semantic extra) rather than by keywords."""


@dataclass(frozen=True, slots=True)
class PaperCard:
    """One overlapping paper, or (``related``) a paper close in meaning to a topic that shares
    none of its keywords, which adapters mark as such (:data:`RELATED_LABEL`).

    ``marker`` is a short unique tag (e.g.
    ``sw:paper:5d1c9a0f3b2e7c41``) that adapters include in the message so a post can be found
    again after a crash; they find it whole and in its place, never inside other text."""

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
    venue: str | None = None  # the journal or proceedings of a published work
    doi: str | None = None  # a publisher's DOI (never arXiv's own), linked as :attr:`doi_url`
    published: date | None = None  # shown instead of ``announced`` for works not on arXiv
    related: bool = False  # found by meaning (semantic extra): shares no keyword with its topics

    @property
    def doi_url(self) -> str | None:
        """``https://doi.org/<doi>``, percent-encoded so no DOI character breaks the link."""
        return f"https://doi.org/{quote(self.doi, safe='/._-;:')}" if self.doi else None

    @property
    def member_ids(self) -> tuple[str, ...]:
        """Distinct matched members in order: whom the paper's thread prompt mentions."""
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
class ThreadReminder:
    """The one gentle reminder in a paper thread nobody answered. ``mentions`` are the matched
    members, each once; each adapter adds how its members close a thread without a note (the
    ✋ reaction on the card, and snooze the way that platform runs it in a thread).
    ``marker`` (``sw:remind:…``) lets a reminder posted just before a crash be found in its
    thread instead of posted twice; adapters keep it where they keep a card's."""

    mentions: tuple[str, ...]
    days: int
    marker: str | None = None

    @property
    def text(self) -> str:
        """The reminder itself, the same on every platform."""
        waited = "a day" if self.days == 1 else f"{self.days} days"
        return (f"A gentle reminder: this paper has waited {waited} for a note on how our work "
                "differs. A line or two in this thread is enough.")


@dataclass(frozen=True, slots=True)
class File:
    """A file to upload (notes export)."""

    filename: str
    content: bytes
    mime_type: str
    title: str
    comment: str | None = None


Message = Text | DigestHeader | PaperCard | ThreadPrompt | ThreadReminder | File
