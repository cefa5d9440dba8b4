"""Fakes at the core's seams, shared by the core tests (this module holds no tests).

The query tools fake is a tiny AND-of-words matcher: the command and notes tests are about the
core's behaviour, the real matcher has its own tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.core.commands.parser import CommandError
from bot.core.commands.topics import query_error_message
from bot.core.facade import Core
from bot.messages import File, Message, Text
from bot.models import AnnounceType, Author, Paper
from bot.ports import (
    Actor,
    CommandEvent,
    CommandResult,
    PostRef,
    ThreadRef,
    ThreadReply,
)
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)


class FakeTools:
    """Query = words; all must appear in title or abstract; '(' must be closed."""

    def parse(self, text: str) -> list[str]:
        if text.count("(") != text.count(")"):
            col = text.index("(") + 1 if "(" in text else text.index(")") + 1
            raise CommandError(query_error_message(text, f"unbalanced parenthesis at column "
                                                         f"{col}", col))
        return text.lower().replace("(", " ").replace(")", " ").split()

    def canonical(self, query: list[str]) -> str:
        return " AND ".join(query)

    def matches(self, query: list[str], papers: Sequence[Paper]) -> list[tuple[Paper, float]]:
        found = [p for p in papers if all(w in (p.title + " " + p.abstract).lower()
                                          for w in query)]
        return [(p, 1.0) for p in found]

    def warnings(self, query: list[str], papers: Sequence[Paper]) -> list[tuple[str, ...]]:
        out = []
        for word in query:
            share = sum(word in (p.title + p.abstract).lower() for p in papers) / len(papers)
            if share > 0.2:
                out.append((f"{word} appears in {share:.0%} of papers",))
        return out


@dataclass
class FakePost:
    paper_key: str
    topics: tuple[str, ...]
    card_message_id: str | None = "card"
    thread_root_id: str | None = "card"
    prompt_message_id: str | None = "prompt"
    channel_id: str = "C1"


@dataclass
class FakeThreads:
    """ThreadLookup keyed by (platform, channel, root)."""

    posts: dict[tuple[str, str, str], FakePost] = field(default_factory=dict)

    def add(self, post: FakePost, platform: str = "slack") -> FakePost:
        self.posts[(platform, post.channel_id, post.thread_root_id or "")] = post
        return post

    async def find_by_thread(self, platform: str, channel_id: str, root: str) -> FakePost | None:
        return self.posts.get((platform, channel_id, root))

    async def find_by_message(self, platform: str, message_id: str) -> FakePost | None:
        for (plat, _c, _r), post in self.posts.items():
            if plat == platform and message_id in (post.card_message_id, post.prompt_message_id):
                return post
        return None


@dataclass
class FakeDigest:
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    ports: list[Any] = field(default_factory=list)

    async def subscribe(self, platform: str, workspace: str, channel_id: str, actor_id: str,
                        args: str) -> CommandResult:
        self.calls.append(("subscribe", channel_id, actor_id, args))
        return CommandResult((Text(f"subscribed {args}"),), public=True)

    async def unsubscribe(self, platform: str, workspace: str, channel_id: str) -> CommandResult:
        self.calls.append(("unsubscribe", channel_id))
        return CommandResult((Text("unsubscribed"),))

    async def digest_now(self, platform: str, workspace: str, channel_id: str,
                         since: date | None) -> CommandResult:
        self.calls.append(("digest_now", channel_id, since))
        return CommandResult((Text("digest posted"),))

    async def status(self, platform: str, workspace: str, channel_id: str) -> CommandResult:
        self.calls.append(("status", channel_id))
        return CommandResult((Text("all fine"),))

    def register_port(self, port: Any) -> None:
        self.ports.append(port)


@dataclass
class RecordingPort:
    platform: str = "slack"
    reactions: list[tuple[PostRef, str]] = field(default_factory=list)
    posts: list[Message] = field(default_factory=list)
    fail_react: bool = False

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        self.posts.append(message)
        return PostRef(self.platform, channel_id, f"p{len(self.posts)}")

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        return ThreadRef(self.platform, post.channel_id, post.message_id)

    async def react(self, post: PostRef, emoji: str) -> None:
        if self.fail_react:
            raise RuntimeError("platform down")
        self.reactions.append((post, emoji))

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        return None


@dataclass
class Env:
    db: Database
    core: Core
    threads: FakeThreads
    digest: FakeDigest
    port: RecordingPort


async def make_env(tmp_path: Path, *, admins: Sequence[str] = (),
                   papers: Sequence[Paper] = ()) -> Env:
    db = await Database.open(tmp_path / "core.db")
    if papers:
        await PaperStore(db).upsert_papers(list(papers))
    threads, digest, port = FakeThreads(), FakeDigest(), RecordingPort()
    core = Core(Stores.on(db), threads=threads, digest=digest, admins=admins, tools=FakeTools(),
                clock=lambda: NOW)
    core.register_port(port)
    return Env(db, core, threads, digest, port)


def paper(key: str, title: str, abstract: str = "", day: date = date(2024, 11, 28),
          kind: AnnounceType = AnnounceType.NEW) -> Paper:
    return Paper(key=key, title=title, abstract=abstract, arxiv_id=key, version=1,
                 authors=(Author("Ana García"),), categories=("cs.LG",),
                 primary_category="cs.LG", announced=day, announce_type=kind,
                 url=f"https://arxiv.org/abs/{key}")


def cmd(text: str, member: str = "U1", name: str = "ana", channel: str = "C1") -> CommandEvent:
    return CommandEvent("slack", "T1", channel, Actor(member, name), text)


def reply(text: str, message_id: str = "m1", *, root: str = "card", member: str = "U2",
          name: str = "bo", event_id: str | None = None, edited: bool = False,
          is_bot: bool = False, at: datetime = NOW) -> ThreadReply:
    return ThreadReply("slack", "T1", ThreadRef("slack", "C1", root), message_id,
                       Actor(member, name, is_bot), text, at, event_id=event_id, edited=edited)


def body(result: CommandResult) -> str:
    """All text of a reply, for assertions."""
    parts = []
    for m in result.messages:
        assert isinstance(m, Text | File), m
        parts.append(m.body if isinstance(m, Text) else m.filename)
    return "\n".join(parts)
