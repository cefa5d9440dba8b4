"""Tell each thread of an already-posted paper, once, that arXiv announced a new version.

The scheduler runs this after every good nightly fetch (``replace*`` items only move a stored
paper's version; DESIGN "Sources"). Once per (post, version), through
``bot.core.delivery.engine``: the intent is recorded before the post in the thread and the note
marked done, with ``posts.noted_version`` moved, right after, so a normal re-run, a run that
overlaps another (a catch-up fetch and the nightly one) or a restart never repeats a note. The
one gap is a crash (or a platform error whose request did land) between the post and that
record: the next run posts the note again, so it is at least once, never lost. Unlike a card
nothing can ask the platform first: ``find_bot_reply`` only finds a thread's first bot message,
the prompt.
"""

from __future__ import annotations

import logging
from datetime import date

from bot.core.delivery.engine import Delivery, DeliveryReport, post_once
from bot.messages import Text
from bot.ports import ChatPort, ThreadRef
from bot.store.version_notes import DueNote, VersionNoteStore

log = logging.getLogger(__name__)


def note_text(arxiv_id: str | None, version: int, announced: date | None) -> str:
    """The note's wording; the date and link are left out when unknown."""
    when = f" was announced on {announced.isoformat()}" if announced else " is out"
    link = f": https://arxiv.org/abs/{arxiv_id}v{version}" if arxiv_id else ""
    return f"A new version (v{version}) of this paper{when}{link} — worth a look at what changed."


class VersionNotes:
    """Posts the due "new version" notes; one failing thread does not stop the others."""

    log = log
    noun = "thread(s)"
    on_failure = "retried next run"
    holds_channel: tuple[type[Exception], ...] = ()
    table = "posts"  # a note claims its card's row: a done post has no other work

    def __init__(self, store: VersionNoteStore, delivery: Delivery) -> None:
        self.store = store
        self.delivery = delivery

    async def run(self) -> DeliveryReport:
        """Post every due note; threads whose platform has no adapter wait for a run that
        has one."""
        return await self.delivery.flush(self, await self.store.due())

    def label(self, due: DueNote) -> str:
        return (f"version note for {due.paper_key} v{due.version} in "
                f"{due.platform}:{due.channel_id}")

    def row_id(self, due: DueNote) -> int:
        return due.post_id

    async def steps(self, port: ChatPort, due: DueNote) -> None:
        fresh = await self.store.due(due.post_id)  # another run may have noted it meanwhile
        if not fresh:
            return
        note, clock = fresh[0], self.delivery.clock
        if note.attempts:
            log.warning("%s was tried before; posting it again", self.label(note))
        thread = ThreadRef(note.platform, note.channel_id, note.thread_root_id)
        ref = await post_once(
            port, note.channel_id, Text(note_text(note.arxiv_id, note.version, note.announced)),
            thread=thread, tried=note.attempts > 0, look=None,
            bump=lambda: self.store.begin(note.post_id, note.version, clock()),
        )
        await self.store.finish(note.post_id, note.version, ref.message_id, clock())
