"""``scoopwatch ingest``, ``fetch``, ``backfill`` and ``papers``: papers between files, live
sources and the store.

The click commands only parse options; the functions below them take plain arguments, so
they stay testable without click.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli import CliState, db_option, fail_cleanly, format_option, main, run_async
from bot.errors import ParseError, SourceError
from bot.messages import counted
from bot.models import Paper
from bot.sources.base import ParsedPage, Skipped, SourceFormat

if TYPE_CHECKING:
    from bot.cli.progress import BackfillProgress
    from bot.config import Config
    from bot.store.papers import UpsertCounts

Echo = Callable[..., None]
Upsert = Callable[[Sequence[Paper]], Awaitable["UpsertCounts"]]
BATCH_SIZE = 500  # papers per transaction: about 0.1 s of write lock on a 2-core machine
LOCKED_RETRY_DELAYS = (1.0, 2.0, 4.0)  # then each batch has waited 4 busy timeouts + 7 s
SKIPPED_SHOWN = 100


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@format_option
@db_option
@click.pass_obj
@fail_cleanly
def ingest(state: CliState, files: tuple[str, ...], fmt: str, db: str | None) -> None:
    """Parse recorded arXiv/OpenAlex/OAI-PMH/JSON Lines files into the store.

    Files are read one record at a time and stored 500 papers per transaction, so any size
    fits in memory and the bot keeps writing notes meanwhile. A broken file keeps the batches
    stored before the break and says how far it got. Prints new, updated, unchanged and
    skipped counts per file.
    """
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
    if date_to < date_from:
        raise click.BadParameter("--to is before --from")
    from bot.cli.progress import BackfillProgress

    categories = [category] if category else list(state.config.arxiv.categories)
    progress = BackfillProgress(sys.stderr, date_from.date(), date_to.date(), categories,
                                terminal=sys.stderr.isatty())
    ok = run_async(
        backfill_oai(
            state.config, state.db_path(db), date_from.date(), date_to.date(), category, click.echo,
            progress,
        )
    )
    if not ok:
        sys.exit(1)


@main.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@db_option
@click.pass_obj
@fail_cleanly
def papers(state: CliState, since: Any, as_json: bool, db: str | None) -> None:
    """List stored papers."""
    run_async(list_papers(state.db_path(db), since.date() if since else None, as_json, click.echo))


# --- the use cases --------------------------------------------------------------------------


def read_pages(files: Iterable[str], fmt: str) -> list[tuple[str, ParsedPage]]:
    """Parse every file completely (nothing is written here); errors name the file."""
    from bot.sources.formats import parse_document

    chosen = None if fmt == "auto" else SourceFormat(fmt)
    pages = []
    for name in files:
        data = Path(name).read_bytes()
        try:
            pages.append((name, parse_document(data, chosen, name=name)))
        except (ParseError, SourceError) as exc:
            raise type(exc)(f"{name}: {exc}") from exc
    return pages


async def ingest_files(db_path: str, files: Sequence[str], fmt: str, echo: Echo) -> int:
    """Ingest each file in batches of ``BATCH_SIZE`` papers; returns how many files failed."""
    from bot.store.db import Database
    from bot.store.stores import Stores

    chosen = None if fmt == "auto" else SourceFormat(fmt)
    failures = 0
    async with await Database.open(db_path) as db:
        store = Stores.on(db).papers
        for name in files:
            report = await ingest_file(name, chosen, store.upsert_papers)
            for line in report.lines(name):
                echo(line)
            if report.reason is not None:
                failures += 1
                echo(report.failure(name), err=True)
    return failures


async def ingest_file(name: str, fmt: SourceFormat | None, upsert: Upsert,
                      size: int = BATCH_SIZE,
                      retry_delays: Sequence[float] = LOCKED_RETRY_DELAYS) -> FileReport:
    """Read ``name`` one record at a time and store its papers ``size`` at a time, each batch
    in its own transaction: memory stays flat and no write lock is held for long. A batch is
    stored whole or not at all; reading or storing stops at the first failure, and the report
    says how many papers were stored before it and at which record it happened.

    A running bot storing notes in a burst can keep the write lock busy past SQLite's busy
    timeout (its waits are not fair); a locked batch is tried again after each of
    ``retry_delays`` before the file is given up."""
    from bot.sources.formats import open_document

    async def store(papers: list[Paper]) -> UpsertCounts:
        for delay in retry_delays:
            try:
                return await upsert(papers)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            await asyncio.sleep(delay)
        return await upsert(papers)

    report = FileReport()
    batch: list[Paper] = []
    first = 1  # the record number the pending batch starts at
    try:
        with open_document(name, fmt) as stream:
            report.format = stream.format.value
            for record in stream:
                report.read += 1
                if isinstance(record, Skipped):
                    report.skip(record)
                    continue
                batch.append(record)
                if len(batch) >= size:
                    report.add(await store(batch))
                    batch, first = [], report.read + 1
            if batch:
                report.add(await store(batch))
    except (ParseError, SourceError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        report.stop(report.read + 1, reason)
    except sqlite3.OperationalError as exc:  # locked, disk full: this batch is not stored
        report.stop(first, f"the database refused the batch ({exc})")
    return report


@dataclass(slots=True)
class FileReport:
    """What ingesting one file did: counts, the records it skipped (the first
    ``SKIPPED_SHOWN`` of them kept to show), and where and why it stopped early."""

    format: str = ""
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    shown: list[Skipped] = field(default_factory=list)
    stopped_at: int | None = None
    reason: str | None = None

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def add(self, counts: UpsertCounts) -> None:
        self.new += counts.new
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    def skip(self, record: Skipped) -> None:
        self.skipped += 1
        if len(self.shown) < SKIPPED_SHOWN:
            self.shown.append(record)

    def stop(self, record: int, reason: str) -> None:
        self.stopped_at, self.reason = record, reason

    def lines(self, name: str) -> list[str]:
        """The summary line of a file read to its end, and the records skipped."""
        out = [] if self.reason is not None else [
            f"{name}: {self.format}, {self.stored} papers: {self.new} new, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped"]
        out += [f"  skipped {s.ident}: {s.reason}" for s in self.shown]
        if self.skipped > len(self.shown):
            out.append(f"  ... and {self.skipped - len(self.shown)} more skipped")
        return out

    def failure(self, name: str) -> str:
        """The error line: how far the file got, or why it could not be read."""
        if not self.read:
            return f"{name}: error: {self.reason}"
        return (f"stored {self.stored} papers from {name}; "
                f"stopped at record {self.stopped_at}: {self.reason}")


def paper_json(paper: Paper) -> dict[str, Any]:
    """The stable JSON shape of ``scoopwatch papers --json``."""
    return {
        "key": paper.key,
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [
            {
                "name": author.name,
                "affiliations": [
                    {
                        "name": aff.name,
                        "source": aff.source.value,
                        "ror": aff.ror,
                        "openalex_id": aff.openalex_id,
                        "type": aff.type,
                    }
                    for aff in author.affiliations
                ],
            }
            for author in paper.authors
        ],
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "announced": paper.announced.isoformat() if paper.announced else None,
        "announce_type": paper.announce_type.value if paper.announce_type else None,
        "doi": paper.doi,
        "url": paper.abs_url,
    }


async def list_papers(db_path: str, since: date | None, as_json: bool, echo: Echo) -> None:
    """Print stored papers, one per line (JSON Lines with ``as_json``)."""
    from bot.store.db import Database
    from bot.store.stores import Stores

    async with await Database.open(db_path) as db:
        papers = await Stores.on(db).papers.iter_papers(since=since)
    for paper in papers:
        if as_json:
            echo(json.dumps(paper_json(paper), ensure_ascii=False))
        else:
            when = paper.announced.isoformat() if paper.announced else "----------"
            kind = paper.announce_type.value if paper.announce_type else "-"
            echo(f"{when}  {paper.key:<18} {kind:<13} {paper.title}")


async def fetch_live(config: Config, db_path: str, day: date | None, echo: Echo) -> bool:
    """Fetch the announcement, then OpenAlex affiliations for every paper in it (the CLI asks
    for all papers, the scheduler only for topic matches). True when the outcome is healthy."""
    from bot.app import open_pipeline

    async with open_pipeline(config, db_path) as pipeline:
        report = await pipeline.run_fetch(day)
        echo(f"arXiv {report.day or 'latest'}: {report.kind}: {report.reason}")
        echo(f"  {report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
             f"{report.matched} matched a topic")
        if report.kind == "error":
            return False
        if report.kind == "announced" and config.openalex.enabled:
            keys = [p.key for p in await pipeline.papers.iter_papers(since=report.day,
                                                                     until=report.day)]
            enriched = await pipeline.run_enrichment(keys)
            echo(f"OpenAlex: asked {enriched.asked}, found {enriched.found}"
                 + (f", error: {enriched.error}" if enriched.error else ""))
            if enriched.html is not None:
                echo(f"arXiv HTML author blocks: asked {enriched.html.asked}, "
                     f"found {enriched.html.found}")
            return enriched.error is None
    return not report.should_retry


async def backfill_oai(
    config: Config,
    db_path: str,
    date_from: date,
    date_to: date,
    category: str | None,
    echo: Echo,
    progress: BackfillProgress | None = None,
) -> bool:
    """Harvest a date range over OAI-PMH into the store, one transaction per page, telling
    ``progress`` (a bar on a terminal, plain lines elsewhere: ``bot.cli.progress``) what each
    page stored. A failure keeps the pages stored before it, says how far the harvest got,
    and returns False."""
    from bot.errors import ScoopwatchError
    from bot.sources.factory import make_http_client
    from bot.sources.oai_client import OaiPmhClient, oai_set_for_category
    from bot.store.db import Database
    from bot.store.stores import Stores

    categories = [category] if category else list(config.arxiv.categories)
    total_new = total_updated = stored = 0
    async with await Database.open(db_path) as db, make_http_client(config) as client:
        store = Stores.on(db).papers
        oai = OaiPmhClient(client, base_url=config.arxiv.oai_url)
        for cat in categories:
            seen = 0
            try:
                async for page in oai.list_records(date_from, date_to, oai_set_for_category(cat)):
                    counts = await store.upsert_papers(page.papers)
                    total_new += counts.new
                    total_updated += counts.updated
                    stored += counts.total
                    seen += len(page.papers)
                    if progress is not None:
                        progress.page(cat, page.papers)
            except (ScoopwatchError, OSError, sqlite3.OperationalError) as exc:
                if progress is not None:
                    progress.close()
                echo(f"stored {counted(stored, 'paper')} ({total_new} new, {total_updated} "
                     f"updated); stopped in {cat} after {counted(seen, 'record')}: {exc}",
                     err=True)
                return False
            if progress is not None:
                progress.category_done(cat)
            echo(f"{cat}: {counted(seen, 'record')}")
    if progress is not None:
        progress.close()
    echo(f"backfill done: {total_new} new, {total_updated} updated")
    return True
