"""The author-block parser on real arXiv HTML pages, one test per way real LaTeXML output differs
from the tidy shape: names over several lines, e-mails inside affiliation lines, unmarked lines,
e-mails printed apart from names, loose words in the author notes, acmart parts, math, conversion
faults, team and company authors. Pages: ``tests/fixtures/arxiv_html/pages`` (origins in its
README); robustness on random cuts and corruptions of those pages at the end.
"""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.industry.detector import detect_authors
from bot.industry.registry import Registry
from bot.models import Author
from bot.sources.arxiv_html import parse_author_block
from tests.fixture_files import fixture_bytes, fixture_path

PAGES = sorted(p.stem for p in fixture_path("arxiv_html/pages").glob("*.html"))


def authors(ident: str) -> list[Author]:
    return parse_author_block(fixture_bytes(f"arxiv_html/pages/{ident}.html"))


def by_name(ident: str) -> dict[str, Author]:
    return {a.name: a for a in authors(ident)}


def affs(author: Author) -> list[str]:
    return [a.name for a in author.affiliations]


def companies(ident: str) -> set[str]:
    return {f.company for f in detect_authors(authors(ident), Registry.default())}


# ---------------------------------------------------------------- 1. names over several lines
def test_names_on_several_lines_are_all_authors_and_keep_their_markers() -> None:
    qwen = by_name("2512.15603")
    assert len(qwen) == 14
    assert affs(qwen["Shengming Yin"]) == ["HKUST(GZ)"]
    assert affs(qwen["Chenfei Wu"]) == ["Alibaba"]  # name on the third line, marker 2
    assert affs(qwen["Heung-Yeung Shum"]) == ["HKUST"]
    openelm = by_name("2404.14619")
    assert len(openelm) == 11 and all(affs(a) == ["Apple"] for a in openelm.values())
    lora = by_name("2106.09685")
    assert len(lora) == 8 and affs(lora["Weizhu Chen"]) == ["Microsoft Corporation"]


# ---------------------------------------------------------------- 2. e-mails inside lines
def test_a_line_with_an_email_keeps_its_affiliation_and_the_next_author() -> None:
    srivastava = by_name("2605.20355")["Megha Srivastava"]
    assert affs(srivastava) == ["Stanford University, Stanford, CA, USA"]
    assert srivastava.emails == ("author@example.test",)
    scale_bar = by_name("2510.11260")
    assert len(scale_bar) == 5  # "&Ruotong Yang" after an e-mail line starts the next author
    zhang = scale_bar["Zhengyang Zhang"]
    assert "AI Lab, Xiaomi Corporation, China" in affs(zhang)
    assert set(zhang.emails) == {"zhengyangzhang@sjtu.edu.cn", "zhangzhengyang3@xiaomi.com"}


# ---------------------------------------------------------------- 3. unmarked lines
def test_unmarked_lines_are_not_given_blindly_to_every_author() -> None:
    assert all(affs(a) == ["ByteDance Intelligent Creation"] for a in authors("2503.16418"))
    assert all("(Version 2)" not in affs(a) for a in authors("2106.09685"))
    bologna = by_name("2610.03261")["Davide Evangelista"]
    assert affs(bologna) == [  # a bare address joins the affiliation above it
        "Department of Computer Science and Engineering",
        "University of Bologna, Bologna, 40126, Italy",
    ]
    trento = by_name("2610.08392")["Asiye Malkoç"]
    assert affs(trento)[0] == "Department of Cellular, Computational and Integrative Biology"


def test_work_done_while_at_is_a_past_affiliation_with_lower_confidence() -> None:
    gomez = by_name("1706.03762")["Aidan N. Gomez"]
    assert affs(gomez) == ["University of Toronto", "Work performed while at Google Brain"]
    flags = detect_authors([gomez], Registry.default())
    assert [(f.company, f.author) for f in flags] == [("Google", "Aidan N. Gomez")]
    vaswani = detect_authors([by_name("1706.03762")["Ashish Vaswani"]], Registry.default())
    assert flags[0].confidence < vaswani[0].confidence
    assert "Equal contribution" not in str(affs(by_name("1706.03762")["Noam Shazeer"]))


# ---------------------------------------------------------------- 4. e-mails apart from names
def test_emails_are_credited_by_local_part_not_by_order() -> None:
    ofa = by_name("2202.03052")
    assert ofa["Chang Zhou"].emails == ("ericzhou.zc@alibaba-inc.com",)
    assert ofa["Jingren Zhou"].emails == ("jingren.zhou@alibaba-inc.com",)
    assert ofa["Hongxia Yang"].emails == ("yang.yhx@alibaba-inc.com",)
    races = by_name("2609.00246")  # {daniel.bund,michael.petter}@tum.de under both names
    assert races["Daniel Bund"].emails == ("daniel.bund@tum.de",)
    assert races["Michael Petter"].emails == ("michael.petter@tum.de",)
    coref = by_name("1911.01746")
    assert coref["Arianna Yuan"].emails == ("xfyuan@stanford.edu",)
    assert coref["Fei Wu"].emails == ("wufei@zju.edu.cn",)
    assert coref["Wei Wu"].emails == ("wei_wu@shannonai.com",)


# ---------------------------------------------------------------- 5. words in the author notes
def test_plain_text_in_the_author_notes_is_read() -> None:
    vgg = by_name("1409.1556")
    assert "Google DeepMind" in affs(vgg["Karen Simonyan"])
    assert "Google DeepMind" in affs(vgg["Andrew Zisserman"])  # the note marked +
    gqa = by_name("2305.13245")  # \footnotemark[2] -> the second note
    assert affs(gqa["Michiel de Jong"]) == [
        "Google Research",
        "University of Southern California",
        "Work done at Google Research",
    ]
    assert affs(gqa["Joshua Ainslie"]) == ["Google Research"]
    shared = by_name("2610.08785")  # \thanks beside one name, \footnotemark[1] beside the other
    assert affs(shared["Stephen Bates"]) == affs(shared["Kevin Zhang"]) == [
        "EECS, MIT, Cambridge MA, USA"
    ]


# ---------------------------------------------------------------- 6. acmart parts
def test_acmart_affiliation_parts_are_joined_with_commas() -> None:
    for author in authors("2508.03630"):
        assert affs(author) == ["University of Washington, Seattle, Washington, United States"]
    survey = authors("2106.04554")  # acmart: one affiliation printed after four authors
    assert all(len(affs(a)) == 2 for a in survey)
    first = "School of Computer Science, Fudan University, Shanghai, China, 200433"
    assert affs(survey[0])[0] == first


# ---------------------------------------------------------------- 7. math in an affiliation
def test_math_in_an_affiliation_keeps_its_text_and_math_markers_key_affiliations() -> None:
    # LaTeXML writes "Texas A$\&$M" as MathML (markup as in LaTeXML's output for inline math)
    data = (
        b'<article class="ltx_document"><div class="ltx_authors">'
        b'<span class="ltx_creator ltx_role_author"><span class="ltx_personname">Ann Lee'
        b'</span><span class="ltx_author_notes"><span class="ltx_contact ltx_role_affiliation">'
        b'Texas A<math alttext="\\&amp;" class="ltx_Math" display="inline"><semantics><mo>&amp;'
        b'</mo><annotation encoding="application/x-tex">\\&amp;</annotation></semantics></math>'
        b"M University</span></span></span></div></article>"
    )
    assert [affs(a) for a in parse_author_block(data)] == [["Texas A&M University"]]
    marked = by_name("2610.08781")  # markers are bold math letters: 𝑪 𝒀 𝑰 𝑻
    assert affs(marked["Ziyu Chen"]) == ["The Unversity of Chicago"]
    assert affs(marked["Jiashuo Sun"]) == ["University of Illinois Urbana-Champaign"]


# ---------------------------------------------------------------- 8. conversion faults
def test_conversion_faults_invent_no_author_and_drop_no_affiliation() -> None:
    faulty = by_name("2610.08781")
    assert sorted(faulty) == sorted(
        ["Ziyu Chen", "Yilun Zhao", "Jiashuo Sun", "Yiling Ma", "Manasi Patwardhan", "Arman Cohan"]
    )  # a name inside an affiliation field is an author; "Code" and "Dataset" links are not
    assert affs(faulty["Manasi Patwardhan"]) == ["Tata Consultancy Services"]
    assert affs(faulty["Yiling Ma"]) == ["Yale University"]
    llama = authors("2407.21783")  # a second creator "AI @ Meta" holding the contact "["
    assert [a.name for a in llama] == ["Llama Team"]


# ---------------------------------------------------------------- 9. team and company authors
@pytest.mark.parametrize(
    ("ident", "author", "company"),
    [
        ("2503.19786", "Gemma Team", "Google"),
        ("2407.21783", "Llama Team", "Meta"),
        ("2404.14219", "Microsoft", "Microsoft"),
        ("2501.12948", "DeepSeek-AI", "DeepSeek"),
    ],
)
def test_team_and_company_authors_make_the_paper_that_company_s(
    ident: str, author: str, company: str
) -> None:
    assert [a.name for a in authors(ident)] == [author]
    assert companies(ident) == {company}


def test_people_are_never_flagged_from_names_title_or_abstract() -> None:
    assert companies("2106.07447") == set()  # FAIR per the PDF, but the page prints nothing
    assert companies("2512.03335") == set()  # markers with no legend
    assert companies("1804.05392") == set()  # "Paul G. Allen School"


# ---------------------------------------------------------------- every labelled page
def test_every_labelled_author_is_found_and_none_is_invented() -> None:
    truth = json.loads(fixture_bytes("arxiv_html/truth.json"))
    for ident, label in truth.items():
        got = [a.name for a in authors(ident)]
        assert got == [a["name"] for a in label["authors"]] or sorted(got) == sorted(
            a["name"] for a in label["authors"]
        ), ident


# ---------------------------------------------------------------- robustness
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PAGES), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_real_pages_never_raise_nor_yield_a_nameless_author(
    ident: str, where: float
) -> None:
    data = fixture_bytes(f"arxiv_html/pages/{ident}.html")
    cut = data[: int(len(data) * where)]
    try:
        found = parse_author_block(cut)
    except ParseError:
        assert not cut.strip() or not cut.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    else:
        assert all(a.name.strip() for a in found)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PAGES),
    st.lists(st.tuples(st.floats(0.0, 1.0), st.binary(min_size=0, max_size=12)), max_size=8),
)
def test_corrupted_real_pages_never_raise_nor_yield_a_nameless_author(
    ident: str, edits: list[tuple[float, bytes]]
) -> None:
    data = bytearray(fixture_bytes(f"arxiv_html/pages/{ident}.html"))
    for where, junk in edits:  # overwrite, insert or delete bytes anywhere in the page
        at = int(len(data) * where)
        data[at : at + len(junk) // 2] = junk
    with contextlib.suppress(ParseError):
        assert all(a.name.strip() for a in parse_author_block(bytes(data)))
