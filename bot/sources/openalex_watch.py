"""OpenAlex's recent works with an author at a watched institution: the industry papers that
never reach arXiv (journals such as Nature, Science, PNAS, and proceedings).

One filter per group of at most 100 institution ids (OpenAlex's limit on OR-ed values):
``authorships.institutions.lineage:I1|I2…`` (lineage, so a lab's units count too), a date
filter, and ``primary_location.source.id:!S4306400194`` (works whose primary home is arXiv are
the arXiv feed's business), paged with cursors, 200 works a page, newest first.

OpenAlex meters list calls against a small free daily allowance per key ($0.0001 a call out of
$1 a day with a free key, per developers.openalex.org/api-reference/authentication). Every
answer says where the key stands in its headers (recorded in
tests/fixtures/openalex/openalexpro_vcr_2026-03_api_call_200.yml): ``x-ratelimit-limit-usd``,
``x-ratelimit-remaining-usd``, ``x-ratelimit-cost-usd`` (and ``meta.cost_usd`` in the body). So
the watch stops early, and says why, when it has made ``max_calls`` calls, when OpenAlex answers
429 (allowance spent, or too many requests: retrying within the night cannot help), or when the
remaining allowance falls below ``reserve_usd`` (kept for the affiliation lookups).

``from_created_date`` (works OpenAlex added since a date, whatever their publication date) is a
filter of paid plans; a free key gets HTTP 429 "Plan upgrade required" for it. The watch then
falls back to ``from_publication_date`` at once and reports the refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from bot.errors import ParseError, ScoopwatchError, SourceError
from bot.models import Paper
from bot.sources.http import RETRY_STATUSES, FetchResult, PoliteClient
from bot.sources.openalex import (
    ARXIV_SOURCE,
    load_json,
    parse_openalex_error,
    parse_openalex_value,
)
from bot.sources.openalex_client import MAX_OR_VALUES, SELECT_FIELDS, raise_for_openalex

log = logging.getLogger(__name__)

PER_PAGE = 200  # OpenAlex's largest page: the most works per metered call
WATCH_SELECT = f"{SELECT_FIELDS},locations,type,publication_year"
PUBLISHED = "from_publication_date"
CREATED = "from_created_date"
_NOT_ON_ARXIV = f"primary_location.source.id:!{ARXIV_SOURCE.rpartition('/')[2]}"
_REFUSED = (403, 429)


class CutShort(StrEnum):
    """Why a watch stopped before it had every page."""

    CAP = "cap"  # made the configured number of calls
    RATE_LIMITED = "rate-limited"  # HTTP 429
    ALLOWANCE = "allowance"  # the key's remaining daily allowance is below the reserve
    ERROR = "error"  # a later page failed; the works before it are kept


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Allowance:
    """Where a key's daily allowance stood after one call (OpenAlex's ``x-ratelimit-*``)."""

    limit_usd: float | None
    remaining_usd: float | None
    cost_usd: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Allowance | None:
        """The allowance an answer reports, or None when it carries no such header."""
        found = cls(_number(headers, "x-ratelimit-limit-usd"),
                    _number(headers, "x-ratelimit-remaining-usd"),
                    _number(headers, "x-ratelimit-cost-usd"))
        return None if found == cls(None, None, None) else found


@dataclass(frozen=True, slots=True)
class WatchResult:
    """What one watch got: the works, how many calls and dollars it took, and whether (and why)
    it stopped early."""

    works: tuple[Paper, ...]
    calls: int
    date_filter: str
    since: date
    matching: int | None = None  # OpenAlex's count of works matching the filters
    skipped: int = 0  # malformed works left out by the parser
    cost_usd: float = 0.0
    allowance: Allowance | None = None
    cut_short: CutShort | None = None
    error: str | None = None
    created_refused: bool = False  # from_created_date refused: the plan does not include it

    @property
    def complete(self) -> bool:
        return self.cut_short is None


@dataclass
class _Progress:
    published_since: date
    created_since: date | None
    calls: int = 0
    pages: int = 0  # answered and read
    works: list[Paper] = field(default_factory=list)
    skipped: int = 0
    matching: int | None = None
    cost: float = 0.0
    allowance: Allowance | None = None
    cut: CutShort | None = None
    error: str | None = None
    refused: bool = False

    @property
    def date_filter(self) -> str:
        return CREATED if self.created_since is not None else PUBLISHED

    @property
    def since(self) -> date:
        return self.created_since if self.created_since is not None else self.published_since


def plan_refusal(result: FetchResult) -> bool:
    """Whether an error answer refuses a filter the plan lacks (``from_created_date`` on a free
    key: 429 "Plan upgrade required")."""
    if result.status not in _REFUSED:
        return False
    try:
        message = parse_openalex_error(result.content).casefold()
    except (ParseError, SourceError):
        return False
    return "plan" in message or "premium" in message or CREATED in message


class InstitutionWorks:
    """Pages through OpenAlex's recent works of watched institutions within a call budget."""

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

    async def recent_works(
        self,
        institutions: Sequence[str],
        *,
        published_since: date,
        created_since: date | None = None,
        max_calls: int = 30,
        reserve_usd: float = 0.0,
    ) -> WatchResult:
        """Works since ``created_since`` (added to OpenAlex; paid plans) or else
        ``published_since`` with an author at one of ``institutions`` (short ``I…`` ids).

        Raises SourceError when the first call fails; a later failure ends the watch early
        with the works it has (``cut_short`` ERROR).
        """
        if max_calls < 1:
            raise ValueError(f"max_calls must be at least 1, got {max_calls}")
        ids = list(dict.fromkeys(institutions))
        state = _Progress(published_since, created_since)
        groups = [ids[i : i + MAX_OR_VALUES] for i in range(0, len(ids), MAX_OR_VALUES)]
        for number, group in enumerate(groups):
            more_groups = number + 1 < len(groups)
            if not await self._group(group, state, max_calls, reserve_usd, more_groups):
                break
        return WatchResult(
            works=tuple(state.works), calls=state.calls, date_filter=state.date_filter,
            since=state.since, matching=state.matching, skipped=state.skipped,
            cost_usd=round(state.cost, 6), allowance=state.allowance, cut_short=state.cut,
            error=state.error, created_refused=state.refused,
        )

    async def _group(self, group: Sequence[str], state: _Progress, max_calls: int,
                     reserve_usd: float, more_groups: bool) -> bool:
        """Every page of one group of ids; False when the watch must stop here."""
        cursor: str | None = "*"
        while cursor is not None:
            if state.calls >= max_calls:
                state.cut = CutShort.CAP
                return False
            try:
                result = await self._client.get(self.works_url, params=self._params(
                    group, state, cursor), retry_statuses=RETRY_STATUSES - {429})
            except ScoopwatchError as exc:
                return self._failed(state, exc)
            state.calls += 1
            state.allowance = Allowance.from_headers(result.headers) or state.allowance
            if state.created_since is not None and plan_refusal(result):
                log.warning("OpenAlex refused %s for this key (a paid-plan filter); the watch "
                            "uses %s instead", CREATED, PUBLISHED)
                state.refused, state.created_since, cursor = True, None, "*"
                continue
            if result.status == 429:
                state.cut = CutShort.RATE_LIMITED
                return False
            try:
                raise_for_openalex(result, self._api_key)
                cursor = self._take(result, state, first=cursor == "*")
            except ScoopwatchError as exc:
                return self._failed(state, exc)
            left = state.allowance.remaining_usd if state.allowance else None
            if left is not None and left < reserve_usd and (cursor or more_groups):
                state.cut = CutShort.ALLOWANCE
                return False
        return True

    def _take(self, result: FetchResult, state: _Progress, first: bool) -> str | None:
        """Keep one page's works; its next cursor (None on the last page)."""
        value: Any = load_json(result.content, "OpenAlex response")
        try:
            page = parse_openalex_value(value)
        except ParseError as exc:
            raise ParseError(f"OpenAlex response from {result.url}: {exc}") from exc
        meta = value.get("meta") if isinstance(value, dict) else None
        cost = state.allowance.cost_usd if state.allowance else None
        if cost is None and isinstance(meta, dict) and isinstance(meta.get("cost_usd"),
                                                                    int | float):
            cost = float(meta["cost_usd"])
        state.cost += cost or 0.0
        if first and page.total_results is not None:
            state.matching = (state.matching or 0) + page.total_results
        state.works.extend(page.papers)
        state.skipped += len(page.skipped)
        state.pages += 1
        return page.next_cursor if page.papers else None

    def _failed(self, state: _Progress, exc: ScoopwatchError) -> bool:
        """The first call failing fails the watch; a later one ends it with what it has."""
        if state.pages == 0:
            raise exc
        log.warning("OpenAlex watch stopped after %d calls: %s", state.calls, exc)
        state.cut, state.error = CutShort.ERROR, str(exc)
        return False

    def _params(self, group: Sequence[str], state: _Progress, cursor: str) -> dict[str, str | int]:
        filters = [f"authorships.institutions.lineage:{'|'.join(group)}",
                   f"{state.date_filter}:{state.since.isoformat()}", _NOT_ON_ARXIV]
        params: dict[str, str | int] = {
            "filter": ",".join(filters), "per-page": PER_PAGE, "cursor": cursor,
            "select": WATCH_SELECT,
        }
        if state.created_since is None:
            params["sort"] = "publication_date:desc"  # cut short, the newest are kept
        if self._api_key:
            params["api_key"] = self._api_key
        if self._mailto:
            params["mailto"] = self._mailto
        return params
