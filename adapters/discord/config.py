"""The ``[discord]`` table of scoopwatch.toml (its token comes from the environment or a file)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator

from bot.config_types import FilePath, HttpUrl, ListOf, PlatformSection, expected


def _discord_id(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**64:
        return value
    raise expected("a Discord id (a positive integer)", value)


DiscordId = Annotated[int, BeforeValidator(_discord_id)]


class DiscordSection(PlatformSection):
    """``enabled`` unset: on when a token is found."""

    guild_ids: ListOf[DiscordId] = ()
    token_file: FilePath | None = None
    api_url: HttpUrl | None = None
    # Minutes of quiet before a paper thread leaves the channel's list; Discord's own choices.
    thread_archive_minutes: Literal[60, 1440, 4320, 10080] = 10080
