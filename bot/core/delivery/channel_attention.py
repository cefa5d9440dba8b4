"""Channels the bot cannot post in until someone acts, and the port that notices them.

An adapter raises ``ChannelUnavailable`` when its platform refuses a channel for a reason no
retry can fix (the bot was never invited, the channel is archived or gone, a permission is
missing). Every port the digest side posts through is wrapped in a ``WatchedPort``, so such a
refusal marks the channel, wherever it happened (a digest, a resume at start, a version note),
and the next post that succeeds there clears it. While a channel is marked the bot stops
retrying its queued posts in the background, ``/scoop status`` there shows the reason and the
fix, and a digest tries the queue once and stops behind it instead of piling more posts up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from bot.errors import ChannelUnavailable
from bot.messages import Message
from bot.ports import ChatPort, PostRef, ThreadRef
from bot.store.channel_attention import AttentionRecord, ChannelAttentionStore

log = logging.getLogger(__name__)

T = TypeVar("T")
Channel = tuple[str, str]  # (platform, channel_id)


class ChannelAttention:
    """The marks, with an in-memory copy so a successful post costs no query."""

    def __init__(self, store: ChannelAttentionStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self._marked: set[Channel] | None = None  # loaded on first use
        self._refusals: dict[Channel, int] = {}

    async def _channels(self) -> set[Channel]:
        if self._marked is None:
            self._marked = {(r.platform, r.channel_id) for r in await self.store.all()}
        return self._marked

    async def refused(self, platform: str, channel_id: str, problem: ChannelUnavailable
                      ) -> None:
        """The platform refused the channel: mark it (or refresh the mark)."""
        log.warning("%s channel %s needs attention: %s", platform, channel_id,
                    problem.reason.value)
        await self.store.mark(platform, channel_id, problem, self.clock())
        (await self._channels()).add((platform, channel_id))
        self._refusals[(platform, channel_id)] = self.refusals(platform, channel_id) + 1

    async def posted(self, platform: str, channel_id: str) -> None:
        """A post in the channel went through: it needs no attention any more."""
        marked = await self._channels()
        if (platform, channel_id) in marked:
            await self.store.clear(platform, channel_id)
            marked.discard((platform, channel_id))
            log.info("%s channel %s accepts posts again", platform, channel_id)

    def refusals(self, platform: str, channel_id: str) -> int:
        """Refusals seen in this process: compare before and after a step to learn whether
        the channel refused it."""
        return self._refusals.get((platform, channel_id), 0)

    async def get(self, platform: str, channel_id: str) -> AttentionRecord | None:
        if (platform, channel_id) not in await self._channels():
            return None
        return await self.store.get(platform, channel_id)

    async def channels(self) -> frozenset[Channel]:
        """Every channel that needs attention."""
        return frozenset(await self._channels())


class WatchedPort:
    """A ``ChatPort`` that tells ``ChannelAttention`` how each channel's calls went."""

    def __init__(self, port: ChatPort, attention: ChannelAttention) -> None:
        self.port = port
        self.platform = port.platform
        self.attention = attention

    async def _watch(self, channel_id: str, call: Awaitable[T], *, posting: bool) -> T:
        try:
            result = await call
        except ChannelUnavailable as exc:
            await self.attention.refused(self.platform, channel_id, exc)
            raise
        if posting:
            await self.attention.posted(self.platform, channel_id)
        return result

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        return await self._watch(channel_id, self.port.post(channel_id, message, thread),
                                 posting=True)

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        return await self._watch(post.channel_id, self.port.open_thread(post, name),
                                 posting=False)

    async def react(self, post: PostRef, emoji: str) -> None:
        await self._watch(post.channel_id, self.port.react(post, emoji), posting=False)

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        return await self._watch(channel_id, self.port.find_marker(channel_id, marker, since),
                                 posting=False)

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        return await self._watch(thread.channel_id, self.port.find_bot_reply(thread),
                                 posting=False)

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        return await self._watch(thread.channel_id,
                                 self.port.find_thread_marker(thread, marker), posting=False)
