"""Real arXiv titles and abstracts for the topic tests, from the recorded 2024-11-28 listing.

The listing is read with lxml directly, so these tests do not depend on the source parsers.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

from bot.models import Paper
from tests.fixture_files import LISTING, fixture_path


@cache
def real_papers() -> tuple[Paper, ...]:
    """The 1,504 papers of the 2024-11-28 listing (title and abstract only)."""
    papers = []
    for n, item in enumerate(etree.parse(str(fixture_path(LISTING))).getroot().iter("item")):
        abstract = re.sub(r"^.*?Abstract:\s*", "", item.findtext("description") or "", flags=re.S)
        papers.append(Paper(key=f"item{n}", title=item.findtext("title") or "", abstract=abstract))
    return tuple(papers)
