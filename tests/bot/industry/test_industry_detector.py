"""Detector rules, each checked on real records recorded in tests/fixtures/."""

from __future__ import annotations

from dataclasses import replace

import pytest
from industry_fixtures import (
    ALT,
    AUTOML22,
    BIODIVERSITY,
    CHEMCROW,
    CHUNK4,
    COLM,
    CORL,
    IONIS,
    KEYPAPERS,
    UAI,
    WORKS,
    paperlist,
    paperlist_record,
    work,
)

from bot.industry.detector import Flag, detect, detect_authors
from bot.industry.registry import Registry
from bot.models import Affiliation, AffiliationSource, Author, Paper

OA = AffiliationSource.OPENALEX


def companies(paper: Paper, registry: Registry) -> set[str]:
    return {f.company for f in detect(paper, registry)}


def flag_for(paper: Paper, registry: Registry, company: str) -> Flag:
    return next(f for f in detect(paper, registry) if f.company == company)


# ------------------------------------------------------------- only affiliation fields count
def test_author_named_applebaum_is_not_apple(registry: Registry) -> None:
    paper = paperlist(UAI, "e5257143b1")
    assert "Lorne Applebaum" in [a.name for a in paper.authors]
    assert companies(paper, registry) == {"Google"}


def test_scholar_links_and_profile_fields_are_never_read(registry: Registry) -> None:
    record = paperlist_record(COLM, "7QaEO9WYMa")  # Fudan only, but links to scholar.google.com
    assert "google" in record["gs_cited_by_link"]
    assert companies(paperlist(COLM, "7QaEO9WYMa"), registry) == set()


@pytest.mark.parametrize(
    ("relpath", "record_id", "mention"),
    [
        (COLM, "Ti67584b98", "Google-Proof"),  # GPQA, NYU authors
        (COLM, "t4eB3zYWBK", "PaLM"),
        (COLM, "LzpaUxcNFK", "Claude"),
        (CORL, "TzqKmIhcwq", "Meta-Learning"),
        (UAI, "fd8c3d521f", "Meta-Learning"),
    ],
)
def test_product_and_company_names_in_titles_or_abstracts_flag_nothing(
    registry: Registry, relpath: str, record_id: str, mention: str
) -> None:
    paper = paperlist(relpath, record_id)
    assert mention in paper.title + paper.abstract
    assert detect(paper, registry) == ()


@pytest.mark.parametrize(
    ("work_id", "mention"),
    [("W2112891119", "Meta-Analysis"), ("W4385027818", "ChatGPT")],
)
def test_openalex_titles_naming_companies_flag_nothing(
    registry: Registry, work_id: str, mention: str
) -> None:
    paper = work(WORKS, work_id)
    assert mention in paper.title
    assert detect(paper, registry) == ()


def test_fair_guiding_principles_is_not_meta_fair(registry: Registry) -> None:
    paper = work(WORKS, "W2302501749")
    assert "FAIR Guiding Principles" in paper.title
    assert companies(paper, registry) == {"Elsevier", "Bayer", "Cray"}  # "Cray, Inc., Seattle"


def test_anthropic_principle_in_an_abstract_is_not_anthropic(registry: Registry) -> None:
    cosmology = Paper(
        key="astro-ph/0601001",
        title="The anthropic principle and the cosmological constant",
        abstract="We revisit the Anthropic principle; Meta-analysis of Apple-shaped halos.",
        authors=(
            Author("Ann Anthropic", (Affiliation("Department of Physics, Durham", OA),)),
            Author("Meta Applebaum", emails=("meta@durham.ac.uk",)),
        ),
        comment="Google Scholar: 12 citations",
    )
    assert detect(cosmology, registry) == ()


def test_affiliations_removed_leaves_no_flag_on_any_labelled_paper(registry: Registry) -> None:
    for relpath in (COLM, UAI, CORL, ALT):
        for record_id in ("5B2K4LRgmz", "zl16jLb91v", "e5257143b1", "Zt1dwG8xrK"):
            try:
                paper = paperlist(relpath, record_id)
            except KeyError:
                continue
            bare = replace(paper, authors=tuple(Author(a.name) for a in paper.authors))
            assert detect(bare, registry) == ()


# ------------------------------------------------------------- look-alikes and guards
@pytest.mark.parametrize(
    ("relpath", "record_id", "expected"),
    [
        (COLM, "6vEfyp0o68", {"Tencent"}),  # Toyota Technological Institute at Chicago + Tencent
        (ALT, "nZIFBtNuJi", set()),  # TTIC only
        (COLM, "JXcXnJJSuL", set()),  # Allen Institute for AI
        (COLM, "3TzGD95Jw1", set()),  # Shanghai Artificial Intelligence Laboratory
        (CORL, "PbQOZntuXO", set()),  # IDEAS NCBR Sp.
        (CORL, "ZdgaF8fOc0", set()),  # IDEAS NCBR Sp. + TU Darmstadt
    ],
)
def test_non_industry_look_alikes(
    registry: Registry, relpath: str, record_id: str, expected: set[str]
) -> None:
    assert companies(paperlist(relpath, record_id), registry) == expected


def test_toyota_research_institute_is_a_company_lab(registry: Registry) -> None:
    flags = detect(paperlist(COLM, "soGxskHGox"), registry)
    assert {(f.company, f.lab) for f in flags} == {("Toyota", "Toyota Research Institute")}


def test_openalex_toyota_technological_institute_is_education(registry: Registry) -> None:
    assert companies(work(WORKS, "W2975059944"), registry) == {"Google"}  # ALBERT: Google + TTIC
    assert companies(work(WORKS, "W4313371821"), registry) == set()  # TTI Nagoya


def test_los_alamos_typed_company_is_not_flagged(registry: Registry) -> None:
    paper = work(WORKS, "W2168201538")
    types = {a.name: a.type for author in paper.authors for a in author.affiliations if a.type}
    assert types["Los Alamos National Security (United States)"] == "company"
    assert detect(paper, registry) == ()


def test_allen_institute_in_openalex_is_not_flagged(registry: Registry) -> None:
    assert detect(work(WORKS, "W2970771982"), registry) == ()


# ------------------------------------------------------------- OpenAlex institutions
def test_ibm_research_typed_facility_is_caught_by_the_registry(registry: Registry) -> None:
    paper = work(CHEMCROW, "W4396723768")
    zurich = [a for au in paper.authors for a in au.affiliations if a.openalex_id == "I4210126328"]
    assert zurich and zurich[0].type == "facility"
    flag = flag_for(paper, registry, "IBM")
    assert (flag.via, flag.lab) == ("institution-id", "IBM Research")
    assert flag.evidence == "IBM Research - Zurich (I4210126328)"
    assert flag.author == "Carlo Baldassari"


def test_funder_typed_institution_raises_no_company_type_flag(registry: Registry) -> None:
    paper = work(IONIS, "W2033425827")
    assert {a.type for au in paper.authors for a in au.affiliations if a.type} == {"funder"}
    flags = detect(paper, registry)  # only the raw "Isis Pharmaceuticals Inc, ..." counts
    assert [(f.company, f.lab, f.via) for f in flags] == [
        ("Isis Pharmaceuticals", None, "legal-form")
    ]


def test_registry_institution_ids_flag_with_the_institution_as_evidence(
    registry: Registry,
) -> None:
    paper = work(WORKS, "W2047604680")  # IBM China Research Lab / T. J. Watson
    flags = detect(paper, registry)
    assert {(f.company, f.via) for f in flags} == {("IBM", "institution-id")}
    assert flags[0].confidence == pytest.approx(0.95)
    assert flags[0].evidence in {
        "IBM (United States) (I1341412227)",
        "IBM Research (China) (I4210126794)",
    }


@pytest.mark.parametrize(
    ("work_id", "expected", "wrong"),
    [
        ("W4388778348", {"AI21 Labs"}, "IBM"),  # AI21 Labs raw, linked to IBM Research - Haifa
        ("W3175515048", {"SenseTime"}, "Sensimetrics Corporation"),
        ("W2970419734", set(), "Language Science"),  # University of Edinburgh raw
        ("W2144949988", set(), "Textron Systems"),  # UK National Centre for Text Mining raw
        ("W4294558607", set(), "Intelligent Systems Research"),  # LASI, Portugal raw
        ("W2111044246", set(), "Unilever"),  # Unilever Centre, Department of Chemistry, Cambridge
    ],
)
def test_wrong_openalex_links_are_dropped_when_raw_strings_say_otherwise(
    registry: Registry, work_id: str, expected: set[str], wrong: str
) -> None:
    found = companies(work(WORKS, work_id), registry)
    assert found == expected
    assert wrong not in found


@pytest.mark.parametrize(
    ("relpath", "work_id"),
    [
        (KEYPAPERS, "W2741809807"),  # Impactstory -> Impact Technology Development
        (CHUNK4, "W2316106684"),  # County of Orange division -> "Watershed"
        (CHUNK4, "W2064177363"),  # Millennium Ecosystem Assessment -> Millennium Engineering
        (BIODIVERSITY, "W2171769921"),  # a person "Arthur A. Small" -> Arthur D. Little
        (BIODIVERSITY, "W1976905065"),  # Finnish Forest Research Institute -> Joensuu Science Park
        (BIODIVERSITY, "W2070285172"),  # "IT Power, Beijing" -> PowerChina
    ],
)
def test_company_typed_links_need_raw_support(
    registry: Registry, relpath: str, work_id: str
) -> None:
    assert detect(work(relpath, work_id), registry) == ()


def test_company_type_without_registry_hit_is_weak_and_named_without_country(
    registry: Registry,
) -> None:
    flags = detect(work(WORKS, "W2901332105"), registry)
    assert {(f.company, f.lab, f.via) for f in flags} == {
        ("ICF International", None, "company-type"),
        ("SimulConsult", None, "company-type"),
        ("Bioscientia", None, "legal-form"),  # "Bioscientia GmbH, Ingelheim, Germany"
    }
    assert all(f.confidence < 0.6 for f in flags)
    icf = next(f for f in flags if f.company == "ICF International")
    assert icf.evidence == "ICF International (United States) (I61822063, type company)"
    shell = detect(work(BIODIVERSITY, "W1996435802"), registry)  # Shell (Netherlands) + (UK)
    assert [(f.company, f.via) for f in shell] == [("Shell", "company-type")]


def test_company_type_flags_are_suppressed_by_registry_hits(registry: Registry) -> None:
    paper = work(WORKS, "W4403577498")  # NVIDIA, Amazon, Google, Palo Alto Networks, VECML
    flags = detect(paper, registry)
    assert {f.company for f in flags} == {"NVIDIA", "Amazon", "Google", "Palo Alto Networks"}
    assert flag_for(paper, registry, "NVIDIA").via == "institution-id"
    assert flag_for(paper, registry, "Palo Alto Networks").via == "company-type"


def test_lineage_parent_in_registry_flags_the_company() -> None:
    registry = Registry.default()
    inst = Affiliation(
        "IBM Research - Tokyo", OA, openalex_id="I999999", type="facility", lineage=("I1341412227",)
    )
    (flag,) = detect_authors([Author("A", (inst,))], registry)
    assert (flag.company, flag.via, flag.confidence) == ("IBM", "institution-id", 0.9)
    assert "part of I1341412227" in flag.evidence


def test_institution_id_without_raw_strings_keeps_full_confidence(registry: Registry) -> None:
    google = Affiliation("Google (United States)", OA, openalex_id="I1291425158", type="company")
    (flag,) = detect_authors([Author("A", (google,))], registry)
    assert (flag.company, flag.via, flag.confidence) == ("Google", "institution-id", 0.95)


def test_institution_id_with_an_address_only_raw_string_is_discounted(registry: Registry) -> None:
    google = Affiliation("Google (United States)", OA, openalex_id="I1291425158", type="company")
    address = Affiliation("Mountain View, CA 94043, USA", OA)
    (flag,) = detect_authors([Author("A", (google, address))], registry)
    assert flag.confidence == pytest.approx(0.6)


def test_ror_without_openalex_id(registry: Registry) -> None:
    inst = Affiliation("Nvidia (United States)", OA, ror="03jdj4y14", type="company")
    (flag,) = detect_authors([Author("A", (inst,))], registry)
    assert (flag.company, flag.via) == ("NVIDIA", "ror")


def test_company_type_without_raw_strings_is_kept_at_low_confidence(registry: Registry) -> None:
    inst = Affiliation("Acme Widgets (Canada)", OA, openalex_id="I12345", type="company")
    (flag,) = detect_authors([Author("A", (inst,))], registry)
    assert (flag.company, flag.lab, flag.via, flag.confidence) == (
        "Acme Widgets", None, "company-type", 0.4,
    )  # fmt: skip


def test_company_typed_hospitals_and_universities_are_not_companies(registry: Registry) -> None:
    # A real institution of industry/openalex/openalexrag_authors_sample.json, typed company.
    hospital = Affiliation(
        "Chinese People’s Liberation Army 263 hospital", OA, openalex_id="I4210162172",
        ror="05b51ak88", type="company",
    )  # fmt: skip
    assert detect_authors([Author("A", (hospital,))], registry) == ()


# ------------------------------------------------------------- strings and e-mails
def test_email_subdomains_and_garbled_domains(registry: Registry) -> None:
    research = detect(paperlist(COLM, "1eg6UnpYu7"), registry)  # research.google.com
    assert ("Google", "Google Research", "email-domain") in {
        (f.company, f.lab, f.via) for f in research
    }
    garbled = detect(paperlist(AUTOML22, "6722bb62ee"), registry)  # googl.Vare.com
    assert {(f.company, f.via) for f in garbled} == {("Google", "affiliation-alias")}


def test_emails_inside_raw_affiliation_strings_count(registry: Registry) -> None:
    paper = work(WORKS, "W4384071683")  # "Google Research, ... karansinghal@google.com"
    vias = {(f.company, f.lab, f.via) for f in detect(paper, registry)}
    assert ("Google", "Google DeepMind", "institution-id") in vias
    assert ("Google", "Google", "institution-id") in vias


def test_one_flag_per_company_and_lab_keeps_the_strongest_evidence(registry: Registry) -> None:
    paper = paperlist(COLM, "Zt1dwG8xrK")  # dozens of Google authors
    flags = detect(paper, registry)
    keys = [(f.company, f.lab) for f in flags]
    assert len(keys) == len(set(keys))
    google = next(f for f in flags if (f.company, f.lab) == ("Google", "Google"))
    assert google.via == "email-domain"  # beats the alias "Google" on the same authors
    assert [f.strength for f in flags] == sorted((f.strength for f in flags), reverse=True)


def test_evidence_is_the_exact_affiliation_string(registry: Registry) -> None:
    flag = flag_for(paperlist(UAI, "ddc8c92c17"), registry, "Apple")
    assert (flag.evidence, flag.via, flag.lab) == (
        "Apple, Cupertino, USA",
        "affiliation-alias",
        "Apple",
    )
    fair = detect(paperlist(COLM, "2wtj0up8rv"), registry)
    assert ("Meta", "FAIR", "FAIR at Meta") in {(f.company, f.lab, f.evidence) for f in fair}


@pytest.mark.parametrize(
    ("relpath", "record_id", "expected"),
    [
        (COLM, "LFfktMPAci", {"Meta"}),  # Meta; Research, Facebook; FAIR (Meta Platforms Inc.)
        (COLM, "FgHpT6u7pk", {"Huawei"}),  # Noah's Ark Lab, Huawei Technologies
        (COLM, "bkY8zEDdH9", {"JPMorgan"}),  # J.P. Morgan Chase
        (COLM, "5B2K4LRgmz", {"Meta", "Anthropic", "Google", "Speechmatics", "Sequoia Capital"}),
        (UAI, "54cb4133e7", {"NetEase"}),  # "2FUXI AI Laboratory, NetEase"
        (UAI, "c61e9b6f62", {"NTT"}),
        (CORL, "bftFwjSJxk", {"Waymo", "Google"}),  # a Waymo author with a google.com address
        (ALT, "lEhg21XO0R", {"Apple"}),  # "University of Southern California+Apple"
    ],
)
def test_real_paper_list_records(
    registry: Registry, relpath: str, record_id: str, expected: set[str]
) -> None:
    assert companies(paperlist(relpath, record_id), registry) == expected


def test_empty_and_odd_authors_do_not_crash(registry: Registry) -> None:
    authors = [
        Author(""),
        Author("A", (Affiliation("", OA),)),
        Author("B", (Affiliation("   ", AffiliationSource.HTML),), emails=("", "@", "no-at-sign")),
        Author("C", (Affiliation("", OA, openalex_id="I1", type="company"),)),
    ]
    assert detect_authors(authors, registry) == ()
