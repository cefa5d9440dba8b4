"""Posting a paper's card exactly once, with its thread and the thread's prompt.

An outbox row walks intent -> posted -> threaded -> done through ``bot.core.delivery.engine``;
at each state a restart resumes the right step:

- ``intent``: the card is posted, or found by its marker if it was tried before;
- ``posted``: ``open_thread`` is idempotent per post on every adapter (where the thread *is*
  the message nothing is created; elsewhere an existing thread is returned), so it is simply
  called again;
- ``threaded``: the prompt is posted, or, if it was tried before, the one found in the thread
  (``find_bot_reply``) is kept instead of posting a second one.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from bot.core.delivery.engine import Channel, Delivery, DeliveryReport, by_marker, post_once
from bot.core.delivery.message_json import from_json, to_json
from bot.errors import ChannelUnavailable
from bot.messages import PaperCard, ThreadPrompt
from bot.ports import ChatPort, PostRef, ThreadRef
from bot.store.posts import NewPost, PostRecord, PostStore

log = logging.getLogger(__name__)

THREAD_NAME_CHARS = 90


def new_post(card: PaperCard, prompt: ThreadPrompt) -> NewPost:
    """The outbox row a digest records before posting ``card``."""
    return NewPost(
        paper_key=card.paper_key,
        marker=card.marker,
        topics=prompt.topics,
        member_ids=card.member_ids,
        card=to_json(card),
        prompt=to_json(prompt),
    )


def thread_name(card: PaperCard) -> str:
    title = card.title if len(card.title) <= THREAD_NAME_CHARS else (
        card.title[: THREAD_NAME_CHARS - 1].rstrip() + "…"
    )
    return title or card.marker


class Outbox:
    """Drives outbox rows to ``done``; a channel that refused the bot holds its later rows."""

    log = log
    noun = "card(s)"
    on_failure = "left for the next flush"
    holds_channel: tuple[type[Exception], ...] = (ChannelUnavailable,)
    table = "posts"

    def __init__(self, posts: PostStore, delivery: Delivery) -> None:
        self.posts = posts
        self.delivery = delivery

    async def flush(
        self, platform: str | None = None, channel_id: str | None = None,
        hold: Collection[Channel] = (),
    ) -> DeliveryReport:
        """Deliver every pending row (optionally of one channel), oldest first. Rows of the
        ``hold`` channels wait: their digest header is not out yet, or the channel needs
        attention."""
        pending = await self.posts.pending(platform, channel_id)
        return await self.delivery.flush(self, pending, hold)

    def label(self, rec: PostRecord) -> str:
        return f"card {rec.paper_key} in {rec.platform}:{rec.channel_id} at {rec.state}"

    def row_id(self, rec: PostRecord) -> int:
        return rec.id

    async def steps(self, port: ChatPort, rec: PostRecord) -> None:
        rec = await self._reload(rec)
        if rec.state == "intent":
            card = from_json(PaperCard, rec.card)
            ref = await post_once(port, rec.channel_id, card, tried=rec.attempts > 0,
                                  look=by_marker(port, rec.channel_id, rec.marker,
                                                 rec.created_at),
                                  bump=lambda: self._bump(rec))
            rec = await self._advance(rec, "posted", card_message_id=ref.message_id)
        if rec.state == "posted":
            assert rec.card_message_id is not None
            post = PostRef(rec.platform, rec.channel_id, rec.card_message_id)
            made = await port.open_thread(post, thread_name(from_json(PaperCard, rec.card)))
            rec = await self._advance(rec, "threaded", thread_root_id=made.root_message_id)
        if rec.state in ("threaded", "prompted"):
            assert rec.thread_root_id is not None
            thread = ThreadRef(rec.platform, rec.channel_id, rec.thread_root_id)
            prompt = from_json(ThreadPrompt, rec.prompt)
            ref = await post_once(port, rec.channel_id, prompt, thread=thread,
                                  tried=rec.attempts > 0,
                                  look=lambda: port.find_bot_reply(thread),
                                  bump=lambda: self._bump(rec))
            await self._advance(rec, "done", prompt_message_id=ref.message_id)

    async def _bump(self, rec: PostRecord) -> None:
        await self.posts.bump_attempt(rec.id, self.delivery.clock())

    async def _advance(self, rec: PostRecord, to_state: str, **refs: str) -> PostRecord:
        """Record the step; a row another process moved on is re-read as it is now."""
        moved = await self.posts.advance(rec.id, rec.state, to_state, self.delivery.clock(),
                                         **refs)
        return moved or await self._reload(rec)

    async def _reload(self, rec: PostRecord) -> PostRecord:
        fresh = await self.posts.get(rec.id)
        if fresh is None:
            raise LookupError(f"outbox row {rec.id} vanished")
        return fresh
