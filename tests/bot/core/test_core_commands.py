"""Core dispatch: help, admin-only commands, delegation to the digest side, members, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from test_core_support import Env, FakeThreads, body, cmd, make_env

from bot.core.facade import Core
from bot.messages import Text
from bot.ports import CommandResult
from bot.store.members import MemberStore
from bot.store.stores import Stores
from bot.store.topics import TopicStore


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    env = await make_env(tmp_path, admins=("U1",))
    yield env
    await env.db.close()


async def test_help_and_unknown_verbs(env: Env) -> None:
    result = await env.core.handle_command(cmd(""))
    assert result.ok and "/scoop topic add NAME QUERY" in body(result)
    assert "ACRONYMS" in body(await env.core.handle_command(cmd("help topic")))
    unknown = await env.core.handle_command(cmd("topci list"))
    assert not unknown.ok and 'Did you mean "topic list"?' in body(unknown)


async def test_admin_only_commands_are_restricted_when_admins_are_set(env: Env) -> None:
    denied = await env.core.handle_command(cmd("subscribe mon 09:00", member="U2", name="bo"))
    assert not denied.ok and "Only the bot's admins may use /scoop subscribe" in body(denied)
    denied = await env.core.handle_command(cmd("unsubscribe", member="U2", name="bo"))
    assert not denied.ok
    assert env.digest.calls == []
    allowed = await env.core.handle_command(cmd("subscribe mon,thu 09:00 Europe/Berlin"))
    assert allowed.ok and allowed.public
    assert env.digest.calls == [("subscribe", "C1", "U1", "mon,thu 09:00 Europe/Berlin")]


async def test_everyone_may_subscribe_when_no_admins(tmp_path: Path) -> None:
    env = await make_env(tmp_path)
    try:
        result = await env.core.handle_command(cmd("subscribe", member="U9", name="zed"))
        assert result.ok and env.digest.calls == [("subscribe", "C1", "U9", "")]
    finally:
        await env.db.close()


async def test_digest_commands_are_delegated(env: Env) -> None:
    await env.core.handle_command(cmd("digest now since 2024-11-20"))
    await env.core.handle_command(cmd("digest now"))
    await env.core.handle_command(cmd("status"))
    await env.core.handle_command(cmd("unsubscribe"))
    assert env.digest.calls == [("digest_now", "C1", date(2024, 11, 20)),
                                ("digest_now", "C1", None), ("status", "C1"),
                                ("unsubscribe", "C1")]
    assert env.digest.ports == [env.port]


async def test_without_digest_side_digest_commands_explain(tmp_path: Path) -> None:
    env = await make_env(tmp_path)
    core = Core(Stores.on(env.db), threads=FakeThreads())
    try:
        result = await core.handle_command(cmd("digest now"))
        assert not result.ok and "Digests are not available" in body(result)
        labs = await core.handle_command(cmd("labs"))
        assert "not loaded" in body(labs)
    finally:
        await env.db.close()


async def test_labs_uses_the_injected_view(tmp_path: Path) -> None:
    env = await make_env(tmp_path)
    core = Core(Stores.on(env.db), threads=FakeThreads(),
                labs=lambda: CommandResult((Text("Google DeepMind, Meta AI"),)))
    try:
        assert body(await core.handle_command(cmd("labs"))) == "Google DeepMind, Meta AI"
    finally:
        await env.db.close()


async def test_display_names_are_upserted_on_every_command(env: Env) -> None:
    await env.core.handle_command(cmd("help", name="Ana"))
    await env.core.handle_command(cmd("nonsense", name="Ana García"))  # even a bad command
    member = await MemberStore(env.db).get("slack", "T1", "U1")
    assert member is not None and member.display_name == "Ana García"


async def test_hostile_text_stays_plain_and_mentions_nobody(env: Env) -> None:
    result = await env.core.handle_command(
        cmd("topic add ping <!channel> @everyone <@U999> planning", name="<!here>"))
    assert result.ok
    for message in result.messages:
        assert isinstance(message, Text) and message.mentions == ()
    stored = await TopicStore(env.db).get("slack", "T1", "U1", "ping")
    assert stored is not None and stored.query == "<!channel> @everyone <@U999> planning"
    listing = await env.core.handle_command(cmd("topic list all", name="<!here>"))
    assert "@<!here> ping: <!channel> @everyone <@U999> planning" in body(listing)
    assert all(m.mentions == () for m in listing.messages)  # type: ignore[union-attr]


async def test_ambiguous_member_names_ask_for_a_mention(env: Env) -> None:
    await env.core.handle_command(cmd("help", member="U2", name="sam"))
    await env.core.handle_command(cmd("help", member="U3", name="Sam"))
    result = await env.core.handle_command(cmd("topic list @sam"))
    assert not result.ok and "Several members are called @sam" in body(result)


async def test_unexpected_errors_become_a_short_reply(env: Env) -> None:
    async def boom(*args: object) -> CommandResult:
        raise RuntimeError("disk on fire")

    env.core.topics.preview = boom  # type: ignore[method-assign]
    result = await env.core.handle_command(cmd("preview x"))
    assert not result.ok and "something went wrong" in body(result)
    assert "disk on fire" not in body(result)
