"""An in-loop fake of Discord's REST API and gateway (aiohttp on 127.0.0.1, port 0).

It serves the routes the adapter reaches through discord.py (create message, start thread
from message, add reaction, channel history, get channel, interaction callback and webhook
follow-ups, application commands, login) with Discord's response shapes, keeps channel
histories and threads, records every call (JSON and multipart bodies, files), answers 429
exactly as Discord does (JSON ``retry_after`` plus ``Retry-After``/``X-RateLimit-*``/``Via``
headers) when told to, and runs a minimal gateway that can say READY or close with 4014.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web
from discord_payloads import (
    ANA,
    APP,
    BOT,
    CHANNEL,
    GUILD,
    TOKEN,
    USERS,
    guild_create,
    iso,
    ready,
    snowflake,
    text_channel,
    thread_channel,
)

from tests.adapters.loopback import LoopbackServer

Json = dict[str, Any]


@dataclass
class Call:
    """One REST call as the fake saw it."""

    route: str
    method: str
    path: str
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass
class FakeDiscord(LoopbackServer):
    """State and recorded traffic of one fake Discord."""

    calls: list[Call] = field(default_factory=list)
    channels: dict[str, Json] = field(default_factory=dict)
    messages: dict[str, list[Json]] = field(default_factory=lambda: defaultdict(list))
    reactions: list[tuple[str, str, str]] = field(default_factory=list)
    commands: dict[str, list[Json]] = field(default_factory=dict)  # "global" / guild id
    gateway_mode: str = "ready"  # or "4014"

    def __post_init__(self) -> None:
        self._limits: dict[str, deque[float]] = defaultdict(deque)
        super().__init__()
        self._pending: dict[int, Call] = {}
        self._errors: dict[str, deque[tuple[int, Json]]] = defaultdict(deque)
        self.identified = asyncio.Event()
        self.channels[text_channel()["id"]] = text_channel(with_guild=True)

    # --- control -----------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._status_recorder])
        r = app.router
        r.add_get("/api/v10/users/@me", self._me, name="me")
        r.add_get("/api/v10/oauth2/applications/@me", self._application, name="application")
        r.add_post("/api/v10/channels/{channel}/messages", self._create_message,
                   name="create_message")
        r.add_get("/api/v10/channels/{channel}/messages", self._history, name="history")
        r.add_get("/api/v10/channels/{channel}", self._get_channel, name="get_channel")
        r.add_post("/api/v10/channels/{channel}/messages/{message}/threads",
                   self._start_thread, name="start_thread")
        r.add_put("/api/v10/channels/{channel}/messages/{message}/reactions/{emoji}/@me",
                  self._add_reaction, name="add_reaction")
        r.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback,
                   name="callback")
        r.add_post("/api/v10/webhooks/{app}/{token}", self._followup, name="followup")
        r.add_patch("/api/v10/webhooks/{app}/{token}/messages/@original", self._edit_original,
                    name="edit_original")
        r.add_delete("/api/v10/webhooks/{app}/{token}/messages/@original",
                     self._delete_original, name="delete_original")
        r.add_route("*", "/api/v10/applications/{app}/commands", self._commands,
                    name="commands")
        r.add_route("*", "/api/v10/applications/{app}/guilds/{guild}/commands",
                    self._commands, name="guild_commands")
        r.add_get("/gateway", self._gateway)
        await self.serve(app)
        return self

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.base_url.removeprefix('http://')}/gateway"

    def rate_limit(self, route: str, times: int = 1, retry_after: float = 0.05) -> None:
        """Answer the next ``times`` calls of ``route`` (e.g. ``create_message``) with 429."""
        self._limits[route].extend([retry_after] * times)

    def fail_next(self, route: str, status: int, body: Json) -> None:
        """Answer the next call of ``route`` with a Discord error (e.g. 404, code 10062)."""
        self._errors[route].append((status, body))

    def calls_of(self, route: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.route == route and (c.status < 400 or not ok_only)]

    def posted(self, channel_id: str) -> list[Json]:
        return list(self.messages[channel_id])

    def add_message(self, channel_id: str, data: Json) -> Json:
        """Put a member's message into the history (what Discord stores before the event)."""
        self.messages[channel_id].append(data)
        return data

    # --- plumbing ----------------------------------------------------------------------------

    @web.middleware
    async def _status_recorder(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Note each call's final status (404, 400 with a Discord error code, 204...)."""
        response = await handler(request)
        call = self._pending.pop(id(request), None)
        if call is not None:
            call.status = response.status
        return response

    async def _record(self, request: web.Request) -> Call | web.Response:
        route = request.match_info.route.name or "?"
        call = Call(route, request.method, request.path, query=dict(request.query))
        if request.content_type == "application/json" and request.can_read_body:
            call.json = await request.json()
        elif request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    call.json = json.loads(await part.text())
                else:
                    call.files.append((part.filename or "", bytes(await part.read())))
        self.calls.append(call)
        self._pending[id(request)] = call
        if route not in ("callback", "followup", "edit_original", "delete_original") and \
                request.headers.get("Authorization") != f"Bot {TOKEN}":
            call.status = 401
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        if self._limits[route]:
            wait = self._limits[route].popleft()
            call.status = 429
            return _too_many(wait)
        if self._errors[route]:
            status, body = self._errors[route].popleft()
            return _json(body, status)
        return call

    # --- REST handlers -----------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        return _json({**USERS[BOT], "verified": True, "mfa_enabled": False,
                                  "locale": "en-US", "email": None})

    async def _application(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        return _json({
            "id": APP, "name": "scoopwatch", "icon": None, "description": "", "summary": "",
            "type": None, "bot_public": False, "bot_require_code_grant": False,
            "verify_key": "0" * 64, "flags": 8953856, "hook": True, "owner": USERS[BOT],
            "team": None, "is_monetized": False, "bot": USERS[BOT],
            "interactions_endpoint_url": None, "redirect_uris": [], "tags": [],
        })

    def _message(self, channel_id: str, body: Json, files: list[tuple[str, bytes]],
                 **extra: Any) -> Json:
        msg_id = snowflake(datetime.now(UTC))
        attachments = [{"id": snowflake(), "filename": name, "size": len(data),
                        "url": f"{self.base_url}/attachments/{msg_id}/{name}",
                        "proxy_url": f"{self.base_url}/attachments/{msg_id}/{name}",
                        "content_type": "text/markdown"} for name, data in files]
        return {
            "type": 0, "content": body.get("content") or "", "mentions": [],
            "mention_roles": [], "attachments": attachments, "embeds": body.get("embeds") or [],
            "timestamp": iso(datetime.now(UTC)), "edited_timestamp": None,
            "flags": body.get("flags") or 0, "components": [], "id": msg_id,
            "channel_id": channel_id, "author": USERS[BOT], "pinned": False,
            "mention_everyone": False, "tts": False, **extra,
        }

    async def _create_message(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        channel_id = request.match_info["channel"]
        msg = self._message(channel_id, call.json or {}, call.files)
        self.messages[channel_id].append(msg)
        return _json(msg)

    async def _history(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        channel_id = request.match_info["channel"]
        if channel_id not in self.channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        limit = min(int(request.query.get("limit", "50")), 100)  # Discord's page is 1-100
        ordered = sorted(self.messages[channel_id], key=lambda m: int(m["id"]))
        if "after" in request.query:
            after = int(request.query["after"])
            page = [m for m in ordered if int(m["id"]) > after][:limit]
            return _json(list(reversed(page)))
        before = int(request.query.get("before", str(1 << 63)))
        page = [m for m in reversed(ordered) if int(m["id"]) < before][:limit]
        return _json(page)

    async def _get_channel(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        return _json(channel)

    async def _start_thread(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        channel_id, message_id = request.match_info["channel"], request.match_info["message"]
        if message_id in self.channels:
            return _json({"message": "A thread has already been created for this "
                                      "message", "code": 160004}, status=400)
        if not any(m["id"] == message_id for m in self.messages[channel_id]):
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        thread = thread_channel(message_id, channel_id, (call.json or {}).get("name", ""))
        self.channels[message_id] = thread
        starter = self._message(message_id, {}, [], type=21,
                                message_reference={"type": 0, "message_id": message_id,
                                                   "channel_id": channel_id, "guild_id": GUILD})
        self.messages[message_id].append(starter)
        return _json(thread, status=201)

    async def _add_reaction(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        channel_id, message_id = request.match_info["channel"], request.match_info["message"]
        if not any(m["id"] == message_id for m in self.messages[channel_id]):
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        self.reactions.append((channel_id, message_id, request.match_info["emoji"]))
        return web.Response(status=204)

    async def _callback(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        body = call.json or {}
        data = body.get("data") or {}
        interaction = {"id": request.match_info["id"], "type": 2,
                       "response_message_loading": body.get("type") == 5,
                       "response_message_ephemeral": bool((data.get("flags") or 0) & 64)}
        resource: Json = {"type": body.get("type")}
        if body.get("type") == 4:
            msg = self._message(CHANNEL, data, call.files,
                                interaction_metadata={
                                    "id": interaction["id"], "type": 2, "user": USERS[ANA],
                                    "authorizing_integration_owners": {"0": GUILD}})
            interaction["response_message_id"] = msg["id"]
            resource["message"] = msg
        return _json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        return _json(self._message(CHANNEL, call.json or {}, call.files,
                                               webhook_id=APP, application_id=APP))

    async def _edit_original(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        return _json(self._message(CHANNEL, call.json or {}, call.files,
                                               webhook_id=APP, application_id=APP))

    async def _delete_original(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        return web.Response(status=204)

    async def _commands(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if isinstance(call, web.Response):
            return call
        where = request.match_info.get("guild", "global")
        if request.method == "PUT":
            self.commands[where] = [
                {**c, "id": snowflake(), "application_id": APP, "version": snowflake(),
                 **({"guild_id": where} if where != "global" else {})}
                for c in call.json or []]
        return _json(self.commands.get(where, []))

    # --- gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        seq = 0
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data.get("op") == 1:
                await ws.send_str(json.dumps({"op": 11}))
            if data.get("op") != 2:
                continue
            self.identified.set()
            self.identify = data["d"]
            if self.gateway_mode == "4014":
                await ws.close(code=4014, message=b"Disallowed intent(s).")
                break
            for event, payload in (("READY", ready([GUILD], self.gateway_url)),
                                   ("GUILD_CREATE", guild_create())):
                seq += 1
                await ws.send_str(json.dumps({"op": 0, "t": event, "s": seq, "d": payload}))
        self._sockets.remove(ws)
        return ws


def _too_many(retry_after: float) -> web.Response:
    """A 429 as Discord sends it for a per-route bucket."""
    now = datetime.now(UTC).timestamp()
    headers = {
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{now + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": "80c17d2f203122d936070c88c8d10f33",
        "X-RateLimit-Scope": "user", "Via": "1.1 google",
    }
    body = {"message": "You are being rate limited.", "retry_after": retry_after,
            "global": False, "code": 0}
    return _json(body, status=429, headers=headers)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON exactly as Discord labels it (discord.py checks ``Content-Type`` verbatim)."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})
