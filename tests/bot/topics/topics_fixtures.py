"""Real arXiv titles and abstracts for the topic tests, from ``../shared/fixtures/real``.

The fixtures sit beside the repository, so the path is resolved from this file; the listing is
read with lxml directly, so these tests do not depend on the source parsers.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from bot.models import Paper

LISTING = (
    Path(__file__).resolve().parents[3].parent
    / "shared/fixtures/real/arxiv_rss/aioarxiv_2024-11-28_rss_mock_feed.xml"
)


@cache
def real_papers() -> tuple[Paper, ...]:
    """The 1,504 papers of the 2024-11-28 listing (title and abstract only)."""
    if not LISTING.is_file():
        pytest.fail(f"real fixtures not found at {LISTING} (shared/ must sit beside the repo)")
    papers = []
    for n, item in enumerate(etree.parse(str(LISTING)).getroot().iter("item")):
        abstract = re.sub(r"^.*?Abstract:\s*", "", item.findtext("description") or "", flags=re.S)
        papers.append(Paper(key=f"item{n}", title=item.findtext("title") or "", abstract=abstract))
    return tuple(papers)
