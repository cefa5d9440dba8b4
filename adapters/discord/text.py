"""Escaping and length limits for Discord text.

Discord renders markdown in message content, embed descriptions and field values, and turns
``@everyone``/``<@id>`` into pings. Every string from the core is plain text (often quoting
what a user typed), so it is escaped here before it reaches any message; mentions are only
ever built by :func:`mention` from member ids. The core's own layout (list items, code, a
preformatted block) arrives as structure and is drawn here with Discord's markup, which is
never escaped (:func:`block_markdown`). Over-long text is shortened with an ellipsis, never
rejected: Discord answers 400 for a message over any limit.

Before any of that, :func:`visible` shows control characters as symbols and drops explicit
bidirectional formatting (:mod:`adapters.controls`). Discord's API strips characters "which
cause unexpected message formatting" from what it receives, the right-to-left override among
them, and does so after the bot has escaped the text: ``@\u202eeveryone`` would reach the
channel as ``@everyone`` and ``<@\u202e123…>`` as a mention. Dropping them first makes the
escaping see the text Discord will show.
"""

from __future__ import annotations

import re

from discord.utils import escape_markdown, escape_mentions

from adapters.controls import drop_bidi, has_unsafe, show_controls
from bot.messages import Block, Code, Preformatted, SpaceWord, Span

ELLIPSIS = "…"
SPACE_WORD = "server"  # what Discord calls the group the bot serves
INDENT = "\u2003"  # one em space per level: plain spaces may be read as list nesting
_ZWSP = "\u200b"
_SNOWFLAKE = re.compile(r"\d{15,21}")
_OPEN_TAG = re.compile(r"<[^<>]*$")


def visible(text: str) -> str:
    """User text as Discord will show it: controls as symbols, no bidi formatting."""
    return drop_bidi(show_controls(text))


def escape(text: str) -> str:
    """Plain text -> inert Discord markdown: no formatting, links or pings from user text."""
    return escape_mentions(escape_markdown(visible(text)))


def safe_url(url: str | None, limit: int) -> str | None:
    """An http(s) URL Discord can take as a link target (at most ``limit`` characters, no
    whitespace, control or bidi character), or None: the text is then shown unlinked."""
    if not url or not url.startswith(("https://", "http://")) or len(url) > limit:
        return None
    if has_unsafe(url) or any(ch.isspace() for ch in url):
        return None
    return url


def fit(text: str, limit: int) -> str:
    """``text`` (already escaped or markup) cut to ``limit`` characters with an ellipsis.

    The cut never leaves a dangling backslash (it would escape the ellipsis) or half a
    ``<@id>`` tag (it would show raw markup).
    """
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    cut = _OPEN_TAG.sub("", cut)
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def plain_fit(raw: str, limit: int) -> str:
    """Escape then fit: the usual path for one piece of user-supplied text."""
    return fit(escape(raw), limit)


def is_snowflake(value: str) -> bool:
    return bool(_SNOWFLAKE.fullmatch(value))


def mention(member_id: str) -> str:
    """``<@id>`` for a Discord user id; anything else is shown escaped, never as a ping."""
    return f"<@{member_id}>" if is_snowflake(member_id) else escape(f"@{member_id}")


def join_fitting(items: list[str], sep: str, limit: int) -> str:
    """Join whole items (which may hold markup) up to ``limit``, then say how many were left."""
    kept: list[str] = []
    for i, item in enumerate(items):
        candidate = sep.join([*kept, item])
        rest = len(items) - i - 1
        reserve = len(sep) + len(f"{ELLIPSIS} (+{rest})") if rest else 0
        if len(candidate) + reserve > limit:
            more = f"{ELLIPSIS} (+{len(items) - i})"
            joined = sep.join([*kept, more])
            return joined if len(joined) <= limit else fit(more, limit)
        kept.append(item)
    return sep.join(kept)


def code(raw: str) -> str:
    """Inline code; text a code span can't hold (backticks, line breaks) is shown escaped."""
    text = visible(raw)
    if not text.strip() or "`" in text or "\n" in text:
        return escape(text)
    return f"`{escape_mentions(text)}`"


def inline(span: Span) -> str:
    if isinstance(span, Code):
        return code(span.text)
    if isinstance(span, SpaceWord):
        return SPACE_WORD
    return escape(span)


def fenced(raw: str) -> str:
    """A code block; a run of backticks inside is broken up so it can't close the block."""
    body = visible(raw).replace("``", f"`{_ZWSP}`").replace("``", f"`{_ZWSP}`")
    return f"```\n{escape_mentions(body)}\n```"


def block_markdown(block: Block) -> str:
    """One block of a reply as Discord markdown: list items as ``- `` items, escaped text."""
    if isinstance(block, Preformatted):
        return fenced(block.text)
    text = "".join(inline(s) for s in block.spans)
    if block.item:
        return f"- {text}"
    return INDENT * block.indent + text
