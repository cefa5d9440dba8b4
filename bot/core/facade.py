"""The facade every chat adapter calls: commands, thread replies, deletions and reactions.

Adapters translate platform events into ``bot.ports`` events and render what comes back; all
parsing, validation, permissions and dispatch happen here, so the three platforms behave the
same. Each command's code is named by its entry in ``bot.core.commands.table``; the facade only
parses, checks who may run it, keeps channel order, and turns errors into a short answer.
Thread replies, edits, deletions and reactions go through the inbox (``bot.core.notes.inbox``):
kept before the platform is acknowledged, then processed until done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, date, datetime

from bot.core.commands.context import CommandContext, CommandServices, DigestActions
from bot.core.commands.parser import COMMANDS, parse
from bot.core.commands.seeds import SeedActions
from bot.core.commands.spec import CommandError
from bot.core.commands.topics import (
    MAX_TOPICS_PER_MEMBER,
    QueryTools,
    RecentPapers,
    TopicService,
)
from bot.core.followup.threads import CLOSE_EMOJI, ThreadFollowup
from bot.core.notes.feedback import FeedbackService
from bot.core.notes.inbox import Inbox
from bot.core.notes.reactions import canonical
from bot.core.notes.service import NotesService, PaperLookup, ThreadLookup
from bot.core.trends.service import TrendService
from bot.errors import (
    ParseError,
    ScoopwatchError,
    SourceError,
    StoreError,
    failure_reason,
)
from bot.industry.registry import Registry
from bot.messages import Text
from bot.ports import (
    ChatPort,
    CommandEvent,
    CommandResult,
    InboundEvent,
    Reaction,
    ThreadReply,
    ThreadReplyDeleted,
)
from bot.store.stores import Stores

log = logging.getLogger(__name__)


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
        self, stores: Stores, *, threads: ThreadLookup | None = None,
        digest: DigestActions | None = None, admins: Sequence[str] = (),
        labs: Callable[[], CommandResult] | None = None, tools: QueryTools | None = None,
        papers: PaperLookup | None = None, clock: Callable[[], datetime] | None = None,
        today: Callable[[], date] | None = None, registry: Registry | None = None,
        max_topics_per_member: int = MAX_TOPICS_PER_MEMBER,
        trends: TrendService | None = None, related: SeedActions | None = None,
    ) -> None:
        self.stores = stores
        self.digest = digest
        self.admins = frozenset(admins)
        self.ports: dict[str, ChatPort] = {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self.topics = TopicService(
            stores.topics, RecentPapers(stores.papers, today or (lambda: self._clock().date())),
            tools, self._clock, max_topics_per_member,
        )
        self.feedback = FeedbackService(stores, self.ports.get, self._clock)
        self.notes = NotesService(
            stores.notes, stores.members, stores.events, self.feedback,
            threads or stores.posts, papers or stores.papers, self.ports.get, self._clock,
        )
        self.followup = ThreadFollowup(stores.followup, stores.posts, self._clock)
        self.inbox = Inbox(stores.inbox, self.notes, self.ports.get, self._clock,
                           on_reaction=self._react)
        self.services = CommandServices(self.commands, stores, self.topics, self.notes, digest,
                                        labs, registry, self._clock, self.followup,
                                        trends=trends, related=related)
        self.channel_locks = ChannelLocks()
        # What a reaction on one of the bot's posts does besides being kept as feedback
        # (every reaction is): one entry per emoji name, in this one place.
        self.reactions: Mapping[str, Callable[[Reaction], Awaitable[bool]]] = {
            emoji: self.followup.close_by_reaction for emoji in sorted(CLOSE_EMOJI)}

    async def start(self) -> None:
        """Process the inbox rows a crash or a stop left behind, and keep the worker going
        (called once the adapters are connected, so the ✅ can be given)."""
        await self.inbox.start()

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the inbox finish the row it is processing (adapters have stopped taking
        events by now)."""
        await self.inbox.stop(timeout)

    def register_port(self, port: ChatPort) -> None:
        """Make a platform reachable for acknowledgements and (via the digest side) posts."""
        self.ports[port.platform] = port
        if self.digest is not None:
            self.digest.register_port(port)

    async def handle_command(self, event: CommandEvent) -> CommandResult:
        """Parse, check permissions, dispatch; bad input becomes a short reply, never a crash.

        Commands marked ``channel_ordered`` run one at a time per channel, in arrival order."""
        async with self._ordering(event):
            return await self._handle_command(event)

    def _ordering(self, event: CommandEvent) -> AbstractAsyncContextManager[object]:
        """The channel's lock for a channel-ordered command; nothing for the others (help,
        previews, notes) or for text that does not parse (it is answered without waiting)."""
        try:
            command = parse(event.text, self.commands).command
        except Exception:  # _handle_command answers it with the reason
            return contextlib.nullcontext()
        if not command.channel_ordered:
            return contextlib.nullcontext()
        return self.channel_locks.lock(event.platform, event.channel_id)

    async def _handle_command(self, event: CommandEvent) -> CommandResult:
        try:
            await self.stores.members.upsert(event.platform, event.workspace,
                                             event.actor.member_id, event.actor.display_name,
                                             self._clock())
            parsed = parse(event.text, self.commands)
            command = parsed.command
            if command.admin_only and self.admins and event.actor.member_id not in self.admins:
                raise CommandError(
                    f"Only the bot's admins may use /scoop {command.name} "
                    "(they are listed under bot.admins in its config).")
            if command.handler is None:
                raise LookupError(f"/scoop {command.name} is declared without a handler")
            return await command.handler(CommandContext(event, self.services), parsed)
        except (SourceError, ParseError, StoreError) as exc:  # internals: the log has them
            log.warning("command %r from %s failed: %s", event.text[:200],
                        event.actor.member_id, exc)
            return CommandResult((Text(f"Sorry, that could not be done: {failure_reason(exc)}."),),
                                 ok=False)
        except ScoopwatchError as exc:
            return CommandResult((Text(exc.blocks if isinstance(exc, CommandError) else str(exc)),),
                                 ok=False)
        except Exception:
            log.exception("command failed: %r from %s", event.text[:200], event.actor.member_id)
            return CommandResult(
                (Text("Sorry, something went wrong handling that command; it was logged."),),
                ok=False)

    async def receive(self, event: InboundEvent) -> bool:
        return await self.inbox.receive(event)

    async def handle_thread_reply(self, event: ThreadReply) -> bool:
        return await self.inbox.handle_now(event)

    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> bool:
        return await self.inbox.handle_now(event)

    async def handle_reaction(self, event: Reaction) -> bool:
        return await self.inbox.handle_now(event)

    async def _react(self, event: Reaction) -> bool:
        """What the inbox does with a reaction: keep it as feedback, then run what
        :attr:`reactions` says its emoji does; True when either changed something."""
        kept = await self.notes.handle_reaction(event)
        name = canonical(event.emoji)
        action = self.reactions.get(name)
        acted = await action(replace(event, emoji=name)) if action is not None else False
        return kept or acted

    async def topic_names(self, platform: str, workspace: str, member_id: str
                          ) -> Sequence[str]:
        """Topic names to offer while a member types: their own first, then the others'."""
        own = await self.stores.topics.list_for_member(platform, workspace, member_id)
        everyone = await self.stores.topics.list_for_workspace(platform, workspace)
        return list(dict.fromkeys(t.name for t in [*own, *everyone]))
