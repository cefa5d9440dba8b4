"""Where a card's or header's marker sits in a Discord message, and how ``find_marker`` knows
it.

The marker is the last part of the first embed's footer: the whole footer of a card
(``sw:paper:5d1c9a0f3b2e7c41``), after the "more papers" hint of a header
(``1 more: /scoop digest now since 2024-11-20 · sw:digest:3f9c0a1b2c4d``). Recovery asks "is
this the message?", so the answer must be exact: the footer's marker whole (``sw:jsonl:p-1``
never matches ``sw:jsonl:p-10``), never text elsewhere in the message (a title, an abstract or
a member quoting a marker).
"""

from __future__ import annotations

import discord

from adapters.discord.limits import FOOTER_MAX
from adapters.discord.text import fit

SEPARATOR = " · "  # between a header's hint and its marker


def marker_footer(marker: str, before: str = "") -> str:
    """The footer carrying ``marker`` last, after ``before`` (a header's hint) cut to fit."""
    if not before:
        return fit(marker, FOOTER_MAX)
    shown = fit(marker, FOOTER_MAX // 2)
    return fit(before, FOOTER_MAX - len(shown) - len(SEPARATOR)) + SEPARATOR + shown


def carries_marker(msg: discord.Message, marker: str) -> bool:
    """Whether ``msg`` carries exactly ``marker`` as its marker."""
    footer = (msg.embeds[0].footer.text or "") if msg.embeds else ""
    return footer == fit(marker, FOOTER_MAX) or footer.endswith(
        SEPARATOR + fit(marker, FOOTER_MAX // 2))
