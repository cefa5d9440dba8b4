"""``open_document`` streams a file and reads it exactly as ``parse_document`` reads its bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import ParseError, SourceError
from bot.models import Paper
from bot.sources.base import ParsedPage, SourceFormat
from bot.sources.formats import open_document, parse_document
from tests.fixture_files import LISTING, fixture_bytes, fixture_path

RECORDED = sorted(
    p for folder in ("arxiv_rss", "arxiv_api", "arxiv_oai", "openalex", "industry/cassettes",
                     "industry-eval/openalex", "semantic_scholar", "industry/paperlists")
    for p in fixture_path(folder).iterdir()
    if p.suffix in (".xml", ".json")
)


def outcome(read: object) -> ParsedPage | str:
    """The page, or the kind of error and its message."""
    try:
        return read()  # type: ignore[operator]
    except (ParseError, SourceError) as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_every_recording_reads_the_same_from_the_file(path: Path) -> None:
    whole = outcome(lambda: parse_document(path.read_bytes(), name=str(path)))

    def streamed() -> ParsedPage:
        with open_document(path) as stream:
            return stream.page()

    assert outcome(streamed) == whole


def test_json_lines_are_recognised_from_their_first_lines(tmp_path: Path) -> None:
    lines = [{"id": f"p-{n}", "title": f"Paper {n}", "announced": "2026-11-30"} for n in range(3)]
    path = tmp_path / "papers.json"  # not a .jsonl name: recognised by its content
    path.write_text("\ufeff" + "\n".join(json.dumps(x) for x in lines) + "\n\n")
    with open_document(path) as stream:
        assert stream.format is SourceFormat.JSONL
        keys = [r.key for r in stream if isinstance(r, Paper)]
    assert keys == ["jsonl:p-0", "jsonl:p-1", "jsonl:p-2"]
    assert parse_document(path.read_bytes()).format is SourceFormat.JSONL


def test_a_document_broken_half_way_gives_its_records_up_to_the_break(tmp_path: Path) -> None:
    """Only a streamed document can: a whole parse fails before giving any record."""
    data = fixture_bytes(LISTING)
    cut = data.index(b"<item>", data.index(b"2411.17741")) + 20  # inside an item
    path = tmp_path / "cut.xml"
    path.write_bytes(data[:cut])
    keys = []
    with open_document(path) as stream, pytest.raises(ParseError, match="malformed XML"):
        for record in stream:
            assert isinstance(record, Paper)
            keys.append(record.key)
    assert keys[-1] == "2411.17741"
    assert len(keys) == len(set(keys)) > 10


def test_an_unknown_file_raises_what_parse_document_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(b"<?xml version='1.0'?><catalogue><book/></catalogue>")
    with pytest.raises(ParseError, match="unknown XML document with root <catalogue>"):
        open_document(path)
