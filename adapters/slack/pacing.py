"""Staying inside Slack's rate limits: one post per second per channel, and honouring 429s.

Slack allows about one message per second per channel (bursts are tolerated briefly, then
answered with HTTP 429 and ``Retry-After``). The pacer spaces posts to one channel while
different channels proceed concurrently; the retry handler waits ``Retry-After`` and sends
the same request again, which is safe because Slack did not post a rate-limited message.
Clock and sleep are injectable so tests run a 200-post digest in milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class ChannelPacer:
    """Serialises posts per channel and keeps ``interval`` seconds between them."""

    def __init__(self, interval: float = 1.0, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, channel: str) -> AsyncIterator[None]:
        """Hold the channel for one post; waits until the channel's next free moment."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            wait = self._next.get(channel, 0.0) - self._clock()
            if wait > 0:
                await self._sleep(wait)
            try:
                yield
            finally:
                self._next[channel] = self._clock() + self.interval


def retry_after(response: HttpResponse, default: float = 1.0) -> float:
    """Seconds from a ``Retry-After`` header (Slack sends whole seconds)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            raw = values[0] if isinstance(values, list) else values
            try:
                return max(0.0, float(raw))
            except ValueError:
                break
    return default


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler with an injectable sleep and no jitter (tests, predictability)."""

    def __init__(self, max_retry_count: int = 8, *, sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def prepare_for_next_attempt_async(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate-limit retry without a response")
        state.next_attempt_requested = True
        seconds = retry_after(response)
        log.info("Slack rate limit on %s: waiting %.1fs (attempt %d)", request.url, seconds,
                 state.current_attempt + 1)
        await self._sleep(seconds)
        state.increment_current_attempt()


def retry_handlers(sleep: Sleep = asyncio.sleep, rate_limit_retries: int = 8,
                   connection_retries: int = 2) -> list[AsyncRetryHandler]:
    """The Web API client's retry policy: 429s (Retry-After) and dropped connections."""
    return [RateLimitRetry(rate_limit_retries, sleep=sleep),
            AsyncConnectionErrorRetryHandler(max_retry_count=connection_retries)]
