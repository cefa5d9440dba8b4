"""OaiPmhClient: resumptionToken paging, 503 flow control, set names of the 2025 endpoint."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from polite_fakes import FakeClock, Script, fixture_bytes, make_client, xml

from bot.errors import ParseError, SourceError
from bot.sources.base import ParsedPage
from bot.sources.oai_client import OaiPmhClient, oai_set_for_category

HEP_TH = fixture_bytes("arxiv_oai", "hepcrawl_oai2_2017_arxiv-physics-hep-th.xml")
HEP_EX = fixture_bytes("arxiv_oai", "hepcrawl_oai2_2017_arxiv-physics-hep-ex.xml")


def with_token(page: bytes, token: str, cursor: int) -> bytes:
    """A real page plus the resumptionToken element arXiv adds to long lists."""
    element = f'<resumptionToken cursor="{cursor}" completeListSize="6">{token}</resumptionToken>'
    return page.replace(b"</ListRecords>", element.encode() + b"</ListRecords>")


OAI_ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-03-10T12:00:00Z</responseDate>
<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>
<error code="{code}">{text}</error></OAI-PMH>"""


async def harvest(
    replies: list[httpx.Response | Exception], set_spec: str | None = "cs:cs:LG"
) -> tuple[list[ParsedPage], Script, FakeClock]:
    clock = FakeClock()
    script = Script(clock, replies)
    async with make_client(clock, script) as client:
        oai = OaiPmhClient(client)
        pages = [p async for p in oai.list_records(date(2026, 3, 1), date(2026, 3, 7), set_spec)]
    return pages, script, clock


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("cs.LG", "cs:cs:LG"),
        ("stat.ML", "stat:stat:ML"),
        ("q-bio.NC", "q-bio:q-bio:NC"),
        ("astro-ph.CO", "physics:astro-ph:CO"),
        ("cond-mat.stat-mech", "physics:cond-mat:stat-mech"),
        ("physics.comp-ph", "physics:physics:comp-ph"),
        ("hep-th", "physics:hep-th"),
        ("cs", "cs"),
        ("cs:cs:AI", "cs:cs:AI"),
    ],
)
def test_category_to_set(category: str, expected: str) -> None:
    assert oai_set_for_category(category) == expected


def test_unknown_archive_is_refused() -> None:
    with pytest.raises(ValueError, match="astroph"):
        oai_set_for_category("astroph.CO")


async def test_follows_resumption_token_with_spacing() -> None:
    first = with_token(HEP_TH, "tok|1001", 0)
    last = with_token(HEP_EX, "", 3)  # empty token = complete list
    pages, script, _ = await harvest([xml(first), xml(last)])
    assert [len(p.papers) for p in pages] == [3, 3]
    assert pages[0].resumption_token == "tok|1001" and pages[0].complete_list_size == 6
    assert dict(script.requests[0].url.params) == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "from": "2026-03-01",
        "until": "2026-03-07",
        "set": "cs:cs:LG",
    }
    assert dict(script.requests[1].url.params) == {
        "verb": "ListRecords",
        "resumptionToken": "tok|1001",
    }
    assert script.times[1] - script.times[0] == 3.0
    assert script.requests[0].url.host == "oaipmh.arxiv.org"


async def test_503_retry_after_is_flow_control() -> None:
    replies = [
        xml(with_token(HEP_TH, "t1", 0)),
        xml("", 503, {"Retry-After": "20"}),
        xml(HEP_EX),
    ]
    pages, script, clock = await harvest(replies)
    assert len(pages) == 2 and len(script.requests) == 3
    assert 20.0 in clock.sleeps


async def test_no_set_means_no_set_parameter() -> None:
    _, script, _ = await harvest([xml(HEP_TH)], set_spec=None)
    assert "set" not in dict(script.requests[0].url.params)


async def test_no_records_match_is_an_empty_harvest() -> None:
    body = OAI_ERROR.format(code="noRecordsMatch", text="No records match")
    pages, script, _ = await harvest([xml(body)])
    assert [p.papers for p in pages] == [()] and len(script.requests) == 1


async def test_oai_error_is_a_source_error() -> None:
    body = OAI_ERROR.format(code="badArgument", text="Invalid set")
    with pytest.raises(SourceError, match="badArgument"):
        await harvest([xml(body)])


async def test_repeated_token_stops_the_loop() -> None:
    page = xml(with_token(HEP_TH, "same", 0))
    with pytest.raises(SourceError, match="repeated resumptionToken"):
        await harvest([page, page])


async def test_truncated_page_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"oaipmh\.arxiv\.org"):
        await harvest([xml(HEP_TH[:2000])])
