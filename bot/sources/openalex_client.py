"""OpenAlex lookups of arXiv papers by their DataCite DOI, for author affiliations.

One request per batch of ids (``filter=doi:A|B|...``), selecting only the fields the parser
reads (cost and bandwidth are metered per key since Feb 2026). The API key is sent as a
query parameter and never appears in logs or error messages (PoliteClient redacts it).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import ParseError, SourceError
from bot.models import Paper, arxiv_doi, split_arxiv_id
from bot.sources.http import FetchResult, PoliteClient, redact
from bot.sources.openalex import parse_openalex, parse_openalex_error

# All valid per the 2026 select-field list (fixtures/real/openalex/..._opt_select_fields.yml).
SELECT_FIELDS = (
    "id,doi,title,display_name,publication_date,authorships,"
    "abstract_inverted_index,primary_location,ids"
)
MAX_OR_VALUES = 100  # OpenAlex accepts at most 100 alternatives in one filter


class OpenAlexClient:
    """Batch lookups of works on OpenAlex; ids OpenAlex does not know are simply absent."""

    def __init__(
        self,
        client: PoliteClient,
        api_key: str | None,
        mailto: str | None,
        base_url: str = "https://api.openalex.org",
    ) -> None:
        self._client = client
        self._api_key = api_key
        self._mailto = mailto
        self.works_url = f"{base_url.rstrip('/')}/works"

    async def works_by_arxiv_ids(self, ids: Sequence[str], batch: int = 50) -> dict[str, Paper]:
        """Map each requested arXiv id (as given, versions allowed) to its OpenAlex work.

        Raises ValueError for strings that are not arXiv ids, before any request.
        """
        if not 1 <= batch <= MAX_OR_VALUES:
            raise ValueError(f"batch must be between 1 and {MAX_OR_VALUES}")
        wanted: dict[str, list[str]] = {}
        for raw in ids:
            wanted.setdefault(arxiv_doi(split_arxiv_id(raw)[0]), []).append(raw)
        dois = list(wanted)
        found: dict[str, Paper] = {}
        for i in range(0, len(dois), batch):
            for doi, paper in (await self._lookup(dois[i : i + batch], batch)).items():
                for raw in wanted.get(doi, ()):
                    found.setdefault(raw, paper)
        return found

    async def _lookup(self, dois: Sequence[str], per_page: int) -> dict[str, Paper]:
        params: dict[str, str | int] = {
            "filter": "doi:" + "|".join(dois),
            "per-page": per_page,
            "select": SELECT_FIELDS,
        }
        if self._api_key:
            params["api_key"] = self._api_key
        if self._mailto:
            params["mailto"] = self._mailto
        result = await self._client.get(self.works_url, params=params)
        raise_for_openalex(result, self._api_key)
        try:
            page = parse_openalex(result.content)
        except ParseError as exc:
            raise ParseError(f"OpenAlex response from {result.url}: {exc}") from exc
        by_doi: dict[str, Paper] = {}
        for paper in page.papers:
            doi = _arxiv_doi_of(paper)
            if doi is not None:
                by_doi.setdefault(doi, paper)
        return by_doi


def _arxiv_doi_of(paper: Paper) -> str | None:
    """The lower-case arXiv DOI of a parsed work, from its DOI or its arXiv id."""
    for candidate in (paper.doi, paper.arxiv_id):
        if candidate:
            try:
                return arxiv_doi(split_arxiv_id(candidate)[0])
            except ValueError:
                continue
    return None


def raise_for_openalex(result: FetchResult, api_key: str | None) -> None:
    """Turn OpenAlex's JSON error bodies into one clear SourceError (never echoing the key)."""
    if result.ok:
        return
    message = redact(_error_message(result.content))
    if api_key:
        message = message.replace(api_key, "<api-key>")
    if result.status == 401:
        raise SourceError(f"OpenAlex rejected the API key (HTTP 401: {message})",
                          summary="rejected the API key (HTTP 401)")
    if result.status == 400:
        raise SourceError(f"OpenAlex rejected the request (HTTP 400): {message}",
                          summary="rejected the request (HTTP 400)")
    result.raise_for_status()


def _error_message(content: bytes) -> str:
    try:
        return parse_openalex_error(content)
    except ParseError:
        return content[:200].decode("utf-8", "replace").strip() or "no details"
