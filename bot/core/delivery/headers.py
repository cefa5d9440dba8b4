"""Posting a digest's header exactly once, before its cards.

The header is recorded (``intent``, with a fresh marker) in the transaction that records the
digest's cards and moves the subscription's cursor, and posted only afterwards, the way
``bot.core.delivery.cards`` posts cards: the try is counted before the platform call and, after a
restart, a header tried before is looked up by its marker (``ChatPort.find_marker``) instead
of posted again. A channel whose header is not out yet holds its cards back, so the channel
still reads header first, then cards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

import aiosqlite

from bot.core.delivery.cards import jsonable, post_once
from bot.errors import ChannelUnavailable
from bot.messages import DigestHeader, TopicHits
from bot.ports import ChatPort
from bot.store.digest_headers import DigestHeaderStore, HeaderRecord

log = logging.getLogger(__name__)


def new_marker() -> str:
    """A fresh header marker; random and of fixed length, so no marker contains another and
    none repeats after the database is replaced."""
    return f"sw:digest:{uuid.uuid4().hex[:12]}"


def header_to_json(header: DigestHeader) -> str:
    return json.dumps(asdict(header), default=jsonable, ensure_ascii=False)


def header_from_json(text: str) -> DigestHeader:
    d = json.loads(text)
    return DigestHeader(
        date_from=date.fromisoformat(d["date_from"]),
        date_to=date.fromisoformat(d["date_to"]),
        papers_seen=d["papers_seen"],
        overlaps=d["overlaps"],
        shown=d["shown"],
        topic_hits=tuple(TopicHits(t["topic"], t["member_id"], t["count"],
                                   t.get("member_name", t["member_id"]))  # older rows: none
                         for t in d["topic_hits"]),
        quiet_reason=d["quiet_reason"],
        more_hint=d["more_hint"],
        mode=d["mode"],
        marker=d["marker"],
    )


@dataclass(frozen=True, slots=True)
class HeaderFlush:
    """One flush: headers posted, headers that failed, and the (platform, channel_id) pairs
    still waiting for a header (failed, or no adapter registered): their cards must wait."""

    done: int
    failed: int
    held: frozenset[tuple[str, str]]


class HeaderOutbox:
    """Records digest headers and drives them to ``done`` through each platform's port."""

    def __init__(
        self, store: DigestHeaderStore, ports: Mapping[str, ChatPort],
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.ports = ports  # the digest service's live mapping: adapters registered later count
        self.clock = clock
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}  # one per channel

    async def record(
        self, conn: aiosqlite.Connection, platform: str, workspace: str, channel_id: str,
        header: DigestHeader, now: datetime,
    ) -> DigestHeader:
        """Record ``header`` with a new marker inside the caller's open transaction; returns
        the header as it will be posted."""
        marker = new_marker()
        header = replace(header, marker=marker)
        await self.store.insert_intent(conn, platform, workspace, channel_id, marker,
                                       header_to_json(header), now)
        return header

    async def deliver_channel(self, platform: str, channel_id: str) -> None:
        """Post a channel's pending headers, oldest first. The first failure propagates: the
        digest reports it, and the channel's cards stay queued behind the header."""
        for rec in await self.store.pending(platform, channel_id):
            await self.deliver(rec)

    async def flush(
        self, platform: str | None = None, channel_id: str | None = None,
        hold: Collection[tuple[str, str]] = (),
    ) -> HeaderFlush:
        """Post every pending header (at start, and before a digest), oldest first; a failure
        is logged and holds back that channel's later headers and its cards. The ``hold``
        channels, (platform, channel_id), are not tried and stay held."""
        done = failed = 0
        held: set[tuple[str, str]] = set()
        for rec in await self.store.pending(platform, channel_id):
            channel = (rec.platform, rec.channel_id)
            if channel in hold:
                held.add(channel)
            if channel in held:
                continue
            if rec.platform not in self.ports:
                log.info("digest header %s: no %s adapter registered, left for later",
                         rec.marker, rec.platform)
                held.add(channel)
                continue
            try:
                await self.deliver(rec)
                done += 1
            except ChannelUnavailable as exc:
                failed += 1
                held.add(channel)
                log.warning("digest header %s in %s:%s not posted: %s", rec.marker,
                            rec.platform, rec.channel_id, exc)
            except Exception:
                failed += 1
                held.add(channel)
                log.exception("digest header %s in %s:%s failed; its cards wait", rec.marker,
                              rec.platform, rec.channel_id)
        return HeaderFlush(done, failed, frozenset(held))

    async def deliver(self, rec: HeaderRecord) -> None:
        """Post one header unless it is out already; raises what the platform or store raised.

        Channels are locked and the row re-read under the lock, so a resume and a digest
        never post the same header twice."""
        port = self.ports.get(rec.platform)
        if port is None:
            raise LookupError(f"no chat adapter registered for platform {rec.platform!r}")
        async with self._locks.setdefault((rec.platform, rec.channel_id), asyncio.Lock()):
            fresh = await self.store.get(rec.id)
            if fresh is None or fresh.state != "intent":
                return
            header_id = fresh.id
            ref = await post_once(
                port, fresh.channel_id, fresh.marker, header_from_json(fresh.header),
                attempted=fresh.attempts > 0, recorded=fresh.created_at,
                bump=lambda: self.store.bump_attempt(header_id, self.clock()),
            )
            await self.store.mark_done(header_id, ref.message_id, self.clock())
