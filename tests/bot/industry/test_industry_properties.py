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
