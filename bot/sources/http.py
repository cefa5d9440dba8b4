"""One polite HTTP client for every source: spacing, retries, conditional GET, safe logs.

arXiv asks for at most one request every 3 s over one connection and a descriptive
User-Agent; OpenAlex meters by key. Keeping all of that in one wrapper means no source can
forget it, and tests drive it with a fake transport, clock and sleep (no real waiting).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import NamedTuple, Protocol

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential

from bot.errors import SourceError
from bot.log_redaction import protect_logs

logger = logging.getLogger(__name__)

# 501 (Not Implemented) is not transient, so it is not retried.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_RETRY_EXCEPTIONS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# Longest suffix wins: "arxiv.org" covers export., rss. and oaipmh.arxiv.org.
DEFAULT_MIN_INTERVAL: Mapping[str, float] = {"arxiv.org": 3.0, "api.openalex.org": 0.1}
_SECRET_PARAM = re.compile(r"([?&])api_key=[^&#\s\"']*&?", re.IGNORECASE)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def _project_version() -> str:
    try:
        return ".".join(version("scoopwatch").split(".")[:2])
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.1"


def redact(text: str) -> str:
    """Remove ``api_key=...`` query parameters from a URL: the form kept as a cache key and
    shown in errors. (Logs are covered for every secret by ``bot.log_redaction``.)"""

    def _keep_separator(m: re.Match[str]) -> str:
        return m.group(1) if m.group(0).endswith("&") else ""

    return _SECRET_PARAM.sub(_keep_separator, text)


class Validators(NamedTuple):
    """HTTP cache validators of one URL, sent back as If-None-Match / If-Modified-Since."""

    etag: str | None
    last_modified: str | None


class ValidatorStore(Protocol):
    """Persistence hook so ETag/Last-Modified survive restarts (the store's source_state)."""

    async def get_validators(self, url: str) -> Validators | None: ...

    async def set_validators(
        self, url: str, etag: str | None, last_modified: str | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A final response: any status that is not retried is handed back for the caller to judge.

    ``url`` is already redacted. ``validators`` are what the server sent; they are only
    remembered when the caller calls :meth:`PoliteClient.remember` after parsing succeeded,
    so a broken body is never "cached" behind a 304.
    """

    url: str
    status: int
    content: bytes
    headers: httpx.Headers
    attempts: int
    not_modified: bool = False
    validators: Validators | None = None

    @property
    def host(self) -> str:
        return httpx.URL(self.url).host

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 or self.not_modified

    def raise_for_status(self) -> None:
        """Raise SourceError naming host, status and attempts for anything but 2xx/304."""
        if not self.ok:
            raise SourceError(
                f"{self.host}: HTTP {self.status} after {self.attempts} attempt(s) ({self.url})",
                summary=f"answered HTTP {self.status}",
            )


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response, retry_after: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = retry_after


_RETRYABLE = (_RetryableStatus, *_RETRY_EXCEPTIONS)


def parse_retry_after(value: str | None, date_header: str | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent.

    An HTTP date is measured against the response's own Date header when present, so a
    skewed local clock does not matter.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        now = parsedate_to_datetime(date_header) if date_header else datetime.now(UTC)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


class PoliteClient:
    """Wrapper over one ``httpx.AsyncClient`` that every source must use.

    Per host: one request at a time (an ``asyncio.Lock`` held for a whole request including
    its retries, so a Retry-After pause also holds back the other requests to that host) and a
    minimum spacing between request starts. Retries 429/5xx, timeouts and connection errors
    with exponential backoff, honouring Retry-After up to ``max_retry_after``.
    """

    def __init__(
        self,
        *,
        contact_email: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        timeout: float = 30.0,
        max_attempts: int = 4,
        backoff_base: float = 2.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        min_interval: Mapping[str, float] | None = None,
        default_interval: float = 1.0,
        validator_store: ValidatorStore | None = None,
    ) -> None:
        if contact_email is not None and "@" not in contact_email:
            raise ValueError(f"contact_email must be an e-mail address, got {contact_email!r}")
        # arXiv and OpenAlex ask for a contact; without one (defaults) we still name the project.
        contact = f"; mailto:{contact_email}" if contact_email else ""
        self.user_agent = (
            f"scoopwatch/{_project_version()} (+https://github.com/scoopwatch{contact})"
        )
        self.clock = clock
        self.sleep = sleep
        self.max_attempts = max_attempts
        self._backoff = wait_exponential(multiplier=backoff_base, max=backoff_max)
        self._max_retry_after = max_retry_after
        self._intervals = dict(DEFAULT_MIN_INTERVAL if min_interval is None else min_interval)
        self._default_interval = default_interval
        self._store = validator_store
        self._validators: dict[str, Validators] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": self.user_agent},
            follow_redirects=True,
        )
        # httpx and httpcore log URLs and headers (a redirect's Location carries the key):
        # make sure every handler redacts credentials before the first request.
        protect_logs()

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def interval_for(self, host: str) -> float:
        """Minimum seconds between request starts to ``host`` (longest matching suffix)."""
        matches = [k for k in self._intervals if host == k or host.endswith("." + k)]
        return self._intervals[max(matches, key=len)] if matches else self._default_interval

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        conditional: bool = False,
        retry_statuses: Collection[int] = RETRY_STATUSES,
    ) -> FetchResult:
        """GET with spacing and retries; returns any non-retried status (e.g. 400 with body).

        ``conditional=True`` sends the remembered ETag/Last-Modified; a 304 comes back as
        ``not_modified=True`` with empty content. ``retry_statuses`` narrows which statuses are
        retried (a metered API's 429 for a spent daily allowance will not clear in minutes).
        Raises SourceError once retries are spent.
        """
        full = httpx.URL(url, params=params) if params else httpx.URL(url)
        shown = redact(str(full))
        host = full.host
        headers = await self._conditional_headers(shown) if conditional else {}
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            response, attempts = await self._get_with_retries(full, headers, shown, host,
                                                              frozenset(retry_statuses))
        if response.status_code == 304:
            return FetchResult(shown, 304, b"", response.headers, attempts, not_modified=True)
        if response.status_code >= 400:
            logger.warning("GET %s failed: HTTP %d (not retried)", shown, response.status_code)
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        found = Validators(etag, modified) if (etag or modified) else None
        return FetchResult(
            shown,
            response.status_code,
            response.content,
            response.headers,
            attempts,
            validators=found,
        )

    async def remember(self, result: FetchResult) -> None:
        """Keep the validators of a successfully *processed* response for the next GET."""
        if result.validators is None or result.status != 200:
            return
        self._validators[result.url] = result.validators
        if self._store is not None:
            await self._store.set_validators(result.url, *result.validators)

    async def _conditional_headers(self, key: str) -> dict[str, str]:
        found = self._validators.get(key)
        if found is None and self._store is not None:
            found = await self._store.get_validators(key)
            if found is not None:
                self._validators[key] = found
        headers: dict[str, str] = {}
        if found and found.etag:
            headers["If-None-Match"] = found.etag
        if found and found.last_modified:
            headers["If-Modified-Since"] = found.last_modified
        return headers

    async def _get_with_retries(
        self, url: httpx.URL, headers: dict[str, str], shown: str, host: str,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> tuple[httpx.Response, int]:
        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
                return min(exc.retry_after, self._max_retry_after)
            return self._backoff(state)

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            delay = state.next_action.sleep if state.next_action else 0.0
            logger.warning(
                "GET %s failed (%s), attempt %d/%d; retrying in %.1f s",
                shown,
                _describe(exc),
                state.attempt_number,
                self.max_attempts,
                delay,
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception_type(_RETRYABLE),
            sleep=self.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        attempts = 0

        async def once() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            return await self._send(url, headers, host, retry_statuses)

        try:
            response: httpx.Response = await retrying(once)
        except _RETRYABLE as exc:
            what = _describe(exc)
            logger.error("GET %s failed (%s) after %d attempts; giving up", shown, what, attempts)
            raise SourceError(f"{host}: {what} after {attempts} attempt(s) ({shown})",
                              summary=_summary(exc, attempts)) from exc
        except httpx.HTTPError as exc:  # bad URL, redirect loop, ...: retrying cannot help
            what = _describe(exc)
            logger.error("GET %s failed (%s), not retried", shown, what)
            raise SourceError(f"{host}: {what} ({shown})", summary=_summary(exc, attempts)) \
                from exc
        return response, attempts

    async def _send(self, url: httpx.URL, headers: dict[str, str], host: str,
                    retry_statuses: frozenset[int] = RETRY_STATUSES) -> httpx.Response:
        last = self._last_start.get(host)
        if last is not None:
            delay = last + self.interval_for(host) - self.clock()
            if delay > 0:
                await self.sleep(delay)
        self._last_start[host] = self.clock()
        response = await self._client.get(url, headers=headers)
        if response.status_code in retry_statuses:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), response.headers.get("Date")
            )
            raise _RetryableStatus(response, retry_after)
        return response


def _summary(exc: BaseException, attempts: int) -> str:
    """The failure in a member's words (``SourceError.summary``): what happened, not how."""
    tries = f" ({attempts} tries)" if attempts > 1 else ""
    if isinstance(exc, _RetryableStatus):
        return f"answered HTTP {exc.response.status_code}{tries}"
    if isinstance(exc, httpx.TimeoutException):
        return f"did not answer in time{tries}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"broke off its answer{tries}"
    if isinstance(exc, httpx.NetworkError):
        return f"could not be reached{tries}"
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirected too many times"
    return "could not be asked (the request was refused before it was sent)"


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, _RetryableStatus):
        return str(exc)
    if exc is None:
        return "unknown error"
    detail = redact(str(exc))
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
