"""``scoopwatch labs suggest``: the companies on recent papers that the watched labs miss, with
the ``[industry] extra_labs`` entries that watch them (the same answer as ``/scoop labs
suggest``, every company listed)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.cli import CliState, db_option, fail_cleanly, main, run_async


@main.group()
def labs() -> None:
    """The industry labs the bot watches."""


@labs.command("suggest")
@click.option("--weeks", type=click.IntRange(1, 52), default=8, show_default=True,
              help="How many weeks of stored papers to read.")
@db_option
@click.pass_obj
@fail_cleanly
def labs_suggest(state: CliState, weeks: int, db: str | None) -> None:
    """Companies on the stored papers of the last weeks that no watched lab matches, most
    papers first, with example papers and the TOML to paste into the config."""
    from bot.core.commands.labs import find_suggestions, suggestion_blocks
    from bot.industry.registry import registry_from_config
    from bot.messages import plain_text
    from bot.store.db import Database

    registry = registry_from_config(state.config.industry)

    async def go() -> str:
        async with await Database.open(state.db_path(db)) as database:
            from bot.store.papers import PaperStore

            found = await find_suggestions(PaperStore(database), registry,
                                           datetime.now(UTC).date(), weeks)
        return plain_text(suggestion_blocks(found))

    click.echo(run_async(go()))
