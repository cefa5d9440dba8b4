"""Starting and stopping the Slack adapter on the bot's event loop.

Socket Mode (default) uses ``AsyncSocketModeHandler.connect_async()``, which returns once the
WebSocket is up so Slack shares the loop with Discord and the scheduler (``start_async()``
would never return). HTTP mode mounts Bolt on our own aiohttp runner with request signature
verification on (Bolt rejects a bad signature or a timestamp older than five minutes with 401).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from adapters.slack.app import (
    CoreApi,
    SlackHandlers,
    build_bolt_app,
    build_web_client,
)
from adapters.slack.errors import error_code
from adapters.slack.events import EventTranslator
from adapters.slack.pacing import ChannelPacer, Clock, Sleep
from adapters.slack.plugin import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SLACK
from adapters.slack.port import BotIdentity, SlackPort
from adapters.slack.users import UserDirectory
from bot.errors import ConfigError, ScoopwatchError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.platforms import AppIO

log = logging.getLogger(__name__)


class SlackStartError(ScoopwatchError):
    """Slack refused to start (bad token, no Socket Mode connection, port in use)."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """Everything the adapter needs, resolved from ``Config`` by :meth:`from_config`."""

    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    mode: Literal["socket", "http"] = "socket"
    api_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    http_path: str = "/slack/events"

    @classmethod
    def from_config(cls, config: Config) -> SlackSettings:
        """From the ``[slack]`` table and the Slack secrets of ``config``."""
        s = SLACK.settings(config)
        bot = SLACK.secret(config, BOT_TOKEN)
        if bot is None:
            raise ConfigError("slack: a bot token is needed (SCOOPWATCH_SLACK_BOT_TOKEN)")
        app_token = SLACK.secret(config, APP_TOKEN)
        signing = SLACK.secret(config, SIGNING_SECRET)
        settings = cls(
            bot_token=bot.get(), app_token=app_token.get() if app_token else None,
            signing_secret=signing.get() if signing else None, mode=s.mode,
            api_url=str(s.api_url), http_host=s.http_host, http_port=s.http_port,
            http_path=s.http_path,
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.mode == "socket" and not self.app_token:
            raise ConfigError("slack: Socket Mode needs an app-level token "
                              "(SCOOPWATCH_SLACK_APP_TOKEN)")
        if self.mode == "http" and not self.signing_secret:
            raise ConfigError("slack: HTTP mode needs the signing secret "
                              "(SCOOPWATCH_SLACK_SIGNING_SECRET)")


class SlackAdapter:
    """The Slack side of the bot: a ``SlackPort`` for the core and a Bolt app for events."""

    name = "slack"

    def __init__(self, core: CoreApi, settings: SlackSettings, *,
                 sleep: Sleep = asyncio.sleep, clock: Clock = time.monotonic,
                 pace_seconds: float = 1.0, connect_timeout: float = 30.0,
                 ping_interval: float = 10.0) -> None:
        settings.check()
        self.settings = settings
        self.client = build_web_client(settings.bot_token, settings.api_url, sleep=sleep)
        self.port = SlackPort(self.client, ChannelPacer(pace_seconds, clock=clock, sleep=sleep))
        translator = EventTranslator(UserDirectory(self.client))
        self.handlers = SlackHandlers(core, self.port, translator)
        # In socket mode there is no HTTP endpoint; verification stays on regardless.
        self.app = build_bolt_app(self.handlers, self.client,
                                  signing_secret=settings.signing_secret or "")
        self.connect_timeout = connect_timeout
        self.ping_interval = ping_interval
        self.identity: BotIdentity | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.http_port: int | None = None  # the bound port in HTTP mode (config may say 0)

    @classmethod
    def from_config(cls, config: Config, core: CoreApi, io: AppIO | None = None,
                    **kwargs: Any) -> SlackAdapter:
        """The adapter entry point (``bot.app.build_adapter``); Slack needs no process I/O."""
        return cls(core, SlackSettings.from_config(config), **kwargs)

    async def start(self) -> None:
        """Check the bot token, then connect (socket) or listen (http); returns when ready."""
        try:
            self.identity = await self.port.identity()
        except SlackApiError as exc:
            code = error_code(exc)
            if code.startswith("http "):  # an error page, not Slack's verdict on the token
                raise SlackStartError(f"Slack did not answer auth.test ({code}); try again "
                                      "in a few minutes") from None
            raise SlackStartError(f"Slack rejected the bot token: {code} "
                                  "(check SCOOPWATCH_SLACK_BOT_TOKEN)") from None
        log.info("Slack: signed in as %s in %s (%s mode)", self.identity.user_id,
                 self.identity.team or self.identity.team_id, self.settings.mode)
        if self.settings.mode == "socket":
            await self._start_socket()
        else:
            await self._start_http()

    async def _start_socket(self) -> None:
        handler = AsyncSocketModeHandler(self.app, app_token=self.settings.app_token,
                                         web_client=self.client,
                                         ping_interval=self.ping_interval)
        self._socket = handler
        try:  # issue the URL ourselves: a bad app token fails here instead of retrying forever
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
            await asyncio.wait_for(handler.connect_async(), self.connect_timeout)
        except SlackApiError as exc:
            await self.stop()
            raise SlackStartError(f"Slack refused Socket Mode: {error_code(exc)} "
                                  "(check SCOOPWATCH_SLACK_APP_TOKEN and that Socket Mode "
                                  "is enabled for the app)") from None
        except TimeoutError:
            await self.stop()
            raise SlackStartError("no Socket Mode connection within "
                                  f"{self.connect_timeout:.0f}s") from None

    async def _start_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(self.settings.http_path, self._http_request)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.settings.http_host, self.settings.http_port)
        try:
            await site.start()
        except OSError as exc:
            await self.stop()
            raise SlackStartError(f"cannot listen on {self.settings.http_host}:"
                                  f"{self.settings.http_port}: {exc.strerror}") from None
        self.http_port = runner.addresses[0][1]
        log.info("Slack: listening on %s:%s%s", self.settings.http_host, self.http_port,
                 self.settings.http_path)

    async def _http_request(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking events, then give running handlers ``timeout`` seconds to finish."""
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if not await self.handlers.inflight.wait_idle(timeout):
            log.warning("Slack: %d handlers still running at shutdown",
                        self.handlers.inflight.busy)

    @property
    def started(self) -> bool:
        """True once ``start`` connected (``bot.app`` starts adapters before the scheduler)."""
        return self._socket is not None or self._runner is not None

    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set (the shape ``bot.app`` runs adapters in)."""
        if not self.started:
            await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
        return 0
