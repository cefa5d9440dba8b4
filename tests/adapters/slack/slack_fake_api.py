"""An in-loop fake of the Slack Web API (aiohttp on 127.0.0.1, port 0) for adapter tests.

It implements the methods the adapter calls with the shapes Slack returns, records every call,
keeps channel histories (so ``conversations.history`` and threads work; history pages the way
Slack's does: newest first, bounded by ``oldest``/``latest``, ``limit`` per page, an opaque
``next_cursor`` while ``has_more``), enforces the Block Kit limits Slack enforces (answering
``invalid_blocks`` like Slack), hands out permalinks, can answer HTTP 429 with
``Retry-After``, a channel's error (``not_in_channel``, ``is_archived``...) or a raw error
page, serves ``response_url`` posts, the upload URL of ``files_upload_v2``, and a Socket Mode
WebSocket that pushes envelopes and collects their acknowledgements.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.adapters.loopback import LoopbackServer

BOT_TOKEN = "xoxb-1111-2222-testbottoken"
APP_TOKEN = "xapp-1-A0001-3333-testapptoken"
BOT_USER = "UBOT0SW01"
BOT_ID = "BBOT0SW01"
TEAM = "T0LAB0001"


@dataclass
class Call:
    """One Web API call as the fake saw it."""

    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200


@dataclass
class FakeSlack(LoopbackServer):
    """State and recorded traffic of the fake workspace."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    reactions: list[tuple[str, str, str]] = field(default_factory=list)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)
    socket_acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # channel -> the error Slack answers every call about it with (e.g. "not_in_channel")
    channel_errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._limits: dict[str, deque[float]] = defaultdict(deque)
        self._every: dict[str, tuple[int, float]] = {}
        self._counts: dict[str, int] = defaultdict(int)
        self._pages: dict[str, deque[tuple[int, str, str]]] = defaultdict(deque)
        super().__init__()
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.socket_connected = asyncio.Event()
        self.add_user("U0ANA0001", "ana", "Ana Ortiz")
        self.add_user("U0BEN0002", "ben", "Ben Park")

    # --- control -----------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket", self._socket)
        await self.serve(app)
        return self

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.base_url}/respond/{key}"

    def add_user(self, user_id: str, name: str, real_name: str, is_bot: bool = False) -> None:
        self.users[user_id] = {
            "id": user_id, "team_id": TEAM, "name": name, "real_name": real_name,
            "is_bot": is_bot, "profile": {"display_name": name, "real_name": real_name},
        }

    def rate_limit(self, method: str, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429."""
        self._limits[method].extend([retry_after] * times)

    def rate_limit_every(self, method: str, n: int, retry_after: float = 1) -> None:
        """Answer every ``n``-th call of ``method`` with 429."""
        self._every[method] = (n, retry_after)

    def fail_next(self, method: str, status: int, body: str,
                  content_type: str = "text/plain") -> None:
        """Answer the next call of ``method`` with a raw page (a 5xx from Slack or a proxy)."""
        self._pages[method].append((status, body, content_type))

    def calls_of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls
                if c.method == method and (c.status == 200 or not ok_only)]

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a channel (top-level and replies), oldest first."""
        return list(self.messages[channel])

    def new_ts(self) -> str:
        n = next(self._ts)
        return f"{1732800000 + n // 1000}.{n % 1000:06d}"

    def human_message(self, channel: str, user: str, text: str,
                      thread_ts: str | None = None) -> dict[str, Any]:
        """Add a member's message to the history (what Slack stores before the event)."""
        msg = {"type": "message", "user": user, "text": text, "ts": self.new_ts(),
               "team": TEAM}
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self.messages[channel].append(msg)
        return msg

    # --- socket mode -------------------------------------------------------------------------

    async def socket_send(self, envelope: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
        """Push an envelope to the connected client and wait for its acknowledgement."""
        await asyncio.wait_for(self.socket_connected.wait(), timeout)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope["envelope_id"]] = future
        await self._sockets[-1].send_str(json.dumps(envelope))
        return await asyncio.wait_for(future, timeout)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                      "connection_info": {"app_id": "A0001"}}))
        self.socket_connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                env_id = data.get("envelope_id")
                if env_id:
                    self.socket_acks[env_id] = data
                    waiter = self._ack_waiters.pop(env_id, None)
                    if waiter and not waiter.done():
                        waiter.set_result(data)
        self._sockets.remove(ws)
        if not self._sockets:
            self.socket_connected.clear()
        return ws

    # --- HTTP handlers -----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        call = Call(method, args, token)
        self.calls.append(call)
        self._counts[method] += 1
        wait = self._rate_limited(method)
        if wait is not None:
            call.status = 429
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(int(wait))})
        if self._pages[method]:
            status, text, content_type = self._pages[method].popleft()
            call.status = status
            return web.Response(status=status, text=text, content_type=content_type)
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return _err("invalid_auth" if token else "not_authed")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return _err("unknown_method")
        channel = args.get("channel") or args.get("channel_id") or ""
        if channel in self.channel_errors:
            return _err(self.channel_errors[channel])
        return web.json_response(await handler(args))

    def _rate_limited(self, method: str) -> float | None:
        if self._limits[method]:
            return self._limits[method].popleft()
        every = self._every.get(method)
        if every and self._counts[method] % every[0] == 0:
            return every[1]
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.uploads:
            return web.Response(status=404, text="unknown upload")
        self.uploads[file_id]["content"] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[file_id]['content'])}")

    async def _respond(self, request: web.Request) -> web.Response:
        payload = await request.json()
        payload["_key"] = request.match_info["key"]
        self.responses.append(payload)
        return web.Response(text="ok")

    # --- Web API methods ---------------------------------------------------------------------

    async def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://lab.slack.com/", "team": "Lab", "user": "scoopwatch",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    async def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.base_url.replace("http", "ws", 1) + "/socket"}

    async def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    async def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        problem = check_blocks(blocks or [])
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        if not args.get("text"):
            return {"ok": False, "error": "no_text"}
        msg = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": args["text"],
               "blocks": blocks or [], "ts": self.new_ts(), "team": TEAM}
        if args.get("thread_ts"):
            msg["thread_ts"] = args["thread_ts"]
        self.messages[channel].append(msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    async def _m_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel", ""), args.get("timestamp", ""), args.get("name", ""))
        if key in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.append(key)
        return {"ok": True}

    async def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages newest first within (oldest, latest), ``inclusive`` of both
        ends when asked; ``limit`` (at most 999) per page and a cursor to the next page."""
        channel = args.get("channel", "")
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        if args.get("cursor"):
            latest, inclusive_latest = float(_decode_cursor(args["cursor"])), False
        else:
            inclusive_latest = inclusive

        def wanted(ts: float) -> bool:
            above = ts >= oldest if inclusive else ts > oldest
            below = ts <= latest if inclusive_latest else ts < latest
            return above and below

        top = [m for m in self.messages[channel]
               if m.get("thread_ts", m["ts"]) == m["ts"] and wanted(float(m["ts"]))]
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        limit = min(int(args.get("limit") or 100), 999)
        page, more = top[:limit], len(top) > limit
        cursor = _encode_cursor(page[-1]["ts"]) if more else ""
        return {"ok": True, "messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": cursor}}

    async def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel", ""), args.get("ts", "")
        found = [m for m in self.messages[channel]
                 if m["ts"] == ts or m.get("thread_ts") == ts]
        return {"ok": True, "messages": found, "has_more": False}

    async def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """A message's permalink, in the shape Slack gives it (a reply's carries its
        thread); ``message_not_found`` for a ts the channel does not hold."""
        channel, ts = args.get("channel", ""), args.get("message_ts", "")
        found = next((m for m in self.messages[channel] if m["ts"] == ts), None)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://lab.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if found.get("thread_ts", ts) != ts:
            link += f"?thread_ts={found['thread_ts']}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    async def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self.uploads[file_id] = {"filename": args.get("filename"),
                                 "length": int(args.get("length") or 0)}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id}

    async def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(args.get("files") or "[]")
        out = []
        for f in files:
            upload = self.uploads.get(f["id"])
            if upload is None or "content" not in upload:
                return {"ok": False, "error": "file_not_found"}
            upload.update(title=f.get("title"), channel=args.get("channel_id"),
                          thread_ts=args.get("thread_ts"),
                          initial_comment=args.get("initial_comment"))
            out.append({"id": f["id"], "title": f.get("title"), "name": upload["filename"]})
        return {"ok": True, "files": out}


def check_blocks(blocks: list[dict[str, Any]]) -> str | None:
    """The Block Kit limits Slack enforces for the blocks the adapter uses."""
    if len(blocks) > 50:
        return f"too many blocks: {len(blocks)}"
    for i, block in enumerate(blocks):
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        if kind == "header" and (len(text) > 150 or block["text"]["type"] != "plain_text"):
            return f"[{i}] header text too long or not plain_text"
        if kind == "section":
            if len(text) > 3000:
                return f"[{i}] section text longer than 3000: {len(text)}"
            fields = block.get("fields") or []
            if len(fields) > 10 or any(len(f["text"]) > 2000 for f in fields):
                return f"[{i}] bad fields"
            if not text and not fields:
                return f"[{i}] empty section"
        if kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10 or any(len(e["text"]) > 3000 for e in elements):
                return f"[{i}] bad context elements"
    return None


async def _args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(request.query_string))
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    return args


def _encode_cursor(ts: str) -> str:
    """Slack's cursors are opaque base64 (``next_ts:…``); clients only hand them back."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: str) -> str:
    return base64.b64decode(cursor).decode().removeprefix("next_ts:")


def _err(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})
