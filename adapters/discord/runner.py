"""Starting and stopping the Discord adapter on the bot's event loop.

``start()`` logs in over REST (a bad token fails here), syncs ``/scoop`` when it changed, then
runs ``client.connect()`` as a task on the shared loop and returns once the gateway is ready,
so Discord shares the loop with Slack and the scheduler. Discord closes the gateway (4014)
when the privileged Message Content intent is not enabled for the application: that is
reported with the exact switch to flip instead of a stack trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.http import Route

from adapters.discord.client import ScoopClient
from adapters.discord.interactions import CoreApi
from adapters.discord.port import DiscordPort
from adapters.discord.settings import BAD_TOKEN, DiscordSettings, DiscordStartError
from adapters.discord.sync import sync_tree

if TYPE_CHECKING:
    from bot.config import Config
    from bot.platforms import AppIO

log = logging.getLogger(__name__)

MESSAGE_CONTENT_HELP = (
    "Discord refused the connection: the bot asks for the privileged Message Content intent, "
    "which is not enabled for this application. Open https://discord.com/developers/"
    "applications -> your app -> Bot -> Privileged Gateway Intents, turn on MESSAGE CONTENT "
    "INTENT, save, and restart scoopwatch (without it thread replies cannot become notes)."
)


class DiscordAdapter:
    """The Discord side of the bot: ``port`` for the core, a client for events."""

    name = "discord"

    def __init__(self, core: CoreApi, settings: DiscordSettings, *, answer_within: float = 1.5,
                 connect_timeout: float = 60.0, **client_options: Any) -> None:
        self.settings = settings
        self.client = ScoopClient(core, guild_ids=settings.guild_ids,
                                  answer_within=answer_within,
                                  thread_archive_minutes=settings.thread_archive_minutes,
                                  **client_options)
        self.connect_timeout = connect_timeout
        self._gateway: asyncio.Task[None] | None = None
        self._previous_base: str | None = None

    @property
    def port(self) -> DiscordPort:
        return self.client.port

    @classmethod
    def from_config(cls, config: Config, core: CoreApi, io: AppIO | None = None,
                    **kwargs: Any) -> DiscordAdapter:
        """The adapter entry point (``bot.app.build_adapter``; no process I/O needed)."""
        return cls(core, DiscordSettings.from_config(config), **kwargs)

    async def start(self) -> None:
        """Log in, sync commands if they changed, connect; returns when the gateway is ready."""
        if self.settings.api_url:
            self._previous_base, Route.BASE = Route.BASE, self.settings.api_url.rstrip("/")
        try:
            await self.client.login(self.settings.token)
        except discord.LoginFailure:
            await self.stop()
            raise DiscordStartError(BAD_TOKEN) from None
        if self.settings.sync_on_start:
            await self._sync()
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True),
                                            name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({self._gateway, ready}, timeout=self.connect_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            return
        ready.cancel()
        error = self._gateway.exception() if self._gateway in done else None
        await self.stop()
        if isinstance(error, discord.PrivilegedIntentsRequired):
            log.error(MESSAGE_CONTENT_HELP)
            raise DiscordStartError(MESSAGE_CONTENT_HELP) from None
        if error is not None:
            raise DiscordStartError(f"Discord gateway failed: {error}") from error
        raise DiscordStartError(f"no Discord gateway connection within "
                                f"{self.connect_timeout:.0f}s")

    async def _sync(self) -> None:
        try:
            for line in await sync_tree(self.client.tree, self.settings.guild_ids):
                log.info("Discord commands: %s", line)
        except discord.HTTPException as exc:  # commands stay as they were; events still work
            log.warning("Discord: could not sync /scoop (%s); run `scoopwatch discord sync`",
                        exc)

    async def stop(self, timeout: float = 10.0) -> None:
        """Close the gateway and HTTP session, then let running handlers finish."""
        if not self.client.is_closed():
            await self.client.close()
        if self._gateway is not None:
            gateway, self._gateway = self._gateway, None
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await gateway
        if not await self.client.inflight.wait_idle(timeout):
            log.warning("Discord: %d handlers still running at shutdown",
                        self.client.inflight.busy)
        if self._previous_base is not None:
            Route.BASE, self._previous_base = self._previous_base, None

    @property
    def started(self) -> bool:
        """True once ``start`` connected (``bot.app`` starts adapters before the scheduler)."""
        return self._gateway is not None

    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set (the shape ``bot.app`` runs adapters in)."""
        if not self.started:
            await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
        return 0
