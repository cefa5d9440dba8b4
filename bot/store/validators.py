"""HTTP cache validators (ETag / Last-Modified) kept in ``source_state``, so conditional GETs
survive restarts: a bot restarted between fetch retries asks "changed since?" instead of
downloading the whole listing feed again.

``PoliteClient`` only remembers validators after the caller processed the body, so a broken
body is never hidden behind a 304. If the process dies between that and storing the papers, the
next GET of the same feed answers 304 and the fetcher calls the feed stale; the feed changes
with the next announcement and the missed day is recovered over OAI-PMH
(``bot.core.ingest.recovery``).
"""

from __future__ import annotations

from typing import Any

from bot.sources.http import Validators, redact
from bot.store.source_state import SourceState

__all__ = ["SOURCE", "ValidatorStore"]

SOURCE = "http-validators"


class ValidatorStore:
    """``bot.sources.http.ValidatorStore`` over ``SourceState`` (source ``http-validators``,
    key = the URL without its ``api_key``: secrets never reach the database)."""

    def __init__(self, state: SourceState) -> None:
        self.state = state

    async def get_validators(self, url: str) -> Validators | None:
        value: Any = await self.state.get(SOURCE, redact(url))
        if not isinstance(value, dict):
            return None
        etag, modified = value.get("etag"), value.get("last_modified")
        if not (isinstance(etag, str) or isinstance(modified, str)):
            return None
        return Validators(etag if isinstance(etag, str) else None,
                          modified if isinstance(modified, str) else None)

    async def set_validators(
        self, url: str, etag: str | None, last_modified: str | None
    ) -> None:
        """Store both validators; with neither there is nothing to send back, so forget it."""
        key = redact(url)
        if etag is None and last_modified is None:
            await self.state.delete(SOURCE, key)
            return
        await self.state.set(SOURCE, key, {"etag": etag, "last_modified": last_modified})
