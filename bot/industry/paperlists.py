"""Turn Paper Copilot conference records (papercopilot/paperlists) into Paper objects.

Two shapes exist. OpenReview-derived lists (COLM, CoRL, ALT) give ``author``, ``aff`` and
``aff_domain`` as ``;``-separated fields with one entry per author (entries may be empty) and
``+`` joining one author's several affiliations. PMLR-derived lists (UAI, AutoML) separate with
``"; "`` and add an ``email`` field of domains. Only these fields become affiliations: the records
also carry scholar.google.com links and profile fields (homepage, LinkedIn, gender) that must never
be read as affiliations or shown by the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.models import Affiliation, AffiliationSource, Author, Paper

_SOURCE = AffiliationSource.PAPERLIST


def paperlist_paper(record: Mapping[str, Any]) -> Paper:
    """A Paper keyed ``paperlist:<id>`` with per-author affiliations and e-mail domains."""
    names = _split(record.get("author"))
    affs = _split(record.get("aff"))
    domains = _split(record.get("aff_domain"))
    emails = _split(record.get("email"))
    count = max(len(names), len(affs), len(domains), len(emails))
    authors = []
    for i in range(count):
        name = names[i] if i < len(names) else ""
        affiliations = tuple(
            Affiliation(name=part, source=_SOURCE) for part in _parts(affs, i, keep_commas=True)
        )
        addresses = tuple(dict.fromkeys(_parts(domains, i) + _parts(emails, i)))
        if name or affiliations or addresses:
            authors.append(Author(name=name, affiliations=affiliations, emails=addresses))
    return Paper(
        key=f"paperlist:{record.get('id', '')}",
        title=str(record.get("title") or ""),
        abstract=str(record.get("abstract") or ""),
        authors=tuple(authors),
    )


def _split(value: Any) -> list[str]:
    """Per-author entries of a ``;`` field (``"; "`` in PMLR lists); empty entries kept."""
    if not isinstance(value, str) or not value.strip(" ;"):
        return []
    return [part.strip() for part in value.split(";")]


def _parts(entries: list[str], index: int, *, keep_commas: bool = False) -> tuple[str, ...]:
    """One author's ``+``-joined parts (affiliations keep their commas; domains are single)."""
    if index >= len(entries):
        return ()
    parts = [p.strip() for p in entries[index].split("+")]
    if not keep_commas:
        parts = [p for p in parts if "." in p]
    return tuple(p for p in parts if p)
