"""``scoopwatch ingest``, ``fetch``, ``backfill`` and ``papers``: papers between files, live
sources and the store.

The click commands only parse options; the functions below them take plain arguments, so
they stay testable without click.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli import CliState, db_option, fail_cleanly, format_option, main, run_async
from bot.errors import ParseError, SourceError
from bot.sources.base import ParsedPage, SourceFormat

if TYPE_CHECKING:
    from bot.cli.progress import BackfillProgress
    from bot.config import Config
    from bot.models import Paper

Echo = Callable[..., None]


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
    run_async(
        backfill_oai(
            state.config, state.db_path(db), date_from.date(), date_to.date(), category, click.echo,
            progress,
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
    """Ingest each file in its own transaction; returns how many files failed."""
    from bot.sources.formats import parse_document
    from bot.store.db import Database
    from bot.store.stores import Stores

    chosen = None if fmt == "auto" else SourceFormat(fmt)
    failures = 0
    async with await Database.open(db_path) as db:
        store = Stores.on(db).papers
        for name in files:
            try:
                page = parse_document(Path(name).read_bytes(), chosen, name=name)
            except (ParseError, SourceError, OSError) as exc:
                failures += 1
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                echo(f"{name}: error: {reason}", err=True)
                continue
            counts = await store.upsert_papers(page.papers)
            echo(
                f"{name}: {page.format.value}, {len(page.papers)} papers: {counts.new} new, "
                f"{counts.updated} updated, {counts.unchanged} unchanged, "
                f"{len(page.skipped)} skipped"
            )
            for skipped in page.skipped:
                echo(f"  skipped {skipped.ident}: {skipped.reason}")
    return failures


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
) -> None:
    """Harvest a date range over OAI-PMH into the store, telling ``progress`` (a bar on a
    terminal, plain lines elsewhere: ``bot.cli.progress``) what each page stored."""
    from bot.sources.factory import make_http_client
    from bot.sources.oai_client import OaiPmhClient, oai_set_for_category
    from bot.store.db import Database
    from bot.store.stores import Stores

    categories = [category] if category else list(config.arxiv.categories)
    total_new = total_updated = 0
    async with await Database.open(db_path) as db, make_http_client(config) as client:
        store = Stores.on(db).papers
        oai = OaiPmhClient(client, base_url=config.arxiv.oai_url)
        for cat in categories:
            seen = 0
            async for page in oai.list_records(date_from, date_to, oai_set_for_category(cat)):
                counts = await store.upsert_papers(page.papers)
                total_new += counts.new
                total_updated += counts.updated
                seen += len(page.papers)
                if progress is not None:
                    progress.page(cat, page.papers)
            if progress is not None:
                progress.category_done(cat)
            echo(f"{cat}: {seen} records")
    if progress is not None:
        progress.close()
    echo(f"backfill done: {total_new} new, {total_updated} updated")
