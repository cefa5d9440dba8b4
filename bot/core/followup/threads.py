"""Paper threads after the digest: which are still open, and closing one without a note.

A thread stays *open* until someone writes a note in it or closes it as not a concern:
``/scoop snooze`` run in the thread, or a ✋ reaction on its card (on every platform). A
closed thread gets no reminder (``bot.core.delivery.thread_reminders``) and leaves the
digest header's list of open threads; a note written later is still kept. Who closed it and
how is recorded, the first closure kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.messages import DigestHeader, Line, Text, ThreadLink, item, line, shorten
from bot.ports import CommandEvent, CommandResult, Reaction
from bot.store.followup import FollowupStore, PaperThread
from bot.store.posts import PostStore

OPEN_DAYS = 14  # the header lists the threads still open from this many days back
HEADER_LINKS = 5  # at most this many are linked; the header counts the rest
STATUS_LISTED = 20  # /scoop status names at most this many
TITLE_CHARS = 80
CLOSE_EMOJI = frozenset({"hand", "raised_hand"})  # ✋: "not a concern"


class ThreadFollowup:
    """Closes threads (snooze, ✋) and reads the open ones for headers and status."""

    def __init__(self, store: FollowupStore, posts: PostStore,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.posts = posts
        self.clock = clock

    async def snooze(self, event: CommandEvent) -> CommandResult:
        """``/scoop snooze`` in a paper thread: close it without a note."""
        if event.thread is None:
            return _refused("/scoop snooze closes the paper thread it is run in, and this was "
                            "not run in one: run it inside the paper's thread, or react ✋ on "
                            "the paper's card (see /scoop help snooze).")
        thread = event.thread
        post = await self.posts.find_by_thread(event.platform, thread.channel_id,
                                               thread.root_message_id)
        if post is None:
            return _refused("This is not one of the bot's paper threads: there is nothing to "
                            "snooze here.")
        if await self.store.has_note(post.id):
            return CommandResult((Text("This thread has a note already: it is not waiting for "
                                       "anything, so there is nothing to snooze."),))
        if not await self.store.close(post.id, event.actor.member_id, "snooze", self.clock()):
            closed = await self.store.closure(post.id)
            since = f" on {closed.closed_at.date().isoformat()}" if closed else ""
            return CommandResult((Text(f"This thread was closed already{since}."),))
        return CommandResult((Text(
            "Closed as not a concern: this paper's thread gets no reminder and leaves the "
            "digest's list of open threads. A note written here later is still kept."),))

    async def close_by_reaction(self, event: Reaction) -> bool:
        """A ✋ on a paper's card closes its thread; True when it closed one now. Taking the
        ✋ back leaves the thread closed: no reminder is ever sent after a member closed it."""
        if event.actor.is_bot or event.removed or event.emoji not in CLOSE_EMOJI:
            return False
        post = await self.posts.find_by_message(event.platform, event.post.message_id)
        if post is None or post.card_message_id != event.post.message_id:
            return False
        return await self.store.close(post.id, event.actor.member_id, "reaction", event.at)

    async def with_open_threads(self, header: DigestHeader, platform: str, channel_id: str,
                                now: datetime) -> DigestHeader:
        """``header`` with the channel's threads still open from the last ``OPEN_DAYS`` days:
        all counted, the oldest ``HEADER_LINKS`` linked."""
        threads = await self.store.open_threads(platform, channel_id,
                                                now - timedelta(days=OPEN_DAYS))
        return open_threads_header(header, threads)

    async def status_lines(self, platform: str, channel_id: str, now: datetime
                           ) -> list[Line]:
        """``/scoop status``'s account of this channel's open threads."""
        threads = await self.store.open_threads(platform, channel_id,
                                                now - timedelta(days=OPEN_DAYS))
        return status_lines(threads)


def _refused(text: str) -> CommandResult:
    return CommandResult((Text(text),), ok=False)


def open_threads_header(header: DigestHeader, threads: Sequence[PaperThread]) -> DigestHeader:
    """Pure: the header with ``threads`` (oldest first) counted and the first few linked."""
    links = tuple(
        ThreadLink(t.workspace, t.channel_id, t.thread_root_id, shorten(t.title, TITLE_CHARS),
                   t.opened_at.date())
        for t in threads[:HEADER_LINKS])
    return replace(header, open_threads=links, open_total=len(threads), open_days=OPEN_DAYS)


def status_lines(threads: Sequence[PaperThread]) -> list[Line]:
    """Pure: a count line, then the oldest ``STATUS_LISTED`` titles with their dates; nothing
    when no thread is open."""
    if not threads:
        return []
    lines = [line(f"Open paper threads here (last {OPEN_DAYS} days, no note yet): "
                  f"{len(threads)}, oldest first:")]
    lines += [item(f"{shorten(t.title, TITLE_CHARS)} (posted {t.opened_at.date().isoformat()})",
                   indent=1) for t in threads[:STATUS_LISTED]]
    if len(threads) > STATUS_LISTED:
        lines.append(item(f"… and {len(threads) - STATUS_LISTED} more", indent=1))
    return lines
