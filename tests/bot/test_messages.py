"""Helpers in ``bot.messages`` every platform's rendering relies on: excerpts and lab labels."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.messages import LabBadge, lab_label, shorten


def test_shorten_cuts_at_a_word_boundary() -> None:
    assert shorten("short text", 300) == "short text"
    assert shorten("a  b\nc", 10) == "a b c"
    assert shorten("word " * 100, 30) == "word word word word word word…"
    assert shorten("alpha beta gamma delta", 12) == "alpha beta…"
    assert shorten("alpha beta gamma", 11) == "alpha beta…"  # a whole word at the cut stays
    assert shorten("x" * 30, 10) == "x" * 9 + "…"
    assert shorten("see https://example.org/a/very/long/path", 20) == "see https://example…"


@given(st.text(), st.integers(min_value=2, max_value=400))
def test_shorten_is_one_line_within_the_limit(text: str, limit: int) -> None:
    out = shorten(text, limit)
    assert len(out) <= limit and "\n" not in out
    assert out == " ".join(text.split()) or out.endswith("…")


def test_lab_label_names_the_company_when_the_lab_does_not() -> None:
    assert lab_label("Google", "Google DeepMind") == "Google DeepMind"
    assert lab_label("Meta", "FAIR") == "Meta (FAIR)"
    assert lab_label("OpenAI", None) == "OpenAI"
    assert lab_label("OpenAI", "OpenAI") == "OpenAI"
    assert LabBadge("Meta", "FAIR", "FAIR at Meta", "affiliation-alias").label == "Meta (FAIR)"
