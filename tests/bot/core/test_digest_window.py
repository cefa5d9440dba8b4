"""The window digests share: a workspace's topic matches are built once, even by digests
composing at the same time in worker threads."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from fakes_digest import Flag, paper
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digests import compose as d
from bot.core.digests import window as w
from bot.store.overlaps import OverlapRow, PackedOverlaps, TermHitRow

GOOGLE = Flag("Google", "DeepMind", "Google DeepMind, London, UK", "affiliation-alias", 0.9)


@dataclass(frozen=True)
class T:
    id: int
    member_id: str
    name: str
    member_name: str = "Ana"
    query: str = "q"


def test_two_digests_at_once_build_one_set_of_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []

    def slow(overlaps: object, topics: object) -> dict[str, tuple[d.TopicMatch, ...]]:
        builds.append(1)
        time.sleep(0.05)  # long enough for the other thread to ask meanwhile
        return d.topic_matches(overlaps, topics)  # type: ignore[arg-type]

    monkeypatch.setattr(w, "topic_matches", slow)
    topics = {1: T(1, "U1", "diffusion")}
    window = w.Window([paper("a", "A")], {"a": [OverlapRow("a", 1, 2.0, ())]}, {})
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(window.matches_for(topics)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert got[0] is got[1] and set(got[0]) == {"a"}  # type: ignore[arg-type]


def test_a_renamed_topic_is_not_served_stale_matches() -> None:
    window = w.Window([paper("a", "A")], {"a": [OverlapRow("a", 1, 2.0, ())]}, {})
    before = window.matches_for({1: T(1, "U1", "diffusion")})
    after = window.matches_for({1: T(1, "U1", "score models")})
    assert before["a"][0].topic.name == "diffusion"
    assert after["a"][0].topic.name == "score models"


_ROWS = st.lists(st.tuples(st.integers(1, 4), st.floats(0.0, 9.0, allow_nan=False),
                           st.booleans()), min_size=1, max_size=5)


@given(st.lists(_ROWS, min_size=1, max_size=12), st.lists(st.booleans(), max_size=12),
       st.booleans(), st.sets(st.integers(0, 11)))
@settings(max_examples=150, deadline=None)
def test_packed_overlaps_and_absent_flags_select_what_rows_and_empty_flags_did(
        spec: list[list[tuple[int, float, bool]]], flagged: list[bool], industry_only: bool,
        posted: set[int]) -> None:
    """The window keeps overlaps packed and no entry for an unflagged paper; a digest selects
    from it exactly what it selected from rows in lists and an empty list per such paper."""
    hit = (TermHitRow("diffusion", "title", 1),)
    papers = [paper(f"p{n}", f"T{n}") for n in range(len(spec))]
    rows = {p.key: [OverlapRow(p.key, t, s, hit if explained else ()) for t, s, explained in rs]
            for p, rs in zip(papers, spec, strict=True)}
    packed = PackedOverlaps()
    for key, found in rows.items():
        packed.add(key, [(r.topic_id, r.score, r.terms) for r in found])
    assert dict(packed) == {k: tuple(v) for k, v in rows.items()}
    assert len(packed) == len(rows) and list(packed) == list(rows)
    with pytest.raises(ValueError):
        packed.add("p0", [(1, 1.0, ())])
    flags: dict[str, list[Flag]] = {p.key: [GOOGLE] if f else []
                                    for p, f in zip(papers, flagged, strict=False)}
    topics = {n: T(n, f"U{n % 2}", f"topic {n}") for n in (1, 2, 3)}  # topic 4: another lab's
    shown = {f"p{n}" for n in posted}
    old = d.select_overlaps(papers, rows, topics, flags, industry_only=industry_only,
                            posted=shown)
    window = w.Window(papers, packed, {k: v for k, v in flags.items() if v})
    new = d.select_overlaps(papers, window.overlaps, topics, window.flags,
                            industry_only=industry_only, posted=shown,
                            matches=window.matches_for(topics))
    assert new == old
