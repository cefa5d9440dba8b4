"""``scoopwatch run`` and ``scoopwatch demo``: the bot itself, live or on a recorded day."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli import CliState, db_option, fail_cleanly, main, run_async
from bot.log_redaction import protect_logs

if TYPE_CHECKING:
    from bot.config import Config


@main.command()
@db_option
@click.pass_obj
@fail_cleanly
def run(state: CliState, db: str | None) -> None:
    """Run the bot: adapters, scheduled fetches and digests (console when no tokens are set)."""
    from bot.app import run_bot

    config = state.config
    path = state.db_path(db, check=False)
    asked = logging.getLogger().level  # WARNING, or lower with -v/-vv
    logging.getLogger().setLevel(min(logging.getLevelNamesMapping()[config.bot.log_level], asked))
    if logging.getLogger().level > logging.DEBUG:
        # APScheduler narrates every job at INFO; keep its warnings and errors only.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if asked >= logging.WARNING and console_only(config):
        state.db_path(db)  # a damaged file stops here with its one line, before any other
        log_file = log_beside(path)
        click.echo(f"scoopwatch: the log is written to {log_file}; warnings also show here.",
                   err=True)
    # run_bot checks the file itself (also when embedded or run by the demo).
    sys.exit(run_async(run_bot(config, db_path=path)))


def console_only(config: Config) -> bool:
    """Whether only a fallback chat (the console) runs: then chat and log share a terminal."""
    from bot.app import enabled_adapters
    from bot.platforms import platform

    found = [platform(name) for name in enabled_adapters(config)]
    return all(p is not None and p.fallback for p in found)


def log_beside(db_path: str) -> Path:
    """Send the log to a file next to the database and keep only warnings on the terminal,
    so INFO lines (migrations applied, jobs scheduled) do not interleave with the chat."""
    target = Path(db_path).with_name(Path(db_path).name + ".log")
    handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for existing in logging.getLogger().handlers:
        existing.setLevel(logging.WARNING)
    logging.getLogger().addHandler(handler)
    protect_logs()  # the redaction filter on the new handler too (run_bot adds the secrets)
    return target


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
