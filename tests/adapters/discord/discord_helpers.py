"""A recording fake core and waiting helpers for the Discord adapter tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.messages import Message, Text
from bot.ports import (
    CommandEvent,
    CommandResult,
    InboundEvent,
    Reaction,
    ThreadReply,
    ThreadReplyDeleted,
)

HANDLER_TASKS = ("discord.py:", "CommandTree-invoker", "scoopwatch inbox")


@dataclass
class FakeCore:
    """Answers commands with ``answer`` (after ``delay``) and records every event."""

    answer: CommandResult = field(
        default_factory=lambda: CommandResult((Text("ok"),)))
    delay: float = 0.0
    commands: list[CommandEvent] = field(default_factory=list)
    replies: list[ThreadReply] = field(default_factory=list)
    deletions: list[ThreadReplyDeleted] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    def answers(self, *messages: Message, public: bool = False) -> None:
        self.answer = CommandResult(tuple(messages), public=public)

    async def handle_command(self, event: CommandEvent) -> CommandResult:
        self.commands.append(event)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.answer

    async def receive(self, event: InboundEvent) -> bool:
        """What the adapter hands the core's inbox, by kind of event."""
        if isinstance(event, ThreadReply):
            return await self.handle_thread_reply(event)
        if isinstance(event, ThreadReplyDeleted):
            return await self.handle_reply_deleted(event)
        return await self.handle_reaction(event)

    async def handle_thread_reply(self, event: ThreadReply) -> bool:
        self.replies.append(event)
        return True

    async def handle_reply_deleted(self, event: ThreadReplyDeleted) -> bool:
        self.deletions.append(event)
        return True

    async def handle_reaction(self, event: Reaction) -> bool:
        self.reactions.append(event)
        return True

    async def topic_names(self, platform: str, workspace: str,
                          member_id: str) -> Sequence[str]:
        return self.topics


async def settle(timeout: float = 5.0) -> None:
    """Wait until discord.py's event and command-tree tasks have all finished."""
    deadline = time.monotonic() + timeout
    current = asyncio.current_task()
    while True:
        pending = [t for t in asyncio.all_tasks()
                   if t is not current and not t.done()
                   and t.get_name().startswith(HANDLER_TASKS)]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"handlers still running: {[t.get_name() for t in pending]}")
        await asyncio.wait(pending, timeout=max(0.01, deadline - time.monotonic()))


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)
