"""Reactions on paper cards, given their meaning: feedback that teaches the bot.

Every member reaction on one of the bot's card posts is kept (``feedback``) under its stored
name (``bot.core.notes.reactions``); taking it back removes it and undoes what it did. On the
card itself:

- 👍 / 👎 rate the match for the member's topic; ``/scoop stats`` counts them. After a 👎,
  each topic of the card is checked: when most of its latest rated cards were 👎, its owner
  gets one query suggestion (``bot.core.notes.suggestions``), posted in the channel of the card
  with the owner mentioned. A direct message is not on every platform (the console has none; a
  Discord member may refuse them), and an answer "next time they use /scoop" may never come; a
  channel post with a mention reaches the owner on Slack, Discord and the console alike.
- 🏢 says the paper is not an industry paper: it is kept with the evidence of every flag the
  paper carries, so the lab's digests drop those flags and stop trusting that evidence
  (``bot.industry.overrides``) until the 🏢 is taken back.

What to do after a reaction is kept is the :attr:`FeedbackService.after_kept` table, keyed by
meaning; how a 🏢 is kept differs (with its evidence), everything else is one feedback row.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.core.notes.ratings import SUGGEST_WINDOW, Tally, rated, suggestion_due
from bot.core.notes.reactions import (
    NOT_RELEVANT,
    RELEVANT,
    Meaning,
    canonical,
    meaning,
)
from bot.core.notes.suggestions import (
    RatedPaper,
    match_terms,
    propose,
    split_rated,
    suggestion_message,
)
from bot.ports import ChatPort, Reaction
from bot.store.topics import TopicRecord

if TYPE_CHECKING:
    from bot.store.stores import Stores

log = logging.getLogger(__name__)


class CardPost(Protocol):
    """What feedback needs of the post a reaction landed on (``bot.store.posts.PostRecord``)."""

    @property
    def paper_key(self) -> str: ...
    @property
    def card_message_id(self) -> str | None: ...
    @property
    def topics(self) -> tuple[str, ...]: ...


AfterKept = Callable[[Reaction, CardPost], Awaitable[None]]


class FeedbackService:
    """Keeps and undoes reactions on cards, and acts on what they mean."""

    def __init__(self, stores: Stores, port_for: Callable[[str], ChatPort | None],
                 clock: Callable[[], datetime]) -> None:
        self._stores = stores
        self._port_for = port_for
        self._clock = clock
        self.after_kept: dict[Meaning, AfterKept] = {
            Meaning.NOT_RELEVANT: self._suggest_if_due,
        }

    async def handle(self, event: Reaction, post: CardPost) -> bool:
        """Keep (or, for ``event.removed``, take back) a member's reaction on one of the post's
        messages; True when the stored feedback changed."""
        emoji = canonical(event.emoji)
        if event.removed:
            return await self._stores.feedback.remove(
                platform=event.platform, channel_id=event.post.channel_id,
                message_id=event.post.message_id, member_id=event.actor.member_id, emoji=emoji)
        on_card = event.post.message_id == post.card_message_id
        kind = meaning(emoji) if on_card else None
        if kind is not None:
            await self._stores.members.upsert(event.platform, event.workspace,
                                              event.actor.member_id, event.actor.display_name,
                                              self._clock())
        if kind is Meaning.NOT_INDUSTRY:
            kept = await self._keep_correction(event, post)
        else:
            kept = await self._stores.feedback.add(
                platform=event.platform, workspace=event.workspace,
                channel_id=event.post.channel_id, message_id=event.post.message_id,
                paper_key=post.paper_key, member_id=event.actor.member_id, emoji=emoji,
                at=event.at)
        after = self.after_kept.get(kind) if kind is not None else None
        if kept and after is not None:
            await after(event, post)
        return kept

    async def _keep_correction(self, event: Reaction, post: CardPost) -> bool:
        """A 🏢 with the evidence of every flag the paper carries (the detector's cached
        output, whichever flags the card showed)."""
        cached = await self._stores.overlaps.flags_for([post.paper_key])
        return await self._stores.flag_corrections.correct(
            platform=event.platform, workspace=event.workspace, channel_id=event.post.channel_id,
            message_id=event.post.message_id, paper_key=post.paper_key,
            member_id=event.actor.member_id, at=event.at, flags=cached.get(post.paper_key, []))

    # --- query suggestions --------------------------------------------------------------------

    async def _suggest_if_due(self, event: Reaction, post: CardPost) -> None:
        """After a 👎: check every topic the card matched (a suggestion failing must not undo
        the feedback, so errors are logged)."""
        for name in dict.fromkeys(post.topics):
            for topic in await self._stores.topics.find_by_name(event.platform, event.workspace,
                                                                name):
                try:
                    await self._suggest(topic, event.post.channel_id)
                except Exception:
                    log.exception("query suggestion for topic %s failed", topic.id)

    async def _suggest(self, topic: TopicRecord, channel_id: str) -> None:
        stores = self._stores
        if await stores.topic_suggestions.sent(topic.id, topic.query):
            return
        key = (topic.member_id, topic.name)
        cards = await stores.card_feedback.cards(topic.platform, topic.workspace,
                                                 (RELEVANT, NOT_RELEVANT), topic=key)
        per_paper: dict[str, Tally] = {}  # newest card first; a paper posted twice adds up
        shown: dict[str, set[str]] = {}  # the overlap terms its cards showed for the topic
        for card, tally in rated(cards, key):
            per_paper[card.paper_key] = per_paper.get(card.paper_key, Tally()) + tally
            shown.setdefault(card.paper_key, set()).update(card.terms.get(key, ()))
        papers = await stores.papers.get_many(per_paper)
        current = match_terms(topic.query, list(papers.values())) or {}
        live = {k: t for k, t in per_paper.items() if k in current}  # the query still matches
        if not suggestion_due(list(live.values())):
            return
        ratings = [(RatedPaper(papers[k], frozenset(shown[k]) or current[k]), tally.verdict)
                   for k, tally in live.items()]
        bad, good = split_rated(ratings)
        proposal = propose(topic.query, bad, good)
        port = self._port_for(topic.platform)
        if proposal is None or port is None:
            return
        recent = list(live.values())[:SUGGEST_WINDOW]
        downvoted = sum(t.verdict == "not relevant" for t in recent)
        if not await stores.topic_suggestions.claim(topic.id, topic.query, channel_id,
                                                    self._clock()):
            return
        message = suggestion_message(topic.name, topic.member_id, downvoted, len(recent),
                                     proposal)
        try:
            await port.post(channel_id, message)
        except Exception:
            await stores.topic_suggestions.release(topic.id, topic.query)
            raise
