"""What no chat payload may hold, for the suites that check payloads and the escaping tests.

Written from the standards, not from the adapters' code, so a test of an adapter does not
check it against itself: the characters are those of Unicode's Cc category, surrogates and
noncharacters U+FFFE/U+FFFF; bidi pairing follows UAX #9 (rules X5a-X7).
"""

from __future__ import annotations

OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
           "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}


def is_unshowable(ch: str) -> bool:
    """A character no payload may carry: a control but line break and tab, a lone surrogate,
    U+FFFE or U+FFFF."""
    code = ord(ch)
    return ((code < 32 and ch not in "\n\t") or 0x7F <= code < 0xA0
            or 0xD800 <= code < 0xE000 or code in (0xFFFE, 0xFFFF))


def open_bidi(line: str) -> list[str]:
    """The embeddings, overrides and isolates ``line`` leaves open at its end (UAX #9)."""
    stack: list[str] = []
    for ch in line:
        if ch in OPENERS:
            stack.append(ch)
        elif ch == "\u202c" and stack and OPENERS[stack[-1]] == "\u202c":
            stack.pop()
        elif ch == "\u2069" and "\u2069" in (OPENERS[c] for c in stack):
            while OPENERS[stack.pop()] != "\u2069":
                pass
    return stack
