"""What the Discord adapter needs from the configuration, and the REST base URL switch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from discord.http import Route

from adapters.discord.plugin import DISCORD, TOKEN
from bot.errors import ConfigError, ScoopwatchError

if TYPE_CHECKING:  # typing only: discord.types and discord import each other
    from discord.types.threads import ThreadArchiveDuration

    from bot.config import Config

BAD_TOKEN = "Discord rejected the bot token (check SCOOPWATCH_DISCORD_TOKEN)"


class DiscordStartError(ScoopwatchError):
    """Discord refused: bad token, missing intent or scope, no gateway connection."""


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    """The token (from the environment only), command guilds, how long paper threads stay
    open, and an optional REST base."""

    token: str
    guild_ids: tuple[int, ...] = ()
    api_url: str | None = None  # e.g. "https://discord.com/api/v10"; None: discord.py's own
    sync_on_start: bool = True
    thread_archive_minutes: ThreadArchiveDuration = 10080  # a week: threads stay listed

    def __repr__(self) -> str:  # never show the token
        return f"DiscordSettings(guild_ids={self.guild_ids!r}, api_url={self.api_url!r})"

    @classmethod
    def from_config(cls, config: Config) -> DiscordSettings:
        """From the ``[discord]`` table and the Discord token of ``config``."""
        token = DISCORD.secret(config, TOKEN)
        if token is None:
            raise ConfigError("discord: a bot token is needed (SCOOPWATCH_DISCORD_TOKEN)")
        section = DISCORD.settings(config)
        api_url = section.api_url
        return cls(token=token.get(), guild_ids=tuple(int(g) for g in section.guild_ids),
                   api_url=str(api_url) if api_url else None,
                   thread_archive_minutes=section.thread_archive_minutes)


@contextmanager
def api_base(url: str | None) -> Iterator[None]:
    """Point discord.py's REST calls (``Route.BASE``, shared by the whole process) at ``url``
    for the duration; ``None`` leaves it alone."""
    if not url:
        yield
        return
    previous = Route.BASE
    Route.BASE = url.rstrip("/")
    try:
        yield
    finally:
        Route.BASE = previous
