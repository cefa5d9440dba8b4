"""Property tests: the detector never raises and never reads titles, abstracts or names."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.industry.detector import detect, detect_authors
from bot.industry.registry import Registry
from bot.models import Affiliation, AffiliationSource, Author, Paper

REGISTRY = Registry.default()
COMPANY_WORDS = [
    "Meta", "FAIR", "Apple", "Amazon", "Anthropic", "Google", "OpenAI", "DeepMind", "IBM",
    "Microsoft", "NVIDIA", "PaLM", "Claude", "GPT-4", "Llama", "Toyota", "Intel", "@google.com",
    "Meta-Analysis", "anthropic principle", "Samsung", "Huawei", "x@openai.com",
]  # fmt: skip
text = st.lists(st.one_of(st.sampled_from(COMPANY_WORDS), st.text(max_size=12)), max_size=12).map(
    " ".join
)
academic = st.sampled_from(
    ["Stanford University", "Department of Physics, Durham University", "ETH Zurich", ""]
)


@settings(max_examples=200, deadline=None)
@given(title=text, abstract=text, comment=text, names=st.lists(text, max_size=4), aff=academic)
def test_titles_abstracts_comments_and_names_never_flag(
    title: str, abstract: str, comment: str, names: list[str], aff: str
) -> None:
    authors = tuple(
        Author(name, (Affiliation(aff, AffiliationSource.JSONL),) if aff else ()) for name in names
    )
    paper = Paper(key="x", title=title, abstract=abstract, comment=comment, authors=authors)
    assert detect(paper, REGISTRY) == ()


institution = st.builds(
    Affiliation,
    name=text,
    source=st.sampled_from(list(AffiliationSource)),
    openalex_id=st.one_of(st.none(), st.sampled_from(["I1291425158", "I4210131040", "I1"]), text),
    ror=st.one_of(st.none(), text),
    type=st.one_of(st.none(), st.sampled_from(["company", "facility", "education", "funder"])),
    lineage=st.lists(st.one_of(text, st.just("I1341412227")), max_size=3).map(tuple),
)
author = st.builds(
    Author,
    name=text,
    affiliations=st.lists(institution, max_size=4).map(tuple),
    emails=st.lists(
        st.one_of(text, st.sampled_from(["a@google.com", "b@x.ai", "@"])), max_size=3
    ).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(authors=st.lists(author, max_size=5))
def test_detector_never_raises_on_arbitrary_affiliations(authors: list[Author]) -> None:
    flags = detect_authors(authors, REGISTRY)
    assert len({(f.company, f.lab) for f in flags}) == len(flags)
    assert all(0 < f.confidence <= 1 for f in flags)
    bare = replace(Paper(key="x", title=""), authors=tuple(Author(a.name) for a in authors))
    assert detect(bare, REGISTRY) == ()


# ------------------------------------------------------------- companies outside the registry
COMPANY_LIKE = [
    "Tensormesh Inc.", "Soteria Inc.", "GmbH", "Co., Ltd.", "株式会社", "有限公司", "LLC", "Rasa",
    "Furiosa AI", "furiosa.ai", "@rasa.com", "x@lyrebird.ai", "PsiRobot", "(", ")", "Pvt. Ltd.",
]  # fmt: skip
company_text = st.lists(
    st.one_of(st.sampled_from([*COMPANY_LIKE, *COMPANY_WORDS]), st.text(max_size=12)), max_size=12
).map(" ".join)
academic_email = st.sampled_from(["a@stanford.edu", "b@cs.ox.ac.uk", "c@tum.de", ""])


@settings(max_examples=200, deadline=None)
@given(
    title=company_text,
    abstract=company_text,
    comment=company_text,
    names=st.lists(company_text, max_size=4),
    aff=academic,
    email=academic_email,
)
def test_company_names_in_titles_abstracts_and_author_names_never_flag(
    title: str, abstract: str, comment: str, names: list[str], aff: str, email: str
) -> None:
    authors = tuple(
        Author(
            name,
            (Affiliation(aff, AffiliationSource.HTML),) if aff else (),
            (email,) if email else (),
        )
        for name in names
    )
    paper = Paper(key="x", title=title, abstract=abstract, comment=comment, authors=authors)
    assert detect(paper, REGISTRY) == ()


LEGAL_FORMS = [
    "Inc.", "Inc", "Ltd.", "Limited", "LLC", "GmbH", "Corp.", "Corporation", "Co.", "Co., Ltd.",
    "S.A.", "AG", "SE", "PLC", "plc", "K.K.", "Pvt. Ltd.", "S.p.A.", "B.V.", "Company", "有限公司",
]  # fmt: skip
NON_COMPANY = [
    "University", "Universität", "Université", "College", "School", "Institute", "Institut",
    "Hospital", "Foundation", "Stiftung", "Academy", "Centre", "Center", "Department of",
    "National", "Society", "Association", "Ministry", "Agency", "Council", "Clinic",
]  # fmt: skip
name_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1,
                    max_size=10)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(name_word, max_size=3),
    body=st.sampled_from(NON_COMPANY),
    after=st.lists(name_word, max_size=3),
    form=st.sampled_from(LEGAL_FORMS),
    domain_word=name_word,
    tld=st.sampled_from(["com", "ai", "io", "co.jp"]),
)
def test_a_legal_form_closing_an_academic_or_public_name_never_flags(
    before: list[str], body: str, after: list[str], form: str, domain_word: str, tld: str
) -> None:
    name = " ".join([*before, body, *after])
    email = f"x@{domain_word.lower()}.{tld}"
    for text in (f"{name} {form}", f"{name}, {form}", f"Lab X, {name} {form}, Berlin"):
        author = Author("A", (Affiliation(text, AffiliationSource.HTML),), (email,))
        assert [f for f in detect_authors([author], REGISTRY) if f.lab is None] == [], text


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.one_of(st.sampled_from([*LEGAL_FORMS, "(", ")", ",", "at"]),
                               st.text(max_size=8)), max_size=15).map(" ".join))
def test_legal_form_names_terminate_and_are_part_of_the_string(text: str) -> None:
    from bot.industry.unlisted import legal_form_names

    for name in legal_form_names(text):
        assert name and all(word in text for word in name.split())
