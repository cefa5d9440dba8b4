"""What a command handler runs with: the event that invoked it and the services it may use.

The facade builds :class:`CommandServices` once and a :class:`CommandContext` per command, so a
handler in the table reaches everything through its one argument and never through the facade.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.core.commands.spec import Command, CommandError, MemberRef
from bot.messages import SPACE, echo, line
from bot.ports import ChatPort, CommandEvent, CommandResult
from bot.store.members import MemberRecord

if TYPE_CHECKING:
    from bot.core.commands.seeds import SeedActions
    from bot.core.commands.topics import TopicService
    from bot.core.followup.threads import ThreadFollowup
    from bot.core.notes.service import NotesService
    from bot.core.trends.service import TrendService
    from bot.industry.registry import Registry
    from bot.store.stores import Stores


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


@dataclass(frozen=True, slots=True)
class CommandServices:
    """Everything handlers use, built once by the facade."""

    commands: Sequence[Command]
    stores: Stores
    topics: TopicService
    notes: NotesService
    digests: DigestActions | None
    labs: Callable[[], CommandResult] | None
    registry: Registry | None = None  # the watched labs (``labs suggest`` reads what they miss)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    followup: ThreadFollowup | None = None  # closing paper threads without a note
    trends: TrendService | None = None  # trend charts (``/scoop trends``)
    related: SeedActions | None = None  # the semantic extra, when installed (topic seed)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """One command's event and the services; helpers every handler family needs."""

    event: CommandEvent
    services: CommandServices

    @property
    def platform(self) -> str:
        return self.event.platform

    @property
    def workspace(self) -> str:
        return self.event.workspace

    @property
    def member_id(self) -> str:
        return self.event.actor.member_id

    def digests(self) -> DigestActions:
        """The digest side, or a clear answer when this setup has none."""
        if self.services.digests is None:
            raise CommandError("Digests are not available in this setup (no digest service).")
        return self.services.digests

    async def resolve_member(self, ref: MemberRef) -> MemberRecord:
        """Turn ``@name`` or a mention into one known member, or explain why not."""
        members = self.services.stores.members
        if ref.member_id is not None:
            found = await members.get(self.platform, self.workspace, ref.member_id)
            return found or MemberRecord(self.platform, self.workspace, ref.member_id,
                                         ref.member_id)
        matches = await members.find(self.platform, self.workspace, ref.name or "")
        if not matches:
            raise CommandError(f"No member {echo(str(ref))} known here yet (members are known "
                               "once they have used /scoop or replied in a paper thread).")
        if len(matches) > 1:
            raise CommandError(f"Several members are called {echo(str(ref))}: mention the one "
                               "you mean.")
        return matches[0]

    async def require_topic(self, name: str) -> None:
        """Pass when ``name`` is a topic here, or was one and still has notes."""
        stores = self.services.stores
        if await stores.topics.find_by_name(self.platform, self.workspace, name):
            return
        if await stores.notes.recent(self.platform, self.workspace, topic=name, limit=1):
            return  # the topic is gone but its notes remain
        raise CommandError([line(f'No topic named "{name}" in this ', SPACE,
                                 ". See /scoop topic list all.")])
