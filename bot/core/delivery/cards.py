"""Posting exactly once: drive each outbox row intent -> posted -> threaded -> done.

Every platform call is preceded by a durable record of what is about to happen and followed
by a record of what happened, so a crash at any point resumes at the right step:

- ``intent``: if a post was attempted before, ask the platform (``find_marker``) whether the
  card arrived before posting it again; it looks through everything posted in the channel
  since the intent was recorded (less ``CLOCK_SKEW``), however much that is;
- ``posted``: ``open_thread`` is idempotent per post on every adapter (Slack: the thread *is*
  the message; Discord: an existing thread is returned), so it is simply called again;
- ``threaded``: if the prompt was attempted before, look into the thread
  (``find_bot_reply``) and reuse the prompt found there instead of posting a second one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.errors import ChannelUnavailable
from bot.messages import LabBadge, MemberMatch, Message, PaperCard, QuotedNote, ThreadPrompt
from bot.ports import ChatPort, PostRef, ThreadRef
from bot.store.posts import NewPost, PostRecord, PostStore

log = logging.getLogger(__name__)

THREAD_NAME_CHARS = 90
# How far the platform's clock may run behind ours: a post attempted right after its intent
# was recorded may carry a platform timestamp slightly before that moment.
CLOCK_SKEW = timedelta(minutes=5)


# --- serialising the exact messages into the outbox row --------------------------------------


def jsonable(value: Any) -> Any:
    """``json.dumps`` default for the dates in messages (ISO text, read back by each type)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def card_to_json(card: PaperCard) -> str:
    return json.dumps(asdict(card), default=jsonable, ensure_ascii=False)


def card_from_json(text: str) -> PaperCard:
    d = json.loads(text)
    return PaperCard(
        paper_key=d["paper_key"],
        title=d["title"],
        url=d["url"],
        labs=tuple(LabBadge(**b) for b in d["labs"]),
        authors=tuple(d["authors"]),
        et_al=d["et_al"],
        matches=tuple(
            MemberMatch(m["member_id"], m["topic"], tuple(m["terms"]),
                        m.get("member_name", m["member_id"]))  # older rows have no name
            for m in d["matches"]
        ),
        categories=tuple(d["categories"]),
        announced=date.fromisoformat(d["announced"]) if d["announced"] else None,
        abstract_opening=d["abstract_opening"],
        marker=d["marker"],
    )


def prompt_to_json(prompt: ThreadPrompt) -> str:
    return json.dumps(asdict(prompt), default=jsonable, ensure_ascii=False)


def prompt_from_json(text: str) -> ThreadPrompt:
    d = json.loads(text)
    return ThreadPrompt(
        question=d["question"],
        mentions=tuple(d["mentions"]),
        topics=tuple(d["topics"]),
        quoted_notes=tuple(
            QuotedNote(q["author_id"], q["author_name"], datetime.fromisoformat(q["written_at"]),
                       q["paper_title"], q["text"])
            for q in d["quoted_notes"]
        ),
    )


def new_post(card: PaperCard, prompt: ThreadPrompt) -> NewPost:
    """The outbox row a digest records before posting ``card``."""
    return NewPost(
        paper_key=card.paper_key,
        marker=card.marker,
        topics=prompt.topics,
        member_ids=card.member_ids,
        card=card_to_json(card),
        prompt=prompt_to_json(prompt),
    )


def thread_name(card: PaperCard) -> str:
    title = card.title if len(card.title) <= THREAD_NAME_CHARS else (
        card.title[: THREAD_NAME_CHARS - 1].rstrip() + "…"
    )
    return title or card.marker


# --- the state machine -----------------------------------------------------------------------


async def post_once(
    port: ChatPort, channel_id: str, marker: str, message: Message, *, attempted: bool,
    recorded: datetime, bump: Callable[[], Awaitable[None]],
) -> PostRef:
    """Post a top-level message that carries ``marker``, not twice: when an earlier try may
    have landed (``attempted``) the platform is asked first, about everything posted since
    the intent was ``recorded``; this try is counted (``bump``) before the call, so a crash
    during it is known at the restart."""
    if attempted:
        ref = await port.find_marker(channel_id, marker, recorded - CLOCK_SKEW)
        if ref is not None:
            log.info("outbox: %s found on %s after a restart", marker, port.platform)
            return ref
    await bump()
    return await port.post(channel_id, message)


@dataclass(frozen=True, slots=True)
class FlushReport:
    """What one flush achieved: rows completed and rows that failed (left for a retry)."""

    done: int
    failed: int


class Outbox:
    """Drives outbox rows to ``done`` through the ``ChatPort`` of each row's platform."""

    def __init__(
        self, posts: PostStore, ports: Mapping[str, ChatPort], clock: Callable[[], datetime]
    ) -> None:
        self.posts = posts
        self.ports = ports  # shared, live mapping: ports registered later are seen
        self.clock = clock
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}  # one per channel

    async def deliver(self, record: PostRecord) -> PostRecord:
        """Run the remaining steps of one row; raises whatever the platform or store raised.

        Channels are locked in-process so a digest and a resume never drive the same row at
        once (and a channel's cards keep their order).
        """
        port = self.ports.get(record.platform)
        if port is None:
            raise LookupError(f"no chat adapter registered for platform {record.platform!r}")
        lock = self._locks.setdefault((record.platform, record.channel_id), asyncio.Lock())
        async with lock:
            return await self._steps(port, await self._reload(record))

    async def _steps(self, port: ChatPort, rec: PostRecord) -> PostRecord:
        if rec.state == "intent":
            rec = await self._post_card(port, rec)
        if rec.state == "posted":
            rec = await self._open_thread(port, rec)
        if rec.state in ("threaded", "prompted"):
            rec = await self._post_prompt(port, rec)
        return rec

    async def flush(
        self, platform: str | None = None, channel_id: str | None = None,
        hold: Collection[tuple[str, str]] = (),
    ) -> FlushReport:
        """Deliver every pending row (optionally of one channel), oldest first.

        A row that fails is logged and left pending; the others still go out, except in a
        channel that refused the bot (``ChannelUnavailable``): its later rows wait too. Rows
        of the ``hold`` channels, (platform, channel_id), wait: their digest header is not out
        yet, or the channel needs attention.
        """
        done = failed = 0
        refused: set[tuple[str, str]] = set()
        for rec in await self.posts.pending(platform, channel_id):
            channel = (rec.platform, rec.channel_id)
            if rec.platform not in self.ports or channel in hold:
                continue
            if channel in refused:
                failed += 1
                continue
            try:
                await self.deliver(rec)
                done += 1
            except ChannelUnavailable as exc:
                failed += 1
                refused.add(channel)
                log.warning("outbox: %s in %s stopped at %s: %s", rec.paper_key,
                            rec.channel_id, rec.state, exc)
            except Exception:
                failed += 1
                log.exception("outbox: %s in %s stopped at %s", rec.paper_key, rec.channel_id,
                              rec.state)
        return FlushReport(done, failed)

    async def _reload(self, rec: PostRecord) -> PostRecord:
        fresh = await self.posts.get(rec.id)
        if fresh is None:
            raise LookupError(f"outbox row {rec.id} vanished")
        return fresh

    async def _post_card(self, port: ChatPort, rec: PostRecord) -> PostRecord:
        ref = await post_once(port, rec.channel_id, rec.marker, card_from_json(rec.card),
                              attempted=rec.attempts > 0, recorded=rec.created_at,
                              bump=lambda: self.posts.bump_attempt(rec.id, self.clock()))
        await self.posts.advance(rec.id, "intent", "posted", self.clock(),
                                 card_message_id=ref.message_id)
        return await self._reload(rec)

    async def _open_thread(self, port: ChatPort, rec: PostRecord) -> PostRecord:
        assert rec.card_message_id is not None
        post = PostRef(rec.platform, rec.channel_id, rec.card_message_id)
        thread = await port.open_thread(post, thread_name(card_from_json(rec.card)))
        await self.posts.advance(rec.id, "posted", "threaded", self.clock(),
                                 thread_root_id=thread.root_message_id)
        return await self._reload(rec)

    async def _post_prompt(self, port: ChatPort, rec: PostRecord) -> PostRecord:
        assert rec.thread_root_id is not None
        thread = ThreadRef(rec.platform, rec.channel_id, rec.thread_root_id)
        ref = None
        if rec.attempts > 0:
            ref = await port.find_bot_reply(thread)
        if ref is None:
            await self.posts.bump_attempt(rec.id, self.clock())
            ref = await port.post(thread.channel_id, prompt_from_json(rec.prompt), thread)
        await self.posts.advance(rec.id, rec.state, "done", self.clock(),
                                 prompt_message_id=ref.message_id)
        return await self._reload(rec)
