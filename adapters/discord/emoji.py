"""Reaction names between the core and Discord.

The core speaks Slack-style names (it acknowledges notes with ``white_check_mark``) and
stores feedback emoji as names so both platforms' feedback reads alike; Discord wants the
Unicode character for standard emoji and ``name:id`` for custom ones.
"""

from __future__ import annotations

import re

import discord

_UNICODE = {
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "+1": "👍", "thumbsup": "👍",
    "-1": "👎", "thumbsdown": "👎", "eyes": "👀", "star": "⭐", "heart": "❤️", "tada": "🎉",
    "x": "❌", "question": "❓", "fire": "🔥", "warning": "⚠️", "bookmark": "🔖",
    "memo": "📝", "rocket": "🚀", "thinking_face": "🤔", "100": "💯", "office": "🏢",
    "hand": "✋", "raised_hand": "✋",
}
_NAMES = {
    **{v: k for k, v in reversed(list(_UNICODE.items()))},
    "❤": "heart", "✔": "heavy_check_mark", "⚠": "warning",
}
_SKIN_TONES = re.compile("[\U0001F3FB-\U0001F3FF]")


def to_discord(emoji: str) -> str:
    """A core emoji name (``:+1:`` or ``+1``), a Unicode emoji or ``name:id`` for Discord."""
    name = emoji.strip().strip(":")
    return _UNICODE.get(name, name)


def to_core(emoji: discord.PartialEmoji) -> str:
    """A Discord reaction as the core stores it: a known name, else the character or name."""
    if emoji.is_custom_emoji():
        return emoji.name or str(emoji.id)
    raw = emoji.name or ""
    bare = _SKIN_TONES.sub("", raw.replace("\ufe0f", ""))  # every tone of ✋ means the same
    return _NAMES.get(raw) or _NAMES.get(bare) or raw
