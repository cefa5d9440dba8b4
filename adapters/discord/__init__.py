"""The Discord adapter: discord.py on the bot's loop, ``/scoop`` commands, embeds, threads.

``bot.app`` builds it with :meth:`DiscordAdapter.from_config`, registers ``adapter.port``
with the core, and awaits ``start()`` / ``stop()`` (or ``run(stop_event)``);
``scoopwatch discord sync`` calls :func:`sync_commands`.
"""

from adapters.discord.interactions import CoreApi
from adapters.discord.port import DiscordPort
from adapters.discord.runner import DiscordAdapter
from adapters.discord.settings import DiscordSettings, DiscordStartError
from adapters.discord.sync import sync_commands

__all__ = ["CoreApi", "DiscordAdapter", "DiscordPort", "DiscordSettings", "DiscordStartError",
           "sync_commands"]
