"""Pure merge rules: how an incoming Paper combines with what the store already holds.

Kept free of I/O so every rule is unit-testable and ``PaperStore.upsert_papers`` can merge a
whole batch in memory before one round of writes. The rules (see ``merge_record``):

* identity (``key``) never changes; ``version`` only goes up;
* fields are taken from the incoming paper when it is the same or a newer version, otherwise it
  only fills gaps; empty / ``None`` never erases a stored value. A version-less record (e.g.
  OpenAlex) about a versioned paper counts as older: it can't tell which text is current;
* first announcement: new/cross beat replace*, then the earliest date wins; the latest
  announcement is tracked separately (``last_announced``), so a later ``replace`` only moves
  the version, never the date the paper counts as announced;
* authors: see ``merge_authors``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper

ARXIV_ORIGIN = "arxiv"

# Text-ish fields merged by the "newer or same version wins, empty never erases" rule.
_FIELDS = (
    "title", "abstract", "arxiv_id", "doi", "openalex_id", "url", "published", "updated",
    "comment", "journal_ref", "primary_category", "categories",
)  # fmt: skip
_FIRST_CLASS = {AnnounceType.NEW: 0, AnnounceType.CROSS: 0, None: 1}  # replace* -> 2
_SOURCE_ORDER = {s: i for i, s in enumerate(AffiliationSource)}
_TYPE_PRIO = {
    AnnounceType.NEW: 3, AnnounceType.CROSS: 2,
    AnnounceType.REPLACE: 1, AnnounceType.REPLACE_CROSS: 0, None: -1,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """A stored paper plus the bookkeeping that does not belong on the domain value."""

    paper: Paper
    last_announced: date | None = None
    last_announce_type: AnnounceType | None = None
    authors_from: str | None = None  # "arxiv" or the enrichment source that gave the names


def _is_canonical(paper: Paper) -> bool:
    """True when ``paper`` already has canonical types (what the project's parsers produce), so
    ``normalise`` can return it as is: rebuilding thousands of authors is the ingest hot spot."""
    if not (isinstance(paper.categories, tuple) and isinstance(paper.authors, tuple)):
        return False
    if paper.announce_type is not None and type(paper.announce_type) is not AnnounceType:
        return False
    for value in (paper.announced, paper.published, paper.updated):
        if isinstance(value, datetime):
            return False
    for author in paper.authors:
        if not isinstance(author.emails, tuple) or not isinstance(author.affiliations, tuple):
            return False
        if author.affiliations:
            if any(type(f.source) is not AffiliationSource or not isinstance(f.lineage, tuple)
                   for f in author.affiliations):
                return False
            if canonical_order(author.affiliations) != author.affiliations:
                return False
    return True


def normalise(paper: Paper) -> Paper:
    """Coerce loosely-typed parser output (lists, datetimes, plain strings) to canonical form."""
    if _is_canonical(paper):
        return paper

    def day(v: date | None) -> date | None:
        return v.date() if isinstance(v, datetime) else v

    authors = tuple(
        Author(
            a.name,
            canonical_order(
                replace(f, source=AffiliationSource(f.source), lineage=tuple(f.lineage))
                for f in a.affiliations
            ),
            tuple(a.emails),
        )
        for a in paper.authors
    )
    return replace(
        paper,
        authors=authors,
        categories=tuple(paper.categories),
        announced=day(paper.announced),
        published=day(paper.published),
        updated=day(paper.updated),
        announce_type=AnnounceType(paper.announce_type) if paper.announce_type else None,
        extra=dict(paper.extra),
    )


def canonical_order(affiliations: Iterable[Affiliation]) -> tuple[Affiliation, ...]:
    """Group an author's affiliations by source (``AffiliationSource`` order), stable within one.

    A fixed order makes the merge independent of which source reported last, so alternating
    re-ingests (RSS re-scan, OpenAlex retry) never reshuffle rows.
    """
    return tuple(sorted(affiliations, key=lambda f: _SOURCE_ORDER[f.source]))


def authors_origin(paper: Paper) -> str | None:
    """Who supplied this author list: arXiv metadata (authoritative for names) or enrichment."""
    if not paper.authors:
        return None
    sources = {f.source for a in paper.authors for f in a.affiliations}
    if AffiliationSource.ARXIV in sources:
        return ARXIV_ORIGIN
    for source in AffiliationSource:
        if source in sources:
            return str(source)
    return str(AffiliationSource.OPENALEX) if paper.openalex_id else ARXIV_ORIGIN


def new_record(paper: Paper) -> PaperRecord:
    """The record for a paper the store has never seen."""
    paper = normalise(paper)
    has_announcement = paper.announced is not None or paper.announce_type is not None
    return PaperRecord(
        paper=paper,
        last_announced=paper.announced if has_announcement else None,
        last_announce_type=paper.announce_type if has_announcement else None,
        authors_from=authors_origin(paper),
    )


def merge_record(stored: PaperRecord | None, incoming: Paper) -> PaperRecord:
    """Combine a stored record with an incoming paper of the same key (see module docstring)."""
    if stored is None:
        return new_record(incoming)
    inc = normalise(incoming)
    old = stored.paper
    prefer_incoming = _version_relation(old.version, inc.version) >= 0
    fields: dict[str, Any] = {}
    for name in _FIELDS:
        a, b = getattr(old, name), getattr(inc, name)
        fields[name] = (b or a) if prefer_incoming else (a or b)
    versions = [v for v in (old.version, inc.version) if v is not None]
    fields["version"] = max(versions) if versions else None
    fields["extra"] = {**old.extra, **inc.extra} if prefer_incoming else {**inc.extra, **old.extra}

    first = min((old.announced, old.announce_type), (inc.announced, inc.announce_type),
                key=_first_key)  # fmt: skip
    fields["announced"], fields["announce_type"] = first
    last = (stored.last_announced, stored.last_announce_type)
    if inc.announced is not None or inc.announce_type is not None:
        last = max(last, (inc.announced, inc.announce_type), key=_last_key)

    authors, origin = merge_authors(
        old.authors, stored.authors_from, inc.authors, authors_origin(inc)
    )
    return PaperRecord(
        paper=replace(old, authors=authors, **fields),
        last_announced=last[0],
        last_announce_type=last[1],
        authors_from=origin,
    )


def _version_relation(stored: int | None, incoming: int | None) -> int:
    """>0 newer, 0 same (or both unknown), <0 older; an unversioned record counts as older."""
    if incoming is None:
        return 0 if stored is None else -1
    if stored is None:
        return 1
    return (incoming > stored) - (incoming < stored)


def _first_key(a: tuple[date | None, AnnounceType | None]) -> tuple[int, int, date, int]:
    d, t = a
    if d is None and t is None:
        return (9, 1, date.max, 0)
    return (_FIRST_CLASS.get(t, 2), d is None, d or date.max, -_TYPE_PRIO[t])


def _last_key(a: tuple[date | None, AnnounceType | None]) -> tuple[bool, date, int]:
    d, t = a
    return (d is not None, d or date.min, _TYPE_PRIO[t])


def merge_authors(
    stored: tuple[Author, ...],
    stored_from: str | None,
    incoming: tuple[Author, ...],
    incoming_from: str | None,
) -> tuple[tuple[Author, ...], str | None]:
    """Merge author lists; returns the authors and who supplied their names.

    * an empty incoming list never erases the stored one;
    * names: the incoming list replaces the stored one when it differs, unless the stored list
      is arXiv's and the incoming one comes from enrichment (OpenAlex/HTML names are often
      abbreviated or re-ordered; arXiv's are what the paper says);
    * affiliations are per source: the incoming paper's affiliations of source S replace every
      stored affiliation of S for the paper; other sources' rows are kept (``canonical_order``);
    * the two lists are lined up by ``match_authors`` (name first, then position).
    """
    if not incoming:
        return stored, stored_from
    if not stored:
        return incoming, incoming_from
    replaced = {f.source for a in incoming for f in a.affiliations}
    take_incoming_names = _rank(incoming_from) >= _rank(stored_from)
    result: list[Author] = []
    if take_incoming_names:
        back = {d: s for s, d in match_authors(stored, incoming).items()}
        for i, inc in enumerate(incoming):
            old = stored[back[i]] if i in back else None
            kept = tuple(f for f in old.affiliations if f.source not in replaced) if old else ()
            emails = inc.emails or (old.emails if old else ())
            result.append(Author(inc.name, canonical_order(kept + inc.affiliations), emails))
        return tuple(result), incoming_from
    forward = {d: s for s, d in match_authors(incoming, stored).items()}
    for i, old in enumerate(stored):
        inc_a = incoming[forward[i]] if i in forward else None
        kept = tuple(f for f in old.affiliations if f.source not in replaced)
        added = inc_a.affiliations if inc_a else ()
        emails = (inc_a.emails if inc_a else ()) or old.emails
        result.append(Author(old.name, canonical_order(kept + added), emails))
    return tuple(result), stored_from


def _rank(origin: str | None) -> int:
    return 1 if origin == ARXIV_ORIGIN else 0


def match_authors(src: Sequence[Author], dst: Sequence[Author]) -> dict[int, int]:
    """Map ``src`` positions to ``dst`` positions (injective; unmatched authors are left out).

    Passes, each only over still-unmatched authors: exact normalised name, then surname plus
    first initial ("J. Smith" ~ "John Smith"); a name occurring k times on both sides pairs in
    order. When both lists have the same length, leftovers pair by position (renames).
    Re-ordered lists therefore keep affiliations on the right person, and lists of different
    length attach affiliations by name only.
    """
    if len(src) == len(dst) and all(a.name == b.name for a, b in zip(src, dst, strict=True)):
        return {i: i for i in range(len(src))}  # the common case: same list again
    mapping: dict[int, int] = {}
    used: set[int] = set()
    key_fns: tuple[Callable[[str], str], ...] = (name_key, loose_name_key)
    for key_fn in key_fns:
        src_by: dict[str, list[int]] = defaultdict(list)
        dst_by: dict[str, list[int]] = defaultdict(list)
        for i, a in enumerate(src):
            if i not in mapping:
                src_by[key_fn(a.name)].append(i)
        for j, a in enumerate(dst):
            if j not in used:
                dst_by[key_fn(a.name)].append(j)
        for k, idx in src_by.items():
            if k and len(idx) == len(dst_by.get(k, ())):
                for i, j in zip(idx, dst_by[k], strict=True):
                    mapping[i] = j
                    used.add(j)
    if len(src) == len(dst):
        for i in range(len(src)):
            if i not in mapping and i not in used:
                mapping[i] = i
                used.add(i)
    return mapping


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Accent-, case- and punctuation-insensitive form; "Smith, John" reads as "John Smith"."""
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def loose_name_key(name: str) -> str:
    """Surname plus first initial, to pair "J. Smith" with "John Smith"."""
    tokens = name_key(name).split()
    if len(tokens) < 2:
        return tokens[0] if tokens else ""
    return f"{tokens[-1]} {tokens[0][0]}"
