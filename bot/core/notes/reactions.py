"""What a reaction on a paper card means: the one table every platform's reactions go through.

Platforms name the same emoji differently (Slack sends ``+1`` or ``+1::skin-tone-3``, Discord
and the console the character 👍, a member may type ``:thumbsup:``), so a reaction is first
brought to one stored name (:func:`canonical`); :data:`MEANINGS` then says what that name
teaches the bot. Feedback on a card is kept under that name, so stats and corrections read one
spelling. A reaction not in the table is still kept as feedback, with no further meaning.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.store.flag_corrections import CORRECTION_EMOJI


class Meaning(StrEnum):
    """What a member says with a reaction on a card."""

    RELEVANT = "relevant"
    NOT_RELEVANT = "not relevant to my topic"
    NOT_INDUSTRY = "not an industry paper"


RELEVANT, NOT_RELEVANT, NOT_INDUSTRY = "+1", "-1", CORRECTION_EMOJI
"""The stored names of the feedback reactions (Slack's own names for 👍, 👎 and 🏢)."""

MEANINGS: dict[str, Meaning] = {
    RELEVANT: Meaning.RELEVANT,
    NOT_RELEVANT: Meaning.NOT_RELEVANT,
    NOT_INDUSTRY: Meaning.NOT_INDUSTRY,
}

SYMBOLS: dict[str, str] = {RELEVANT: "👍", NOT_RELEVANT: "👎", NOT_INDUSTRY: "🏢"}
"""How the core writes each feedback reaction in its own messages (every platform shows the
character)."""

_ALIASES: dict[str, str] = {
    "thumbsup": RELEVANT, "👍": RELEVANT,
    "thumbsdown": NOT_RELEVANT, "👎": NOT_RELEVANT,
    "🏢": NOT_INDUSTRY, "office_building": NOT_INDUSTRY,
    "✋": "hand",  # typed as the character (the console); Slack and Discord send the name
}
_SKIN_TONE_NAME = re.compile(r"::skin-tone-\d$")
_SKIN_TONE_CHARS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")


def canonical(emoji: str) -> str:
    """The stored name of a reaction: colons, skin tones and variation selectors dropped, known
    spellings of the feedback reactions brought to their one name; any other emoji as given."""
    name = emoji.strip().strip(":")
    name = _SKIN_TONE_NAME.sub("", name)
    name = _SKIN_TONE_CHARS.sub("", name) or name
    return _ALIASES.get(name, name)


def meaning(emoji: str) -> Meaning | None:
    """What a reaction (in any spelling) says, or None for one the bot gives no meaning."""
    return MEANINGS.get(canonical(emoji))
