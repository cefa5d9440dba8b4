"""``scoopwatch db upgrade`` and ``db check``: schema migrations and the health check."""

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
    """Exit 0 when the database opens and its schema is current (used by the HEALTHCHECK)."""
    from bot.store.db import LATEST_SCHEMA_VERSION, Database

    path = state.db_path(db)
    if not Path(path).exists():
        click.echo(f"error: no database at {path}", err=True)
        sys.exit(1)

    async def go() -> int:
        database = await Database.open(path, migrate=False)
        try:
            return await database.schema_version()
        finally:
            await database.close()

    version = run_async(go())
    if version != LATEST_SCHEMA_VERSION:
        click.echo(f"error: schema version {version}, expected {LATEST_SCHEMA_VERSION}; "
                   "run `scoopwatch db upgrade`", err=True)
        sys.exit(1)
    click.echo(f"ok: {path} (schema version {version})")
