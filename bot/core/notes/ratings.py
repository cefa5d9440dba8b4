"""Reactions on cards, counted per topic: the numbers behind ``/scoop stats`` and the query
suggestions. Pure functions over what ``bot.store.card_feedback`` reads.

A card can match several members' topics. 👎 says "not relevant to *my* topic", so a member's
👍 or 👎 counts for the card's topics that member owns; from a member who owns none of them it
counts for every topic of the card (a reader judging the match as a whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from bot.core.notes.reactions import NOT_RELEVANT, RELEVANT

TopicKey = tuple[str, str]
"""A topic as cards name it: (owner's member id, topic name)."""

Verdict = Literal["relevant", "not relevant", "mixed"]

SUGGEST_WINDOW = 5  # a topic's last rated cards looked at ...
SUGGEST_DOWNVOTED = 3  # ... and how many of them rated 👎 earn a suggestion


class CardLike(Protocol):
    """``bot.store.card_feedback.CardRow``."""

    @property
    def paper_key(self) -> str: ...
    @property
    def posted_at(self) -> datetime: ...
    @property
    def topics(self) -> tuple[TopicKey, ...]: ...
    @property
    def reactions(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def answered(self) -> bool: ...
    @property
    def terms(self) -> Mapping[TopicKey, tuple[str, ...]]: ...


class NoteLike(Protocol):
    """``bot.store.card_feedback.NoteRow``."""

    @property
    def topic(self) -> TopicKey: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Tally:
    """👍 and 👎 counted for one topic (on one card, or summed)."""

    ups: int = 0
    downs: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.ups + other.ups, self.downs + other.downs)

    @property
    def rated(self) -> bool:
        return bool(self.ups or self.downs)

    @property
    def precision(self) -> float | None:
        """Share of 👍 among 👍 and 👎; None without either."""
        return self.ups / (self.ups + self.downs) if self.rated else None

    @property
    def verdict(self) -> Verdict:
        if self.ups > self.downs:
            return "relevant"
        return "not relevant" if self.downs > self.ups else "mixed"


def attribute(card: CardLike) -> dict[TopicKey, Tally]:
    """The card's 👍/👎 per topic it matched (see the module docstring for who counts where)."""
    out = {key: Tally() for key in card.topics}
    for member, emoji in card.reactions:
        vote = Tally(1, 0) if emoji == RELEVANT else Tally(0, 1) if emoji == NOT_RELEVANT else None
        if vote is None:
            continue
        own = [key for key in card.topics if key[0] == member]
        for key in own or card.topics:
            out[key] = out[key] + vote
    return out


@dataclass
class TopicStats:
    """One topic over one window: distinct papers posted, 👍/👎, notes, and the papers whose
    thread nobody answered (a paper posted in two channels counts once, answered if either
    thread was)."""

    papers: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    votes: Tally = Tally()
    notes: int = 0

    @property
    def posted(self) -> int:
        return len(self.papers)

    @property
    def unanswered(self) -> int:
        return len(self.papers - self.answered)


def topic_stats(cards: Iterable[CardLike], notes: Iterable[NoteLike], since: datetime
                ) -> dict[TopicKey, TopicStats]:
    """Per topic, what the cards posted since ``since`` and the notes written since then add
    up to (topics without any card or note are absent)."""
    out: dict[TopicKey, TopicStats] = {}
    for card in cards:
        if card.posted_at < since:
            continue
        for key, tally in attribute(card).items():
            stats = out.setdefault(key, TopicStats())
            stats.papers.add(card.paper_key)
            stats.votes = stats.votes + tally
            if card.answered:
                stats.answered.add(card.paper_key)
    for note in notes:
        if note.at >= since:
            out.setdefault(note.topic, TopicStats()).notes += 1
    return out


def rated(cards: Iterable[CardLike], topic: TopicKey) -> list[tuple[CardLike, Tally]]:
    """The cards ``topic`` got a 👍 or 👎 for, with its tally, in the order given."""
    out = []
    for card in cards:
        tally = attribute(card).get(topic)
        if tally is not None and tally.rated:
            out.append((card, tally))
    return out


def suggestion_due(latest_first: Sequence[Tally]) -> bool:
    """Whether enough of a topic's latest rated cards were judged not relevant."""
    recent = latest_first[:SUGGEST_WINDOW]
    return sum(t.verdict == "not relevant" for t in recent) >= SUGGEST_DOWNVOTED
