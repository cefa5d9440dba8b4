"""``scoopwatch notes export``: differentiation notes as Markdown, CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli import CliState, db_option, fail_cleanly, main, run_async


@main.group()
def notes() -> None:
    """Differentiation notes."""


@notes.command("export")
@click.option("--topic", default=None, help="Only this topic.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write to a file instead of standard output.")
@db_option
@click.pass_obj
@fail_cleanly
def notes_export(
    state: CliState, topic: str | None, fmt: str, output: str | None, db: str | None
) -> None:
    """Export notes as Markdown, CSV or JSON (the raw material of a related-work section)."""
    from bot.core.notes.export import export_notes
    from bot.store.db import Database
    from bot.store.stores import Stores

    async def go() -> bytes:
        async with await Database.open(state.db_path(db)) as database:
            return await export_notes(Stores.on(database), topic=topic, fmt=fmt)

    data = run_async(go())
    if output:
        Path(output).write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
