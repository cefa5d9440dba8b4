"""Format sniffing and dispatch over every real recording, plus the HTTP-wrapper handling."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import ParseError, SourceError
from bot.sources.arxiv_api import parse_arxiv_api
from bot.sources.base import SourceFormat
from bot.sources.formats import detect_format, parse_document

Real = Callable[[str], bytes]
RSS = "arxiv_rss/aioarxiv_2024-11-28_rss_mock_feed.xml"
EMPTY_RSS = "arxiv_rss/aioarxiv_2024-11-28_empty_rss_mock_feed.xml"
Q10 = "arxiv_api/arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9"
BAD_ID = "arxiv_api/arxivpy_2026_id_abc_s0_m100_b79c8dcf6bc3"

EXPECTED = {
    "arxiv_rss": SourceFormat.ARXIV_RSS,
    "arxiv_api": SourceFormat.ARXIV_API,
    "arxiv_oai": SourceFormat.OAI_PMH,
}
OPENALEX_FILES = [
    "openalex/openalexpro_works_cursor_keypapers_page1.json",
    "openalex/openalexpro_works_cursor_keypapers_page2_last.json",
    "openalex/openalexpro_works_cursor_chunk4_page1.json",
    "openalex/openalexpro_vcr_2026-03_works_title_and_abstract_search_cursor_page1_excerpt23.body.json",
    "industry-eval/openalex/openalexrag_works_sample.json",
    "industry-eval/openalex/researchhub_openalex_sample_response.json",
    "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json",
    "industry/cassettes/paperqa_2025-08_doi_search_ionis_openalex.body.json",
]
NOT_PAPER_DOCUMENTS = [
    "industry/paperlists/paperlists_uai2024.json",  # a paper list, not a supported format
    "industry/openalex/openalexrag_institutions_sample.json",  # institutions, not works
    "semantic_scholar/s2py_Reference.json",  # a Semantic Scholar object
    "openalex/openalexpro_vcr_2026-03_api_call_200.yml",
    "industry/epoch/epoch_notable_ai_models_2025-04_first40.csv",
]


def atom_listing(entries: str = "") -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<id>http://rss.arxiv.org/atom/cs.LG</id><title>cs.LG updates on arXiv.org</title>
<updated>2024-11-28T05:00:00+00:00</updated>{entries}</feed>""".encode()


def test_every_xml_recording_is_recognised(real_dir: Path) -> None:
    seen = 0
    for folder, fmt in EXPECTED.items():
        for path in sorted((real_dir / folder).glob("*.xml")):
            assert detect_format(path.read_bytes(), path.name) is fmt, path.name
            seen += 1
    assert seen == 3 + 9 + 3


@pytest.mark.parametrize("path", OPENALEX_FILES)
def test_openalex_recordings_are_recognised(real: Real, path: str) -> None:
    assert detect_format(real(path)) is SourceFormat.OPENALEX
    assert parse_document(real(path)).format is SourceFormat.OPENALEX


@pytest.mark.parametrize("path", NOT_PAPER_DOCUMENTS)
def test_other_documents_are_rejected_clearly(real: Real, path: str) -> None:
    with pytest.raises(ParseError, match=r"unknown shape|not OpenAlex works|unrecognised"):
        detect_format(real(path), path)


def test_parse_document_dispatches_on_detection(real: Real) -> None:
    assert len(parse_document(real(RSS)).papers) == 1504
    assert parse_document(real(RSS), SourceFormat.ARXIV_RSS) == parse_document(real(RSS))
    assert parse_document(real(EMPTY_RSS), "arxiv-rss").announced is not None  # type: ignore[arg-type]
    page = parse_document(atom_listing())
    assert page.format is SourceFormat.ARXIV_ATOM and page.papers == ()


def test_explicit_wrong_format_is_a_parse_error(real: Real) -> None:
    with pytest.raises(ParseError, match="root element <rss>"):
        parse_document(real(RSS), SourceFormat.ARXIV_API)
    with pytest.raises(ParseError):
        parse_document(real(RSS), SourceFormat.OPENALEX)


def test_arxiv_wrappers_are_unwrapped(real: Real) -> None:
    wrapper = real(Q10 + ".json")
    assert detect_format(wrapper, "q.json") is SourceFormat.ARXIV_API
    expected = parse_arxiv_api(real(Q10 + ".body.xml"))
    assert parse_document(wrapper) == expected
    assert parse_document(wrapper, SourceFormat.ARXIV_API) == expected
    names = [a.name for p in expected.papers for a in p.authors]
    assert "Aurora Ramírez" in names  # latin-1 mojibake undone


def test_http_400_wrapper_raises_the_api_error(real: Real) -> None:
    assert json.loads(real(BAD_ID + ".json"))["status_code"] == 400
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        parse_document(real(BAD_ID + ".json"))
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        parse_document(real(BAD_ID + ".json"), SourceFormat.ARXIV_API)


def test_http_error_wrappers_without_error_entry(real: Real) -> None:
    html = json.dumps({"url": "https://export.arxiv.org/api/query", "status_code": 503,
                       "body": "<html><body>Service Unavailable</body></html>"}).encode()
    with pytest.raises(SourceError, match=r"HTTP 503 from https://export\.arxiv\.org/api/query"):
        parse_document(html)
    feed = real("arxiv_api/arxivpy_2026_id_0000.0000_s0_m100_8b51d9633a68.body.xml")
    empty_500 = json.dumps({"url": "u", "status_code": 500, "body": feed.decode()}).encode()
    with pytest.raises(SourceError, match="HTTP 500 from u"):
        parse_document(empty_500)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty document"),
    (b"  \n\t ", "empty document"),
    (b"<!DOCTYPE html>\n<html><head><title>404</title></head></html>", "HTML page"),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'/>", "HTML page"),
    (b"<?xml version='1.0'?><!-- c --><catalog/>", "root <catalog>"),
    (b"<rss version='2.0'><channel><title>Blog</title></channel></rss>", "not an arXiv listing"),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'><title>Blog</title></feed>", "neither"),
    (b"title,abstract\n", "unrecognised document"),
    (b'[{"title": "x", "id": "y"}]', "not OpenAlex works"),
    (b'{"foo": 1}', "unknown shape"),
    (b"42", "unrecognised document"),
    (b'{"truncated": ', "not valid JSON"),
])
def test_unknown_documents(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        detect_format(data)
    with pytest.raises(ParseError):
        parse_document(data)


def test_json_lines_detection() -> None:
    two = b'{"id": "a", "title": "A"}\n{"id": "b", "title": "B"}\n'
    assert detect_format(two) is SourceFormat.JSONL
    assert detect_format(two[:26]) is SourceFormat.JSONL  # a one-line file
    assert detect_format(b'{"id": "a"}', "papers.jsonl") is SourceFormat.JSONL
    assert [p.key for p in parse_document(two).papers] == ["jsonl:a", "jsonl:b"]
    page = parse_document(b'{"id": "a", "title": "A"}', SourceFormat.JSONL)
    assert page.format is SourceFormat.JSONL


def test_byte_order_marks() -> None:
    assert detect_format(b"\xef\xbb\xbf" + atom_listing()) is SourceFormat.ARXIV_ATOM
    utf16 = atom_listing().decode().replace("UTF-8", "UTF-16").encode("utf-16")
    assert detect_format(utf16) is SourceFormat.ARXIV_ATOM
    assert parse_document(utf16).format is SourceFormat.ARXIV_ATOM


def test_openalex_error_body_is_a_source_error() -> None:
    body = (b'{"error":"Invalid query parameters error.",'
            b'"message":"DOESNTEXIST is not a valid field."}')
    assert detect_format(body) is SourceFormat.OPENALEX
    with pytest.raises(SourceError, match="DOESNTEXIST is not a valid field"):
        parse_document(body)


def test_non_bytes_input_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="expected bytes"):
        parse_document("<rss/>")  # type: ignore[arg-type]
