"""arXiv export API (``/api/query``): metadata by id in batches, and paged searches.

The API sometimes answers a page with no entries although ``totalResults`` says more exist
(a known backend hiccup); such pages are retried a few times before giving up loudly. A
malformed query gets HTTP 400 with an Atom error entry, whose message is passed on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential

from bot.errors import ParseError, SourceError
from bot.models import Paper
from bot.sources.arxiv_api import parse_arxiv_api
from bot.sources.base import ParsedPage
from bot.sources.http import FetchResult, PoliteClient


class _EmptyPage(Exception):
    """A page without entries while totalResults promises more (retried)."""


class ArxivApiClient:
    """Polite reader of the arXiv export API (spacing and retries come from PoliteClient)."""

    def __init__(
        self,
        client: PoliteClient,
        base_url: str = "https://export.arxiv.org/api/query",
        *,
        empty_page_attempts: int = 4,
        empty_page_backoff: float = 5.0,
    ) -> None:
        self._client = client
        self.base_url = base_url
        self._empty_attempts = empty_page_attempts
        self._empty_backoff = empty_page_backoff

    async def by_ids(self, ids: Sequence[str], batch: int = 100) -> list[Paper]:
        """Papers for ``ids`` in API order; unknown ids are simply absent."""
        if batch < 1:
            raise ValueError("batch must be positive")
        papers: list[Paper] = []
        for i in range(0, len(ids), batch):
            chunk = ids[i : i + batch]
            params: dict[str, str | int] = {
                "id_list": ",".join(chunk), "start": 0, "max_results": len(chunk)}
            papers.extend((await self._page(params, start=0)).papers)
        return papers

    async def search(
        self,
        query: str,
        *,
        max_results: int,
        page_size: int = 100,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> AsyncIterator[Paper]:
        """Yield up to ``max_results`` papers for ``query``, paging with start/max_results."""
        start = produced = 0
        while produced < max_results:
            params: dict[str, str | int] = {
                "search_query": query,
                "start": start,
                "max_results": min(page_size, max_results - produced),
            }
            if sort_by:
                params["sortBy"] = sort_by
            if sort_order:
                params["sortOrder"] = sort_order
            page = await self._page(params, start=start)
            if not page.papers:
                return
            for paper in page.papers[: max_results - produced]:
                yield paper
                produced += 1
            start += len(page.papers)
            if page.total_results is not None and start >= page.total_results:
                return

    async def _page(self, params: Mapping[str, str | int], *, start: int) -> ParsedPage:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._empty_attempts),
            wait=wait_exponential(multiplier=self._empty_backoff, max=60),
            retry=retry_if_exception_type(_EmptyPage),
            sleep=self._client.sleep,
            reraise=True,
        )
        try:
            return await retrying(self._page_once, params, start)
        except _EmptyPage as exc:
            raise SourceError(
                f"export.arxiv.org: {exc} (still empty after {self._empty_attempts} attempts)"
            ) from exc

    async def _page_once(self, params: Mapping[str, str | int], start: int) -> ParsedPage:
        result = await self._client.get(self.base_url, params=params)
        if result.status == 400:
            self._raise_api_error(result)
        result.raise_for_status()
        page = _parse(result)
        total = page.total_results
        if not page.papers and total is not None and start < total:
            raise _EmptyPage(f"empty page at start={start} although totalResults={total}")
        return page

    @staticmethod
    def _raise_api_error(result: FetchResult) -> None:
        """HTTP 400 carries an Atom error entry; the parser turns it into SourceError."""
        try:
            _parse(result)
        except SourceError:
            raise
        except ParseError as exc:
            raise SourceError(
                f"{result.host}: HTTP 400 without an arXiv error entry: {exc}"
            ) from exc
        raise SourceError(f"{result.host}: HTTP 400 ({result.url})")


def _parse(result: FetchResult) -> ParsedPage:
    try:
        return parse_arxiv_api(result.content)
    except ParseError as exc:
        raise ParseError(f"arXiv API response from {result.url}: {exc}") from exc
    except SourceError as exc:
        raise SourceError(f"arXiv API rejected the request: {exc}") from exc
