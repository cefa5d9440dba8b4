"""Control characters, lone surrogates and bidi formatting in user text, through the one
escaping function of each adapter: Slack shows controls as symbols and closes what a line
leaves open; Discord shows controls as symbols and drops bidi formatting (its API strips it
after the bot has escaped the text, which would undo the escaping)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from adapters.controls import close_bidi, show_controls
from adapters.discord import text as discord_text
from adapters.discord.port import thread_name
from adapters.slack import escape as slack_escape
from tests.text_checks import OPENERS, is_unshowable, open_bidi

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
AWKWARD = [*map(chr, range(32)), "\x7f", "\x85", "\x9b", "\ud800", "\udfff", "\ufffe",
           "\uffff", *BIDI, "\u200f", "\u2029", "@everyone", "@here", "<!channel>", "<@U1>",
           "<@123456789012345678>", "```", "*", "_", "&", "<", ">", "\\", " ", "\n"]


def awkward_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Any text, lone surrogates included, thick with controls and bidi formatting."""
    piece = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=4),
                      st.characters(categories=["Cs", "Cc", "Cf"]))
    return st.lists(piece, max_size=max_size).map("".join)


def assert_plain(text: str) -> None:
    bad = sorted({hex(ord(c)) for c in text if is_unshowable(c)})
    assert not bad, (bad, text)
    for line in re.split("[\n\u2029]", text):
        assert not open_bidi(line), (line, [hex(ord(c)) for c in open_bidi(line)])
    text.encode("utf-8")  # every character can be sent


@given(awkward_text())
def test_controls_are_shown_one_for_one(text: str) -> None:
    shown = show_controls(text)
    assert len(shown) == len(text)
    assert not any(is_unshowable(c) for c in shown)
    assert show_controls(shown) == shown
    assert all(a == b for a, b in zip(text, shown, strict=True) if not is_unshowable(a))


@given(awkward_text())
def test_closing_bidi_only_adds_closers_and_leaves_no_line_open(text: str) -> None:
    text = show_controls(text)
    closed = close_bidi(text)
    assert re.sub("[\u202c\u2069]", "", closed) == re.sub("[\u202c\u2069]", "", text)
    assert close_bidi(closed) == closed
    assert_plain(closed)


@given(awkward_text())
def test_slack_escaping_shows_controls_and_closes_bidi(text: str) -> None:
    for out in (slack_escape.escape(text), slack_escape.plain(text), slack_escape.code(text),
                slack_escape.fenced(text)):
        assert_plain(out)
    assert "<" not in slack_escape.escape(text)


@given(awkward_text(300), st.integers(1, 120))
def test_slack_fitted_and_cut_text_stays_closed(text: str, limit: int) -> None:
    fitted = slack_escape.fit(text, limit)
    assert len(fitted) <= limit
    assert_plain(fitted)
    rendered = slack_escape.escape(text)
    head = slack_escape.cut(rendered, limit)
    assert len(head) <= limit
    assert_plain(head)
    for piece in slack_escape.chunks(text, max(limit, 10)):
        assert_plain(piece)


@given(awkward_text())
def test_slack_links_never_point_at_a_control_or_bidi_character(text: str) -> None:
    url = slack_escape.safe_url("https://arxiv.org/abs/" + text)
    if url is not None:
        assert_plain(url)
        assert not set(url) & set(BIDI)


@given(awkward_text())
def test_discord_escaping_shows_controls_and_drops_bidi(text: str) -> None:
    for out in (discord_text.escape(text), discord_text.code(text), discord_text.fenced(text),
                thread_name(text)):
        assert_plain(out)
        assert not set(out) & set(BIDI), out


@given(st.sampled_from(["everyone", "here", "123456789012345678"]),
       st.lists(st.sampled_from(BIDI), min_size=1, max_size=3))
def test_discord_bidi_cannot_hide_a_mention_from_the_escaping(word: str, marks: list[str]
                                                              ) -> None:
    """Discord strips bidi formatting after the bot sends the text: ``@\u202eeveryone``
    escaped as it was would reach the channel as ``@everyone``."""
    text = f"@{marks[0]}{word[:2]}{''.join(marks[1:])}{word[2:]} <@{marks[0]}{word}>"
    out = discord_text.escape(text)
    stripped = re.sub(f"[{BIDI}]", "", out)  # what Discord would keep
    assert not re.search(r"@(?:everyone|here|\d{17,20})", stripped), stripped


@given(awkward_text(300), st.integers(2, 200))
def test_discord_fitted_text_stays_within_its_limit_and_plain(text: str, limit: int) -> None:
    out = discord_text.plain_fit(text, limit)
    assert len(out) <= limit
    assert_plain(out)


def test_a_right_to_left_override_in_user_text_ends_with_its_line() -> None:
    """The override reversed the rest of the line: the bot's own words after the name."""
    slack = slack_escape.escape("\u202eAna") + " (topic robots)"
    assert not open_bidi(slack)
    assert slack.startswith("\u202eAna\u202c")
    assert discord_text.escape("\u202eAna") == "Ana"
    assert set(OPENERS) <= set(BIDI)
