"""Characters of user text no chat should receive as written: controls and open bidi runs.

Topic queries, notes and paper metadata can hold anything a member or a feed typed. Three
kinds of character in them would do harm once rendered, on every platform alike:

- C0 and C1 control characters (a NUL, an escape sequence, DEL): a terminal runs them, a chat
  API may refuse the message or the client draws garbage. :func:`show_controls` turns them into
  visible symbols, so a reader still sees that something was there: a C0 control as its Unicode
  picture (NUL as ␀, ESC as ␛), DEL as ␡; C1 controls, lone surrogates (which UTF-8 cannot
  carry) and the noncharacters U+FFFE/U+FFFF as �. Line breaks and tabs are layout and stay.
- Explicit bidirectional formatting (embeddings, overrides, isolates): one left open, such as a
  right-to-left override, reverses everything after it up to the end of the paragraph, the
  bot's own words and links included. :func:`close_bidi` closes, at the end of each line of
  user text, what that line left open; :func:`drop_bidi` removes them, for a platform that
  strips them itself after the bot has escaped the text.

Each adapter applies these once, where it escapes user text; stored text is never changed.
"""

from __future__ import annotations

import re

_PICTURES = {c: 0x2400 + c for c in range(32) if chr(c) not in "\n\t"} | {0x7F: 0x2421}
_REPLACED = [*range(0x80, 0xA0), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]
SHOWN = _PICTURES | dict.fromkeys(_REPLACED, 0xFFFD)
"""``str.translate`` table: each character it names is replaced by a visible one."""

EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE, RLE, LRO, RLO: closed by PDF
ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI: closed by PDI
PDF, PDI = "\u202c", "\u2069"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_PARAGRAPH = re.compile("([\n\u2029])")  # what still ends a paragraph once controls are shown


def show_controls(text: str) -> str:
    """``text`` with every control character, lone surrogate and U+FFFE/U+FFFF shown as a
    visible symbol (same length: one character for one)."""
    if text.isprintable():  # a C-speed scan: no control, surrogate or noncharacter in it
        return text
    return text.translate(SHOWN)


def close_bidi(text: str) -> str:
    """``text`` with each embedding, override and isolate that a line leaves open closed at
    that line's end (before its line break), innermost first, as UAX #9 pairs them."""
    if text.isprintable() or not _BIDI.search(text):  # bidi formatting is not printable
        return text
    return "".join(_close_line(part) if i % 2 == 0 else part
                   for i, part in enumerate(_PARAGRAPH.split(text)))


def _close_line(line: str) -> str:
    """One paragraph's text and the closers of what it leaves open."""
    open_: list[str] = []
    for ch in line:
        if ch in EMBEDDINGS or ch in ISOLATES:
            open_.append(ch)
        elif ch == PDF:
            if open_ and open_[-1] in EMBEDDINGS:  # a PDF never closes past an isolate
                open_.pop()
        elif ch == PDI and any(c in ISOLATES for c in open_):
            while open_.pop() not in ISOLATES:  # a PDI closes its isolate and all inside
                pass
    return line + "".join(PDI if c in ISOLATES else PDF for c in reversed(open_))


def drop_bidi(text: str) -> str:
    """``text`` without any embedding, override, isolate or their closers (marks such as
    U+200F stay: they change the direction of nothing after them)."""
    return text if text.isprintable() else _BIDI.sub("", text)


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character :func:`show_controls` would replace or any explicit
    bidirectional formatting (what a link target must not hold)."""
    return show_controls(text) != text or bool(_BIDI.search(text))
