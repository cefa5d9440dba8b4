"""The Bolt app: ``/scoop``, message shortcuts, thread messages and reactions, wired to the core.

Bolt runs with ``process_before_response``: Slack's acknowledgement (the HTTP answer, or the
Socket Mode ack) goes out when the listener returns. A thread message or reaction is handed to
the core's inbox (``CoreApi.receive``, one short insert) first, so Slack is told "received"
only once the event is durable, and a redelivery is kept once; if the listener fails, Slack is
not acknowledged and sends it again. ``/scoop`` acknowledges at once and runs as a lazy
listener, so a slow command (a digest posting twenty cards) never misses Slack's 3-second
window; answers go through ``respond()`` (ephemeral unless the core marks the result public).
``/scoop`` is for channels, as on Discord (where the command is server-only): typed in a direct
message it is answered with where to use it instead, since a DM has no digest to subscribe and
no paper threads. Every
value Bolt needs is passed explicitly, and Bolt's ``SLACK_*`` environment fallbacks are
hidden while it is built, so a stray ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` cannot turn
the app into an OAuth app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.inflight import Inflight
from adapters.slack.errors import error_code
from adapters.slack.events import EventTranslator
from adapters.slack.pacing import Sleep, retry_handlers
from adapters.slack.port import SlackPort
from adapters.slack.render import BLOCKS_MAX, SlackMessage, fallback_text, render
from bot.config import environment_without
from bot.errors import ChannelUnavailable
from bot.messages import File, Text
from bot.ports import CommandResult, CoreApi

log = logging.getLogger(__name__)

COMMAND = "/scoop"
BOT_SCOPES = ("commands", "chat:write", "channels:history", "groups:history", "reactions:write",
              "reactions:read", "files:write", "users:read")
BOT_EVENTS = ("message.channels", "message.groups", "reaction_added", "reaction_removed")
MAX_RESPONSES = 5  # Slack accepts five uses of one response_url
# Message shortcuts (the ⋯ menu of a message) and the command each runs on the message's
# thread: Slack runs no slash command inside a thread, so this is how /scoop snooze reaches
# one. Declared under features.shortcuts in both manifests.
SHORTCUTS = {"scoop_snooze": "snooze"}
SORRY = "Sorry, something went wrong handling that command; it was logged."
CHANNELS_ONLY = ("/scoop works in channels only: use it in the channel that gets the digests "
                 "(invite the bot there first with /invite @scoopwatch).")

Respond = Callable[..., Awaitable[Any]]


def build_web_client(token: str, api_url: str, *, sleep: Sleep = asyncio.sleep,
                     timeout: int = 30) -> AsyncWebClient:
    """The Web API client: configurable base URL (proxy, fake), 429 and connection retries."""
    base = api_url if api_url.endswith("/") else api_url + "/"
    return AsyncWebClient(token=token, base_url=base, timeout=timeout,
                          retry_handlers=retry_handlers(sleep))


class SlackHandlers:
    """Bolt listeners: translate, call the core, render its answer."""

    def __init__(self, core: CoreApi, port: SlackPort, translator: EventTranslator) -> None:
        self.core = core
        self.port = port
        self.translator = translator
        self.inflight = Inflight()

    async def ack_command(self, ack: Callable[..., Awaitable[Any]]) -> None:
        """Acknowledge ``/scoop`` at once; :meth:`on_command` runs it afterwards."""
        await ack()

    async def on_command(self, body: dict[str, Any], respond: Respond) -> None:
        async with self.inflight.track():
            if is_direct_message(body):
                await _respond(respond, render(Text(CHANNELS_ONLY)), "ephemeral")
                return
            try:
                event = await self.translator.command(body)
                result = await self.core.handle_command(event)
            except Exception:
                log.exception("/scoop failed: %r", (body.get("text") or "")[:200])
                result = CommandResult((Text(SORRY),), ok=False)
            await self.answer(result, body.get("channel_id") or "", respond)

    async def on_shortcut(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any],
                          respond: Respond) -> None:
        """A message shortcut: the command it stands for, run on the message's thread; the
        answer goes to whoever chose it, like a command's."""
        async with self.inflight.track():
            await ack()
            try:
                event = await self.translator.shortcut(body, SHORTCUTS[body["callback_id"]])
                result = await self.core.handle_command(event)
            except Exception:
                log.exception("shortcut %r failed", body.get("callback_id"))
                result = CommandResult((Text(SORRY),), ok=False)
            await self.answer(result, (body.get("channel") or {}).get("id") or "", respond)

    async def answer(self, result: CommandResult, channel_id: str, respond: Respond) -> None:
        """Render a CommandResult: messages via ``respond()``, files uploaded to the channel."""
        response_type = "in_channel" if result.public else "ephemeral"
        rendered = [render(m) for m in result.messages if not isinstance(m, File)]
        for message in batch_messages(rendered)[:MAX_RESPONSES]:
            await _respond(respond, message, response_type)
        for file in (m for m in result.messages if isinstance(m, File)):
            try:
                await self.port.upload(channel_id, file)
                continue
            except ChannelUnavailable as exc:
                note = Text(f"I could not upload {file.filename} here: "
                            f"{exc.reason.description}. {exc.fix}")
            except SlackApiError as exc:
                log.warning("upload of %s to %s failed: %s", file.filename, channel_id,
                            error_code(exc))
                note = Text(f"Slack did not take {file.filename} just now; please try again "
                            "in a minute.")
            await _respond(respond, render(note), "ephemeral")

    async def on_message(self, body: dict[str, Any], request: AsyncBoltRequest) -> None:
        await self._event(body, request, self._message)

    async def on_reaction(self, body: dict[str, Any], request: AsyncBoltRequest) -> None:
        await self._event(body, request, self._reaction)

    async def _event(self, body: dict[str, Any], request: AsyncBoltRequest,
                     keep: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Keep the event in the core's inbox before Bolt acknowledges it (the listener's
        return is the acknowledgement). A failure propagates: Bolt answers 500 (no Socket
        Mode ack) and Slack delivers the event again; a redelivery of a kept event is kept
        once by the inbox."""
        async with self.inflight.track():
            try:
                await keep(body)
            except Exception:
                retry = request.headers.get("x-slack-retry-num") or ["0"]
                log.exception("event %s (retry %s) not kept; Slack will send it again",
                              body.get("event_id"), retry[0])
                raise

    async def _message(self, body: dict[str, Any]) -> None:
        event = await self.translator.message(body)
        if event is not None:
            await self.core.receive(event)

    async def _reaction(self, body: dict[str, Any]) -> None:
        event = await self.translator.reaction(body)
        if event is not None and not event.actor.is_bot:
            await self.core.receive(event)


def is_direct_message(body: dict[str, Any]) -> bool:
    """A slash command typed in a DM or group DM (ids ``D…``; names Slack gives them)."""
    channel_id, name = body.get("channel_id") or "", body.get("channel_name") or ""
    return channel_id.startswith("D") or name == "directmessage" or name.startswith("mpdm-")


def batch_messages(messages: Sequence[SlackMessage]) -> list[SlackMessage]:
    """Join rendered messages into as few responses as the 50-block limit allows."""
    out: list[SlackMessage] = []
    texts: list[str] = []
    blocks: list[dict[str, Any]] = []
    for msg in messages:
        extra = len(msg.blocks) + (1 if blocks else 0)
        if blocks and len(blocks) + extra > BLOCKS_MAX:
            out.append(SlackMessage(fallback_text(*texts, sep="\n"), blocks))
            texts, blocks = [], []
        if blocks:
            blocks.append({"type": "divider"})
        blocks += msg.blocks
        texts.append(msg.text)
    if blocks:
        out.append(SlackMessage(fallback_text(*texts, sep="\n"), blocks))
    return out


async def _respond(respond: Respond, message: SlackMessage, response_type: str) -> None:
    try:
        resp = await respond(text=message.text, blocks=message.blocks,
                             response_type=response_type, unfurl_links=False,
                             unfurl_media=False)
    except Exception:
        log.exception("respond() failed")
        return
    status = getattr(resp, "status_code", 200)
    if status != 200:
        log.warning("respond() answered %s: %s", status, getattr(resp, "body", ""))


def build_bolt_app(handlers: SlackHandlers, client: AsyncWebClient, *,
                   signing_secret: str, command: str = COMMAND) -> AsyncApp:
    """A single-workspace Bolt app: our client and token, no OAuth, verification on."""
    with environment_without("SLACK_"):  # Bolt reads SLACK_* fallbacks (e.g. OAuth)
        app = AsyncApp(
            name="scoopwatch", client=client, signing_secret=signing_secret,
            installation_store=None, oauth_settings=None, oauth_flow=None, authorize=None,
            request_verification_enabled=True, process_before_response=True,
            verification_token=None,
        )
    if app.oauth_flow is not None or app.installation_store is not None:
        raise RuntimeError("Bolt switched to OAuth mode; scoopwatch runs single-workspace")
    app.command(command)(ack=handlers.ack_command, lazy=[handlers.on_command])
    app.event("message")(handlers.on_message)
    app.event("reaction_added")(handlers.on_reaction)
    app.event("reaction_removed")(handlers.on_reaction)  # the same payload: undoes feedback
    for callback_id in SHORTCUTS:
        app.shortcut(callback_id)(handlers.on_shortcut)
    return app
