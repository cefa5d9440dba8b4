"""The Discord adapter: discord.py on the bot's loop, ``/scoop`` commands, embeds, threads.

``plugin.py`` registers Discord with the core without importing discord.py; ``bot.app`` then
builds the adapter with ``runner.DiscordAdapter.from_config``, registers ``adapter.port``
with the core, and awaits ``start()`` / ``stop()`` (or ``run(stop_event)``);
``scoopwatch discord sync`` (added by the plugin) calls ``sync.sync_commands``.
"""
