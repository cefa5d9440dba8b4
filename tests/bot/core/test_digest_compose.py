"""Pure selection and composition rules of a digest (no store, no platform)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fakes_digest import Flag, paper, real_feed, with_affiliation
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digests import compose as d
from bot.models import AnnounceType
from bot.store.overlaps import OverlapRow, TermHitRow


@dataclass(frozen=True)
class T:
    id: int
    member_id: str
    name: str

    @property
    def member_name(self) -> str:
        return f"{self.member_id} name"


@dataclass(frozen=True)
class Run:
    day: date | None
    ok: bool | None
    outcome: str | None
    detail: dict[str, object]


TOPICS = {1: T(1, "U_ana", "diffusion"), 2: T(2, "U_ben", "planning"), 3: T(3, "U_cy", "rl")}
GOOGLE = Flag("Google", "DeepMind", "Google DeepMind, London, UK", "affiliation-alias", 0.9)


def _row(key: str, topic: int, score: float, *terms: str) -> OverlapRow:
    return OverlapRow(key, topic, score, tuple(TermHitRow(t, "title", 1) for t in terms))


def test_industry_only_vs_all_papers() -> None:
    papers = [paper("1", "A"), paper("2", "B")]
    overlaps = {"1": [_row("1", 1, 2.0)], "2": [_row("2", 1, 5.0)]}
    flags = {"1": [GOOGLE]}
    only = d.select_overlaps(papers, overlaps, TOPICS, flags, industry_only=True, posted=set())
    assert [o.paper.key for o in only.overlaps] == ["1"]
    assert (only.papers_seen, only.matched, only.industry_filtered) == (2, 2, 1)
    every = d.select_overlaps(papers, overlaps, TOPICS, flags, industry_only=False, posted=set())
    assert [o.paper.key for o in every.overlaps] == ["2", "1"]  # best score first


def test_posted_and_replace_announcements_are_never_selected() -> None:
    papers = [paper("1", "A"), paper("2", "B", announce_type=AnnounceType.REPLACE),
              paper("3", "C", announce_type=AnnounceType.CROSS)]
    overlaps = {k: [_row(k, 1, 1.0)] for k in "123"}
    sel = d.select_overlaps(papers, overlaps, TOPICS, {}, industry_only=False, posted={"1"})
    assert [o.paper.key for o in sel.overlaps] == ["3"]
    assert (sel.papers_seen, sel.already_posted) == (2, 1)


def test_three_members_make_one_card_mentioning_all() -> None:
    p = paper("2411.00001", "Diffusion planning for RL", "x " * 10,
              authors=("A One", "B Two", "C Three", "D Four"))
    overlaps = {p.key: [_row(p.key, 1, 3.0, "diffusion"), _row(p.key, 2, 4.0, "planning"),
                        _row(p.key, 3, 1.0, "rl", "rl")]}
    sel = d.select_overlaps([p], overlaps, TOPICS, {p.key: [GOOGLE, GOOGLE]},
                            industry_only=True, posted=set())
    (overlap,) = sel.overlaps
    card = d.build_card(overlap)
    assert card.member_ids == ("U_ben", "U_ana", "U_cy")
    assert [(m.topic, m.terms) for m in card.matches] == [
        ("planning", ("planning",)), ("diffusion", ("diffusion",)), ("rl", ("rl",))]
    assert card.authors == ("A One", "B Two", "C Three") and card.et_al
    assert card.marker == d.marker_for("2411.00001")
    assert card.url == "https://arxiv.org/abs/2411.00001"
    assert len(card.labs) == 1 and card.labs[0].company == "Google"
    prompt = d.build_prompt(card, [])
    assert prompt.question == "How does our work differ?"
    assert prompt.mentions == card.member_ids
    assert prompt.topics == ("planning", "diffusion", "rl")
    hits = d.topic_hits(sel.overlaps)
    assert {(h.topic, h.member_id, h.count) for h in hits} == {
        ("diffusion", "U_ana", 1), ("planning", "U_ben", 1), ("rl", "U_cy", 1)}


def test_card_from_a_real_listing_item() -> None:
    real = next(p for p in real_feed() if p.key == "2411.17700")
    p = with_affiliation(real, "Google Research, Mountain View")
    overlap = d.Overlap(p, (d.TopicMatch(TOPICS[1], 2.0, ("generative ai",)),),
                        (Flag("Google", None, "Google Research, Mountain View",
                              "affiliation-alias", 0.9),))
    card = d.build_card(overlap)
    assert card.title.startswith("Exploring the Impact of Generative AI")
    assert card.announced == date(2024, 11, 28)
    assert card.abstract_opening.startswith("This study investigates the influence")
    assert card.abstract_opening.endswith("…") and len(card.abstract_opening) <= 300
    assert not card.abstract_opening[:-1].endswith(" ")


def test_header_with_more_hint() -> None:
    papers = [paper(str(i), f"P{i}") for i in range(5)]
    overlaps = {p.key: [_row(p.key, 1, float(i))] for i, p in enumerate(papers)}
    sel = d.select_overlaps(papers, overlaps, TOPICS, {}, industry_only=False, posted=set())
    h = d.build_header(sel, date_from=date(2026, 11, 16), date_to=date(2026, 11, 20),
                       max_papers=3, mode="all-papers", quiet_reason="ignored")
    assert (h.papers_seen, h.overlaps, h.shown) == (5, 5, 3)
    assert h.more_hint == "2 more: /scoop digest now since 2026-11-16"
    assert h.quiet_reason is None and h.topic_hits[0].count == 5


def _quiet(sel: d.Selection, days: list[date], runs: list[Run] = (), topics: int = 2) -> str:
    reason = d.quiet_reason(sel, days=days, expected=lambda x: x.weekday() < 5 and
                            x != date(2026, 11, 27), fetch_runs=list(runs),
                            topic_count=topics, mode="industry-only")
    assert reason is not None
    return reason


EMPTY = d.Selection(0, 0, 0, 0, ())


def test_quiet_reasons() -> None:
    weekend = [date(2026, 11, 21), date(2026, 11, 22)]
    assert _quiet(EMPTY, weekend).startswith("weekend")
    holiday = [date(2026, 11, 27), date(2026, 11, 28)]
    assert _quiet(EMPTY, holiday) == "arXiv holiday: no announcement expected for 2026-11-27"
    assert _quiet(EMPTY, [date(2026, 11, 20)]).startswith("no announcement")
    stale = Run(date(2026, 11, 20), False, "stale", {"reason": "the feed still shows 11-19"})
    assert _quiet(EMPTY, [date(2026, 11, 20)], [stale]) == (
        "source failure - arXiv fetch for 2026-11-20: the feed still shows 11-19")
    recovered = Run(date(2026, 11, 20), True, "announced", {})
    assert _quiet(EMPTY, [date(2026, 11, 20)], [stale, recovered]).startswith("no announcement")
    no_match = d.Selection(40, 0, 0, 0, ())
    assert _quiet(no_match, [date(2026, 11, 20)]) == (
        "announcement but no overlap: 40 new papers, none matched your 2 topics")
    assert "no active topics" in _quiet(no_match, [date(2026, 11, 20)], topics=0)
    not_industry = d.Selection(40, 3, 2, 1, ())
    text = _quiet(not_industry, [date(2026, 11, 20)])
    assert text.startswith("3 papers matched your topics: 2 not from a watched industry lab")
    assert "1 already posted" in text


def test_quiet_reason_is_none_with_overlaps() -> None:
    p = paper("1", "A")
    sel = d.Selection(1, 1, 0, 0, (d.Overlap(p, (d.TopicMatch(TOPICS[1], 1.0, ()),), ()),))
    assert d.quiet_reason(sel, days=[], expected=lambda _: True, fetch_runs=[], topic_count=1,
                          mode="all-papers") is None


def test_prompt_quotes_notes_shortened() -> None:
    @dataclass(frozen=True)
    class Note:
        author_id: str
        author_name: str
        created_at: datetime
        paper_title: str
        text: str

    p = paper("1", "A")
    card = d.build_card(d.Overlap(p, (d.TopicMatch(TOPICS[1], 1.0, ()),), ()))
    note = Note("U_ana", "Ana", datetime(2026, 11, 2, tzinfo=UTC), "Older paper", "y " * 400)
    prompt = d.build_prompt(card, [note])
    (quoted,) = prompt.quoted_notes
    assert quoted.author_name == "Ana" and quoted.paper_title == "Older paper"
    assert len(quoted.text) <= d.NOTE_CHARS and quoted.text.endswith("…")


def test_markers_are_short_fixed_and_none_holds_another() -> None:
    """Keys of any length (a JSON Lines id, an OpenAlex id, ``p-1`` next to ``p-10``) give
    markers of one short length that fit every platform whole and never contain each other."""
    keys = ["jsonl:p-1", "jsonl:p-10", "jsonl:p-100", "2411.00001", "openalex:W2755950973",
            "jsonl:" + "x" * 100_000, "jsonl:ünï cödé", "jsonl:\ud800"]
    markers = [d.marker_for(k) for k in keys]
    assert len(set(markers)) == len(keys) and len({len(m) for m in markers}) == 1
    assert all(m.startswith("sw:paper:") and len(m) <= 40 for m in markers)
    assert not any(a in b for a in markers for b in markers if a != b)
    assert d.marker_for("jsonl:p-1") == d.marker_for("jsonl:p-1")  # the same after a restart


def _one_per_work(chosen: list[d.Overlap], twins: dict[str, list[str]]) -> list[d.Overlap]:
    """The twin rule as first written (a scan of what is shown so far), for comparison."""
    shown: list[d.Overlap] = []
    for overlap in chosen:
        mine = twins.get(overlap.paper.key, ())
        at = next((i for i, o in enumerate(shown) if o.paper.key in mine), None)
        if at is None:
            shown.append(overlap)
        elif len(overlap.flags) > len(shown[at].flags):
            shown[at] = overlap
    return shown


@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0.1, 9.0), st.integers(0, 2)),
                min_size=1, max_size=40))
@settings(max_examples=150, deadline=None)
def test_twins_keep_one_version_per_work_in_any_number(
        spec: list[tuple[int, float, int]]) -> None:
    """Papers in groups of twins (same group number), scored and flagged at random: the
    selection shows what the scan over shown overlaps showed, with or without the topic
    matches worked out beforehand."""
    papers = [paper(f"p{n}", f"T{n}") for n in range(len(spec))]
    overlaps = {p.key: [_row(p.key, 1 + n % 3, score)] for n, (p, (_g, score, _f))
                in enumerate(zip(papers, spec, strict=True))}
    flags = {p.key: [GOOGLE] * f for p, (_g, _s, f) in zip(papers, spec, strict=True) if f}
    twins = {p.key: [q.key for q, (h, _s, _f) in zip(papers, spec, strict=True)
                     if h == g and q.key != p.key]
             for p, (g, _s, _f) in zip(papers, spec, strict=True)}
    twins = {k: v for k, v in twins.items() if v}
    every = d.select_overlaps(papers, overlaps, TOPICS, flags, industry_only=False,
                              posted=set(), twins=twins)
    alone = d.select_overlaps(papers, overlaps, TOPICS, flags, industry_only=False,
                              posted=set())
    assert list(every.overlaps) == _one_per_work(list(alone.overlaps), twins)
    assert every.matched == len(every.overlaps) >= 1
    shared = d.select_overlaps(papers, overlaps, TOPICS, flags, industry_only=False,
                               posted=set(), twins=twins,
                               matches=d.topic_matches(overlaps, TOPICS))
    assert shared == every
