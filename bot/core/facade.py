"""The facade every chat adapter calls: commands, thread replies, deletions and reactions.

Adapters translate platform events into ``bot.ports`` events and render what comes back; all
parsing, validation, permissions and dispatch happen here, so the three platforms behave the
same. Digest commands are delegated to the digest side (``DigestService``) when it is wired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from typing import Protocol

from bot.core.commands.help import help_text
from bot.core.commands.parser import (
    COMMANDS,
    CommandError,
    MemberRef,
    ParsedCommand,
    parse,
)
from bot.core.commands.topics import QueryTools, RecentPapers, TopicService
from bot.core.notes.export import export_file
from bot.core.notes.service import NotesService, PaperLookup, ThreadLookup
from bot.errors import ScoopwatchError
from bot.messages import SPACE, Text, line
from bot.ports import (
    ChatPort,
    CommandEvent,
    CommandResult,
    Reaction,
    ThreadReply,
    ThreadReplyDeleted,
)
from bot.store.db import Database
from bot.store.events import EventLog, FeedbackStore
from bot.store.members import MemberRecord, MemberStore
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.topics import TopicStore

log = logging.getLogger(__name__)


class DigestActions(Protocol):
    """The digest side's command entry points (``bot.core.digests.service.DigestService``)."""

    async def subscribe(self, platform: str, workspace: str, channel_id: str, actor_id: str,
                        args: str) -> CommandResult: ...
    async def unsubscribe(self, platform: str, workspace: str,
                          channel_id: str) -> CommandResult: ...
    async def digest_now(self, platform: str, workspace: str, channel_id: str,
                         since: date | None) -> CommandResult: ...
    async def status(self, platform: str, workspace: str, channel_id: str) -> CommandResult: ...
    def register_port(self, port: ChatPort) -> None: ...


Handler = Callable[[CommandEvent, ParsedCommand], Awaitable[CommandResult]]

# Commands that change what a channel's digest reads (its subscription, the topics) or read it.
# Adapters acknowledge first and run commands concurrently, so "subscribe ... all-papers" then
# "digest now" typed a moment apart could otherwise digest with the old settings.
CHANNEL_ORDERED: frozenset[tuple[str, ...]] = frozenset({
    ("subscribe",), ("unsubscribe",), ("digest", "now"), ("status",),
    ("topic", "add"), ("topic", "edit"), ("topic", "remove"), ("topic", "pause"),
    ("topic", "resume"),
})


class ChannelLocks:
    """One lock per (platform, channel). ``asyncio.Lock`` wakes waiters first come, first
    served, and a free lock is taken without yielding, so commands run in the order they reached
    the core; commands in other channels never wait on each other."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def lock(self, platform: str, channel_id: str) -> asyncio.Lock:
        return self._locks.setdefault((platform, channel_id), asyncio.Lock())


class Core:
    """Platform-neutral bot core; ``commands`` is the table adapters mirror."""

    commands = COMMANDS

    def __init__(
        self, db: Database, *, threads: ThreadLookup, digest: DigestActions | None = None,
        admins: Sequence[str] = (), labs: Callable[[], CommandResult] | None = None,
        tools: QueryTools | None = None, papers: PaperLookup | None = None,
        clock: Callable[[], datetime] | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.db = db
        self.digest = digest
        self.admins = frozenset(admins)
        self.ports: dict[str, ChatPort] = {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._labs = labs
        self.members = MemberStore(db)
        self.topic_store = TopicStore(db)
        self.note_store = NoteStore(db)
        self.topics = TopicService(
            self.topic_store, RecentPapers(db, today or (lambda: self._clock().date())),
            tools, self._clock,
        )
        self.notes = NotesService(
            self.note_store, self.members, EventLog(db), FeedbackStore(db), threads,
            papers or PaperStore(db), self.ports.get, self._clock,
        )
        self._handlers: dict[tuple[str, ...], Handler] = {
            ("help",): self._help, ("topic", "add"): self._topic_add,
            ("topic", "edit"): self._topic_edit, ("topic", "remove"): self._topic_remove,
            ("topic", "pause"): self._topic_pause, ("topic", "resume"): self._topic_resume,
            ("topic", "list"): self._topic_list, ("preview",): self._preview,
            ("subscribe",): self._subscribe, ("unsubscribe",): self._unsubscribe,
            ("digest", "now"): self._digest_now, ("status",): self._status,
            ("notes",): self._notes, ("notes", "export"): self._notes_export,
            ("labs",): self._labs_cmd,
        }
        self.channel_locks = ChannelLocks()

    def register_port(self, port: ChatPort) -> None:
        """Make a platform reachable for acknowledgements and (via the digest side) posts."""
        self.ports[port.platform] = port
        if self.digest is not None:
            self.digest.register_port(port)

    async def handle_command(self, event: CommandEvent) -> CommandResult:
        """Parse, check permissions, dispatch; bad input becomes a short reply, never a crash.

        Commands in ``CHANNEL_ORDERED`` run one at a time per channel, in arrival order."""
        async with self._ordering(event):
            return await self._handle_command(event)

    def _ordering(self, event: CommandEvent) -> AbstractAsyncContextManager[object]:
        """The channel's lock for a channel-ordered command; nothing for the others (help,
        previews, notes) or for text that does not parse (it is answered without waiting)."""
        try:
            path = parse(event.text).command.path
        except Exception:  # _handle_command answers it with the reason
            return contextlib.nullcontext()
        if path not in CHANNEL_ORDERED:
            return contextlib.nullcontext()
        return self.channel_locks.lock(event.platform, event.channel_id)

    async def _handle_command(self, event: CommandEvent) -> CommandResult:
        try:
            await self.members.upsert(event.platform, event.workspace, event.actor.member_id,
                                      event.actor.display_name, self._clock())
            parsed = parse(event.text)
            command = parsed.command
            if command.admin_only and self.admins and event.actor.member_id not in self.admins:
                raise CommandError(
                    f"Only the bot's admins may use /scoop {command.name} "
                    "(they are listed under bot.admins in its config).")
            return await self._handlers[command.path](event, parsed)
        except ScoopwatchError as exc:
            return CommandResult((Text(exc.blocks if isinstance(exc, CommandError) else str(exc)),),
                                 ok=False)
        except Exception:
            log.exception("command failed: %r from %s", event.text[:200], event.actor.member_id)
            return CommandResult(
                (Text("Sorry, something went wrong handling that command; it was logged."),),
                ok=False)

    async def handle_thread_reply(self, event: ThreadReply) -> bool:
        return await self.notes.handle_thread_reply(event)

    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> bool:
        return await self.notes.handle_reply_deleted(event)

    async def handle_reaction(self, event: Reaction) -> bool:
        return await self.notes.handle_reaction(event)

    async def resolve_member(self, platform: str, workspace: str,
                             ref: MemberRef) -> MemberRecord:
        """Turn ``@name`` or a platform mention into one known member, or explain why not."""
        if ref.member_id is not None:
            found = await self.members.get(platform, workspace, ref.member_id)
            return found or MemberRecord(platform, workspace, ref.member_id, ref.member_id)
        matches = await self.members.find(platform, workspace, ref.name or "")
        if not matches:
            raise CommandError(f"No member {ref} known here yet (members are known once they "
                               "have used /scoop or replied in a paper thread).")
        if len(matches) > 1:
            raise CommandError(f"Several members are called {ref}: mention the one you mean.")
        return matches[0]

    # --- handlers ----------------------------------------------------------------------------

    async def _help(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return CommandResult((Text(help_text(parsed.get("command")), title="scoopwatch help"),))

    async def _topic_add(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self.topics.add(event.platform, event.workspace, event.actor.member_id,
                                     parsed.args["name"], parsed.args["query"])

    async def _topic_edit(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self.topics.edit(event.platform, event.workspace, event.actor.member_id,
                                      parsed.args["name"], parsed.args["query"])

    async def _topic_remove(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self.topics.remove(event.platform, event.workspace, event.actor.member_id,
                                        parsed.args["name"])

    async def _topic_pause(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self.topics.set_paused(event.platform, event.workspace,
                                            event.actor.member_id, parsed.args["name"], True)

    async def _topic_resume(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self.topics.set_paused(event.platform, event.workspace,
                                            event.actor.member_id, parsed.args["name"], False)

    async def _topic_list(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        who = parsed.get("who")
        if who == "all":
            return await self.topics.list(event.platform, event.workspace, None, "All")
        if isinstance(who, MemberRef):
            member = await self.resolve_member(event.platform, event.workspace, who)
            if member.member_id != event.actor.member_id:
                return await self.topics.list(event.platform, event.workspace,
                                              member.member_id, f"@{member.display_name}'s")
        return await self.topics.list(event.platform, event.workspace,
                                      event.actor.member_id, "Your")

    async def _preview(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self.topics.preview(parsed.args["query"])

    def _digest_side(self) -> DigestActions:
        if self.digest is None:
            raise CommandError("Digests are not available in this setup (no digest service).")
        return self.digest

    async def _subscribe(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self._digest_side().subscribe(event.platform, event.workspace,
                                                   event.channel_id, event.actor.member_id,
                                                   parsed.text)

    async def _unsubscribe(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self._digest_side().unsubscribe(event.platform, event.workspace,
                                                     event.channel_id)

    async def _digest_now(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self._digest_side().digest_now(event.platform, event.workspace,
                                                    event.channel_id, parsed.get("since"))

    async def _status(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        return await self._digest_side().status(event.platform, event.workspace,
                                                event.channel_id)

    async def _notes(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        target = parsed.get("of")
        if isinstance(target, MemberRef):
            member = await self.resolve_member(event.platform, event.workspace, target)
            return await self.notes.list_notes(event.platform, event.workspace,
                                               author_id=member.member_id,
                                               label=f"by @{member.display_name}")
        if target is not None:
            await self._require_topic(event, target)
            return await self.notes.list_notes(event.platform, event.workspace, topic=target,
                                               label=f"on {target}")
        return await self.notes.list_notes(event.platform, event.workspace)

    async def _notes_export(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        topic, fmt = parsed.get("topic"), parsed.get("format", "md")
        if topic is not None:
            await self._require_topic(event, topic)
        file = await export_file(self.db, event.platform, event.workspace, topic, fmt)
        if file is None:
            about = f" on {topic}" if topic else ""
            return CommandResult((Text(f"No differentiation notes{about} to export yet."),))
        return CommandResult((file,))

    async def _require_topic(self, event: CommandEvent, name: str) -> None:
        if await self.topic_store.find_by_name(event.platform, event.workspace, name):
            return
        if await self.note_store.recent(event.platform, event.workspace, topic=name, limit=1):
            return  # the topic is gone but its notes remain
        raise CommandError([line(f'No topic named "{name}" in this ', SPACE,
                                 ". See /scoop topic list all.")])

    async def _labs_cmd(self, event: CommandEvent, parsed: ParsedCommand) -> CommandResult:
        if self._labs is None:
            return CommandResult((Text("The lab registry is not loaded in this setup."),))
        return self._labs()
