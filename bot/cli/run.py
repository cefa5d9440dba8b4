"""``scoopwatch run`` and ``scoopwatch demo``: the bot itself, live or on a recorded day."""

from __future__ import annotations

import logging
import sys

import click

from bot.cli import CliState, db_option, fail_cleanly, main, run_async


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
    # run_bot checks the file itself (also when embedded or run by the demo).
    sys.exit(run_async(run_bot(config, db_path=state.db_path(db, check=False))))


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
