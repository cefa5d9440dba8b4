"""The inbox worker: inbound events are kept first, then processed into notes until done.

A platform that is told an event arrived never sends it again (Slack acknowledges, and a
Discord gateway event is simply gone), so a reply that fails to become a note after that is
lost. Adapters therefore hand every thread reply, edit, deletion and reaction to
:meth:`Inbox.receive` and acknowledge only once it returns: the event is then one row in the
inbox (``bot.store.inbox``), kept with ``synchronous = FULL``. The insert waits its turn when
another process holds the write lock; if it still cannot be made, the member is asked in the
thread to send the reply again, never left to believe it was kept.

The worker then claims rows (owner and lease, so several processes share the work and a
killed one's rows are taken over when its lease runs out) and processes them through
:class:`NotesService`, which is idempotent: a row processed twice stores one note. A failure
(the store still locked, the platform down) puts the row back with a growing delay. Rows left
by a crash are processed at the next start (:meth:`Inbox.start`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from bot.core.notes.service import NotesService
from bot.errors import ScoopwatchError, StoreError
from bot.messages import Text, line, shorten
from bot.ports import ChatPort, InboundEvent, Reaction, ThreadReply, ThreadReplyDeleted
from bot.store.claims import kept
from bot.store.db import is_busy
from bot.store.inbox import InboxRow, InboxStore

log = logging.getLogger(__name__)

PATIENCE = 120.0
"""Seconds an inbound event waits for the write lock before the member is asked to resend:
longer than any write transaction of the bot or its commands should hold it (a platform that
waits for our acknowledgement meanwhile redelivers, and the copy is kept once)."""
POLL = 30.0  # seconds between looks for rows another process left behind
MAX_BACKOFF = 300.0  # the longest wait before a failed row is tried again
QUOTE_CHARS = 60

_KINDS: dict[type[Any], str] = {ThreadReply: "reply", ThreadReplyDeleted: "deleted",
                                Reaction: "reaction"}
_READERS: dict[str, TypeAdapter[Any]] = {kind: TypeAdapter(cls) for cls, kind in _KINDS.items()}


class NotKept(ScoopwatchError):
    """An inbound event could not be kept (the store stayed busy or refused it)."""


class NotYetProcessed(ScoopwatchError):
    """An inbound event was kept but could not be processed at once; the worker will."""


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(event: InboundEvent) -> str:
    return json.dumps(asdict(event), default=_iso, ensure_ascii=False)


def from_json(kind: str, text: str) -> InboundEvent:
    event: InboundEvent = _READERS[kind].validate_python(json.loads(text))
    return event


def describe(event: InboundEvent) -> tuple[str, str, str]:
    """(kind, event key, subject) of an event: the key recognises a redelivery (the platform's
    delivery id, else what the event says), the subject is the message it concerns."""
    if isinstance(event, ThreadReply):
        digest = hashlib.sha256(event.text.encode()).hexdigest()[:16]
        verb = "edit" if event.edited else "reply"
        key = event.event_id or f"{verb}:{event.message_id}:{event.at.isoformat()}:{digest}"
        return "reply", key, event.message_id
    if isinstance(event, ThreadReplyDeleted):
        return "deleted", f"delete:{event.message_id}", event.message_id
    post = event.post.message_id
    verb = "unreact" if event.removed else "react"
    return "reaction", f"{verb}:{post}:{event.actor.member_id}:{event.emoji}", post


def undoes(event: InboundEvent) -> str | None:
    """The key of the event ``event`` takes back, if any. Adding, removing and adding again
    are distinct events with the same reaction: each one retires the opposite one's key, so
    it is let through again, while a replay of itself is still recognised."""
    if not isinstance(event, Reaction):
        return None
    verb = "react" if event.removed else "unreact"
    return f"{verb}:{event.post.message_id}:{event.actor.member_id}:{event.emoji}"


class Inbox:
    """Keeps inbound events and processes them into notes, in the background or at once."""

    def __init__(self, store: InboxStore, notes: NotesService,
                 port_for: Callable[[str], ChatPort | None], clock: Callable[[], datetime], *,
                 patience: float = PATIENCE, poll: float = POLL,
                 on_reaction: Callable[[Reaction], Awaitable[bool]] | None = None) -> None:
        self.store = store
        self.notes = notes
        self.on_reaction = on_reaction or notes.handle_reaction
        self.port_for = port_for
        self.clock = clock
        self.patience = patience
        self.poll = poll
        self._task: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._again = False
        self._stopping = False

    # --- keeping ------------------------------------------------------------------------------

    async def receive(self, event: InboundEvent) -> bool:
        """Keep ``event`` and have it processed in the background; returns once it is
        durable (True), or False when it could not be kept and the member was asked to send
        it again."""
        try:
            await self._keep(event)
        except NotKept:
            await self._ask_to_resend(event)
            return False
        self.kick()
        return True

    async def handle_now(self, event: InboundEvent) -> bool:
        """Keep ``event`` and process it at once: True when it made or changed a note (or
        feedback). A redelivery of a kept event is False. Raises :class:`NotKept` when it
        could not be kept, :class:`NotYetProcessed` when it was kept but must wait for the
        worker (the store is busy, or an earlier event of the same message is pending)."""
        row_id, new = await self._keep(event)
        if not new:
            return False
        try:
            row = await self.store.claim(row_id, self.clock())
        except Exception as exc:
            if not is_busy(exc):
                raise
            row = None
        if row is None:
            self.kick()
            raise NotYetProcessed("Kept, but the store is busy: it will be processed shortly, "
                                  "without being sent again.")
        result = await self._run(row)
        if result is None:
            raise NotYetProcessed("Kept, but it could not be processed yet: it will be "
                                  "shortly, without being sent again.")
        return result

    async def _keep(self, event: InboundEvent) -> tuple[int, bool]:
        kind, key, subject = describe(event)
        try:
            return await self.store.add(event.platform, key, subject, kind, to_json(event),
                                        self.clock(), patience=self.patience,
                                        retire=undoes(event))
        except StoreError as exc:
            log.error("inbound %s %s on %s could not be kept: %s", kind, key, event.platform,
                      exc)
            raise NotKept("Not saved: the bot could not store it just now. Please send it "
                          "again.") from exc

    async def _ask_to_resend(self, event: InboundEvent) -> None:
        """Tell the member in the thread that their reply or edit was not kept (deletions and
        reactions have nowhere to say it; the log has them)."""
        if not isinstance(event, ThreadReply):
            return
        port = self.port_for(event.platform)
        if port is None:
            return
        what = "edit" if event.edited else "reply"
        again = "make the edit again" if event.edited else "send it again"
        text = Text([line(f'Your {what} "{shorten(event.text, QUOTE_CHARS)}" was not saved: '
                          f"the bot could not store it just now. Please {again}.")])
        try:
            await port.post(event.thread.channel_id, text, event.thread)
        except Exception:
            log.exception("could not ask for %s %s to be sent again", what, event.message_id)

    # --- processing ---------------------------------------------------------------------------

    async def _run(self, row: InboxRow) -> bool | None:
        """Process a claimed row and mark it done; None when it failed and was put back."""
        try:
            async with kept(lambda: self.store.renew(row.id, self.clock()),
                            self.store.lease.total_seconds() / 4, f"inbox row {row.id}"):
                result = await self._process(row)
        except Exception as exc:
            delay = min(2.0 ** (row.attempts - 1), MAX_BACKOFF)
            if is_busy(exc):
                log.warning("inbox row %s (%s): the store is busy; trying again in %.0f s",
                            row.id, row.kind, delay)
            else:
                log.exception("inbox row %s (%s) failed (try %d); trying again in %.0f s",
                              row.id, row.kind, row.attempts, delay)
            now = self.clock()
            try:
                await self.store.retry_later(row.id, now, now + timedelta(seconds=delay),
                                             f"{type(exc).__name__}: {exc}")
            except Exception:
                log.warning("could not put inbox row %s back; it is retried when its lease "
                            "runs out", row.id, exc_info=True)
            self._wake_in(delay)
            return None
        try:
            await self.store.finish(row.id, self.clock())
        except Exception:  # processing again is harmless: notes are kept once per message
            log.warning("inbox row %s was processed but not marked done; it is processed "
                        "again when its lease runs out", row.id, exc_info=True)
            self._wake_in(self.store.lease.total_seconds())
        return result

    async def _process(self, row: InboxRow) -> bool:
        event = from_json(row.kind, row.event)
        if isinstance(event, ThreadReply):
            stored = await self.notes.handle_thread_reply(event)
            if not stored and row.attempts > 1:  # an earlier try may have died before its ✅
                await self.notes.acknowledge_again(event)
            return stored
        if isinstance(event, ThreadReplyDeleted):
            return await self.notes.handle_reply_deleted(event)
        return await self.on_reaction(event)

    # --- the worker ---------------------------------------------------------------------------

    def kick(self) -> None:
        """Process every due row in the background (one drain at a time)."""
        if self._stopping:
            return
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain(),
                                                                name="scoopwatch inbox")

    async def _drain(self) -> None:
        while self._again and not self._stopping:
            self._again = False
            while not self._stopping:
                now = self.clock()
                try:
                    row = await self.store.claim_next(now) if await self.store.due(now) else None
                except Exception as exc:
                    log.warning("the inbox could not be read (%s); trying again in %.0f s", exc,
                                self.poll)
                    self._wake_in(self.poll)
                    return
                if row is None:
                    break
                await self._run(row)
        await self._wake_at_next_due()

    async def _wake_at_next_due(self) -> None:
        """Come back when a row put back for later, or held by a lease, may be claimed."""
        try:
            first = await self.store.next_due()
        except Exception:
            return  # the poll comes back anyway
        if first is not None:
            self._wake_in(max((first - self.clock()).total_seconds(), 0.0) + 1.0)

    def _wake_in(self, seconds: float) -> None:
        if self._stopping:
            return
        loop = asyncio.get_running_loop()
        if self._timer is not None and not self._timer.cancelled() \
                and self._timer.when() <= loop.time() + seconds:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(seconds, self.kick)

    async def start(self) -> None:
        """Process what a crash or a stop left in the inbox, then keep looking every
        ``poll`` seconds (rows another process kept, leases that ran out)."""
        self._stopping = False
        self.kick()

        async def polling() -> None:
            while not self._stopping:
                await asyncio.sleep(self.poll)
                self.kick()

        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(
                polling(), name="scoopwatch poll for inbox rows")

    async def idle(self) -> None:
        """Wait until the rows due now are processed (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop looking; let the row being processed finish (up to ``timeout`` seconds; a row
        left claimed is taken over when its lease runs out)."""
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
        if self._poller is not None:
            self._poller.cancel()
        if self._task is not None and not self._task.done():
            _done, pending = await asyncio.wait([self._task], timeout=timeout)
            if pending:
                log.warning("the inbox was still processing after %.0f s at shutdown; the rest "
                            "is processed at the next start", timeout)
