"""E-mail addresses in an author block, and which author each belongs to.

Blocks print addresses apart from names, grouped (``{ngoc.bui,rex.ying}@yale.edu``), split over
lines, or once for several authors; their order rarely follows the names. An address is credited
to the author whose name best spells its local part (``jormas`` = JORdan MASsiah, ``wzchen`` =
Weizhu CHEN, ``ericzhou.zc`` = Zhou Chang), one address per author, ambiguous ties left until
the other addresses have taken their authors.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache

_EMAIL = re.compile(r"(\{[^{}@]*\}|[\w.+\-]+)\s*@\s*([\w\-]+(?:\.[\w\-]+)+)")
_THRESHOLD = 0.5


def find_emails(text: str) -> tuple[list[str], str]:
    """Addresses in ``text`` (groups expanded, lower-case) and the text without them."""
    found: list[str] = []
    for local, domain in _EMAIL.findall(text):
        for part in local.strip("{}").split(","):
            part = part.strip().strip(".")
            if part:
                found.append(f"{part}@{domain.strip('.')}".lower())
    return found, _EMAIL.sub(" ", text)


def join_split_groups(texts: list[str]) -> list[str]:
    """Re-join a ``{a, b,`` line with the ``c}@host`` line that closes it."""
    out: list[str] = []
    for text in texts:
        if out and "{" in out[-1] and "}" not in out[-1].rpartition("{")[2]:
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
    return out


def assign(addresses: Sequence[str], names: Sequence[str]) -> dict[str, int]:
    """Address -> index of the name whose spelling it fits; unsure addresses are left out."""
    scores = {
        (a, i): similarity(a.partition("@")[0], n)
        for a in addresses
        for i, n in enumerate(names)
    }
    taken: dict[str, int] = {}
    used: set[int] = set()
    progress = True
    while progress:
        progress = False
        for address in addresses:
            if address in taken:
                continue
            free = [(scores[address, i], i) for i in range(len(names)) if i not in used]
            if not free:
                continue
            best = max(free)
            rivals = [i for s, i in free if s == best[0]]
            clear = len(rivals) == 1 and _wins(address, best, scores, taken)
            if best[0] >= _THRESHOLD and clear:
                taken[address] = best[1]
                used.add(best[1])
                progress = True
    return taken


def _wins(
    address: str,
    best: tuple[float, int],
    scores: dict[tuple[str, int], float],
    taken: dict[str, int],
) -> bool:
    """No other unassigned address fits this name better."""
    return all(
        scores[other, best[1]] <= best[0]
        for other, _ in scores
        if other != address and other not in taken
    )


def similarity(local: str, name: str) -> float:
    """How well the local part is spelled by prefixes of the name's words (0..~1.5)."""
    words = tuple(_fold(name))
    if not words:
        return 0.0
    whole = _letters(local)
    if not whole:
        return 0.0
    segments = [s for s in (_letters(p) for p in re.split(r"[._\-+\d]+", local)) if s]
    best_segment = max((_cover(s, words) / len(s) for s in segments), default=0.0)
    return _cover(whole, words) / len(whole) + 0.5 * best_segment


def _fold(name: str) -> list[str]:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return [w for w in re.split(r"[^a-z]+", re.sub(r"\([^)]*\)", " ", ascii_name)) if w]


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


@lru_cache(maxsize=4096)
def _cover(letters: str, words: tuple[str, ...]) -> int:
    """Most letters explained by word prefixes, each word used once, in any order."""

    @cache
    def best(i: int, used: int) -> int:
        if i >= len(letters):
            return 0
        result = best(i + 1, used)  # this letter is explained by nothing
        for k, word in enumerate(words):
            if used & (1 << k):
                continue
            n = 0
            while n < len(word) and i + n < len(letters) and letters[i + n] == word[n]:
                n += 1
            for length in range(n, 0, -1):
                result = max(result, length + best(i + length, used | (1 << k)))
                if length == n:
                    break  # the longest prefix dominates shorter ones here
        return result

    return best(0, 0) if len(words) <= 8 and len(letters) <= 40 else 0
