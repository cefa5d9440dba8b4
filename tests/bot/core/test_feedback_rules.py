"""The pure rules behind feedback: reaction spellings, who a 👍/👎 counts for, when a topic is
due a suggestion, and which query edit is offered (checked with the real matcher)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.notes.ratings import Tally, attribute, rated, suggestion_due, topic_stats
from bot.core.notes.reactions import Meaning, canonical, meaning
from bot.core.notes.suggestions import RatedPaper, culprits, match_terms, propose
from bot.industry.overrides import LocalOverrides
from bot.models import Paper
from bot.topics import parse_query

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_every_platform_spelling_of_the_feedback_reactions_has_one_name() -> None:
    for spelling in ("+1", ":+1:", "thumbsup", "+1::skin-tone-4", "👍", "👍🏽", " :thumbsup: "):
        assert canonical(spelling) == "+1" and meaning(spelling) is Meaning.RELEVANT
    for spelling in ("-1", "thumbsdown", "-1::skin-tone-2", "👎", "👎🏿"):
        assert canonical(spelling) == "-1" and meaning(spelling) is Meaning.NOT_RELEVANT
    for spelling in ("office", ":office:", "🏢", "🏢\ufe0f"):
        assert canonical(spelling) == "office" and meaning(spelling) is Meaning.NOT_INDUSTRY
    assert canonical("eyes") == "eyes" and meaning("eyes") is None
    assert canonical("🦜") == "🦜" and meaning("white_check_mark") is None


@given(st.text(max_size=40))
def test_canonical_names_are_stable(emoji: str) -> None:
    """Whatever a platform sends, the stored name is a fixed point (stored twice, read once)."""
    assert canonical(canonical(emoji)) == canonical(emoji)


@dataclass(frozen=True)
class Card:
    paper_key: str
    topics: tuple[tuple[str, str], ...]
    reactions: tuple[tuple[str, str], ...]
    answered: bool = False
    posted_at: datetime = T0
    terms: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


ANA, BO = ("UANA", "planning"), ("UBO", "world-models")


def test_a_vote_counts_for_the_voters_own_topics_else_for_all_of_the_card() -> None:
    card = Card("p1", (ANA, BO), (("UANA", "-1"), ("UBO", "+1"), ("UCY", "+1"), ("UCY", "eyes")))
    assert attribute(card) == {ANA: Tally(1, 1), BO: Tally(2, 0)}
    assert Tally(1, 1).verdict == "mixed" and Tally(1, 1).precision == 0.5
    assert Tally().precision is None and not Tally().rated


def test_stats_windows_and_silent_threads() -> None:
    cards = [Card("p1", (ANA,), (("UANA", "+1"),), answered=True),
             Card("p1", (ANA,), (), posted_at=T0 + timedelta(days=1)),  # a second channel
             Card("p3", (ANA,), ()),
             Card("p2", (ANA, BO), (("UBO", "-1"),), posted_at=T0 - timedelta(days=30))]
    recent = topic_stats(cards, [], T0)
    # p1 was answered in one of its two channels: only p3 is left unanswered.
    assert (recent[ANA].posted, recent[ANA].votes, recent[ANA].unanswered) == (2, Tally(1, 0), 1)
    assert BO not in recent
    longer = topic_stats(cards, [], T0 - timedelta(days=31))
    assert (longer[ANA].posted, longer[ANA].votes, longer[ANA].unanswered) == (3, Tally(1, 0), 2)
    assert longer[BO].votes == Tally(0, 1)


def test_a_suggestion_is_due_after_three_downvoted_of_the_last_five_rated() -> None:
    down, up = Tally(0, 1), Tally(1, 0)
    assert suggestion_due([down, up, down, up, down])
    assert not suggestion_due([down, up, down, up, up, down])  # the sixth is too old
    assert not suggestion_due([down, down, Tally(1, 1)])
    cards = [Card("p1", (ANA,), (("UBO", "eyes"),)), Card("p2", (ANA,), (("UANA", "-1"),))]
    assert [c.paper_key for c, _ in rated(cards, ANA)] == ["p2"]


def _paper(key: str, title: str) -> Paper:
    return Paper(key=key, title=title)


def _rated(query: str, *titles: str) -> list[RatedPaper]:
    papers = [_paper(t, t) for t in titles]  # keyed by title: unique across 👍 and 👎
    terms = match_terms(query, papers)
    assert terms is not None and len(terms) == len(papers), "every rated paper matched"
    return [RatedPaper(p, terms[p.key]) for p in papers]


def test_the_edit_drops_the_unwanted_and_keeps_the_wanted() -> None:
    query = "diffusion AND (planning OR control OR policy)"
    bad = _rated(query, "Diffusion for traffic control", "Control of diffusion",
                 "Diffusion policy for traffic control")
    good = _rated(query, "Diffusion planning", "Diffusion policy planning")
    proposal = propose(query, bad, good)
    assert proposal is not None
    assert proposal.query == f"({query}) -control"
    assert (proposal.dropped, proposal.bad, proposal.good) == (3, 3, 2)
    assert [c.term for c in proposal.culprits] == ["control"]  # diffusion is always needed


def test_terms_every_match_needs_are_never_excluded_together() -> None:
    query = "EEG AND (classification OR detection)"
    bad = _rated(query, "EEG classification", "EEG detection", "EEG classification detection")
    # No 👍 paper to keep: excluding both alternatives would match nothing, so it is not
    # offered; one at a time each leaves out some.
    proposal = propose(query, bad, [])
    assert proposal is not None and proposal.query in (f"({query}) -classification",
                                                      f"({query}) -detection")
    assert proposal.dropped == 2
    assert [c.term for c in culprits(parse_query(query).root, bad, [])] == [
        "classification", "detection"]


def test_requiring_a_term_of_every_wanted_paper() -> None:
    query = "diffusion AND (planning OR robot*)"
    bad = _rated(query, "Diffusion planning for robots", "Diffusion for robotic arms")
    good = _rated(query, "Diffusion planning in kitchens", "Diffusion planning for robotic arms")
    proposal = propose(query, bad, good)
    assert proposal is not None and proposal.query == f"({query}) planning"
    assert proposal.dropped == 1


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60), st.lists(st.sampled_from(
    ["diffusion planning", "diffusion control", "robot control", "planning robots",
     "score matching", "CLIP control"]), min_size=1, max_size=6), st.integers(0, 5))
def test_any_query_gives_a_safe_answer(query: str, titles: list[str], split: int) -> None:
    """Member text of any shape: no exception, and an offered edit parses, matches every 👍
    paper and fewer 👎 ones."""
    papers = [_paper(f"p{i}", t) for i, t in enumerate(titles)]
    terms = match_terms(query, papers) or {}
    matched = [RatedPaper(p, terms[p.key]) for p in papers if p.key in terms]
    bad, good = matched[:split], matched[split:]
    proposal = propose(query, bad, good)
    if proposal is None:
        return
    after = match_terms(proposal.query, papers)
    assert after is not None
    assert all(p.paper.key in after for p in good)
    assert sum(p.paper.key not in after for p in bad) == proposal.dropped >= 1


@dataclass(frozen=True)
class Flag:
    company: str
    via: str
    evidence: str


@dataclass(frozen=True)
class Correction:
    paper_key: str
    flags: tuple[Flag, ...]


def test_overrides_hide_corrected_papers_and_distrusted_evidence() -> None:
    joint = Flag("Microsoft", "affiliation-alias", "Microsoft Research-Inria  Joint Centre")
    deepmind = Flag("Google", "affiliation-alias", "Google DeepMind, London")
    overrides = LocalOverrides.of([Correction("p1", (joint,)), Correction("p9", ())])
    same_words = Flag("Microsoft", "affiliation-alias", "microsoft research-inria joint centre")
    other_kind = Flag("Microsoft", "email-domain", "microsoft research-inria joint centre")
    flags = {"p1": [joint, deepmind], "p2": [same_words, deepmind], "p3": [other_kind],
             "p9": [deepmind]}
    assert overrides.apply(flags) == {"p1": [], "p2": [deepmind], "p3": [other_kind], "p9": []}
    assert LocalOverrides().apply(flags) == flags
