"""Posting exactly once: the one engine behind paper cards, digest headers and version notes.

Each of them is a row that walks "intent recorded -> posted -> marked done", and a crash may
strike between any two steps. The rules, the same for all three:

- the intent is recorded before anything reaches the platform, and every try of a post is
  counted (``bump``) before the platform call, so after a restart the bot knows a try may
  have landed;
- a post tried before is looked for instead of posted again (``post_once``): a top-level
  message by the marker it carries, among everything posted in the channel since its intent
  was recorded, less ``CLOCK_SKEW`` (``find_marker``); a thread prompt as the bot's reply in
  its thread (``find_bot_reply``). A version note has nothing to be found by, so it is posted
  again: at least once, never lost;
- what the platform answered is recorded before the next step, and the row is re-read under
  its channel's lock before any step, so a digest, the resume at start and a version-note run
  never drive the same row twice;
- a row is claimed (``bot.store.claims``: owner and lease, renewed while it is worked on)
  before its steps run, and the claim is confirmed right before every post, so a second
  process on the same database never drives it at the same time; a row another worker holds
  is skipped, and one whose worker died is taken over when its lease runs out.

One lock per channel, shared by the three kinds, keeps a channel's posts in order: its header,
then its cards, each with its thread and prompt, and version notes in between, never inside.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bot.errors import ChannelUnavailable
from bot.messages import Message
from bot.ports import ChatPort, PostRef, ThreadRef
from bot.store.claims import ClaimLost, Claims, kept

log = logging.getLogger(__name__)

Channel = tuple[str, str]  # (platform, channel_id)
Lookup = Callable[[], Awaitable[PostRef | None]]

# How far the platform's clock may run behind ours: a post attempted right after its intent
# was recorded may carry a platform timestamp slightly before that moment.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """One pass over pending rows: done (by this pass, or by another one meanwhile), failed
    (left for a retry), and skipped (not tried: no adapter registered for their platform,
    their channel waits for its header or for someone to let the bot in, or another worker
    holds them)."""

    done: int = 0
    failed: int = 0
    skipped: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(self.done + other.done, self.failed + other.failed,
                              self.skipped + other.skipped)


class Pending(Protocol):
    """A row still to be delivered: it says where it goes."""

    @property
    def platform(self) -> str: ...
    @property
    def channel_id(self) -> str: ...


P = TypeVar("P", bound=Pending)
P_contra = TypeVar("P_contra", bound=Pending, contravariant=True)


class Kind(Protocol[P_contra]):
    """One kind of post (card, header, note): its steps and how the log speaks of it."""

    log: logging.Logger
    noun: str  # "digest header(s)": what the log says is left for later
    on_failure: str  # what a failure means, for the log
    holds_channel: tuple[type[Exception], ...]  # failures after which the channel's rest waits
    table: str  # whose rows a worker claims to deliver an item (``bot.store.claims``)

    def label(self, item: P_contra) -> str:
        """Which row, for the log."""
        ...

    def row_id(self, item: P_contra) -> int:
        """The id of the row claimed for ``item`` in ``table``."""
        ...

    async def steps(self, port: ChatPort, item: P_contra) -> None:
        """Re-read the row and run its remaining steps (called under its channel's lock)."""
        ...


async def post_once(
    port: ChatPort, channel_id: str, message: Message, *, thread: ThreadRef | None = None,
    tried: bool, look: Lookup | None, bump: Callable[[], Awaitable[object]],
) -> PostRef:
    """Post ``message`` (in ``thread`` if given) unless an earlier try landed.

    When a try was made before (``tried``) the platform is asked first (``look``; with none,
    the post is made again); this try is counted (``bump``) before the call, so a crash
    during it is known at the restart.
    """
    if tried and look is not None:
        ref = await look()
        if ref is not None:
            log.info("an earlier try landed as %s in %s:%s; not posted again", ref.message_id,
                     port.platform, channel_id)
            return ref
    await bump()
    return await port.post(channel_id, message, thread)


def by_marker(port: ChatPort, channel_id: str, marker: str, recorded: datetime) -> Lookup:
    """Find a top-level post by its marker among everything posted since its intent was
    ``recorded``, however much that is."""
    return lambda: port.find_marker(channel_id, marker, recorded - CLOCK_SKEW)


class Delivery:
    """The ports posts go through, the clock their rows are stamped with, one lock per channel
    (order within this process) and the claims that keep other processes off a row."""

    def __init__(self, ports: Mapping[str, ChatPort], clock: Callable[[], datetime],
                 claims: Claims) -> None:
        self.ports = ports  # shared, live mapping: ports registered later are seen
        self.clock = clock
        self.claims = claims
        self._locks: dict[Channel, asyncio.Lock] = {}

    async def deliver(self, kind: Kind[P], item: P) -> bool:
        """Claim one row and run its remaining steps under its channel's lock; False when
        another worker holds the row (nothing was done). Raises whatever the platform or the
        store raised, and :class:`ClaimLost` when the row was taken over meanwhile."""
        port = self.ports.get(item.platform)
        if port is None:
            raise LookupError(f"no chat adapter registered for platform {item.platform!r}")
        async with self._locks.setdefault((item.platform, item.channel_id), asyncio.Lock()):
            row_id, claims = kind.row_id(item), self.claims
            if not await claims.take(kind.table, row_id, self.clock()):
                kind.log.info("%s is being posted by another worker", kind.label(item))
                return False
            try:
                async with kept(lambda: claims.renew(kind.table, row_id, self.clock()),
                                claims.lease.total_seconds() / 4, kind.label(item)):
                    await kind.steps(FencedPort(port, lambda: claims.renew(
                        kind.table, row_id, self.clock())), item)
            finally:
                try:
                    await claims.release(kind.table, row_id)
                except Exception:  # the lease runs out instead; keep the step's own outcome
                    kind.log.warning("could not release %s", kind.label(item), exc_info=True)
        return True

    async def flush(
        self, kind: Kind[P], items: Iterable[P], hold: Collection[Channel] = ()
    ) -> DeliveryReport:
        """Deliver ``items`` in order; one that fails is logged and left pending, the others
        still go out, except the later ones of a channel whose failure was one of
        ``kind.holds_channel`` (they count as failed). Rows of the ``hold`` channels and of
        platforms with no registered adapter are skipped."""
        done = failed = skipped = 0
        missing: Counter[str] = Counter()
        stopped: set[Channel] = set()
        for item in items:
            channel = (item.platform, item.channel_id)
            if item.platform not in self.ports:
                missing[item.platform] += 1
                continue
            if channel in hold:
                skipped += 1
                continue
            if channel in stopped:
                failed += 1
                continue
            try:
                if await self.deliver(kind, item):
                    done += 1
                else:
                    skipped += 1
            except ClaimLost as exc:  # another worker carries on with it
                kind.log.warning("%s: %s", kind.label(item), exc)
                skipped += 1
            except Exception as exc:
                failed += 1
                if isinstance(exc, kind.holds_channel):
                    stopped.add(channel)
                if isinstance(exc, ChannelUnavailable):  # someone must act: no traceback
                    kind.log.warning("%s not posted: %s", kind.label(item), exc)
                else:
                    kind.log.exception("%s failed; %s", kind.label(item), kind.on_failure)
        for platform, count in sorted(missing.items()):
            kind.log.info("no %s adapter registered, %d %s left for later", platform, count,
                          kind.noun)
        return DeliveryReport(done, failed, skipped + sum(missing.values()))


class FencedPort:
    """A ``ChatPort`` that confirms (and renews) the row's claim before every post, so a
    worker whose row was taken over while it stalled stops instead of posting it again."""

    def __init__(self, port: ChatPort, confirm: Callable[[], Awaitable[bool]]) -> None:
        self.port = port
        self.platform = port.platform
        self._confirm = confirm

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        if not await self._confirm():
            raise ClaimLost(f"the row for {channel_id} was taken over by another worker")
        return await self.port.post(channel_id, message, thread)

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        return await self.port.open_thread(post, name)

    async def react(self, post: PostRef, emoji: str) -> None:
        await self.port.react(post, emoji)

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        return await self.port.find_marker(channel_id, marker, since)

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        return await self.port.find_bot_reply(thread)

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        return await self.port.find_thread_marker(thread, marker)
