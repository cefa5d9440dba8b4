"""Companies the registry does not list: legal forms, agreeing e-mail domains, look-alikes.

Positives and negatives come from real records in tests/fixtures/ wherever one exists; the few
named misses with no recorded record here (Tensormesh, Soteria, Rasa, Lyrebird AI) and the
look-alikes named by the labelled sets are checked as affiliation strings.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from industry_fixtures import (
    BIODIVERSITY,
    CHUNK4,
    COLM,
    CORL,
    UAI,
    WORKS,
    all_paperlist_papers,
    paperlist,
    work,
)

from bot.config_models import IndustryLab
from bot.industry.candidates import unlisted_companies
from bot.industry.detector import Flag, detect, detect_authors, is_watched, watched_only
from bot.industry.registry import Registry
from bot.industry.unlisted import (
    commercial_label,
    domain_agreement,
    legal_form_names,
    same_firm,
)
from bot.models import Affiliation, AffiliationSource, Author, Paper
from tests.fixture_files import fixture_bytes

HTML = AffiliationSource.HTML


def unlisted(paper: Paper, registry: Registry) -> list[tuple[str, str]]:
    return [(f.company, f.via) for f in detect(paper, registry) if f.lab is None]


def one_author(*affiliations: str, emails: tuple[str, ...] = ()) -> list[Author]:
    return [Author("A. Author", tuple(Affiliation(a, HTML) for a in affiliations), emails)]


# ------------------------------------------------------------- real records: companies found
@pytest.mark.parametrize(
    ("relpath", "record_id", "company", "via"),
    [
        (COLM, "jt0R50d5nk", "Furiosa AI", "company-domain"),  # "Furiosa AI" + furiosa.ai
        (CORL, "AGG1zlrrMw", "PsiRobot", "company-domain"),  # "PsiRobot" + psibot.ai
        (CORL, "KAzku0Uyh1", "PsiRobot", "company-domain"),
        (CORL, "jart4nhCQr", "PsiRobot", "company-domain"),
        (CORL, "LiwdXkMsDv", "QCraft", "legal-form"),  # "QCraft Inc" + qcraft.ai
        (CORL, "AhEE5wrcLU", "Near Earth Autonomy", "legal-form"),  # "... Inc." + nearearth.aero
        (COLM, "4HNAwZFDcH", "MindsDB", "legal-form"),  # "MindsDB Inc." + mindsdb.com
        (COLM, "dWYRjT501w", "Ipazia", "legal-form"),  # "Ipazia Spa"
        (UAI, "ea3176d61c", "auxmoney", "legal-form"),  # "auxmoney GmbH, Düsseldorf, Germany"
    ],
)
def test_paper_list_records_name_unlisted_companies(
    registry: Registry, relpath: str, record_id: str, company: str, via: str
) -> None:
    assert (company, via) in unlisted(paperlist(relpath, record_id), registry)


@pytest.mark.parametrize(
    ("relpath", "work_id", "company"),
    [
        (WORKS, "W3177318507", "Beijing Guowang Fuda Science & Technology Development"),  # Company
        (WORKS, "W4372347372", "Aerospace Science & Industry Shenzhen (Group)"),  # Co., Ltd
        (WORKS, "W4285818445", "Shanghai Gen Cong Information Technology"),  # Company Ltd.
        (WORKS, "W2302501749", "Cray"),  # "Cray, Inc., Seattle 98164, USA"
        (BIODIVERSITY, "W2125576237", "Equator Environmental"),  # "Equator Environmental, LLC"
        (BIODIVERSITY, "W4235089722", "Palmetto Aquaculture"),  # "Palmetto Aquaculture Company"
        (CHUNK4, "W2331358743", "Louis Berger Group"),  # "D. WRE, Louis Berger Group, Inc., ..."
    ],
)
def test_openalex_raw_strings_name_companies_by_legal_form(
    registry: Registry, relpath: str, work_id: str, company: str
) -> None:
    assert (company, "legal-form") in unlisted(work(relpath, work_id), registry)


def test_an_unlisted_flag_carries_its_evidence_and_stays_weak(registry: Registry) -> None:
    (flag,) = detect(paperlist(CORL, "LiwdXkMsDv"), registry)
    assert flag == Flag("QCraft", None, "QCraft Inc; qcraft.ai", "legal-form", 0.55, flag.author)
    assert flag.author and not is_watched(flag)
    (psi,) = detect(paperlist(CORL, "AGG1zlrrMw"), registry)
    assert psi.confidence < flag.confidence  # psibot.ai only abbreviates "PsiRobot"
    assert all(f.confidence < 0.6 for f in detect(paperlist(COLM, "soz1SEiPeq"), registry))


def test_spellings_of_one_firm_give_one_flag(registry: Registry) -> None:
    cidi = detect(paperlist(CORL, "1IzW0aniyg"), registry)  # CIDI ... Co., Ltd.; CIDI; CiDi
    assert [(f.company, f.via) for f in cidi] == [
        ("CIDI Intelligent Driving(Chengdu) Technology", "legal-form")
    ]
    noetix = detect(paperlist(CORL, "O0oK2bVist"), registry)  # Noetic / Noetix Robotics
    assert [f.company for f in noetix] == ["Noetix Robotics"]  # spelled by noetixrobotics.com
    assert same_firm("Sunrise AI Tech", "Sunrise Technology")
    assert not same_firm("China Telecom", "China Unicom Digital Technology")


def test_watched_labs_come_first_and_unlisted_firms_after(registry: Registry) -> None:
    flags = detect(paperlist(COLM, "soz1SEiPeq"), registry)  # Recursal AI, Inc.; Booz Allen...
    assert {f.company for f in flags} == {"Recursal AI", "Booz Allen Hamilton", "DataChat"}
    furiosa = detect(paperlist(COLM, "jt0R50d5nk"), registry)
    assert [f.company for f in furiosa] == ["Krafton", "Microsoft", "Furiosa AI"]
    assert [f.company for f in watched_only(furiosa)] == ["Krafton", "Microsoft"]


# ------------------------------------------------------------- listed companies stay listed
@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("JPMorganChase AI Research", "JPMorgan"),
        ("Meta Platforms, Inc.", "Meta"),
        ("FAIR (Meta Platforms Inc.)", "Meta"),
        ("GoogleDeepMind", "Google"),
        ("Deep Mind, London", "Google"),
        ("Huawei Technologies Co., Ltd.", "Huawei"),
        ("Sony Europe B.V., Stuttgart Laboratory 1, Germany", "Sony"),
        ("360 AI Research Institute, Beijing, China", "Qihoo 360"),
    ],
)
def test_near_misses_of_listed_companies_are_caught_by_normalisation(
    registry: Registry, text: str, company: str
) -> None:
    flags = detect_authors(one_author(text), registry)
    assert [(f.company, is_watched(f)) for f in flags] == [(company, True)]


def test_run_together_aliases_keep_ambiguous_words_whole_segment_only(registry: Registry) -> None:
    assert detect_authors(one_author("Amazon Conservation Team, Arlington"), registry) == ()
    assert detect_authors(one_author("Department of Meta Analysis"), registry) == ()


def test_real_near_miss_records(registry: Registry) -> None:
    qihoo = work(WORKS, "W4403560390")  # "360 AI Research Institute, Beijing, China"
    assert {f.company for f in detect(qihoo, registry)} == {"Qihoo 360"}
    meta = paperlist(COLM, "LFfktMPAci")  # "FAIR (Meta Platforms Inc.)": Meta, nothing unlisted
    assert unlisted(meta, registry) == []


# ------------------------------------------------------------- look-alikes never fire
@pytest.mark.parametrize(
    ("affiliation", "emails"),
    [
        ("Allen Institute for AI", ("allenai.org",)),
        ("Allen Institute for Artificial Intelligence, Inc.", ()),
        ("Paul G. Allen School of Computer Science & Engineering, University of Washington", ()),
        ("Truthful AI", ("owain@truthful.ai",)),
        ("Truthful AI, Berkeley", ("truthfulai.org",)),
        ("UK AISI", ("aisi.gov.uk",)),
        ("UK AI Security Institute", ("dsit.gov.uk",)),
        ("Carnegie Mellon University", ("cmu.edu",)),
        ("Carnegie Corporation of New York", ()),
        ("Carnegie Institution for Science", ("carnegiescience.edu",)),
        ("Institute for Scientific Information, Web of Science Group, London SE1 8EZ, UK", ()),
        ("IDEAS NCBR Sp. z o.o.", ("ideas-ncbr.pl",)),
        ("IDEAS NCBR Sp.", ()),
        ("Toyota Technological Institute at Chicago", ("ttic.edu",)),
        ("Shanghai AI Laboratory", ("pjlab.org.cn",)),
        ("Shanghai Artificial Intelligence Laboratory Co., Ltd.", ()),
        ("EleutherAI", ("eleuther.ai",)),
        ("Vector Institute", ("vectorinstitute.ai",)),
        ("The AI Institute", ("theaiinstitute.com",)),
        ("Zhejiang Lab", ("zhejianglab.com",)),
        ("Forschungszentrum Jülich GmbH", ("fz-juelich.de",)),
        ("Deutsches Forschungszentrum für Künstliche Intelligenz GmbH", ("dfki.de",)),
        ("DFKI GmbH, Kaiserslautern", ()),
        ("Oak Ridge National Laboratory, UT-Battelle, LLC, Oak Ridge, TN", ()),
        ("Lawrence Livermore National Security, LLC", ()),
        ("RAND Corporation, Santa Monica", ()),
        ("The MITRE Corporation", ()),
        ("Massachusetts General Hospital, Inc.", ()),
        ("Lygature, Eindhoven 5656 AG, The Netherlands", ()),
        ("University College Dublin, Belfield, Co. Dublin", ("ucd.ie",)),
        ("University of Colorado, Boulder, CO 80309", ("colorado.edu",)),
        ("University of Alberta, Edmonton, AB Canada", ("ualberta.ca",)),
        ("KTH Royal Institute of Technology, SE-100 44 Stockholm, Sweden", ("kth.se",)),
        ("BUPT", ("bupt.cn",)),
        ("HKU", ("hku.hk",)),
        ("Inria", ("inria.fr",)),
        ("Independent Researcher", ("independent.com",)),
        ("清华大学", ()),
        ("北京大学第三医院有限公司", ()),
    ],
)
def test_look_alikes_are_never_flagged(
    registry: Registry, affiliation: str, emails: tuple[str, ...]
) -> None:
    assert detect_authors(one_author(affiliation, emails=emails), registry) == ()


def test_real_look_alike_records_flag_nothing(registry: Registry) -> None:
    for relpath, record_id in [
        (COLM, "nGCMLATBit"),  # Redwood Research; EleutherAI (eleuther.ai)
        (CORL, "PbQOZntuXO"),  # IDEAS NCBR Sp.
        (COLM, "3TzGD95Jw1"),  # Shanghai Artificial Intelligence Laboratory
        (COLM, "JXcXnJJSuL"),  # Allen Institute for AI
    ]:
        assert detect(paperlist(relpath, record_id), registry) == (), record_id
    for relpath, work_id in [
        (WORKS, "W3000895385"),  # Institute for Scientific Information, Web of Science Group
        (BIODIVERSITY, "W2077467872"),  # World Bank; IFPRI; "Independent Consultant"
    ]:
        assert detect(work(relpath, work_id), registry) == (), work_id


# ------------------------------------------------------------- named misses, as strings
@pytest.mark.parametrize(
    ("affiliation", "emails", "company", "via"),
    [
        ("Tensormesh Inc.", (), "Tensormesh", "legal-form"),
        ("Tensormesh Inc., Pittsburgh, PA, USA", ("kuntai@tensormesh.ai",), "Tensormesh",
         "legal-form"),
        ("Soteria Inc.", (), "Soteria", "legal-form"),
        ("Rasa", ("alan@rasa.com",), "Rasa", "company-domain"),
        ("Rasa Technologies GmbH, Berlin", (), "Rasa Technologies", "legal-form"),
        ("Lyrebird AI, Montreal", ("kundan@lyrebird.ai",), "Lyrebird AI", "company-domain"),
        ("Work done while at Tensormesh Inc.", (), "Tensormesh", "legal-form"),
        ("Acme Robotics Pvt. Ltd., Bengaluru", (), "Acme Robotics", "legal-form"),
        ("Example Systems K.K., Tokyo", (), "Example Systems", "legal-form"),
        ("サイバネティクス株式会社", (), "サイバネティクス", "legal-form"),
        ("株式会社サイバネティクス", (), "サイバネティクス", "legal-form"),
        ("北京智谱华章科技有限公司", (), "北京智谱华章科技", "legal-form"),
    ],
)
def test_named_misses_are_caught(
    registry: Registry, affiliation: str, emails: tuple[str, ...], company: str, via: str
) -> None:
    flags = detect_authors(one_author(affiliation, emails=emails), registry)
    assert [(f.company, f.lab, f.via) for f in flags] == [(company, None, via)]


def test_a_name_without_legal_form_or_agreeing_domain_is_no_evidence(registry: Registry) -> None:
    for affiliation, emails in [
        ("Rasa", ()),  # the name alone
        ("Lyrebird AI", ("someone@gmail.com",)),  # a webmail address spells nothing
        ("Furiosa AI", ("someone@kaist.ac.kr",)),  # an academic domain
        ("Latitude AI", ("x@lat.ai",)),  # three letters are too few to tell
    ]:
        assert detect_authors(one_author(affiliation, emails=emails), registry) == ()


def test_a_bare_name_beside_a_university_in_one_string_still_counts(registry: Registry) -> None:
    # arXiv 2603.16021 prints "Eduba, University of Edinburgh" under both authors
    authors = one_author("Eduba, University of Edinburgh", emails=("theceo@eduba.io",))
    assert [(f.company, f.via) for f in detect_authors(authors, registry)] == [
        ("Eduba", "company-domain")
    ]
    assert detect_authors(one_author("Vector Institute, University of Toronto",
                                     emails=("x@vectorinstitute.ai",)), registry) == ()


def test_the_domain_may_come_from_another_author_of_the_paper(registry: Registry) -> None:
    authors = [*one_author("Eduba"), Author("B. Author", (), ("b@eduba.io",))]
    assert [(f.company, f.via) for f in detect_authors(authors, registry)] == [
        ("Eduba", "company-domain")
    ]


# ------------------------------------------------------------- the parts
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Data Intelligence Division, China Unicom Digital Technology Co., Ltd.",
         ("China Unicom Digital Technology",)),
        ("Recursal AI, Inc.", ("Recursal AI",)),
        ("Science‐Metrix Inc. 1335 Avenue du Mont‐Royal E Montréal", ("Science‐Metrix",)),
        ("Samsung Electronics Co.,Ltd", ("Samsung Electronics",)),
        ("Google Inc., Mountain View, CA", ("Google",)),
        ("Co-director of the UK National Centre for Text Mining", ()),
        ("Haas School of Business, University of California, Berkeley, U.S.A.", ()),
        ("a) Foo Inc.", ("Foo",)),  # an unmatched ")" once looped for ever
    ],
)
def test_legal_form_names(text: str, names: tuple[str, ...]) -> None:
    assert legal_form_names(text) == names


@pytest.mark.parametrize(
    ("domain", "label"),
    [
        ("furiosa.ai", "furiosa"),
        ("mosk.tytlabs.co.jp", "tytlabs"),
        ("poly-ai.com", "polyai"),
        ("nearearth.aero", "nearearth"),
        ("cs.stanford.edu", None),
        ("unal.edu.co", None),
        ("pjlab.org.cn", None),
        ("kias.re.kr", None),
        ("tum.de", None),
        ("hku.hk", None),
        ("lat.ai", "lat"),
    ],
)
def test_commercial_domains(domain: str, label: str | None) -> None:
    assert commercial_label(domain) == label


def test_domain_agreement() -> None:
    assert domain_agreement("Near Earth Autonomy", "nearearth.aero") == "spelled"
    assert domain_agreement("Rasa", "rasahq.com") == "spelled"
    assert domain_agreement("PsiRobot", "psibot.ai") == "close"
    assert domain_agreement("Latitude AI", "lat.ai") is None
    assert domain_agreement("Sequoia Capital", "sequoiacap.com") == "close"
    assert domain_agreement("Furiosa AI", "furiosa.ac.kr") is None


# ------------------------------------------------------------- what labs suggest needs
@cache
def _paperlist_candidates() -> tuple[Any, ...]:
    return unlisted_companies(all_paperlist_papers(), Registry.default())


def test_unlisted_companies_are_gathered_with_counts_examples_and_evidence() -> None:
    found = {c.company: c for c in _paperlist_candidates()}
    psi = found["PsiRobot"]
    assert psi.count == 3
    assert set(psi.papers) == {"paperlist:AGG1zlrrMw", "paperlist:KAzku0Uyh1",
                               "paperlist:jart4nhCQr"}
    assert psi.domains == ("psibot.ai",) and psi.vias == ("company-domain",)
    assert psi.evidence == ("PsiRobot; psibot.ai",)
    counts = [c.count for c in _paperlist_candidates()]
    assert counts == sorted(counts, reverse=True)
    assert "EleutherAI" not in found and "Allen Institute for AI" not in found


def test_a_suggested_entry_is_valid_config_and_makes_the_company_watched() -> None:
    psi = next(c for c in _paperlist_candidates() if c.company == "PsiRobot")
    entry = psi.lab_entry()
    assert entry == {"company": "PsiRobot", "aliases": ["=PsiRobot"],
                     "email_domains": ["psibot.ai"]}
    IndustryLab.model_validate(entry)
    watched = Registry.default().extended([entry])
    flags = detect(paperlist(CORL, "AGG1zlrrMw"), watched)
    assert [(f.company, f.lab, f.via) for f in flags] == [
        ("PsiRobot", "PsiRobot", "email-domain")
    ]


# ------------------------------------------------------------- the arXiv HTML development set
@cache
def _html_truth() -> dict[str, Any]:
    return json.loads(fixture_bytes("arxiv_html/truth.json"))  # type: ignore[no-any-return]


def _truth_authors(arxiv_id: str) -> list[Author]:
    return [
        Author(a["name"], tuple(Affiliation(x, HTML) for x in a.get("affiliations", [])),
               tuple(a.get("emails", [])))
        for a in _html_truth()[arxiv_id]["authors"]
    ]


@pytest.mark.parametrize(
    ("arxiv_id", "company"), [("1911.01746", "ShannonAI"), ("2603.16021", "Eduba")]
)
def test_hand_labelled_html_authors_name_unlisted_startups(
    registry: Registry, arxiv_id: str, company: str
) -> None:
    labelled = [c["name"] for c in _html_truth()[arxiv_id]["companies"]]
    assert labelled == [company]
    flags = detect_authors(_truth_authors(arxiv_id), registry)
    assert [(f.company, f.via) for f in flags] == [(company, "company-domain")]


def test_every_hand_labelled_html_page_without_companies_flags_nothing(
    registry: Registry,
) -> None:
    for arxiv_id, page in _html_truth().items():
        if not page["companies"]:
            assert detect_authors(_truth_authors(arxiv_id), registry) == (), arxiv_id
