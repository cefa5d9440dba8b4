"""``scoopwatch db upgrade``, ``db check`` and ``db backup``: schema migrations, the health
check and verified copies."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli import CliState, db_option, fail_cleanly, main, run_async


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@db_option
@click.pass_obj
@fail_cleanly
def db_upgrade(state: CliState, db: str | None) -> None:
    """Apply pending schema migrations."""
    from bot.store.db import Database

    async def go() -> tuple[list[int], int]:
        database = await Database.open(state.db_path(db), migrate=False)
        try:
            applied = await database.upgrade()
            return applied, await database.schema_version()
        finally:
            await database.close()

    applied, version = run_async(go())
    if applied:
        click.echo(f"applied migrations {', '.join(map(str, applied))}; schema version {version}")
    else:
        click.echo(f"schema is current (version {version})")


@db.command("check")
@db_option
@click.pass_obj
@fail_cleanly
def db_check(state: CliState, db: str | None) -> None:
    """Exit 0 when the database is intact and its schema current (used by the HEALTHCHECK).

    Reads every page (SQLite's quick_check) and every reference between tables, without
    writing; safe while the bot runs. Damage exits 2, an old schema 1.
    """
    from bot.store.integrity import check_file
    from bot.store.migrations import LATEST_SCHEMA_VERSION

    path = state.db_path(db, check=False)
    if not Path(path).exists():
        click.echo(f"error: no database at {path}", err=True)
        sys.exit(1)
    health = check_file(path)
    if not health.ok:
        more = len(health.problems) - 1
        extra = f" (and {more} more problem{'s' * (more != 1)})" if more else ""
        what = "is damaged" if health.damage else "has rows that refer to missing rows"
        click.echo(f"error: the database {path} {what}: {health.problems[0]}{extra}; restore "
                   "the latest copy made with `scoopwatch db backup`", err=True)
        sys.exit(2)
    version = health.schema_version
    if version != LATEST_SCHEMA_VERSION:
        click.echo(f"error: schema version {version}, expected {LATEST_SCHEMA_VERSION}; "
                   "run `scoopwatch db upgrade`", err=True)
        sys.exit(1)
    click.echo(f"ok: {path} (schema version {version}, intact)")


@db.command("backup")
@click.argument("target", metavar="PATH", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists (only once the new copy "
              "has passed its checks).")
@db_option
@click.pass_obj
@fail_cleanly
def db_backup(state: CliState, target: str, force: bool, db: str | None) -> None:
    """Copy the database to PATH with SQLite's online backup, then verify the copy.

    Safe while the bot runs (it keeps writing meanwhile); never overwrites PATH without
    --force. Restore by stopping the bot and putting the copy in the database's place.
    """
    from bot.store.backup import backup_file

    source = state.db_path(db, check=False)  # the copy is verified instead
    done = backup_file(source, target, force=force)
    click.echo(f"backed up {source} to {done.path}: {done.size:,} bytes, schema version "
               f"{done.schema_version}, verified intact ({done.seconds:.1f} s)")
