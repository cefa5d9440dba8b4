"""Typing into a console session and reading what it printed, for the console's tests."""

from __future__ import annotations

import io
import re

from adapters.console.chat import ConsoleSession

CARD = re.compile(r"^#(\d+) .+\n  https://arxiv\.org/abs/", flags=re.MULTILINE)


async def typed(session: ConsoleSession, out: io.StringIO, *lines: str) -> str:
    """Type ``lines`` into ``session``; what the console printed meanwhile."""
    start = len(out.getvalue())
    for text in lines:
        await session.handle_line(text)
    return out.getvalue()[start:]


def cards(printed: str) -> list[int]:
    """Post numbers of the cards a digest printed (a card's second line is its link)."""
    return [int(n) for n in CARD.findall(printed)]
