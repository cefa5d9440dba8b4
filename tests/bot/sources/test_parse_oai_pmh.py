"""arXiv OAI-PMH parser, checked against real 2017/2018 recordings plus spec-shaped variants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource
from bot.sources.base import Skipped, SourceFormat
from bot.sources.oai_pmh import parse_oai_pmh

HEP_TH = "arxiv_oai/hepcrawl_oai2_2017_arxiv-physics-hep-th.xml"
HEP_EX = "arxiv_oai/hepcrawl_oai2_2017_arxiv-physics-hep-ex.xml"
SINGLE = "arxiv_oai/hepcrawl_oai2_2017_arxiv-single.xml"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"

Real = Callable[[str], bytes]


def oai(body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="{OAI_NS}"><responseDate>2025-04-01T00:00:00Z</responseDate>
<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>{body}</OAI-PMH>""".encode()


ARXIV_RECORD = """<record><header><identifier>oai:arXiv.org:2504.00001</identifier>
<datestamp>2025-04-02</datestamp><setSpec>cs:cs:LG</setSpec></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2504.00001</id><created>2025-03-31</created>
<authors><author><keyname>Lovelace</keyname><forenames>Ada</forenames>
<affiliation>Google DeepMind</affiliation></author>
<author><keyname>Stef\\'ansson</keyname><forenames>Gu\\dhmundur K.</forenames><suffix>Jr</suffix>
</author></authors><title>A title</title><categories>cs.LG cs.AI cs.LG</categories>
<abstract>  One.
</abstract></arXiv></metadata></record>"""


@pytest.mark.parametrize(("path", "keys"), [
    (HEP_TH, ["1412.8323", "1507.07790", "1607.01710"]),
    (HEP_EX, ["1706.05371", "1706.09418", "1707.00874"]),
    (SINGLE, ["1401.2122"]),
])
def test_real_pages(real: Real, path: str, keys: list[str]) -> None:
    page = parse_oai_pmh(real(path))
    assert page.format is SourceFormat.OAI_PMH
    assert [p.key for p in page.papers] == keys
    assert page.skipped == ()
    assert page.resumption_token is None and page.complete_list_size is None
    for paper in page.papers:
        assert paper.arxiv_id == paper.key and paper.title and paper.abstract and paper.authors
        assert paper.primary_category == paper.categories[0]
        assert "\n" not in paper.title


def test_get_record_fields(real: Real) -> None:
    (paper,) = parse_oai_pmh(real(SINGLE)).papers
    assert paper.title == "New integrable (3+1)-dimensional systems and contact geometry"
    assert [a.name for a in paper.authors] == ["A. Sergyeyev"]
    assert paper.categories == ("math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI")
    assert paper.primary_category == "math.AP"
    assert (paper.published, paper.updated) == (date(2014, 1, 9), date(2017, 10, 23))
    assert paper.doi == "10.1007/s11005-017-1013-4"
    assert paper.journal_ref == "Lett. Math. Phys. 108 (2018), no. 2, 359-376"
    assert paper.comment is not None and paper.comment.startswith(
        "16 pages, LaTeX, no figures, revised and abridged, in this version (v5) the typos"
    )
    assert paper.abstract.split("\n\n") == [
        "We introduce a novel systematic construction for integrable (3+1)-dimensional "
        "dispersionless systems using nonisospectral Lax pairs that involve contact vector fields.",
        "In particular, we present new large classes of (3+1)-dimensional integrable "
        "dispersionless systems associated to the Lax pairs which are polynomial and rational "
        "in the spectral parameter.",
    ]
    assert paper.extra["msc-class"] == "37K05 37K10 53D10"
    assert paper.extra["datestamp"] == "2018-01-25"
    assert paper.version is None  # the arXiv format carries no version number


def test_list_records_fields(real: Real) -> None:
    papers = {p.key: p for p in parse_oai_pmh(real(HEP_EX)).papers}
    rpv = papers["1706.09418"]
    assert rpv.title == "R-Parity Violation at the LHC"
    assert [a.name for a in rpv.authors][:2] == ["Daniel Dercks", "Herbi Dreiner"]
    assert rpv.categories == ("hep-ph", "hep-ex")
    assert rpv.extra["report-no"] == "BONN-TH-2017-03"
    assert len(papers["1706.05371"].authors) == 13
    assert papers["1706.05371"].title == (
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors"
    )


def test_authors_with_affiliation_suffix_and_tex() -> None:
    (paper,) = parse_oai_pmh(oai(f"<ListRecords>{ARXIV_RECORD}</ListRecords>")).papers
    assert paper.authors[0].name == "Ada Lovelace"
    assert paper.authors[0].affiliations == (
        Affiliation(name="Google DeepMind", source=AffiliationSource.ARXIV),
    )
    assert paper.authors[1].name == "Guðmundur K. Stefánsson Jr"
    assert paper.categories == ("cs.LG", "cs.AI")
    assert paper.abstract == "One."


def test_resumption_token_and_list_size() -> None:
    page = parse_oai_pmh(oai(
        f"<ListRecords>{ARXIV_RECORD}<resumptionToken cursor='0' completeListSize='1234'>"
        "6092215|1001</resumptionToken></ListRecords>"
    ))
    assert page.resumption_token == "6092215|1001"
    assert page.complete_list_size == 1234


def test_last_page_has_an_empty_token() -> None:
    page = parse_oai_pmh(oai(f"<ListRecords>{ARXIV_RECORD}<resumptionToken/></ListRecords>"))
    assert page.resumption_token is None and len(page.papers) == 1


def test_deleted_record_is_skipped() -> None:
    page = parse_oai_pmh(oai(
        "<ListRecords><record><header status='deleted'><identifier>oai:arXiv.org:0704.0002"
        "</identifier><datestamp>2025-01-01</datestamp></header></record>"
        f"{ARXIV_RECORD}</ListRecords>"
    ))
    assert [p.key for p in page.papers] == ["2504.00001"]
    assert page.skipped == (Skipped(ident="oai:arXiv.org:0704.0002", reason="deleted record"),)


def test_no_records_match_is_an_empty_page() -> None:
    page = parse_oai_pmh(oai('<error code="noRecordsMatch">No records</error>'))
    assert page.papers == () and page.skipped == ()


@pytest.mark.parametrize("code", ["badArgument", "badResumptionToken", "cannotDisseminateFormat"])
def test_other_oai_errors_raise(code: str) -> None:
    with pytest.raises(SourceError, match=f"{code}: the reason"):
        parse_oai_pmh(oai(f'<error code="{code}">the reason</error>'))


def test_other_metadata_formats_are_reported() -> None:
    record = ("<record><header><identifier>oai:arXiv.org:1</identifier></header><metadata>"
              "<oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/'/>"
              "</metadata></record>")
    page = parse_oai_pmh(oai(f"<ListRecords>{record}</ListRecords>"))
    assert page.papers == ()
    assert "unsupported metadata format <dc>" in page.skipped[0].reason


def test_arxiv_raw_format() -> None:
    record = """<record><header><identifier>oai:arXiv.org:0704.0001</identifier></header>
    <metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>0704.0001</id>
    <submitter>Pavel Nadolsky</submitter>
    <version version="v1"><date>Mon, 2 Apr 2007 19:18:42 GMT</date></version>
    <version version="v2"><date>Tue, 24 Jul 2007 20:10:27 GMT</date></version>
    <title>Calculation of prompt diphoton production</title>
    <authors>C. Bal\\'azs, E. L. Berger, P. M. Nadolsky and C.-P. Yuan</authors>
    <categories>hep-ph</categories><abstract>A.</abstract></arXivRaw></metadata></record>"""
    (paper,) = parse_oai_pmh(oai(f"<ListRecords>{record}</ListRecords>")).papers
    assert (paper.key, paper.version) == ("0704.0001", 2)
    assert [a.name for a in paper.authors] == [
        "C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan",
    ]
    assert (paper.published, paper.updated) == (date(2007, 4, 2), date(2007, 7, 24))


def test_not_a_record_listing() -> None:
    with pytest.raises(ParseError, match="Identify"):
        parse_oai_pmh(oai("<Identify><repositoryName>arXiv</repositoryName></Identify>"))
    with pytest.raises(ParseError, match="root element <rss>"):
        parse_oai_pmh(b"<rss version='2.0'><channel/></rss>")
    with pytest.raises(ParseError, match="no ListRecords"):
        parse_oai_pmh(oai(""))
