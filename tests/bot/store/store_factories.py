"""Paper builders for the store tests (papers are built directly from bot.models)."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper


def make_paper(key: str = "2411.01234", **overrides: Any) -> Paper:
    """An RSS-like arXiv paper with two authors and no affiliations."""
    fields: dict[str, Any] = {
        "key": key,
        "title": f"Title of {key}",
        "abstract": f"Abstract of {key}.",
        "arxiv_id": key,
        "version": 1,
        "authors": (Author("Ana García"), Author("Bo Li")),
        "categories": ("cs.LG", "cs.CL"),
        "primary_category": "cs.LG",
        "announced": date(2024, 11, 28),
        "announce_type": AnnounceType.NEW,
        "url": f"https://arxiv.org/abs/{key}",
    }
    fields.update(overrides)
    return Paper(**fields)


def oa(name: str, inst: str = "I1", **kw: Any) -> Affiliation:
    return Affiliation(name, AffiliationSource.OPENALEX, openalex_id=inst, **kw)


def ax(name: str) -> Affiliation:
    return Affiliation(name, AffiliationSource.ARXIV)
