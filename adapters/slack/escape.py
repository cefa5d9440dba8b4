"""Slack text safety: escaping user text, building the only mentions and links we allow, limits.

Slack parses ``&``, ``<`` and ``>`` as control characters in ``mrkdwn`` and in a message's
``text``; escaping them in every user-supplied string means ``<!channel>``, ``<@U…>``,
``<#C…>`` or ``<url|label>`` can only come from the functions here. ``plain_text`` objects are
never parsed for mentions or links, so their text is passed through unescaped (Slack would show
``&lt;`` literally). All mrkdwn objects are sent with ``verbatim`` so Slack does not auto-link
bare names either. The core's own layout (list items, code, a preformatted block) arrives as
structure and is drawn here with mrkdwn (:func:`block_mrkdwn`); only text is escaped.

Before any of that, :func:`visible` shows control characters as symbols and closes the
bidirectional runs a line of user text leaves open (:mod:`adapters.controls`): Slack renders
them as sent (a right-to-left override would reverse the rest of the line, the bot's own words
and links included), and a member reading a NUL's symbol knows something was there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from adapters.controls import close_bidi, has_unsafe, show_controls
from bot.messages import Block, Code, Preformatted, SpaceWord, Span

ELLIPSIS = "…"
SPACE_WORD = "workspace"  # what Slack calls the group the bot serves
BULLET = "• "  # mrkdwn has no list syntax
_ZWSP = "\u200b"
MEMBER_ID_RE = re.compile(r"[UW][A-Z0-9]+")
_BROADCAST_RE = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_WORD_JOINER = "\u2060"
_URL_UNSAFE = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", '"': "%22"}


def visible(text: str) -> str:
    """User text as Slack may show it: controls as symbols, open bidi runs closed per line."""
    return close_bidi(show_controls(text))


def cut(text: str, limit: int) -> str:
    """Rendered text cut to at most ``limit`` characters, the bidi runs the cut leaves open
    closed within it (a last-resort cut; pieces of user text are fitted before)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    while len(closed := close_bidi(head)) > limit:
        head = head[: limit - (len(closed) - len(head))]
    return closed


def escape(text: str) -> str:
    """Escape Slack's control characters and defuse bare ``@here``-style broadcasts.

    mrkdwn has no escape for backticks, so runs of them are broken up: three typed ones
    would otherwise open a code block that the bot's own fence closes, inside out."""
    out = _break_backticks(visible(text))
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST_RE.sub("@" + _WORD_JOINER, out)


def _break_backticks(text: str) -> str:
    return text.replace("``", f"`{_ZWSP}`").replace("``", f"`{_ZWSP}`")


def unescape(text: str) -> str:
    """Undo the entity escaping Slack applies to inbound text (commands, messages)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text: str) -> str:
    """Text for a ``plain_text`` object: inert already, so only broadcasts are defused."""
    return _BROADCAST_RE.sub("@" + _WORD_JOINER, visible(text))


def is_member_id(member_id: str) -> bool:
    """A Slack user id (``U…``/``W…``): the only thing we ever wrap in ``<@…>``."""
    return bool(MEMBER_ID_RE.fullmatch(member_id))


def mention(member_id: str) -> str:
    """``<@U…>`` for a valid user id; anything else is shown as inert text."""
    if is_member_id(member_id):
        return f"<@{member_id}>"
    return "@" + escape(member_id)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe inside ``<…|…>``, or None when it is not one."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if has_unsafe(url) or "\n" in url or "\t" in url:  # show the label, unlinked
        return None
    out = url.replace("&", "&amp;")
    for bad, good in _URL_UNSAFE.items():
        out = out.replace(bad, good)
    return out


def link(url: str | None, label: str, limit: int) -> str:
    """``<url|label>`` with the label escaped and shortened to fit ``limit``; plain if no URL."""
    target = safe_url(url)
    if target is None:
        return fit(label, limit)
    room = limit - len(target) - 3
    if room < 10:  # an absurd URL: show the label, drop the link
        return fit(label, limit)
    return f"<{target}|{fit(label, room)}>"


def fit(raw: str, limit: int, transform: Callable[[str], str] = escape) -> str:
    """``transform(raw)`` shortened with an ellipsis so the result has at most ``limit`` chars.

    The raw text is cut (at a word boundary when one is near), never the escaped text, so an
    entity like ``&amp;`` is never split.
    """
    out = transform(raw)
    if len(out) <= limit:
        return out
    room = limit - len(ELLIPSIS)
    if room <= 0:
        return ELLIPSIS[: max(limit, 0)]
    n = _raw_prefix(raw, room, transform)
    head = raw[:n]
    space = head.rfind(" ")
    if space > n * 0.8:
        head = head[:space]
    head = head.rstrip(" ,.;:")
    if len(transform(head)) > room:
        return ELLIPSIS
    return transform(head) + ELLIPSIS


def chunks(raw: str, limit: int, transform: Callable[[str], str] = escape) -> list[str]:
    """Split ``raw`` on line boundaries into transformed pieces of at most ``limit`` chars."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in raw.split("\n"):
        parts = _hard_split(line, limit, transform)
        for out in parts:
            extra = len(out) + (1 if current else 0)
            if current and size + extra > limit:
                pieces.append("\n".join(current))
                current, size, extra = [], 0, len(out)
            current.append(out)
            size += extra
    if current:
        pieces.append("\n".join(current))
    return [p for p in pieces if p.strip()] or [""]


def _hard_split(line: str, limit: int, transform: Callable[[str], str]) -> list[str]:
    """One line as transformed parts of at most ``limit`` chars (usually just one)."""
    parts: list[str] = []
    while True:
        out = transform(line)
        if len(out) <= limit:
            return [*parts, out]
        n = _raw_prefix(line, limit, transform)
        parts.append(transform(line[:n]))
        line = line[n:]


def _raw_prefix(raw: str, limit: int, transform: Callable[[str], str]) -> int:
    """The longest prefix of ``raw`` whose transformed form fits ``limit`` (at least 1)."""
    lo, hi = 1, min(len(raw), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(transform(raw[:mid])) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def code(raw: str) -> str:
    """Inline code; text a code span can't hold (backticks, line breaks) is shown escaped."""
    if not raw.strip() or "`" in raw or "\n" in raw:
        return escape(raw)
    return f"`{escape(raw)}`"


def inline(span: Span) -> str:
    if isinstance(span, Code):
        return code(span.text)
    if isinstance(span, SpaceWord):
        return SPACE_WORD
    return escape(span)


def fence_body(raw: str) -> str:
    """Text for inside a preformatted block: escaped (which breaks up runs of backticks, so
    it can't close the block)."""
    return escape(raw)


def fenced(raw: str) -> str:
    return f"```{fence_body(raw)}```"


def block_mrkdwn(block: Block) -> str:
    """One block of a reply as mrkdwn: list items get a bullet, text is escaped."""
    if isinstance(block, Preformatted):
        return fenced(block.text)
    text = "".join(inline(s) for s in block.spans)
    return ("  " * block.indent) + (BULLET if block.item else "") + text
