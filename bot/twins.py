"""When two stored papers are one work: a journal or proceedings version found on OpenAlex and
its arXiv preprint, stored under two keys (``openalex:W…`` and the arXiv id).

A lab must hear about a paper once, whichever version arrives first, so the institution watch
joins a work to a stored twin, and a digest never posts a paper whose twin it already posted.
Evidence, strongest first: the same DOI (arXiv's own ``10.48550/arxiv.*`` DOIs aside: they name
the preprint only), the same arXiv id (a work's arXiv location, or a preprint's key), or the
same title once normalised, with an author surname in common. Journals often drop the system
name a preprint's title starts with ("ChemCrow: Augmenting large-language models with
chemistry tools" became "Augmenting large language models with chemistry tools" in Nature
Machine Intelligence), so a short ``Name:`` head is left out of the title key; the shared
author keeps two papers with the same subtitle apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.models import Paper, split_arxiv_id

ARXIV_DOI_PREFIX = "10.48550/arxiv."
MIN_TITLE_WORDS = 4  # "Introduction" or "Reply to comments" are no evidence of anything
MAX_HEAD_WORDS = 3  # "ChemCrow:", "Gemma 2:" are names; "A survey of X: methods" is a title
_NON_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    """Accent-, case- and punctuation-insensitive words ("large-language" -> large language)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return tuple(_NON_WORD.sub(" ", bare).replace("_", " ").split())


def title_key(title: str) -> str | None:
    """The form two versions of one title share, or None when the title is too short to tell
    papers apart. A head of at most three words before the first colon is left out when at
    least four words follow it."""
    head, colon, rest = title.partition(":")
    if colon and len(_words(head)) <= MAX_HEAD_WORDS and len(_words(rest)) >= MIN_TITLE_WORDS:
        title = rest
    found = _words(title)
    return " ".join(found) if len(found) >= MIN_TITLE_WORDS else None


def comparable_doi(doi: str | None) -> str | None:
    """A DOI in the case every source agrees on, or None for none and for arXiv's own DOIs."""
    if not doi:
        return None
    folded = doi.strip().lower()
    return None if not folded or folded.startswith(ARXIV_DOI_PREFIX) else folded


def arxiv_ids(paper: Paper) -> frozenset[str]:
    """The arXiv ids (without version) a paper is known by: its key or its ``arxiv_id``."""
    found = set()
    for raw in (paper.key, paper.arxiv_id):
        if raw:
            try:
                found.add(split_arxiv_id(raw)[0])
            except ValueError:
                continue
    return frozenset(found)


def surnames(names: Iterable[str]) -> frozenset[str]:
    """The authors' surnames in the form titles are compared in (the last word of a name)."""
    return frozenset(words[-1] for name in names if (words := _words(name)))


@dataclass(frozen=True, slots=True)
class Identity:
    """What two versions of a work can share, worked out once per paper: comparing a week of
    candidates with their possible twins compares each paper with many others."""

    key: str
    doi: str | None  # comparable_doi
    ids: frozenset[str]  # arxiv_ids
    title: str | None  # title_key
    surnames: frozenset[str]

    @classmethod
    def of(cls, paper: Paper, names: Iterable[str] | None = None) -> Identity:
        """``paper``'s identity; ``names``, when given, are its authors' names (a paper read
        without its authors)."""
        return cls(paper.key, comparable_doi(paper.doi), arxiv_ids(paper), title_key(paper.title),
                   surnames(names if names is not None else (a.name for a in paper.authors)))

    def marks(self) -> list[str]:
        """The DOI, arXiv ids and title key, each tagged by its kind: twins share one."""
        found = [f"doi:{self.doi}"] if self.doi else []
        found += [f"arxiv:{i}" for i in self.ids]
        if self.title is not None:
            found.append(f"title:{self.title}")
        return found


def same_identity(a: Identity, b: Identity) -> str | None:
    """``same_work`` on identities."""
    if a.key == b.key:
        return None
    if a.doi is not None and a.doi == b.doi:
        return "doi"
    if a.ids & b.ids:
        return "arxiv id"
    if a.title is not None and a.title == b.title and a.surnames & b.surnames:
        return "title"
    return None


def same_work(a: Paper, b: Paper) -> str | None:
    """Why ``a`` and ``b`` are one work ("doi", "arxiv id", "title"), or None."""
    return same_identity(Identity.of(a), Identity.of(b))
