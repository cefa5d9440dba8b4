"""The ``[console]`` table of scoopwatch.toml."""

from __future__ import annotations

from bot.config_types import FilePath, NonEmptyStr, PlatformSection


class ConsoleSection(PlatformSection):
    """``enabled`` unset: on when no other platform is. ``files_dir``: where files the bot
    posts that a terminal cannot show (charts) are saved; unset, a ``scoopwatch`` folder in the
    system's temporary directory."""

    member: NonEmptyStr = "you"
    files_dir: FilePath | None = None
