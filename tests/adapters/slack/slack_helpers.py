"""Shared test doubles for the Slack adapter tests (this module holds no tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapters.slack.runner import SlackAdapter
from bot.messages import LabBadge, MemberMatch, PaperCard, Text
from bot.ports import (
    CommandEvent,
    CommandResult,
    InboundEvent,
    Reaction,
    ThreadReply,
    ThreadReplyDeleted,
)

MakeAdapter = Callable[..., Awaitable[SlackAdapter]]


@dataclass
class FakeCore:
    """Records what the adapter hands the core; answers commands with ``result``."""

    result: CommandResult = field(default_factory=lambda: CommandResult((Text("ok"),)))
    delay: float = 0.0
    commands: list[CommandEvent] = field(default_factory=list)
    replies: list[ThreadReply] = field(default_factory=list)
    deleted: list[ThreadReplyDeleted] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)

    async def handle_command(self, event: CommandEvent) -> CommandResult:
        self.commands.append(event)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.result

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
        self.deleted.append(event)
        return True

    async def handle_reaction(self, event: Reaction) -> bool:
        self.reactions.append(event)
        return True


@dataclass
class FastSleep:
    """Records requested sleeps and only yields to the loop."""

    calls: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


async def until(check: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait for background handlers (Bolt runs listeners after the ack)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def make_card(**over: Any) -> PaperCard:
    """A realistic paper card; keyword arguments replace fields."""
    base: dict[str, Any] = dict(
        paper_key="2411.01234", title="Diffusion planners", url="https://arxiv.org/abs/2411.01234",
        labs=(LabBadge("Google", "Google DeepMind", "Google DeepMind, London", "openalex"),),
        authors=("Ana Ortiz", "Ben Park"), et_al=False,
        matches=(MemberMatch("U0ANA0001", "diffusion-planning", ("diffusion", "planning"),
                             "Ana Lima"),),
        categories=("cs.LG", "cs.RO"), announced=date(2024, 11, 28),
        abstract_opening="We study diffusion models for planning.", marker="sw:2411.01234")
    base.update(over)
    return PaperCard(**base)
