"""Digest selection and composition: pure functions from papers, overlaps and flags to messages.

Kept free of I/O so every rule (industry-only, one post per paper per channel, best first,
max_papers, quiet reasons) is testable with plain values; ``digest_service`` does the fetching.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.errors import readable
from bot.messages import (
    DigestHeader,
    LabBadge,
    MemberMatch,
    PaperCard,
    QuotedNote,
    ThreadPrompt,
    TopicHits,
    counted,
    shorten,
)
from bot.models import AnnounceType, Paper
from bot.store.overlaps import FlagLike, OverlapRow
from bot.store.topics import TopicLike
from bot.twins import comparable_doi

QUESTION = "How does our work differ?"
DIGEST_TYPES = (AnnounceType.NEW, AnnounceType.CROSS)
MAX_AUTHORS = 3
ABSTRACT_CHARS = 300
NOTE_CHARS = 280
EVIDENCE_CHARS = 80
MARKER_HEX = 16  # 64 bits: no two papers of a channel share a marker
OPENALEX_PREFIX = "openalex:"  # keys of works OpenAlex found that are not on arXiv


class NoteLike(Protocol):
    """What a thread prompt quotes from a note (``bot.store.notes.NoteRecord``)."""

    @property
    def author_id(self) -> str: ...
    @property
    def author_name(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def paper_title(self) -> str: ...
    @property
    def text(self) -> str: ...


class RunLike(Protocol):
    """A fetch run as the quiet-digest reason needs it (``bot.store.runs.Run``)."""

    @property
    def day(self) -> date | None: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """One topic of one member that matched a paper."""

    topic: TopicLike
    score: float
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Overlap:
    """A paper with every workspace topic it matched and its industry flags."""

    paper: Paper
    matches: tuple[TopicMatch, ...]
    flags: tuple[FlagLike, ...]

    @property
    def score(self) -> float:
        return max((m.score for m in self.matches), default=0.0)

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.topic.name for m in self.matches))


@dataclass(frozen=True, slots=True)
class Selection:
    """What a digest found in its window; ``overlaps`` is every postable one, best first."""

    papers_seen: int
    matched: int  # papers matching any workspace topic (before the industry and posted filters)
    industry_filtered: int  # matched but dropped for lacking an industry flag
    already_posted: int  # matched and eligible but posted here before
    overlaps: tuple[Overlap, ...]
    # industry-only: matched, no flag yet, affiliations still being looked up (held back)
    awaiting: tuple[Paper, ...] = ()


def topic_matches(overlaps: Mapping[str, Sequence[OverlapRow]], topics: Mapping[int, TopicLike]
                  ) -> dict[str, tuple[TopicMatch, ...]]:
    """Per paper key, the matches of ``topics`` (one workspace's), best first (then member,
    then topic name); papers matching none are absent. The same for every channel of the
    workspace, so digests sharing a window work it out once (``select_overlaps``'
    ``matches``)."""
    found: dict[str, tuple[TopicMatch, ...]] = {}
    for key, rows in overlaps.items():
        hits = [TopicMatch(topics[row.topic_id], row.score, _terms(row))
                for row in rows if row.topic_id in topics]
        if hits:
            found[key] = tuple(sorted(hits, key=lambda m: (-m.score, m.topic.member_id,
                                                           m.topic.name)))
    return found


def select_overlaps(
    papers: Iterable[Paper],
    overlaps: Mapping[str, Sequence[OverlapRow]],
    topics: Mapping[int, TopicLike],
    flags: Mapping[str, Sequence[FlagLike]],
    *,
    industry_only: bool,
    posted: Collection[str],
    looking_up: Collection[str] = (),
    twins: Mapping[str, Collection[str]] | None = None,
    matches: Mapping[str, tuple[TopicMatch, ...]] | None = None,
) -> Selection:
    """Apply the digest rules: new/cross only, >= 1 workspace topic, industry unless all-papers,
    never a paper already posted in this channel; best score first (then newest, then key).
    In industry-only mode a paper without a flag whose affiliations are still being looked up
    (``looking_up``) is held back (``awaiting``) rather than judged non-industry.

    ``twins`` names, per paper key, the other keys of the same work (a journal version and its
    arXiv preprint, ``bot.twins``): a paper whose twin was posted here counts as posted, and
    of twins both selected one is shown, the version naming more labs (else the first).

    ``matches`` is ``topic_matches(overlaps, topics)`` when the caller has it already."""
    twins = twins or {}
    ranked = topic_matches(overlaps, topics) if matches is None else matches
    posted = set(posted)
    posted |= {k for k, others in twins.items() if not posted.isdisjoint(others)}
    seen = matched = filtered = reposts = 0
    chosen: list[Overlap] = []
    awaiting: list[Paper] = []
    for paper in papers:
        if paper.announce_type not in (*DIGEST_TYPES, None):
            continue
        seen += 1
        ordered = ranked.get(paper.key)
        if not ordered:
            continue
        matched += 1
        paper_flags = tuple(flags.get(paper.key, ()))
        if industry_only and not paper_flags:
            if paper.key in looking_up and paper.key not in posted:
                awaiting.append(paper)
            else:
                filtered += 1
            continue
        if paper.key in posted:
            reposts += 1
            continue
        chosen.append(Overlap(paper, ordered, paper_flags))
    chosen.sort(key=lambda o: (-o.score, -(o.paper.announced or date.min).toordinal(), o.paper.key))
    shown: list[Overlap] = []
    place: dict[str, int] = {}  # key -> its position in shown (a week holds thousands)
    for overlap in chosen:
        mine = twins.get(overlap.paper.key, ())
        at = min((place[k] for k in mine if k in place), default=None)  # the first shown twin
        if at is None:
            place[overlap.paper.key] = len(shown)
            shown.append(overlap)
            continue
        matched -= 1  # one work, counted once
        if len(overlap.flags) > len(shown[at].flags):  # the version naming more labs
            del place[shown[at].paper.key]
            place[overlap.paper.key] = at
            shown[at] = overlap
    return Selection(seen, matched, filtered, reposts, tuple(shown), tuple(awaiting))


def _terms(row: OverlapRow) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.term for t in row.terms))


def with_terms(overlap: Overlap, terms: Mapping[int, Sequence[str]]) -> Overlap:
    """``overlap`` with each topic's matched terms from ``terms`` (by topic id): overlaps are
    stored scored only, and only the cards a digest posts are explained."""
    return replace(overlap, matches=tuple(
        replace(m, terms=tuple(terms.get(m.topic.id, m.terms))) for m in overlap.matches))


def marker_for(paper_key: str) -> str:
    """The tag every card carries so a post can be found again after a crash.

    A hash of the key, not the key: every marker has the same short length, so it fits every
    platform's field whole and none holds another (``sw:jsonl:p-1`` was inside
    ``sw:jsonl:p-10``); the card shows the paper itself. Only new outbox rows get one: a row
    keeps the marker it was recorded with, because that is what its post carries.
    """
    digest = hashlib.sha256(paper_key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sw:paper:{digest[:MARKER_HEX]}"


def lab_badges(flags: Iterable[FlagLike]) -> tuple[LabBadge, ...]:
    """One badge per (company, lab), strongest evidence first, evidence in short form."""
    best: dict[tuple[str, str | None], FlagLike] = {}
    for f in sorted(flags, key=lambda f: -f.confidence):
        best.setdefault((f.company, f.lab), f)
    return tuple(
        LabBadge(f.company, f.lab, shorten(f.evidence, EVIDENCE_CHARS), str(f.via))
        for f in best.values()
    )


def build_card(overlap: Overlap, *, related: bool = False) -> PaperCard:
    """A paper's card. A work found on OpenAlex (journal, proceedings) names its venue, links
    its DOI and gives its publication date; an arXiv paper whose journal version is known
    names that venue and DOI too. ``related``: found by meaning, not by the topics' words."""
    paper = overlap.paper
    work = paper.key.startswith(OPENALEX_PREFIX)
    venue = paper.extra.get("venue") or None
    doi = paper.doi if comparable_doi(paper.doi) else None
    seen: set[tuple[str, str]] = set()
    matches: list[MemberMatch] = []
    for m in overlap.matches:
        if (m.topic.member_id, m.topic.name) not in seen:
            seen.add((m.topic.member_id, m.topic.name))
            matches.append(MemberMatch(m.topic.member_id, m.topic.name, m.terms,
                                       m.topic.member_name))
    return PaperCard(
        paper_key=paper.key,
        title=" ".join(paper.title.split()),
        url=paper.abs_url,
        labs=lab_badges(overlap.flags),
        authors=tuple(a.name for a in paper.authors[:MAX_AUTHORS]),
        et_al=len(paper.authors) > MAX_AUTHORS,
        matches=tuple(matches),
        categories=paper.categories,
        announced=None if work else paper.announced,
        abstract_opening=shorten(paper.abstract, ABSTRACT_CHARS),
        marker=marker_for(paper.key),
        venue=venue,
        doi=doi if (venue or work) else None,
        published=paper.published if work else None,
        related=related,
    )


def build_prompt(card: PaperCard, notes: Sequence[NoteLike]) -> ThreadPrompt:
    """The thread's first message: the question, the matched members, earlier notes quoted."""
    return ThreadPrompt(
        question=QUESTION,
        mentions=card.member_ids,
        topics=tuple(dict.fromkeys(m.topic for m in card.matches)),
        quoted_notes=tuple(
            QuotedNote(n.author_id, n.author_name, n.created_at, n.paper_title,
                       shorten(n.text, NOTE_CHARS))
            for n in notes
        ),
    )


def topic_hits(overlaps: Iterable[Overlap]) -> tuple[TopicHits, ...]:
    """Overlaps per topic, most first; each topic with its owner's name (the header names
    owners, it never mentions them: the thread prompts do, once per paper)."""
    counts: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}
    for o in overlaps:
        for m in o.matches:
            names.setdefault(m.topic.member_id, m.topic.member_name)
        for key in dict.fromkeys((m.topic.name, m.topic.member_id) for m in o.matches):
            counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(TopicHits(topic, member, n, names[member]) for (topic, member), n in ranked)


def build_header(
    selection: Selection,
    *,
    date_from: date,
    date_to: date,
    max_papers: int,
    mode: str,
    quiet_reason: str | None,
) -> DigestHeader:
    total = len(selection.overlaps)
    shown = min(total, max_papers)
    more = None
    if total > shown:
        more = f"{total - shown} more: /scoop digest now since {date_from.isoformat()}"
    return DigestHeader(
        date_from=date_from,
        date_to=date_to,
        papers_seen=selection.papers_seen,
        overlaps=total,
        shown=shown,
        topic_hits=topic_hits(selection.overlaps),
        quiet_reason=quiet_reason if total == 0 else None,
        more_hint=more,
        mode=mode,
    )


def awaiting_text(count: int) -> str:
    """Matching papers held back while their affiliations are looked up (industry-only)."""
    if count == 1:
        return ("1 still having its affiliations looked up (the next digest shows it if an "
                "author is at an industry lab)")
    return (f"{count} still having their affiliations looked up (the next digest shows those "
            "with an author at an industry lab)")


def looking_up_text(count: int) -> str:
    """Shown papers whose affiliations were not all known yet (all-papers)."""
    noun = "paper" if count == 1 else "papers"
    return (f"Affiliations of {count} shown {noun} were still being looked up: an industry lab "
            "may be missing from the card.")


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def failed_fetches(runs: Sequence[RunLike]) -> list[RunLike]:
    """Fetch runs that failed for a day no later run of that day recovered."""
    last_by_day: dict[date | None, RunLike] = {}
    for run in runs:  # oldest first: the last one per day wins
        last_by_day[run.day] = run
    return [r for r in last_by_day.values() if r.ok is False]


def _failure_text(runs: Sequence[RunLike]) -> str:
    parts = []
    for r in runs:
        reason = readable(str(r.detail.get("reason") or r.outcome or "failed"))
        parts.append(f"arXiv fetch for {r.day}: {reason}")
    return "source failure - " + "; ".join(parts)


def quiet_reason(
    selection: Selection,
    *,
    days: Sequence[date],
    expected: Callable[[date], bool],
    fetch_runs: Sequence[RunLike],
    topic_count: int,
    mode: str,
) -> str | None:
    """Why a digest has no overlaps, in words a member understands (None if it has some)."""
    if selection.overlaps:
        return None
    failures = failed_fetches(fetch_runs)
    if selection.papers_seen == 0:
        if failures:
            return _failure_text(failures)
        if days and not any(expected(d) for d in days):
            if all(d.weekday() >= 5 for d in days):
                return "weekend: arXiv does not announce on Friday or Saturday nights"
            holidays = [d for d in days if d.weekday() < 5]
            listed = ", ".join(d.isoformat() for d in holidays)
            return f"arXiv holiday: no announcement expected for {listed}"
        return "no announcement: no new arXiv papers were fetched for these dates"
    suffix = f" ({_failure_text(failures)})" if failures else ""
    if topic_count == 0:
        return (f"no active topics here yet; add one with /scoop topic add NAME QUERY"
                f"{suffix}")
    if selection.matched == 0:
        return (f"announcement but no overlap: {counted(selection.papers_seen, 'new paper')}, "
                f"none matched your {counted(topic_count, 'topic')}{suffix}")
    parts = []
    if selection.industry_filtered:
        parts.append(f"{selection.industry_filtered} not from a watched industry lab "
                     f"(mode {mode}; subscribe ... all-papers to see them)")
    if selection.already_posted:
        parts.append(f"{selection.already_posted} already posted in this channel")
    if selection.awaiting:
        parts.append(awaiting_text(len(selection.awaiting)))
    noun = "paper" if selection.matched == 1 else "papers"
    return f"{selection.matched} {noun} matched your topics: {', '.join(parts)}{suffix}"
