"""``scoopwatch trends``: the chart ``/scoop trends`` posts, written to a PNG file.

The command line sees every lab in the store at once (``--topic`` narrows to the topics of
that name, whoever owns them) and counts weeks in ``bot.timezone``. Without matplotlib it
exits 2 with the sentence the bot answers, before touching the store.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.cli import CliState, db_option, fail_cleanly, main, run_async
from bot.core.trends.data import DEFAULT_WEEKS, MAX_WEEKS


def now() -> datetime:
    """The moment the chart ends at (its last week is this one's)."""
    return datetime.now(UTC)


@main.command()
@click.option("--topic", default=None, help="Only this topic (default: every topic).")
@click.option("--weeks", type=click.IntRange(1, MAX_WEEKS), default=DEFAULT_WEEKS,
              show_default=True, help="How many weeks to chart, ending with this one.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The PNG file to write.")
@db_option
@click.pass_obj
@fail_cleanly
def trends(state: CliState, topic: str | None, weeks: int, out: str, db: str | None) -> None:
    """Chart industry papers per week by company, with the lab's notes per week, as a PNG."""
    from bot.core.trends.chart import INSTALL_HINT, charts_available

    if not charts_available():
        click.echo(f"error: {INSTALL_HINT}", err=True)
        sys.exit(2)
    line = run_async(write_chart(state, topic, weeks, Path(out), state.db_path(db)))
    click.echo(line)


async def write_chart(state: CliState, topic: str | None, weeks: int, out: Path,
                      db_path: str) -> str:
    """Refresh the window's matches, draw the chart into ``out``; returns what to print."""
    from bot.app import build_digest_side, build_trends
    from bot.errors import ScoopwatchError
    from bot.industry.registry import registry_from_config
    from bot.store.db import Database
    from bot.store.stores import Stores
    from bot.store.trends import LabScope, TrendStore

    if not Path(db_path).exists():
        raise ScoopwatchError(f"no database at {db_path}")
    config = state.config
    registry = registry_from_config(config.industry)
    async with await Database.open(db_path) as db:
        stores = Stores.on(db)
        names = await TrendStore(db).topic_names(LabScope())
        if not names:
            raise ScoopwatchError("no topics in the store yet: add one in chat with "
                                  "/scoop topic add NAME QUERY")
        if topic is not None and topic not in names:
            raise ScoopwatchError(f"no topic named {topic!r} in the store (topics: "
                                  f"{', '.join(names)})")
        _service, pipeline, _scheduler = build_digest_side(config, stores, registry=registry,
                                                           clock=now)
        service = build_trends(config, stores, pipeline, registry, clock=now)
        scope = LabScope(topic=topic)
        trend = await service.trend(scope, weeks)
        chart = await service.chart(trend, scope)
    out.write_bytes(chart.content)
    return f"wrote {out} ({len(chart.content)} bytes): {chart.comment}"
