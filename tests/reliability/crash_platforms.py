"""Slack, Discord and the console as the crash-point suite drives them (no tests here).

Each keeps what the chat holds across the bot's lives (the wire-level fake, or the
console's terminal) and says what a member saw: cards by title, headers, the bot's posts in
each paper thread (prompts and reminders), the member's reply in each thread she answers and
the ✅ on it. She closes one thread as no concern: a ✋ on its card on Slack and Discord,
``/scoop snooze`` in the thread on the console (sent again after a kill: the first closure
is kept). A member replies once per thread; a reply the bot was killed before keeping is sent
again with the same ids (Slack retries an event it got no acknowledgement for; on Discord and
the console the same message is handed over again), and a reply that was kept may be sent
again too (a platform delivers at least once): either way it must end as one note with one ✅.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

sys.path[:0] = [str(Path(__file__).parents[1] / "adapters" / name)
                for name in ("slack", "discord") if str(Path(__file__).parents[1] / "adapters"
                                                        / name) not in sys.path]

import yarl  # noqa: E402
from discord.gateway import DiscordWebSocket  # noqa: E402
from discord.http import Route  # noqa: E402
from discord_fake_api import FakeDiscord  # noqa: E402
from discord_payloads import ANA as DISCORD_ANA  # noqa: E402
from discord_payloads import BOT as DISCORD_BOT  # noqa: E402
from discord_payloads import CHANNEL as DISCORD_CHANNEL  # noqa: E402
from discord_payloads import GUILD, TOKEN, guild_create, message, reaction_add  # noqa: E402
from slack_fake_api import BOT_TOKEN, BOT_USER, TEAM, FakeSlack  # noqa: E402
from slack_helpers import FastSleep  # noqa: E402
from slack_payloads import (  # noqa: E402
    SIGNING_SECRET,
    event_callback,
    reaction_added,
    sign,
    thread_reply,
)

from adapters.console.chat import CHANNEL as CONSOLE_CHANNEL  # noqa: E402
from adapters.console.chat import ConsolePort  # noqa: E402
from adapters.discord.client import ScoopClient  # noqa: E402
from adapters.slack.runner import SlackAdapter, SlackSettings  # noqa: E402
from bot.core.facade import Core  # noqa: E402
from bot.core.notes.inbox import NotKept, NotYetProcessed  # noqa: E402
from bot.ports import (  # noqa: E402
    Actor,
    ChatPort,
    CommandEvent,
    ThreadRef,
    ThreadReply,
)
from bot.store.stores import Stores  # noqa: E402
from tests.bot.core.fakes_digest import Crash, FakeClock  # noqa: E402

REPLY = "Our sampler needs no teacher model; theirs distils from one."
QUESTION = "How does our work differ?"
REMINDER = "A gentle reminder"
SLACK_CHANNEL = "C0DIGEST1"
SLACK_ANA = "U0ANA0001"


class SlackLab:
    """The fake Slack Web API, and the Slack adapter in HTTP mode against it."""

    name, workspace, channel, member = "slack", TEAM, SLACK_CHANNEL, SLACK_ANA

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.adapter: SlackAdapter | None = None
        self.sent: dict[str, tuple[str, str]] = {}  # root -> (reply ts, event id)

    async def connect(self, core: Core, stores: Stores, clock: FakeClock) -> ChatPort:
        settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET,
                                 mode="http", api_url=self.fake.api_url,
                                 http_host="127.0.0.1", http_port=0)
        self.adapter = SlackAdapter(core, settings, sleep=FastSleep())
        await self.adapter.start()
        return self.adapter.port

    async def disconnect(self) -> None:
        if self.adapter is not None:
            adapter, self.adapter = self.adapter, None
            await adapter.stop(timeout=1)

    async def reply(self, root: str, core: Core) -> None:
        """Ana's reply in ``root``'s thread as a signed Events API request (its first
        delivery, or Slack's retry with the same event id)."""
        assert self.adapter is not None
        if root not in self.sent:
            msg = self.fake.human_message(self.channel, SLACK_ANA, REPLY, thread_ts=root)
            self.sent[root] = (msg["ts"], f"Ev{msg['ts'].replace('.', '')}")
        ts, event_id = self.sent[root]
        await self._deliver(event_callback(thread_reply(SLACK_ANA, REPLY, ts, root), event_id))

    async def snooze(self, root: str, core: Core) -> None:
        """Ana's ✋ on the card (``raised_hand``), with the same event id when redelivered."""
        event = reaction_added(SLACK_ANA, "raised_hand", root, channel=self.channel)
        await self._deliver(event_callback(event, f"EvHand{root.replace('.', '')}"))

    async def _deliver(self, payload: dict[str, Any]) -> None:
        """One signed Events API request; a bot that dies with it sends no acknowledgement,
        so Slack retries (the suite sends it again in the next life)."""
        assert self.adapter is not None
        body = json.dumps(payload)
        url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
        headers = {"Content-Type": "application/json", **sign(body)}
        try:
            async with aiohttp.ClientSession() as session, session.post(
                    url, data=body.encode(), headers=headers) as resp:
                await resp.read()
        except aiohttp.ClientError:
            pass  # the bot died with the request: no acknowledgement, Slack retries

    async def settle(self, core: Core) -> None:
        if self.adapter is not None:
            await self.adapter.handlers.inflight.wait_idle(5)
        await core.inbox.idle()

    def _top(self) -> list[dict[str, Any]]:
        return [m for m in self.fake.posted(self.channel) if "thread_ts" not in m]

    def card_titles(self) -> list[str]:
        return [m["text"].split(" (")[0] for m in self._top()
                if not m["text"].startswith("scoopwatch digest")]

    def headers(self) -> int:
        return sum(m["text"].startswith("scoopwatch digest") for m in self._top())

    async def roots(self) -> list[str]:
        return [m["ts"] for m in self._top() if not m["text"].startswith("scoopwatch digest")]

    def prompts_in(self, root: str) -> int:
        return self._bot_in(root, QUESTION)

    def reminders_in(self, root: str) -> int:
        return self._bot_in(root, REMINDER)

    def _bot_in(self, root: str, text: str) -> int:
        return sum(m.get("thread_ts") == root and m["user"] == BOT_USER and text in m["text"]
                   for m in self.fake.posted(self.channel))

    def replies(self) -> dict[str, str]:
        return {root: ts for root, (ts, _event) in self.sent.items()}

    def checks_on(self, reply_id: str) -> int:
        return sum(r == (self.channel, reply_id, "white_check_mark") for r in self.fake.reactions)


class DiscordLab:
    """The fake Discord (REST), and a logged-in ``ScoopClient`` fed gateway payloads."""

    name, workspace, channel, member = "discord", GUILD, DISCORD_CHANNEL, DISCORD_ANA

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.client: ScoopClient | None = None
        self.sent: dict[str, dict[str, Any]] = {}  # thread id -> Ana's message

    @staticmethod
    def point_at(fake: FakeDiscord, patch: Any) -> None:
        patch.setattr(Route, "BASE", fake.api_base)
        patch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))

    async def connect(self, core: Core, stores: Stores, clock: FakeClock) -> ChatPort:
        self.client = ScoopClient(core)
        await self.client.login(TOKEN)
        threads = [self.fake.channels[root] for root in await self.roots()]
        self.client._connection.parse_guild_create(guild_create(threads))
        return self.client.port

    async def disconnect(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            await client.close()

    async def reply(self, root: str, core: Core) -> None:
        assert self.client is not None
        if root not in self.sent:
            self.client._connection.parse_thread_create(
                {**self.fake.channels[root], "newly_created": True})
            data = message(root, DISCORD_ANA, REPLY, in_thread=True,
                           at=datetime(2024, 11, 28, 8, 31, tzinfo=UTC))
            self.sent[root] = self.fake.add_message(root, data)
        self.client._connection.parse_message_create(self.sent[root])
        await asyncio.sleep(0.01)  # discord.py runs on_message as a task

    async def snooze(self, root: str, core: Core) -> None:
        """Ana's ✋ on the card (the gateway's MESSAGE_REACTION_ADD, again after a kill)."""
        assert self.client is not None
        self.client._connection.parse_message_reaction_add(
            reaction_add(root, DISCORD_ANA, "✋", channel_id=self.channel))
        await asyncio.sleep(0.01)

    async def settle(self, core: Core) -> None:
        await asyncio.sleep(0.05)
        await core.inbox.idle()

    def _cards(self) -> list[dict[str, Any]]:
        return [m for m in self.fake.posted(self.channel) if m["embeds"]
                and not m["embeds"][0]["title"].startswith("scoopwatch digest")]

    def card_titles(self) -> list[str]:
        return [m["embeds"][0]["title"] for m in self._cards()]

    def headers(self) -> int:
        return sum(bool(m["embeds"]) and m["embeds"][0]["title"].startswith("scoopwatch digest")
                   for m in self.fake.posted(self.channel))

    async def roots(self) -> list[str]:
        return [m["id"] for m in self._cards() if m["id"] in self.fake.channels]

    def prompts_in(self, root: str) -> int:
        return self._bot_in(root, QUESTION)

    def reminders_in(self, root: str) -> int:
        return self._bot_in(root, REMINDER)

    def _bot_in(self, root: str, text: str) -> int:
        return sum(m["type"] == 0 and m["author"]["id"] == DISCORD_BOT and text in str(
            [m["content"], m["embeds"]]) for m in self.fake.posted(root))

    def replies(self) -> dict[str, str]:
        return {root: data["id"] for root, data in self.sent.items()}

    def checks_on(self, reply_id: str) -> int:
        """The ✅s the member sees: Discord keeps one reaction per user and emoji (adding it
        again is a no-op PUT), so a ✅ given again after a kill is still one."""
        return len({(c, m) for c, m, e in self.fake.reactions if m == reply_id and e == "✅"})


CARD_LINE = re.compile(r"^#\d+ (.+)\n(?:  https?://\S+\n)?  Labs: ", flags=re.MULTILINE)


class ConsoleLab:
    """The console: one terminal across lives, its posts kept in the store for recovery."""

    name, workspace, channel, member = "console", "local", CONSOLE_CHANNEL, "you"

    def __init__(self) -> None:
        self.terminal = io.StringIO()
        self.port: ConsolePort | None = None
        self.sent: dict[str, str] = {}

    async def connect(self, core: Core, stores: Stores, clock: FakeClock) -> ChatPort:
        self.port = ConsolePort(self.terminal, local_posts=stores.local_posts, clock=clock)
        self.stores = stores
        return self.port

    async def disconnect(self) -> None:
        self.port = None

    async def reply(self, root: str, core: Core) -> None:
        """The member's reply in ``root``'s thread, kept and processed at once as the console
        does (``reply N TEXT``), with the same message id when handed over again."""
        self.sent.setdefault(root, f"you.{root}")
        event = ThreadReply("console", self.workspace, ThreadRef("console", self.channel, root),
                            self.sent[root], Actor(self.member, self.member), REPLY,
                            datetime(2024, 11, 28, 8, 31, tzinfo=UTC),
                            event_id=f"console:{self.sent[root]}")
        with contextlib.suppress(NotKept, NotYetProcessed):  # the member sees why
            await core.handle_thread_reply(event)

    async def snooze(self, root: str, core: Core) -> None:
        """``reply N /scoop snooze``: the command run in the thread, its answer printed."""
        assert self.port is not None
        event = CommandEvent("console", self.workspace, self.channel,
                             Actor(self.member, self.member), "/scoop snooze",
                             ThreadRef("console", self.channel, root))
        for answer in (await core.handle_command(event)).messages:
            await self.port.post(self.channel, answer)

    async def settle(self, core: Core) -> None:
        await core.inbox.idle()

    def card_titles(self) -> list[str]:
        return CARD_LINE.findall(self.terminal.getvalue())

    def headers(self) -> int:
        return len(re.findall(r"^#\d+ Digest for ", self.terminal.getvalue(),
                              flags=re.MULTILINE))

    async def roots(self) -> list[str]:
        """The cards the console recorded (what recovery and the member go by)."""
        rows = await self.stores.local_posts.db.conn.execute_fetchall(
            "SELECT message_id FROM local_posts WHERE thread_root_id IS NULL"
            " AND marker LIKE 'sw:paper:%' ORDER BY rowid")
        return [r[0] for r in rows]

    def prompts_in(self, root: str) -> int:
        return -1  # the console prints no thread ids: counted over all threads instead

    def reminders_in(self, root: str) -> int:
        return -1  # as prompts: see reminders()

    def reminders(self) -> int:
        return self.terminal.getvalue().count(REMINDER)

    def prompts(self) -> int:
        return self.terminal.getvalue().count(QUESTION)

    def replies(self) -> dict[str, str]:
        return dict(self.sent)

    def checks_on(self, reply_id: str) -> int:
        return -1  # counted over all replies instead

    def checks(self) -> int:
        return self.terminal.getvalue().count("✓ note stored")


__all__ = ["ConsoleLab", "Crash", "DiscordLab", "SlackLab"]
