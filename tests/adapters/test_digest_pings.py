"""How many times a digest pings each member, counted on Slack, Discord and the console.

A real digest (real store and digest service, a fake chat platform keeping the core's messages)
of 10 industry papers: all match Ana's topic, 3 also match Ben's. Each message is rendered by
each platform's renderer and the members it would notify are counted. Each matched member is
pinged exactly once per paper, by the paper's thread prompt; the header and the cards name
topic owners without pinging anyone.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.discord.render import render as render_discord
from adapters.plain import render as render_plain
from adapters.slack.render import render as render_slack
from bot.core.digests.service import DigestSettings
from bot.messages import DigestHeader, Message, PaperCard, ThreadPrompt
from bot.store.db import Database
from bot.store.members import MemberStore
from tests.bot.core.fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    FakeClock,
    FakePlatform,
    FakePort,
    add_topic,
    build_bot,
    paper,
)

FRIDAY_9_BERLIN = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
GDM = "Google DeepMind, London"


def slack_pings(message: Message) -> set[str]:
    """Users a Slack message notifies: every ``<@U…>`` in its text or blocks."""
    out = render_slack(message)
    return set(re.findall(r"<@([UW][A-Z0-9]+)>", out.text + json.dumps(out.blocks)))


def discord_pings(message: Message) -> set[str]:
    """Users a Discord message notifies (its allowed mentions); a visible ``<@id>`` outside
    them would be a mention that silently doesn't ping, so none may appear either."""
    out = render_discord(message)
    allowed = {str(u.id) for u in out.allowed_mentions().users}
    shown = out.content + "".join(json.dumps(e.to_dict()) for e in out.embeds)
    assert set(re.findall(r"<@!?(\d+)>", shown)) == allowed
    return allowed


def console_pings(message: Message) -> set[str]:
    """Members the console shows as ``@name``."""
    return set(re.findall(r"@(\w+)", render_plain(message)))


PLATFORMS: dict[str, tuple[str, str, Callable[[Message], set[str]]]] = {
    "slack": ("U0ANA0001", "U0BEN0002", slack_pings),
    "discord": ("1310000000000000101", "1310000000000000102", discord_pings),
    "console": ("ana", "ben", console_pings),
}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
async def test_a_ten_paper_digest_pings_each_member_once_per_paper(
    db: Database, platform: str
) -> None:
    ana, ben, pings_of = PLATFORMS[platform]
    state = FakePlatform()
    bot = build_bot(db, FakePort(state), FakeClock(FRIDAY_9_BERLIN),
                    settings=DigestSettings(timezone="Europe/Berlin", max_papers=10))
    members = MemberStore(db)
    await members.upsert(PLATFORM, WORKSPACE, ana, "Ana Lima", FRIDAY_9_BERLIN)
    await members.upsert(PLATFORM, WORKSPACE, ben, "Ben Park", FRIDAY_9_BERLIN)
    await add_topic(bot, ana, "diffusion", "diffusion")
    await add_topic(bot, ben, "planning", "planning")
    await bot.papers.upsert_papers([
        paper(f"2611.{i:05d}", f"Diffusion {'planning ' if i < 3 else ''}study {i}",
              "We study it.", affiliations=[GDM])
        for i in range(10)
    ])

    result = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL, date(2026, 11, 19))
    assert result.ok, result

    messages = [p.message for p in state.messages]
    prompts = [m for m in messages if isinstance(m, ThreadPrompt)]
    assert sum(isinstance(m, DigestHeader) for m in messages) == 1
    assert sum(isinstance(m, PaperCard) for m in messages) == 10 and len(prompts) == 10
    pinged = [(type(m).__name__, pings_of(m)) for m in messages]
    assert [who for kind, who in pinged if kind != "ThreadPrompt"] == [set()] * 11
    counts = {member: sum(member in who for _, who in pinged) for member in (ana, ben)}
    assert counts == {ana: 10, ben: 3}
    # The header and the cards still say whose topic matched, by display name.
    header = render_plain(next(m for m in messages if isinstance(m, DigestHeader)))
    assert "diffusion (Ana Lima) 10" in header and "planning (Ben Park) 3" in header
