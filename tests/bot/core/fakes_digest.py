"""Fakes for the digest, outbox, scheduler and pipeline tests (this module holds no tests).

- ``FakePlatform`` + ``FakePort``: a chat platform that survives "restarts" (the platform keeps
  its messages while the bot's objects are rebuilt) and can fail before or after any call.
- ``keyword_index``: a tiny AND-of-words matcher standing in for ``bot.topics.TopicIndex``.
- ``detect_labs``: a toy industry detector on affiliation strings only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache

from bot.core.digests.service import DigestService, DigestSettings
from bot.core.ingest.pipeline import Pipeline
from bot.messages import DigestHeader, Message, PaperCard, ThreadPrompt, ThreadReminder
from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.ports import PostRef, ThreadRef
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.overlaps import OverlapStore
from bot.store.papers import PaperStore
from bot.store.runs import RunStore
from bot.store.source_state import SourceState
from bot.store.stores import Stores
from bot.store.topics import TopicStore
from tests.fixture_files import LISTING, fixture_path

RSS_FIXTURE = fixture_path(LISTING)
PLATFORM, WORKSPACE, CHANNEL = "console", "lab", "C1"


class Crash(BaseException):
    """An injected process death: not an ``Exception``, so nothing in the bot swallows it."""


class Flaky(Exception):
    """An injected ordinary failure (network error): the bot carries on with other posts."""


class FakeClock:
    """A settable clock: ``clock()`` returns ``clock.now``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Posted:
    message_id: str
    channel_id: str
    message: Message
    thread_root: str | None = None
    at: datetime | None = None  # the platform's timestamp, when the platform has a clock


@dataclass
class FakePlatform:
    """What the chat platform holds; outlives the bot's objects across a restart. With a
    ``clock`` messages carry timestamps and ``find_marker`` only sees those since its
    ``since``, like the real history APIs."""

    messages: list[Posted] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)
    counter: int = 0
    clock: Callable[[], datetime] | None = None

    def stamp(self) -> datetime | None:
        return self.clock() if self.clock else None

    def next_id(self) -> str:
        self.counter += 1
        return f"m{self.counter}"

    def top(self, channel: str = CHANNEL) -> list[Posted]:
        return [p for p in self.messages if p.channel_id == channel and p.thread_root is None]

    def cards(self, channel: str = CHANNEL) -> list[PaperCard]:
        return [p.message for p in self.top(channel) if isinstance(p.message, PaperCard)]

    def headers(self, channel: str = CHANNEL) -> list[DigestHeader]:
        return [p.message for p in self.top(channel) if isinstance(p.message, DigestHeader)]

    def in_thread(self, root: str) -> list[Posted]:
        return [p for p in self.messages if p.thread_root == root]

    def prompts(self) -> list[ThreadPrompt]:
        return [p.message for p in self.messages if isinstance(p.message, ThreadPrompt)]


@dataclass
class Fault:
    """Fail the ``nth`` call (0-based) of ``step`` (card, header, thread, prompt), ``before``
    the platform acts or ``after`` it acted (the reply is lost)."""

    step: str
    when: str
    nth: int = 0
    exc: type[BaseException] = Crash


class FakePort:
    """A ``ChatPort`` over a ``FakePlatform``."""

    def __init__(self, state: FakePlatform, faults: Sequence[Fault] = (),
                 platform: str = PLATFORM) -> None:
        self.platform = platform
        self.state = state
        self.faults = list(faults)
        self.calls: dict[str, int] = {}
        self.find_marker_calls = 0
        self.find_marker_since: list[datetime] = []
        self.find_thread_marker_calls = 0

    def _check(self, step: str, when: str) -> None:
        n = self.calls.get(step, 0) - (1 if when == "after" else 0)
        for f in self.faults:
            if f.step == step and f.when == when and f.nth == n:
                self.faults.remove(f)
                raise f.exc(f"{step} {when} #{n}")

    def _count(self, step: str) -> None:
        self.calls[step] = self.calls.get(step, 0) + 1

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        if thread is not None:
            return await self._post_in_thread(thread, message)
        step = "card" if isinstance(message, PaperCard) else "header"
        self._check(step, "before")
        self._count(step)
        mid = self.state.next_id()
        self.state.messages.append(Posted(mid, channel_id, message, at=self.state.stamp()))
        self._check(step, "after")
        return PostRef(self.platform, channel_id, mid)

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        self._check("thread", "before")
        self._count("thread")
        self.state.threads.add(post.message_id)  # idempotent, like the real adapters
        self._check("thread", "after")
        return ThreadRef(self.platform, post.channel_id, post.message_id)

    async def _post_in_thread(self, thread: ThreadRef, message: Message) -> PostRef:
        step = "reminder" if isinstance(message, ThreadReminder) else "prompt"
        self._check(step, "before")
        self._count(step)
        assert thread.root_message_id in self.state.threads, "thread not opened"
        mid = self.state.next_id()
        self.state.messages.append(Posted(mid, thread.channel_id, message,
                                          thread.root_message_id, self.state.stamp()))
        self._check(step, "after")
        return PostRef(self.platform, thread.channel_id, mid)

    async def react(self, post: PostRef, emoji: str) -> None:
        return None

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        """The bot's latest top-level post whose marker is exactly ``marker`` (never one that
        merely contains it), as the adapters match it."""
        self.find_marker_calls += 1
        self.find_marker_since.append(since)
        for p in reversed(self.state.top(channel_id)):
            if p.at is not None and p.at < since:
                break  # older than anything asked for: a real history stops here
            if isinstance(p.message, PaperCard | DigestHeader) and p.message.marker == marker:
                return PostRef(self.platform, channel_id, p.message_id)
        return None

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        for p in self.state.in_thread(thread.root_message_id):
            return PostRef(self.platform, thread.channel_id, p.message_id)
        return None

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        self.find_thread_marker_calls += 1
        for p in self.state.in_thread(thread.root_message_id):
            if isinstance(p.message, ThreadReminder) and p.message.marker == marker:
                return PostRef(self.platform, thread.channel_id, p.message_id)
        return None


# --- matching and detection stand-ins --------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    term: str
    field: str
    count: int


@dataclass(frozen=True)
class Match:
    topic: int
    score: float
    terms: tuple[Hit, ...]


class KeywordIndex:
    """Each query is words that must all occur (title hits weigh 2, abstract hits 1)."""

    builds = 0

    def __init__(self, topics: Sequence[tuple[int, str]]) -> None:
        KeywordIndex.builds += 1
        self.topics = [(tid, q.lower().split()) for tid, q in topics]

    def match_paper(self, paper: Paper, *, explain: bool = True) -> list[Match]:
        """Like ``TopicIndex``: without ``explain`` the matches carry no terms."""
        title, abstract = paper.title.lower(), paper.abstract.lower()
        out = []
        for tid, words in self.topics:
            hits = []
            for w in words:
                if w in title:
                    hits.append(Hit(w, "title", title.count(w)))
                elif w in abstract:
                    hits.append(Hit(w, "abstract", abstract.count(w)))
            if words and len(hits) == len(words):
                score = sum(h.count * (2 if h.field == "title" else 1) for h in hits)
                out.append(Match(tid, float(score), tuple(hits) if explain else ()))
        return out


def keyword_index(topics: Sequence[tuple[int, str]], sample: Sequence[Paper] = ()
                  ) -> KeywordIndex:
    return KeywordIndex(topics)


@dataclass(frozen=True)
class Flag:
    company: str
    lab: str | None
    evidence: str
    via: str
    confidence: float
    author: str | None = None


LABS = {"google deepmind": ("Google", "DeepMind"), "google": ("Google", None),
        "meta": ("Meta", "FAIR"), "openai": ("OpenAI", None), "anthropic": ("Anthropic", None)}


def detect_labs(paper: Paper) -> tuple[Flag, ...]:
    """Flags from affiliation strings only (never title or abstract)."""
    flags = []
    for a in paper.authors:
        for aff in a.affiliations:
            for alias, (company, lab) in LABS.items():
                if aff.name.lower().startswith(alias):
                    flags.append(Flag(company, lab, aff.name, "affiliation-alias", 0.9, a.name))
                    break
    return tuple(flags)


# --- papers ----------------------------------------------------------------------------------


def paper(
    key: str,
    title: str,
    abstract: str = "",
    *,
    affiliations: Sequence[str] = (),
    authors: Sequence[str] = ("Ada Lovelace",),
    announced: date = date(2026, 11, 19),
    announce_type: AnnounceType = AnnounceType.NEW,
    version: int = 1,
) -> Paper:
    """A Paper; ``affiliations`` go to the first author."""
    people = [Author(n) for n in authors]
    if affiliations:
        affs = tuple(Affiliation(a, AffiliationSource.OPENALEX) for a in affiliations)
        people[0] = Author(people[0].name, affs)
    return Paper(key=key, title=title, abstract=abstract, arxiv_id=key, version=version,
                 authors=tuple(people), categories=("cs.LG",), primary_category="cs.LG",
                 announced=announced, announce_type=announce_type)


@cache
def real_feed() -> tuple[Paper, ...]:
    """The real 2024-11-28 listing (1,504 items) parsed by the project's parser."""
    from bot.sources.arxiv_rss import parse_arxiv_rss

    return parse_arxiv_rss(RSS_FIXTURE.read_bytes()).papers


def with_affiliation(p: Paper, name: str) -> Paper:
    first = p.authors[0]
    aff = (Affiliation(name, AffiliationSource.OPENALEX),)
    return replace(p, authors=(Author(first.name, aff), *p.authors[1:]))


# --- wiring ----------------------------------------------------------------------------------


@dataclass
class Bot:
    """One "process": the service objects built over a database file."""

    db: Database
    service: DigestService
    pipeline: Pipeline
    port: FakePort
    topics: TopicStore
    papers: PaperStore
    notes: NoteStore


def build_bot(
    db: Database,
    port: FakePort,
    clock: FakeClock,
    *,
    settings: DigestSettings | None = None,
    fetcher: object | None = None,
    openalex: object | None = None,
) -> Bot:
    papers, topics, notes = PaperStore(db), TopicStore(db), NoteStore(db)
    pipeline = Pipeline(
        papers=papers, topics=topics, overlaps=OverlapStore(db), runs=RunStore(db),
        clock=clock, fetcher=fetcher, openalex=openalex,  # type: ignore[arg-type]
        source_state=SourceState(db), index_builder=keyword_index,
    )
    service = DigestService(
        Stores.on(db), refresher=pipeline,
        detect=detect_labs, settings=settings or DigestSettings(timezone="Europe/Berlin"),
        clock=clock,
    )
    service.register_port(port)
    return Bot(db, service, pipeline, port, topics, papers, notes)


async def add_topic(bot: Bot, member: str, name: str, query: str, now: datetime | None = None
                    ) -> int:
    rec = await bot.topics.add(PLATFORM, WORKSPACE, member, name, query,
                               now or datetime(2026, 11, 1, tzinfo=UTC))
    return rec.id
