"""arXiv OAI-PMH harvesting (``ListRecords``, ``metadataPrefix=arXiv``), for back-fills.

Pages follow ``resumptionToken`` until it is absent or empty. The endpoint answers 503 with
Retry-After as ordinary flow control; PoliteClient honours it, and keeps the 3 s spacing
between pages. Since March 2025 the endpoint is https://oaipmh.arxiv.org/oai and sets are
named ``group:archive:CATEGORY``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

from bot.errors import ParseError, SourceError
from bot.sources.base import ParsedPage
from bot.sources.http import PoliteClient
from bot.sources.oai_pmh import parse_oai_pmh

# Archives grouped under "physics" in arXiv's taxonomy; every other archive is its own group.
PHYSICS_ARCHIVES = frozenset(
    {"astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th"}
    | {"math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph"}
)
OTHER_GROUPS = frozenset({"cs", "econ", "eess", "math", "q-bio", "q-fin", "stat"})


def oai_set_for_category(category: str) -> str:
    """OAI-PMH set name of an arXiv category on the 2025 endpoint.

    ``cs.LG`` -> ``cs:cs:LG``, ``stat.ML`` -> ``stat:stat:ML``, ``astro-ph.CO`` ->
    ``physics:astro-ph:CO``, ``hep-th`` -> ``physics:hep-th``, ``cs`` -> ``cs``. A value that
    already contains ``:`` is taken to be a set name and returned unchanged. Raises ValueError
    for unknown archives, so a typo fails before harvesting nothing for hours.
    """
    if ":" in category:
        return category
    archive, _, sub = category.partition(".")
    if archive in PHYSICS_ARCHIVES:
        return f"physics:{archive}:{sub}" if sub else f"physics:{archive}"
    if archive in OTHER_GROUPS:
        return f"{archive}:{archive}:{sub}" if sub else archive
    raise ValueError(f"unknown arXiv archive in category {category!r}")


class OaiPmhClient:
    """Iterates ListRecords pages for a date range and optional set."""

    def __init__(
        self,
        client: PoliteClient,
        base_url: str = "https://oaipmh.arxiv.org/oai",
        *,
        metadata_prefix: str = "arXiv",
    ) -> None:
        self._client = client
        self.base_url = base_url
        self._prefix = metadata_prefix

    async def list_records(
        self, from_: date, until: date, set_spec: str | None
    ) -> AsyncIterator[ParsedPage]:
        """Yield each parsed page (possibly empty); stops when the resumption token runs out."""
        params: dict[str, str | int] = {
            "verb": "ListRecords",
            "metadataPrefix": self._prefix,
            "from": from_.isoformat(),
            "until": until.isoformat(),
        }
        if set_spec:
            params["set"] = set_spec
        seen_tokens: set[str] = set()
        while True:
            page = await self._page(params)
            yield page
            token = page.resumption_token
            if not token:
                return
            if token in seen_tokens:
                raise SourceError(f"OAI-PMH {self.base_url} repeated resumptionToken {token!r}")
            seen_tokens.add(token)
            params = {"verb": "ListRecords", "resumptionToken": token}

    async def _page(self, params: dict[str, str | int]) -> ParsedPage:
        """One parsed page (``noRecordsMatch`` parses as an empty page, not an error)."""
        result = await self._client.get(self.base_url, params=params)
        result.raise_for_status()
        try:  # a page of 1,000 records is a CPU-second: off the event loop
            return await asyncio.to_thread(parse_oai_pmh, result.content)
        except ParseError as exc:
            raise ParseError(f"OAI-PMH response from {result.url}: {exc}") from exc
        except SourceError as exc:
            raise SourceError(f"OAI-PMH {result.url}: {exc}") from exc
