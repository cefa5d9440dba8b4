"""Pure merge rules (bot.store.merge): author matching and idempotence of every merge."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.store.merge import (
    PaperRecord,
    loose_name_key,
    match_authors,
    merge_record,
    name_key,
    new_record,
)


def _authors(*names: str) -> tuple[Author, ...]:
    return tuple(Author(n) for n in names)


def test_name_keys() -> None:
    assert name_key("Ana  García-López") == name_key("ana garcia lopez")
    assert name_key("García, Ana") == name_key("Ana García")
    assert loose_name_key("A. García") == loose_name_key("Ana Garcia") == "garcia a"
    assert loose_name_key("") == ""


def test_match_authors_reorder_rename_and_mismatch() -> None:
    stored = _authors("Ana García", "Bo Li", "Chen Wei")
    assert match_authors(stored, stored) == {0: 0, 1: 1, 2: 2}
    assert match_authors(_authors("Chen Wei", "Ana Garcia", "Bo Li"), stored) == {
        0: 2, 1: 0, 2: 1,
    }  # fmt: skip
    # Same count, unrecognisable rename: position.
    assert match_authors(_authors("A. García", "Xiao Bo", "Chen Wei"), stored) == {
        0: 0, 1: 1, 2: 2,
    }  # fmt: skip
    # Different count: names only; unknown authors are left out.
    assert match_authors(_authors("Chen Wei", "Someone Else"), stored) == {0: 2}
    # Duplicate names pair in order.
    twice = _authors("Wei Wang", "Wei Wang")
    assert match_authors(twice, _authors("Wei Wang", "X Y", "Wei Wang")) == {0: 0, 1: 2}


_sources = st.sampled_from(list(AffiliationSource))
_affiliations = st.builds(
    Affiliation, name=st.sampled_from(["MIT", "Meta", "DeepMind"]), source=_sources
)
_author_lists = st.lists(
    st.builds(
        Author,
        name=st.sampled_from(["Ana García", "A. Garcia", "Bo Li", "Chen Wei"]),
        affiliations=st.lists(_affiliations, max_size=2).map(tuple),
        emails=st.lists(st.just("x@y.org"), max_size=1).map(tuple),
    ),
    max_size=3,
).map(tuple)
_papers = st.builds(
    Paper,
    key=st.just("2411.00001"),
    title=st.sampled_from(["", "T1", "T2"]),
    abstract=st.sampled_from(["", "A1"]),
    version=st.sampled_from([None, 1, 2]),
    authors=_author_lists,
    categories=st.sampled_from([(), ("cs.LG",), ("cs.CL", "cs.LG")]),
    announced=st.sampled_from([None, date(2024, 11, 28), date(2024, 11, 29)]),
    announce_type=st.sampled_from([None, *AnnounceType]),
    openalex_id=st.sampled_from([None, "W1"]),
)


def _same(a: PaperRecord, b: PaperRecord) -> bool:
    return a == b and a.paper.extra == b.paper.extra


@given(st.one_of(st.none(), _papers), _papers)
def test_merging_the_same_paper_twice_is_a_no_op(first: Paper | None, incoming: Paper) -> None:
    stored = new_record(first) if first is not None else None
    once = merge_record(stored, incoming)
    assert _same(merge_record(once, incoming), once)


@given(_papers, _papers)
def test_merge_never_loses_version_or_fields(first: Paper, incoming: Paper) -> None:
    merged = merge_record(new_record(first), incoming).paper
    versions = [v for v in (first.version, incoming.version) if v is not None]
    assert merged.version == (max(versions) if versions else None)
    for name in ("title", "abstract", "categories"):
        if getattr(first, name) or getattr(incoming, name):
            assert getattr(merged, name)
    if first.authors or incoming.authors:
        assert merged.authors
