"""Text normalisation shared by the query parser and the matcher, so both read text alike.

Text is NFKD-decomposed, combining marks are dropped and it is casefolded; tokens are maximal
runs of letters or digits. The matcher never builds token lists: it turns a text into one
space-padded string of tokens (``" diffusion models for audio "``) so one Aho-Corasick pass can
find every topic term, phrases included. ASCII text (nearly all of arXiv) takes a fast path of
C-level ``str.translate`` and one regex: normalising is a sizeable share of per-paper cost.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

_ASCII = range(128)
# ASCII letters/digits kept (lower-cased for the folded stream), everything else a separator.
_FOLD_TABLE = {i: chr(i).lower() if chr(i).isalnum() else " " for i in _ASCII}
_CASE_TABLE = {i: chr(i) if chr(i).isalnum() else " " for i in _ASCII}
_SPACE_RUNS = re.compile("  +")
# `[^\W_]` is exactly `str.isalnum()`: letters, digits and other numerics.
_NON_ALNUM = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"[^\W_]+")


@functools.cache
def _marks() -> re.Pattern[str]:
    """All combining marks (categories Mn, Mc, Me); built once, on the first non-ASCII text."""
    ranges: list[str] = []
    start = prev = -1
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp))[0] == "M":
            if start < 0:
                start = cp
            prev = cp
        elif start >= 0:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
            start = -1
    if start >= 0:
        ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    return re.compile(f"[{''.join(ranges)}]+")


def strip_marks(text: str) -> str:
    """NFKD-decompose and drop combining marks, so `Schrödinger` reads `Schrodinger`."""
    if text.isascii():
        return text
    return _marks().sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> list[str]:
    """Tokens in their original case (after NFKD and mark removal); used for query terms."""
    return _TOKEN.findall(strip_marks(text))


def fold(token: str) -> str:
    """Casefold one token (casefolding never creates or removes separators after NFKD)."""
    return token.casefold()


def stem(token: str) -> str:
    """Drop one trailing `s` from tokens longer than 3 characters not ending in `ss`."""
    if len(token) > 3 and token[-1] == "s" and token[-2] != "s":
        return token[:-1]
    return token


def is_acronym(word: str) -> bool:
    """Capitals and digits only, at least 2 characters, at least one capital (`CLIP`, `T5`)."""
    return (
        len(word) >= 2
        and any(c.isupper() for c in word)
        and all(c.isupper() or c.isdigit() for c in word)
    )


def paper_streams(title: str, abstract: str, *, with_case: bool) -> tuple[str, str | None]:
    """The folded token stream of a paper and, when asked, its original-case twin.

    Title and abstract are joined by a ``\x01`` token, so no key spans them and one automaton
    pass covers both. Every token has exactly one space on each side, and both streams hold the
    same tokens in the same order, so token positions agree between them (character positions
    may not: casefolding `ß` gives `ss`).
    """
    if title.isascii() and abstract.isascii():
        table = _CASE_TABLE if with_case else _FOLD_TABLE
        joined = f" {title.translate(table)} \x01 {abstract.translate(table)} "
        joined = _SPACE_RUNS.sub(" ", joined)
        return (joined.lower(), joined) if with_case else (joined, None)
    case = f"{_case_field(title)}\x01{_case_field(abstract)}"
    return case.casefold(), (case if with_case else None)


def _case_field(text: str) -> str:
    """One field as ``" tokens "`` in original case, after NFKD and mark removal."""
    return _NON_ALNUM.sub(" ", f" {strip_marks(text)} ")


def token_index(stream: str, end: int) -> int:
    """0-based index of the token holding ``stream[end]``, or ending just before it.

    Streams have one space between tokens, so counting spaces is enough; only phrases split
    into several automaton keys need positions.
    """
    return stream.count(" ", 0, end) - 1
