"""Author blocks of arXiv's LaTeXML HTML: names, affiliations, e-mails, in the real markup.

Where the markup comes from: LaTeXML's stylesheet (brucemiller/LaTeXML,
lib/LaTeXML/resources/XSLT/LaTeXML-structure-xhtml.xsl) renders an author
(ltx:creator role=author) as span.ltx_creator.ltx_role_author holding span.ltx_personname
and, when the author has contacts, span.ltx_author_notes with one
span.ltx_contact.ltx_role_affiliation (or ltx_role_address) per contact and
span.ltx_contact.ltx_role_email wrapping <a href="mailto:...">; the creator's @before
becomes span.ltx_author_before; all inside div.ltx_authors. arXiv's current LaTeXML adds an
ltx_author_notes_content wrapper and <span class="ltx_contact_name">Affiliation: </span>
labels, and templates without \\affiliation put names, <br class="ltx_break"> lines and
<sup class="ltx_sup"> markers into the person name (shapes quoted from real arXiv pages,
e.g. 2410.00260 and 1706.03762, in public test suites of arXiv HTML readers). The snippets
below follow exactly that structure.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ParseError, SourceError
from bot.industry.detector import detect_authors
from bot.industry.registry import Registry
from bot.models import AffiliationSource
from bot.sources.arxiv_html import fetch_author_block, parse_author_block


def page(authors: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>'
        '<div class="ltx_page_main"><div class="ltx_page_content">'
        '<article class="ltx_document ltx_authors_1line">'
        '<h1 class="ltx_title ltx_title_document">A Title About Meta-Learning at Google Scale</h1>'
        f'<div class="ltx_authors">{authors}</div>'
        '<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>'
        '<p class="ltx_p">We compare with Anthropic\'s Claude and Apple Intelligence.</p></div>'
        "</article></div></div></body></html>"
    ).encode()


PER_AUTHOR = page(
    '\n<span class="ltx_creator ltx_role_author">\n'
    '<span class="ltx_personname">Ashish Vaswani\n</span>'
    '<span class="ltx_author_notes"><span class="ltx_author_notes_content">\n'
    '<span class="ltx_contact ltx_role_affiliation">'
    '<span class="ltx_contact_name">Affiliation: </span>Google Brain\n</span>\n'
    '<span class="ltx_contact ltx_role_email"><a href="mailto:avaswani@google.com">'
    "avaswani@google.com</a>\n</span></span></span></span>\n"
    '<span class="ltx_author_before">\u2003\u2003</span>'
    '<span class="ltx_creator ltx_role_author">\n'
    '<span class="ltx_personname">Chao-Ran Cai\n</span><span class="ltx_author_notes">\n'
    '<span class="ltx_contact ltx_role_affiliation">School of Physics, Northwest University, '
    "Xi’an 710127, China\n</span>\n"
    '<span class="ltx_contact ltx_role_affiliation">Shaanxi Key Laboratory for Theoretical '
    "Physics Frontiers\n</span>\n"
    '<span class="ltx_contact ltx_role_address">Taibai North Road 229, Xi’an\n</span>'
    "</span></span>"
)

ONE_BLOCK = page(
    '\n<span class="ltx_creator ltx_role_author">\n<span class="ltx_personname">'
    'Ann Lee<sup class="ltx_sup">1</sup>, Bo Chen<sup class="ltx_sup">1,2</sup> and '
    'Cy Dee<sup class="ltx_sup"><span class="ltx_text ltx_font_italic">2</span></sup>\n'
    '<br class="ltx_break"/><sup class="ltx_sup">1</sup>FAIR at Meta, '
    '<sup class="ltx_sup">2</sup>Toyota Technological Institute at Chicago\n'
    '<br class="ltx_break"/><span class="ltx_text ltx_font_typewriter">'
    "{ann,bo}@meta.com, cy@ttic.edu</span>\n</span></span>"
)

NEURIPS_STYLE = page(
    '\n<span class="ltx_creator ltx_role_author">\n<span class="ltx_personname">Noam Shazeer'
    '<span class="ltx_note ltx_role_footnote"><sup class="ltx_note_mark">1</sup>'
    '<span class="ltx_note_outer"><span class="ltx_note_content"><sup class="ltx_note_mark">1</sup>'
    '<span class="ltx_tag ltx_tag_note">1</span>Work done while at OpenAI.</span></span></span>'
    '\n<br class="ltx_break"/>Google DeepMind\n<br class="ltx_break"/>'
    '<span class="ltx_text ltx_font_typewriter">noam@deepmind.com</span>\n</span></span>'
    '\n<span class="ltx_author_before">  </span><span class="ltx_creator ltx_role_author">\n'
    '<span class="ltx_personname">Dana Roe<math alttext="{}^{*}" class="ltx_Math" '
    'display="inline"><semantics><msup><mi></mi><mo>*</mo></msup></semantics></math>\n'
    '<br class="ltx_break"/>Stanford University</span></span>'
)


def names_and_affiliations(data: bytes) -> list[tuple[str, list[str], list[str]]]:
    return [
        (a.name, [x.name for x in a.affiliations], list(a.emails)) for a in parse_author_block(data)
    ]


def test_one_creator_per_author_with_contacts() -> None:
    assert names_and_affiliations(PER_AUTHOR) == [
        ("Ashish Vaswani", ["Google Brain"], ["avaswani@google.com"]),
        (
            "Chao-Ran Cai",
            [
                "School of Physics, Northwest University, Xi’an 710127, China",
                # a bare address continues the affiliation before it
                "Shaanxi Key Laboratory for Theoretical Physics Frontiers, "
                "Taibai North Road 229, Xi’an",
            ],
            [],
        ),
    ]
    authors = parse_author_block(PER_AUTHOR)
    assert {a.source for au in authors for a in au.affiliations} == {AffiliationSource.HTML}


def test_one_block_with_superscript_markers_and_brace_emails() -> None:
    """Markers map affiliations to names; as many addresses as names pair up in order."""
    assert names_and_affiliations(ONE_BLOCK) == [
        ("Ann Lee", ["FAIR at Meta"], ["ann@meta.com"]),
        ("Bo Chen", ["FAIR at Meta", "Toyota Technological Institute at Chicago"], ["bo@meta.com"]),
        ("Cy Dee", ["Toyota Technological Institute at Chicago"], ["cy@ttic.edu"]),
    ]


def test_grouped_emails_go_to_the_author_their_local_part_spells() -> None:
    data = page(
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        'Ann Lee, Bo Chen, Cy Dee<br class="ltx_break"/>Anthropic<br class="ltx_break"/>'
        "{bo,ann}@anthropic.com</span></span>"
    )
    assert names_and_affiliations(data) == [
        ("Ann Lee", ["Anthropic"], ["ann@anthropic.com"]),
        ("Bo Chen", ["Anthropic"], ["bo@anthropic.com"]),
        ("Cy Dee", ["Anthropic"], []),
    ]


def test_lines_in_the_person_name_and_a_past_affiliation_from_a_footnote() -> None:
    assert names_and_affiliations(NEURIPS_STYLE) == [
        ("Noam Shazeer", ["Google DeepMind", "Work done while at OpenAI"], ["noam@deepmind.com"]),
        ("Dana Roe", ["Stanford University"], []),
    ]


def test_affiliations_listed_once_for_the_block_go_to_marked_authors() -> None:
    data = page(
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        'Eve Park<sup class="ltx_sup">a</sup></span></span>'
        '<span class="ltx_author_before">, </span>'
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        'Finn Holt<sup class="ltx_sup">b</sup></span></span>'
        '<span class="ltx_creator ltx_role_affiliation"><sup class="ltx_sup">a</sup>NVIDIA'
        '<br class="ltx_break"/><sup class="ltx_sup">b</sup>University of Toronto</span>'
    )
    assert names_and_affiliations(data) == [
        ("Eve Park", ["NVIDIA"], []),
        ("Finn Holt", ["University of Toronto"], []),
    ]


def test_flags_come_from_the_block_not_from_title_or_abstract() -> None:
    registry = Registry.default()
    flags = detect_authors(parse_author_block(NEURIPS_STYLE), registry)
    assert {(f.company, f.lab, f.via) for f in flags} == {
        ("Google", "Google DeepMind", "email-domain"),
        ("OpenAI", "OpenAI", "affiliation-alias"),
    }  # nothing from "Meta-Learning", "Claude" or "Apple" in the title and abstract
    confidence = {f.company: f.confidence for f in flags}
    assert confidence["OpenAI"] < confidence["Google"]  # "Work done while at": a past affiliation
    tti = detect_authors(parse_author_block(ONE_BLOCK), registry)
    assert {f.company for f in tti} == {"Meta"}


def test_pages_without_an_author_block() -> None:
    assert parse_author_block(b"<html><body><p>No HTML for this paper</p></body></html>") == []
    assert parse_author_block(page("")) == []


@pytest.mark.parametrize(
    "data", [b"", b"   \n", b"%PDF-1.5\n%\xe2\xe3", b'{"error": "not found"}', b"\x00\x01\x02"]
)
def test_non_html_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_author_block(data)


def test_truncated_pages_still_give_what_is_there() -> None:
    cut = ONE_BLOCK[: ONE_BLOCK.index(b"Toyota")]
    authors = parse_author_block(cut)
    assert [a.name for a in authors] == ["Ann Lee", "Bo Chen", "Cy Dee"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: f"<div>{t}".encode()))
def test_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_author_block(data)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=len(ONE_BLOCK)))
def test_never_crashes_on_truncated_real_markup(cut: int) -> None:
    try:
        authors = parse_author_block(ONE_BLOCK[:cut])
    except ParseError:
        assert not ONE_BLOCK[:cut].strip()
    else:
        assert all(a.name for a in authors)


@dataclass
class Response:
    status: int
    content: bytes


class FakeClient:
    def __init__(self, result: bytes | Response) -> None:
        self.result = result
        self.urls: list[str] = []

    async def get(self, url: str) -> bytes | Response:
        self.urls.append(url)
        return self.result


async def test_fetch_uses_the_html_url_without_version() -> None:
    client = FakeClient(PER_AUTHOR)
    authors = await fetch_author_block(client, "https://arxiv.org/abs/1706.03762v7")
    assert client.urls == ["https://arxiv.org/html/1706.03762"]
    assert authors[0].name == "Ashish Vaswani"
    ok = FakeClient(Response(200, NEURIPS_STYLE))
    assert [a.name for a in await fetch_author_block(ok, "2410.00260")] == [
        "Noam Shazeer",
        "Dana Roe",
    ]


async def test_fetch_missing_html_and_errors() -> None:
    assert (
        await fetch_author_block(FakeClient(Response(404, b"<html>No HTML</html>")), "2410.00260")
        == []
    )
    with pytest.raises(SourceError, match="HTTP 503"):
        await fetch_author_block(FakeClient(Response(503, b"")), "2410.00260")
    with pytest.raises(ValueError):
        await fetch_author_block(FakeClient(b""), "not an id")
