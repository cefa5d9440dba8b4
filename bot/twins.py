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


def _surnames(paper: Paper) -> frozenset[str]:
    return frozenset(words[-1] for a in paper.authors if (words := _words(a.name)))


def same_work(a: Paper, b: Paper) -> str | None:
    """Why ``a`` and ``b`` are one work ("doi", "arxiv id", "title"), or None."""
    if a.key == b.key:
        return None
    doi = comparable_doi(a.doi)
    if doi is not None and doi == comparable_doi(b.doi):
        return "doi"
    if arxiv_ids(a) & arxiv_ids(b):
        return "arxiv id"
    key = title_key(a.title)
    if key is not None and key == title_key(b.title) and _surnames(a) & _surnames(b):
        return "title"
    return None
