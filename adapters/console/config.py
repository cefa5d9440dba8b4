"""The ``[console]`` table of scoopwatch.toml."""

from __future__ import annotations

from bot.config_types import NonEmptyStr, PlatformSection


class ConsoleSection(PlatformSection):
    """``enabled`` unset: on when no other platform is."""

    member: NonEmptyStr = "you"
