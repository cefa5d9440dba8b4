"""Tell each thread of an already-posted paper, once, that arXiv announced a new version.

The scheduler runs this after every good nightly fetch (``replace*`` items only move a stored
paper's version; DESIGN "Sources"). Once per (post, version), the outbox's way: the intent is
recorded before the post in the thread and the note marked done, with ``posts.noted_version``
moved, right after, so a normal re-run or a restart never repeats a note. The one gap is a
crash (or a platform error whose request did land) between the post and that record: the next
run posts the note again, so it is at least once, never lost. Unlike the outbox nothing can
ask the platform first: ``find_bot_reply`` only finds a thread's first bot message, the prompt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.messages import Text
from bot.ports import ChatPort, ThreadRef
from bot.store.version_notes import DueNote, VersionNoteStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotesReport:
    """One run: notes posted, notes that failed (retried next run), threads whose platform has
    no registered adapter (left for a run that has one)."""

    posted: int = 0
    failed: int = 0
    skipped: int = 0


def note_text(arxiv_id: str | None, version: int, announced: date | None) -> str:
    """The note's wording; the date and link are left out when unknown."""
    when = f" was announced on {announced.isoformat()}" if announced else " is out"
    link = f": https://arxiv.org/abs/{arxiv_id}v{version}" if arxiv_id else ""
    return f"A new version (v{version}) of this paper{when}{link} — worth a look at what changed."


class VersionNotes:
    """Posts the due "new version" notes through each platform's ``ChatPort``."""

    def __init__(
        self,
        store: VersionNoteStore,
        ports: Mapping[str, ChatPort],
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.ports = ports  # the digest service's live mapping: adapters registered later count
        self.clock = clock
        self._lock = asyncio.Lock()  # a catch-up fetch and the nightly one may overlap

    async def run(self) -> NotesReport:
        """Post every due note; one failing thread does not stop the others."""
        async with self._lock:
            posted = failed = 0
            missing: dict[str, int] = {}
            for due in await self.store.due():
                port = self.ports.get(due.platform)
                if port is None:
                    missing[due.platform] = missing.get(due.platform, 0) + 1
                    continue
                try:
                    await self._note(port, due)
                    posted += 1
                except Exception:
                    failed += 1
                    log.exception("version note for %s v%d in %s:%s failed; retried next run",
                                  due.paper_key, due.version, due.platform, due.channel_id)
            for platform, count in sorted(missing.items()):
                log.info("version notes: no %s adapter registered, %d thread(s) left for later",
                         platform, count)
            return NotesReport(posted, failed, sum(missing.values()))

    async def _note(self, port: ChatPort, due: DueNote) -> None:
        earlier = await self.store.begin(due.post_id, due.version, self.clock())
        if earlier:
            log.warning("version note for %s v%d in %s:%s was tried before; posting it again",
                        due.paper_key, due.version, due.platform, due.channel_id)
        thread = ThreadRef(due.platform, due.channel_id, due.thread_root_id)
        ref = await port.post(
            thread.channel_id, Text(note_text(due.arxiv_id, due.version, due.announced)), thread)
        await self.store.finish(due.post_id, due.version, ref.message_id, self.clock())
