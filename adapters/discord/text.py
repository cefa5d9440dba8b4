"""Escaping and length limits for Discord text.

Discord renders markdown in message content, embed descriptions and field values, and turns
``@everyone``/``<@id>`` into pings. Every string from the core is plain text (often quoting
what a user typed), so it is escaped here before it reaches any message; mentions are only
ever built by :func:`mention` from member ids. Over-long text is shortened with an ellipsis,
never rejected: Discord answers 400 for a message over any limit.
"""

from __future__ import annotations

import re

from discord.utils import escape_markdown, escape_mentions

ELLIPSIS = "…"
_SNOWFLAKE = re.compile(r"\d{15,21}")
_OPEN_TAG = re.compile(r"<[^<>]*$")


def escape(text: str) -> str:
    """Plain text -> inert Discord markdown: no formatting, links or pings from user text."""
    return escape_mentions(escape_markdown(text))


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
