"""Split arXiv's one-string author lists into ``Author`` values.

The listing feeds put every author in one ``dc:creator`` ("A, B (Univ X, Dept Y), C"), the
OAI ``arXivRaw`` format writes "A, B and C". Parenthesised text is the author's stated
affiliation, valuable evidence for industry detection, so it is kept, not dropped.
"""

from __future__ import annotations

import re

from bot.models import Affiliation, AffiliationSource, Author
from bot.sources._text import clean_name, is_tidy

# Top-level separators: comma, semicolon, "and" between names; parentheses open/close groups.
_TOKEN = re.compile(r"[(),;]|\s+and\s+|\s*&\s+")
_NEEDS_SCAN = re.compile(r"[();&]|\sand\s")
# Parenthesised notes that are not affiliations: "(for the ATLAS Collaboration)".
_NOT_AFFILIATION = re.compile(r"^(?:for|on behalf of)\b", re.IGNORECASE)


def split_author_list(
    text: str, source: AffiliationSource = AffiliationSource.ARXIV
) -> list[Author]:
    """Authors in order, each with the affiliations given in parentheses after the name."""
    if not _NEEDS_SCAN.search(text):
        # Fast path for the common case in daily listings: plain "A, B, C".
        if is_tidy(text.replace(", ", ",")) and "\\" not in text:
            return [Author(name=part.strip()) for part in text.split(",") if part.strip()]
        return [Author(name=n) for n in (clean_name(part) for part in text.split(",")) if n]
    authors: list[Author] = []
    name_parts: list[str] = []
    affiliations: list[str] = []
    group: list[str] = []
    depth = 0
    pos = 0

    def flush() -> None:
        name = clean_name("".join(name_parts))
        affs = tuple(
            Affiliation(name=a, source=source)
            for a in (clean_name(raw) for raw in affiliations)
            if a and not _NOT_AFFILIATION.match(a)
        )
        if name:
            authors.append(Author(name=name, affiliations=affs))
        elif affs and authors:
            # "A (X) (Y)" split oddly: extra groups belong to the previous author.
            last = authors[-1]
            authors[-1] = Author(name=last.name, affiliations=last.affiliations + affs)
        name_parts.clear()
        affiliations.clear()

    for match in _TOKEN.finditer(text):
        chunk, token = text[pos : match.start()], match.group()
        pos = match.end()
        if depth:
            group.append(chunk)
        else:
            name_parts.append(chunk)
        if token == "(":
            if depth:
                group.append(token)
            depth += 1
        elif token == ")":
            if depth == 1:
                affiliations.append("".join(group))
                group.clear()
            elif depth > 1:
                group.append(token)
            depth = max(depth - 1, 0)
        elif depth:
            group.append(token)
        else:
            flush()
    tail = text[pos:]
    if depth:
        group.append(tail)
        affiliations.append("".join(group))
    else:
        name_parts.append(tail)
    flush()
    return authors
