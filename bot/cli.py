"""The ``scoopwatch`` command line: run the bot, ingest and inspect papers, maintain the store.

Every command has ``--help``; failures are one clear line on stderr and a non-zero exit
(2 for configuration and usage errors, 1 for everything else). Heavy modules are imported
inside the commands so ``scoopwatch --help`` stays instant.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from bot.errors import ConfigError, ScoopwatchError
from bot.platforms import platforms
from bot.sources.base import SourceFormat

if TYPE_CHECKING:
    from bot.config import Config

P = ParamSpec("P")
R = TypeVar("R")

FORMAT_CHOICES = ["auto", *(f.value for f in SourceFormat)]


class CliState:
    """``--config``/``--db`` (given before or after the subcommand) and the lazily loaded config.

    Both options are accepted in either position because the README writes
    ``scoopwatch run --config PATH`` and click alone only reads group options before the
    subcommand; the two places must not disagree.
    """

    def __init__(self, config_path: str | None = None, db: str | None = None) -> None:
        self.config_path = config_path
        self.db = db
        self._config: Config | None = None

    def set_option(self, name: str, value: str | None) -> None:
        """Record ``--config``/``--db``; the same option given twice must name the same path."""
        if value is None:
            return
        attr = "config_path" if name == "config" else "db"
        current = getattr(self, attr)
        if current is not None and current != value:
            raise click.UsageError(
                f"--{name} given twice with different paths ({current} and {value})")
        setattr(self, attr, value)

    @property
    def config(self) -> Config:
        if self._config is None:
            from bot.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    def db_path(self, override: str | None = None) -> str:
        return override or self.db or str(self.config.storage.db_path)


def fail_cleanly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn scoopwatch's own errors into one line and an exit status instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except ScoopwatchError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except BrokenPipeError:  # `scoopwatch papers --json | head`: the reader left, fine
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(1)

    return wrapper


def run_async(coro: Coroutine[Any, Any, R]) -> R:
    """Run one coroutine to completion on a fresh event loop."""
    return asyncio.run(coro)


format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True,
    help="Input format (auto-detected by default).",
)


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Store ``--config``/``--db`` on the shared state, wherever on the line it was given; a
    command's own ``--db`` receives the one given before the command when it has none."""
    state = ctx.ensure_object(CliState)
    state.set_option(str(param.name), value)
    return state.db if param.name == "db" else value


_CONFIG_HELP = "TOML config (default: $SCOOPWATCH_CONFIG, ./scoopwatch.toml, built-in defaults)."
_DB_HELP = "SQLite file (default: storage.db_path)."


def config_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--config PATH``, recorded on the shared state instead of passed to the command."""
    return click.option("--config", "config", metavar="PATH", default=None, expose_value=False,
                        callback=_remember, help=_CONFIG_HELP)


db_option = click.option("--db", "db", metavar="PATH", default=None, callback=_remember,
                         help=_DB_HELP)


class ScoopwatchGroup(click.Group):
    """A group whose every command also takes ``--config`` after its name, as the README
    writes it (``scoopwatch run --config PATH``), including commands added later."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not isinstance(cmd, click.Group):
            if not any("--config" in p.opts for p in cmd.params):
                config_option()(cmd)
            for param in cmd.params:  # a command's own --db also honours `scoopwatch --db X`
                if "--db" in param.opts and param.callback is None:
                    param.callback = _remember
        super().add_command(cmd, name)

    group_class = type  # subgroups (notes, db, ...) are ScoopwatchGroups too


@click.group(cls=ScoopwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@config_option()
@click.option("--db", "db", metavar="PATH", default=None, expose_value=False,
              callback=_remember, help=_DB_HELP + " Commands without a store ignore it.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="scoopwatch")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """scoopwatch: flags industry-lab papers that overlap your lab's topics.

    --config and --db may be given before or after the command.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(CliState)


# --- run ------------------------------------------------------------------------------------


@main.command()
@db_option
@click.pass_obj
@fail_cleanly
def run(state: CliState, db: str | None) -> None:
    """Run the bot: adapters, scheduled fetches and digests (console when no tokens are set)."""
    from bot.app import run_bot

    config = state.config
    logging.getLogger().setLevel(config.bot.log_level)
    if logging.getLogger().level > logging.DEBUG:
        # APScheduler narrates every job at INFO; keep its warnings and errors only.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sys.exit(run_async(run_bot(config, db_path=state.db_path(db))))


@main.command()
@click.option("--db", "db", metavar="FILE", default=None,
              help="Keep the demo in this new file (default: a temporary one, deleted after).")
@click.pass_obj
@fail_cleanly
def demo(state: CliState, db: str | None) -> None:
    """Try the whole loop offline: a recorded arXiv day, two topics, a digest, your replies.

    Never fetches and never opens your configured database. Piped input runs as a script.
    """
    from bot.demo import run_demo

    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sys.exit(run_async(run_demo(state.config, db_path=db)))


# --- papers in and out ----------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@format_option
@db_option
@click.pass_obj
@fail_cleanly
def ingest(state: CliState, files: tuple[str, ...], fmt: str, db: str | None) -> None:
    """Parse recorded arXiv/OpenAlex/OAI-PMH/JSON Lines files into the store.

    Each file is parsed completely before anything is written, so a broken file leaves the
    store untouched. Prints new, updated, unchanged and skipped counts per file.
    """
    from bot.cli_papers import ingest_files

    failures = run_async(ingest_files(state.db_path(db), files, fmt, click.echo))
    if failures:
        sys.exit(1)


@main.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Announcement date to expect (default: the latest).")
@db_option
@click.pass_obj
@fail_cleanly
def fetch(state: CliState, day: Any, db: str | None) -> None:
    """Fetch the day's arXiv announcement live, then affiliations for the papers that need them."""
    from bot.cli_papers import fetch_live

    when: date | None = day.date() if day else None
    ok = run_async(fetch_live(state.config, state.db_path(db), when, click.echo))
    if not ok:
        sys.exit(1)


@main.command()
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--category", default=None, help="One arXiv category, e.g. cs.LG (default: config).")
@db_option
@click.pass_obj
@fail_cleanly
def backfill(
    state: CliState, date_from: Any, date_to: Any, category: str | None, db: str | None
) -> None:
    """Harvest past papers through arXiv's OAI-PMH interface."""
    from bot.cli_papers import backfill_oai

    if date_to < date_from:
        raise click.BadParameter("--to is before --from")
    run_async(
        backfill_oai(
            state.config, state.db_path(db), date_from.date(), date_to.date(), category, click.echo
        )
    )


@main.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@db_option
@click.pass_obj
@fail_cleanly
def papers(state: CliState, since: Any, as_json: bool, db: str | None) -> None:
    """List stored papers."""
    from bot.cli_papers import list_papers

    run_async(list_papers(state.db_path(db), since.date() if since else None, as_json, click.echo))


@main.command()
@click.argument("papers_files", metavar="PAPERS...", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--topics", "topics_file", required=True, type=click.Path(dir_okay=False),
              help="One topic per line: 'name: query' ('#' starts a comment).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match.")
@db_option
@click.pass_obj
@fail_cleanly
def match(
    state: CliState, papers_files: tuple[str, ...], topics_file: str, as_json: bool, db: str | None
) -> None:
    """Match topics against papers from files (any `ingest` format) or from the store."""
    from bot.cli_analysis import match_command

    db = db or state.db
    if not papers_files and db is None:
        raise click.UsageError("give PAPERS files or --db PATH")
    run_async(match_command(papers_files, db, Path(topics_file), as_json, click.echo))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@format_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record.")
@click.pass_obj
@fail_cleanly
def detect(state: CliState, files: tuple[str, ...], fmt: str, as_json: bool) -> None:
    """Run the industry-lab detector on recorded data (no store involved)."""
    from bot.cli_analysis import detect_command

    detect_command(state.config, files, fmt, as_json, click.echo)


# --- notes ----------------------------------------------------------------------------------


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
    from bot.core.export import export_notes
    from bot.store.db import Database

    async def go() -> bytes:
        async with await Database.open(state.db_path(db)) as database:
            return await export_notes(database, topic=topic, fmt=fmt)

    data = run_async(go())
    if output:
        Path(output).write_bytes(data)
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# --- maintenance ----------------------------------------------------------------------------


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


@main.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("check")
@click.pass_obj
@fail_cleanly
def config_check(state: CliState) -> None:
    """Validate the configuration and print it with secrets masked."""
    from bot.cli_analysis import render_masked_config

    config = state.config
    click.echo(f"# configuration from {config.source or 'built-in defaults'}")
    click.echo(render_masked_config(config.masked()))


for _platform in platforms():  # each chat platform may add its own commands
    _platform.add_commands(main)


if __name__ == "__main__":  # pragma: no cover
    main()
