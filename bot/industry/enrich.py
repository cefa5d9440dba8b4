"""Enrichment pass: fetch OpenAlex affiliations for papers that need them, in batches.

OpenAlex can lag a new arXiv paper by about four days, so a paper it does not know yet is
recorded as ``not_found`` and the store offers it again the next day, for config's
``openalex.retry_days`` (``PaperStore.keys_needing_enrichment``). Every key gets exactly one
attempt record per run, with what OpenAlex returned, so the store knows when each source was
last tried and why.
I/O comes in as injected callables, which keeps this module testable without a store or HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.errors import ScoopwatchError
from bot.models import Paper

logger = logging.getLogger(__name__)

SOURCE = "openalex"
FOUND, NOT_FOUND, FAILED = "found", "not_found", "failed"

LookupOpenAlex = Callable[[Sequence[str]], Awaitable[dict[str, Paper]]]
SavePapers = Callable[[Sequence[Paper]], Awaitable[object]]
RecordAttempt = Callable[[str, str, str, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class EnrichReport:
    """How many keys OpenAlex knew, did not know yet, or could not be asked about."""

    found: int = 0
    not_found: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.found + self.not_found + self.failed


async def enrich(
    keys: Sequence[str],
    *,
    lookup_openalex: LookupOpenAlex,
    save: SavePapers,
    record_attempt: RecordAttempt,
    batch_size: int = 50,
) -> EnrichReport:
    """Look ``keys`` up in batches, save what was found, record one attempt per key.

    A failing batch (source or parse error after the client's retries) is recorded as
    ``failed`` for each of its keys and the pass goes on with the next batch; store errors
    from ``save`` or ``record_attempt`` propagate, since nothing could be recorded anyway.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    unique = list(dict.fromkeys(keys))
    found = not_found = failed = 0
    for start in range(0, len(unique), batch_size):
        batch = unique[start : start + batch_size]
        try:
            papers = await lookup_openalex(batch)
        except (ScoopwatchError, OSError, TimeoutError) as exc:
            logger.warning("OpenAlex lookup of %d papers failed: %s", len(batch), exc)
            for key in batch:
                await record_attempt(key, SOURCE, FAILED, str(exc) or type(exc).__name__)
            failed += len(batch)
            continue
        known = [papers[key] for key in batch if key in papers]
        if known:
            await save(known)
        for key in batch:
            paper = papers.get(key)
            if paper is not None:
                await record_attempt(key, SOURCE, FOUND, paper.openalex_id or "")
                found += 1
            else:
                await record_attempt(key, SOURCE, NOT_FOUND, "OpenAlex does not know this work yet")
                not_found += 1
    return EnrichReport(found=found, not_found=not_found, failed=failed)
