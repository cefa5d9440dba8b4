"""``scoopwatch match`` and ``detect``: analyse papers from files or the store, changing
nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli import CliState, db_option, fail_cleanly, format_option, main, run_async
from bot.cli.papers import read_pages
from bot.errors import ScoopwatchError
from bot.models import record_id

if TYPE_CHECKING:
    from bot.config import Config
    from bot.models import Paper
    from bot.topics.query import Query

Echo = Callable[..., None]


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
    detect_command(state.config, files, fmt, as_json, click.echo)


# --- the use cases --------------------------------------------------------------------------


class TopicsFileError(ScoopwatchError):
    """A topics file line is not ``name: query`` or its query does not parse."""


def strip_comment(line: str) -> str:
    """Drop a ``#`` comment, but not a ``#`` inside a "quoted phrase"."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:i]
    return line


def read_topics_file(path: Path) -> list[tuple[str, Query]]:
    """Parse ``name: query`` lines; errors name the file, line and column."""
    from bot.topics.query import QueryError, parse_query

    topics: list[tuple[str, Query]] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = strip_comment(raw).strip()
        if not line:
            continue
        name, sep, text = line.partition(":")
        name = name.strip()
        if not sep or not name:
            raise TopicsFileError(f"{path}:{number}: expected 'name: query', got {raw.strip()!r}")
        if name in seen:
            raise TopicsFileError(f"{path}:{number}: topic {name!r} is defined twice")
        seen.add(name)
        try:
            topics.append((name, parse_query(text.strip())))
        except QueryError as exc:
            raise TopicsFileError(f"{path}:{number}: topic {name!r}: {exc}") from exc
    if not topics:
        raise TopicsFileError(f"{path}: no topics (expected lines like 'name: query')")
    return topics


async def load_papers(files: Sequence[str], db_path: str | None) -> list[Paper]:
    """Papers from recorded files (any ingest format) and/or a store."""
    papers = [p for _, page in read_pages(files, "auto") for p in page.papers]
    if db_path is not None:
        from bot.store.db import Database
        from bot.store.stores import Stores

        if not Path(db_path).exists():
            raise ScoopwatchError(f"no database at {db_path}")
        async with await Database.open(db_path) as db:
            papers.extend(await Stores.on(db).papers.iter_papers())
    return papers


async def match_command(
    files: Sequence[str], db_path: str | None, topics_path: Path, as_json: bool, echo: Echo
) -> None:
    """Print every (paper, topic) match with its score and the terms that hit."""
    from bot.topics.matcher import TopicIndex, term_document_frequency

    topics = read_topics_file(topics_path)
    papers = await load_papers(files, db_path)
    doc_freq = term_document_frequency([q for _, q in topics], papers)
    index = TopicIndex.build(topics, doc_freq=doc_freq)
    matches = 0
    for paper, found in index.match_many(papers):
        for hit in sorted(found, key=lambda m: -m.score):
            matches += 1
            terms = [{"term": t.term, "field": t.field, "count": t.count} for t in hit.terms]
            if as_json:
                echo(json.dumps({"paper": record_id(paper), "topic": hit.topic,
                                 "score": round(hit.score, 4), "terms": terms},
                                ensure_ascii=False))
            else:
                why = ", ".join(f"{t['term']} ({t['field']} x{t['count']})" for t in terms)
                echo(f"{record_id(paper):<18} {hit.topic:<24} {hit.score:6.2f}  "
                     f"{paper.title[:70]}\n{'':<19}{why}")
    if not as_json:
        echo(f"{matches} matches in {len(papers)} papers for {len(topics)} topics")


def detect_command(
    config: Config, files: Sequence[str], fmt: str, as_json: bool, echo: Echo
) -> None:
    """Run the industry detector over recorded files; nothing is stored."""
    from bot.industry.detector import detect
    from bot.industry.registry import registry_from_config
    from bot.industry.report import detection_record, format_table

    registry = registry_from_config(config.industry)
    records = [
        detection_record(paper, detect(paper, registry))
        for _, page in read_pages(files, fmt)
        for paper in page.papers
    ]
    if as_json:
        for record in records:
            echo(json.dumps(record, ensure_ascii=False))
    else:
        echo(format_table(records))
