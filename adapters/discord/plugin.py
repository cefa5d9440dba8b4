"""Discord as the core sees it: the ``[discord]`` table, its token, when it runs, and
``scoopwatch discord sync``.

Registered as ``discord`` in the ``scoopwatch.adapters`` entry points (``bot/platforms.py``
says what a platform declares). Imports neither discord.py nor pydantic: a console-only run
lists Discord without loading its SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.platforms import Need, Platform, SecretSpec

if TYPE_CHECKING:
    import click

    from adapters.discord.config import DiscordSection
    from bot.config_models import Secret
    from bot.platforms import Adapter

TOKEN = SecretSpec("token", "DISCORD_TOKEN", "a Discord bot token")
SYNC_HELP = "Register /scoop with Discord now (the guilds in config, else globally); print changes."


class Discord(Platform["DiscordSection"]):
    name = "discord"
    title = "Discord"
    order = 20
    secrets = (TOKEN,)
    connect_hint = TOKEN.scoopwatch_env

    def settings_model(self) -> type[DiscordSection]:
        from adapters.discord.config import DiscordSection

        return DiscordSection

    def adapter(self) -> type[Adapter]:
        from adapters.discord.runner import DiscordAdapter

        return DiscordAdapter

    def wanted(self, settings: DiscordSection, found: Mapping[str, Secret]) -> bool:
        """On once a token is found."""
        return TOKEN.key in found

    def needs(self, settings: DiscordSection) -> Sequence[Need]:
        return (Need(TOKEN, "enabled", "Discord"),)

    def add_commands(self, cli: click.Group) -> None:
        """``scoopwatch discord sync``."""
        import click

        from bot.cli import CliState, fail_cleanly, run_async

        @cli.group("discord")
        def discord_group() -> None:
            """Discord application commands."""

        @discord_group.command("sync", help=SYNC_HELP)
        @click.pass_obj
        @fail_cleanly
        def discord_sync(state: CliState) -> None:
            from adapters.discord.sync import sync_commands

            for line in run_async(sync_commands(state.config)):
                click.echo(line)


DISCORD = Discord()
