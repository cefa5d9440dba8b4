"""The ``scoopwatch`` command line: run the bot, ingest and inspect papers, maintain the store.

This module holds the ``main`` group and what every command shares (``--config``/``--db``
wherever they are given, the lazily loaded config, clean failures); each command group lives
in its own module (``run``, ``papers``, ``analysis``, ``notes``, ``labs``, ``trends``,
``db``, ``config``), and each chat platform may add its own (``Platform.add_commands``).

Every command has ``--help``; failures are one clear line on stderr and a non-zero exit
(2 for configuration and usage errors and for a database that is damaged, no database or
unusable, 1 for everything else). Heavy modules are imported
inside the commands so ``scoopwatch --help`` stays instant.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from bot.errors import ConfigError, ScoopwatchError, StoreError
from bot.log_redaction import protect_logs
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
            protect_logs(self._config.secrets.secret_values())
        return self._config

    def db_path(self, override: str | None = None, *, check: bool = True) -> str:
        """The database this command works on.

        With ``check``, an existing file must first pass SQLite's quick_check, so a damaged
        file, or one that is no database, stops the command with one line (exit 2) before it
        reads half a store; commands that check the file their own way pass False.
        """
        path = override or self.db or str(self.config.storage.db_path)
        if check:
            from bot.store.integrity import refuse_damage

            refuse_damage(path)
        return path

    def known_db_path(self) -> str | None:
        """The database path when it is known without loading the config (for error lines,
        which must not fail themselves)."""
        if self.db is not None:
            return self.db
        return str(self._config.storage.db_path) if self._config is not None else None


def fail_cleanly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn scoopwatch's own errors into one line and an exit status instead of a traceback.

    Every command goes through here, so this is also where a damaged database becomes one
    line: at open (``StoreError``) or half-way, when a query reaches a damaged page
    (SQLite's own ``DatabaseError``).
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ConfigError, StoreError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except sqlite3.DatabaseError as exc:
            status, line = _database_failure(exc)
            click.echo(f"error: {line}", err=True)
            sys.exit(status)
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


def _database_failure(exc: sqlite3.DatabaseError) -> tuple[int, str]:
    """Exit status and line for an SQLite error that reached the command line."""
    from bot.store.integrity import damaged, is_damage

    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(CliState) if ctx is not None else None
    path = (state.known_db_path() if state is not None else None) or "the database"
    if is_damage(exc):
        return 2, str(damaged(path, exc))
    return 1, f"{path}: {exc}"


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
    protect_logs()  # credentials in URLs and headers now; the config's secrets once it loads
    ctx.ensure_object(CliState)


# Every command group registers itself on ``main`` when imported; then the platforms add theirs.
from bot.cli import analysis, config, db, labs, notes, papers, run, trends  # noqa: E402

for _platform in platforms():
    _platform.add_commands(main)

__all__ = ["CliState", "analysis", "config", "db", "fail_cleanly", "labs", "main", "notes",
           "papers", "run", "run_async", "trends"]
