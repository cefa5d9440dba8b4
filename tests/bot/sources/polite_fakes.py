"""Test doubles for the HTTP source clients: fake clock/sleep, scripted transport, fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx

from bot.sources.http import PoliteClient
from tests.fixture_files import fixture_path

CONTACT = "lab-admin@example.org"


def fixture_bytes(*parts: str) -> bytes:
    return fixture_path("/".join(parts)).read_bytes()


class FakeClock:
    """Monotonic clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A transport handler answering requests from a list, recording each request and when."""

    def __init__(self, clock: FakeClock, replies: Iterable[Reply]) -> None:
        self.clock = clock
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock())
        if not self.replies:
            raise AssertionError(f"unexpected request {request.url}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply


def make_client(clock: FakeClock, script: Script, **kwargs: object) -> PoliteClient:
    return PoliteClient(
        contact_email=CONTACT,
        transport=httpx.MockTransport(script),
        clock=clock,
        sleep=clock.sleep,
        **kwargs,  # type: ignore[arg-type]
    )


def xml(
    body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(
        status, content=content, headers={"Content-Type": "application/xml", **(headers or {})}
    )
