"""`scoopwatch detect` and `ingest` on saved arXiv HTML pages (real pages from the fixtures)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.sources.base import SourceFormat
from bot.sources.formats import detect_format, parse_document
from tests.fixture_files import fixture_bytes, fixture_path

GEMMA = fixture_path("arxiv_html/pages/2503.19786.html")  # ar5iv page with a canonical link
SCALE_BAR = fixture_path("arxiv_html/pages/2510.11260.html")  # arxiv.org page, no id in it
BLOCK_ONLY = "arxiv_html/pages/2610.08785.html"  # only div.ltx_authors, after a comment


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOOPWATCH_CONFIG", raising=False)
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_detect_json_prints_the_paper_its_flags_and_its_authors(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "detect", str(GEMMA), "--format", "arxiv-html", "--json")
    assert code == 0
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert set(record) == {"id", "title", "is_industry", "flags", "authors"}
    assert record["id"] == "2503.19786"  # from <link rel="canonical" href=".../html/2503.19786">
    assert record["title"] == "Gemma 3 Technical Report"
    assert record["is_industry"] is True
    (flag,) = record["flags"]
    assert set(flag) == {"company", "lab", "evidence", "via", "confidence", "author"}
    assert (flag["company"], flag["author"], flag["evidence"]) == (
        "Google",
        "Gemma Team",
        "Google DeepMind",
    )
    assert record["authors"] == [
        {"name": "Gemma Team", "affiliations": ["Gemma Team", "Google DeepMind"], "emails": []}
    ]


def test_detect_names_a_page_without_an_arxiv_id_by_its_file(runner: CliRunner) -> None:
    Path("saved page.html").write_bytes(fixture_bytes("arxiv_html/pages/2610.08781.html"))
    code, out, _ = invoke(runner, "detect", "saved page.html", "--json")  # format auto-detected
    assert code == 0
    record = json.loads(out)
    assert record["id"] == "saved page"
    assert len(record["authors"]) == 6
    shutil.copy(SCALE_BAR, "page.html")
    record = json.loads(invoke(runner, "detect", "page.html", "--json")[1])
    assert record["id"] == "page"
    assert {f["company"] for f in record["flags"]} == {"Xiaomi"}
    assert {f["author"] for f in record["flags"]} == {"Zhengyang Zhang"}
    shutil.copy(fixture_path("arxiv_html/pages/2609.00246.html"), "race.html")
    record = json.loads(invoke(runner, "detect", "race.html", "--json")[1])
    assert record["id"] == "2609.00246"  # arXiv's own watermark names it


def test_ingest_stores_the_page_with_its_authors(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "ingest", "--db", "t.db", "--format", "arxiv-html", str(GEMMA))
    assert code == 0 and "arxiv-html, 1 papers: 1 new" in out
    code, out, _ = invoke(runner, "ingest", "--db", "t.db", str(SCALE_BAR))  # auto-detected
    assert code == 0 and "arxiv-html, 1 papers: 1 new" in out
    code, out, _ = invoke(runner, "papers", "--db", "t.db", "--json")
    stored = {p["key"]: p for p in map(json.loads, out.splitlines())}
    assert stored["2503.19786"]["title"] == "Gemma 3 Technical Report"
    assert stored["2503.19786"]["abstract"].startswith("We introduce Gemma 3")
    names = [a["name"] for a in stored["2510.11260"]["authors"]]
    assert names == [
        "Yuxuan Chen", "Ruotong Yang", "Zhengyang Zhang", "Mehreen Ahmed", "Yanming Wang"
    ]
    zhang = stored["2510.11260"]["authors"][2]
    assert "AI Lab, Xiaomi Corporation, China" in [a["name"] for a in zhang["affiliations"]]
    assert {a["source"] for a in zhang["affiliations"]} == {"html"}


def test_format_detection_recognises_saved_pages() -> None:
    for name in ("2503.19786", "2609.00246", "2610.08785"):
        data = fixture_bytes(f"arxiv_html/pages/{name}.html")
        assert detect_format(data) is SourceFormat.ARXIV_HTML
    page = parse_document(fixture_bytes(BLOCK_ONLY), name="2610.08785.html")
    (paper,) = page.papers
    assert paper.key == paper.arxiv_id == "2610.08785"
    assert [a.name for a in paper.authors] == ["Kevin Zhang", "Stephen Bates"]


def test_detect_reports_a_page_that_is_no_latexml_page(runner: CliRunner) -> None:
    Path("x.html").write_text("<!DOCTYPE html><html><body><p>Not found</p></body></html>")
    result = runner.invoke(main, ["detect", "x.html", "--format", "arxiv-html"])
    assert result.exit_code != 0
    assert "x.html" in result.output and "Traceback" not in result.output


def test_a_page_without_an_id_and_with_an_overlong_file_name_is_refused(
        runner: CliRunner) -> None:
    """The file name stands in for the id only while it is a sane id; the other files load."""
    long_name = "s" * 240 + ".html"
    Path(long_name).write_bytes(fixture_bytes("arxiv_html/pages/2610.08781.html"))
    code, out, err = invoke(runner, "ingest", "--db", "t.db", long_name, str(GEMMA))
    assert code == 1
    assert "240 characters long" in err and "at most 200" in err
    assert "Gemma" not in err and "1 papers: 1 new" in out
