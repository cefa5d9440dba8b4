"""Posting a digest's header exactly once, before its cards.

The header is recorded (``intent``, with a fresh marker) in the transaction that records the
digest's cards and moves the subscription's cursor, and posted only afterwards through
``bot.core.delivery.engine``, found by its marker after a restart if it was tried before. A
channel whose header is not out yet holds its cards back (``waiting``), so the channel still
reads header first, then cards.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

import aiosqlite

from bot.core.delivery.engine import Channel, Delivery, DeliveryReport, by_marker, post_once
from bot.core.delivery.message_json import from_json, to_json
from bot.messages import DigestHeader
from bot.ports import ChatPort
from bot.store.digest_headers import DigestHeaderStore, HeaderRecord

log = logging.getLogger(__name__)


def new_marker() -> str:
    """A fresh header marker; random and of fixed length, so no marker contains another and
    none repeats after the database is replaced."""
    return f"sw:digest:{uuid.uuid4().hex[:12]}"


class HeaderOutbox:
    """Records digest headers and drives them to ``done``; any failure holds the channel."""

    log = log
    noun = "digest header(s)"
    on_failure = "its cards wait"
    holds_channel: tuple[type[Exception], ...] = (Exception,)
    table = "digest_headers"

    def __init__(self, store: DigestHeaderStore, delivery: Delivery) -> None:
        self.store = store
        self.delivery = delivery

    async def record(
        self, conn: aiosqlite.Connection, platform: str, workspace: str, channel_id: str,
        header: DigestHeader, now: datetime,
    ) -> DigestHeader:
        """Record ``header`` with a new marker inside the caller's open transaction; returns
        the header as it will be posted."""
        marker = new_marker()
        header = replace(header, marker=marker)
        await self.store.insert_intent(conn, platform, workspace, channel_id, marker,
                                       to_json(header), now)
        return header

    async def deliver_channel(self, platform: str, channel_id: str) -> None:
        """Post a channel's pending headers, oldest first. The first failure propagates: the
        digest reports it, and the channel's cards stay queued behind the header. A header
        another worker is posting is left to it (its cards wait for it: :meth:`waiting`)."""
        for rec in await self.store.pending(platform, channel_id):
            await self.delivery.deliver(self, rec)

    async def flush(
        self, platform: str | None = None, channel_id: str | None = None,
        hold: Collection[Channel] = (),
    ) -> DeliveryReport:
        """Post every pending header (at start, and before a digest), oldest first; the
        ``hold`` channels are not tried."""
        pending = await self.store.pending(platform, channel_id)
        return await self.delivery.flush(self, pending, hold)

    async def waiting(self, platform: str | None = None, channel_id: str | None = None
                      ) -> frozenset[Channel]:
        """Channels with a header still to post: their cards must wait."""
        return frozenset((r.platform, r.channel_id)
                         for r in await self.store.pending(platform, channel_id))

    def label(self, rec: HeaderRecord) -> str:
        return f"digest header {rec.marker} in {rec.platform}:{rec.channel_id}"

    def row_id(self, rec: HeaderRecord) -> int:
        return rec.id

    async def steps(self, port: ChatPort, rec: HeaderRecord) -> None:
        fresh = await self.store.get(rec.id)
        if fresh is None or fresh.state != "intent":
            return
        header_id, clock = fresh.id, self.delivery.clock
        ref = await post_once(
            port, fresh.channel_id, from_json(DigestHeader, fresh.header),
            tried=fresh.attempts > 0,
            look=by_marker(port, fresh.channel_id, fresh.marker, fresh.created_at),
            bump=lambda: self.store.bump_attempt(header_id, clock()),
        )
        await self.store.mark_done(header_id, ref.message_id, clock())
