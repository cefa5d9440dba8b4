"""Block Kit rendering: hostile text stays inert, limits hold, every message has a fallback."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_fake_api import check_blocks
from slack_helpers import make_card

from adapters.slack.escape import escape, fit, link, mention, safe_url, unescape
from adapters.slack.render import render
from bot.messages import (
    DigestHeader,
    File,
    LabBadge,
    MemberMatch,
    QuotedNote,
    Text,
    ThreadPrompt,
    TopicHits,
)

HOSTILE = ("<!channel> <!here|here> <!everyone> @everyone @here @channel <@U0EVIL01> "
           "<#C0GENERAL> <https://evil.example|click me> &lt;!channel&gt; a & b < c > d")
# Markup Slack would act on: specials, user/channel mentions, links.
_MARKUP = re.compile(r"<(?:!|@|#|https?:|mailto:)[^>]*>")
_BARE_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def mrkdwn_objects(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every mrkdwn text object in the blocks (plain_text is never parsed for markup)."""
    out: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return out


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [o["text"] for o in mrkdwn_objects(blocks)]


def markup_in(text: str) -> list[str]:
    return _MARKUP.findall(text)


card = make_card


def test_escape_neutralises_every_markup_form() -> None:
    out = escape(HOSTILE)
    assert markup_in(out) == []
    assert not _BARE_BROADCAST.search(out)
    assert "&amp;lt;!channel&amp;gt;" in out  # an already-escaped string stays literal
    assert unescape(escape("a < b & c > d")) == "a < b & c > d"


def test_mentions_only_from_valid_member_ids() -> None:
    assert mention("U0ANA0001") == "<@U0ANA0001>"
    assert mention("W0ENT0001") == "<@W0ENT0001>"
    for bad in ("u0lower", "U0ANA0001> <!channel", "!channel", "", "C0CHAN"):
        assert markup_in(mention(bad)) == []


def test_links_only_http_and_safe() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.org/a b|c>d") == "https://x.org/a%20b%7Cc%3Ed"
    assert link("https://arxiv.org/abs/1?a=1&b=2", "T <x>", 200) == \
        "<https://arxiv.org/abs/1?a=1&amp;b=2|T &lt;x&gt;>"
    assert link(None, "<!here>", 200) == "&lt;!here&gt;"


def test_fit_never_splits_an_entity() -> None:
    out = fit("&" * 100, 23)
    assert len(out) <= 23 and out.endswith("…")
    assert re.fullmatch(r"(&amp;)*…", out)


@pytest.mark.parametrize("message", [
    Text(HOSTILE, mentions=("U0ANA0001", "bogus<@U1>"), title=HOSTILE),
    card(title=HOSTILE, abstract_opening=HOSTILE, authors=(HOSTILE,),
         labs=(LabBadge(HOSTILE, None, HOSTILE, HOSTILE),),
         matches=(MemberMatch("U0ANA0001", HOSTILE, (HOSTILE,), HOSTILE),), marker="sw:<!here>"),
    ThreadPrompt(HOSTILE, ("U0ANA0001",), (HOSTILE,),
                 (QuotedNote("U0BEN0002", HOSTILE, datetime(2024, 11, 1, tzinfo=UTC),
                             HOSTILE, HOSTILE),)),
    DigestHeader(date(2024, 11, 25), date(2024, 11, 28), 10, 0, 0,
                 (TopicHits(HOSTILE, "U0ANA0001", 1, HOSTILE),), quiet_reason=HOSTILE,
                 more_hint=HOSTILE, mode=HOSTILE, marker=HOSTILE),
    File("notes.md", b"x", "text/markdown", HOSTILE, comment=HOSTILE),
])
def test_hostile_text_never_forms_markup(message: Any) -> None:
    out = render(message)
    allowed = {"<@U0ANA0001>", "<https://arxiv.org/abs/2411.01234|"}
    for text in [out.text, *mrkdwn_texts(out.blocks)]:
        found = [m for m in markup_in(text) if not any(m.startswith(a) for a in allowed)]
        assert found == [], text
        assert not _BARE_BROADCAST.search(text), text
    assert check_blocks(out.blocks) is None
    assert out.text.strip()


def test_card_names_a_lab_with_its_company() -> None:
    """Same label as the console and the export: ``Meta (FAIR)``, not a bare ``FAIR``."""
    out = render(card(labs=(LabBadge("Meta", "FAIR", "FAIR at Meta", "affiliation-alias"),)))
    ctx_text = " ".join(e["text"] for e in out.blocks[1]["elements"])
    assert "Meta (FAIR) (affiliation-alias: FAIR at Meta)" in ctx_text
    assert out.text.startswith("Diffusion planners (Meta (FAIR))")

def test_card_layout() -> None:
    """The card names the topic's owner and pings nobody (the thread prompt does); its marker
    is in the fallback text find_marker reads, not in the blocks people see."""
    out = render(card())
    first, ctx, fields, _authors, abstract = out.blocks
    assert first["text"]["text"] == \
        "*<https://arxiv.org/abs/2411.01234|Diffusion planners>*"
    ctx_text = " ".join(e["text"] for e in ctx["elements"])
    assert "Google DeepMind (openalex: Google DeepMind, London)" in ctx_text
    assert fields["fields"] == [{"type": "mrkdwn", "verbatim": True, "text":
                                 "*Topics*\ndiffusion-planning (Ana Lima): diffusion, planning"}]
    assert abstract["text"]["text"] == "We study diffusion models for planning."
    assert "sw:2411.01234" in out.text
    assert "<@" not in out.text and "<@" not in str(out.blocks)
    assert "sw:" not in str(out.blocks)
    assert all(o["verbatim"] is True for o in mrkdwn_objects(out.blocks))


def test_very_long_content_is_shortened_within_limits() -> None:
    long_title = "Planning " * 2000
    many = tuple(MemberMatch(f"U{i:08d}", f"topic-{i}", ("t",) * 50, f"member {i}")
                 for i in range(400))
    big = card(title=long_title, abstract_opening="word " * 5000, authors=("A. Author",) * 900,
               matches=many, labs=tuple(LabBadge(f"Co{i}", None, "e" * 300, "openalex")
                                        for i in range(40)))
    out = render(big)
    assert check_blocks(out.blocks) is None
    assert out.blocks[0]["text"]["text"].endswith("…>*")
    assert "…" in out.blocks[-1]["text"]["text"]
    assert len(out.text) <= 3000 and "sw:2411.01234" in out.text
    body = render(Text("line of text\n" * 15000 + "x" * 9000, title="T" * 400))
    assert check_blocks(body.blocks) is None
    assert len(body.blocks) == 50 and body.blocks[0]["text"]["text"].endswith("…")
    assert "more parts not shown" in body.blocks[-1]["elements"][0]["text"]


def test_mention_heavy_text_is_not_cut_inside_a_mention() -> None:
    ids = tuple(f"U{i:08d}" for i in range(600))
    out = render(Text("hi", mentions=ids))
    assert check_blocks(out.blocks) is None
    mentions = out.blocks[0]["text"]["text"]
    assert re.fullmatch(r"(<@U\d{8}> ?)+…", mentions)


def test_quiet_digest_header_says_why() -> None:
    out = render(DigestHeader(date(2024, 11, 30), date(2024, 11, 30), 0, 0, 0,
                              quiet_reason="weekend: arXiv does not announce on Saturdays"))
    assert out.blocks[0] == {"type": "header", "text": {
        "type": "plain_text", "text": "scoopwatch digest: 2024-11-30", "emoji": True}}
    assert "weekend" in out.text
    assert any("_Quiet:_ weekend" in t for t in mrkdwn_texts(out.blocks))


def test_header_carries_its_marker_like_a_card() -> None:
    """In the fallback text find_marker reads, ahead of a quiet reason however long; not in
    the blocks people see."""
    marker = "sw:digest:0123456789ab"
    out = render(DigestHeader(date(2024, 11, 30), date(2024, 11, 30), 0, 0, 0,
                              quiet_reason="weekend " * 600, more_hint="2 more", marker=marker))
    assert check_blocks(out.blocks) is None
    assert [e["text"] for e in out.blocks[-1]["elements"]] == ["2 more"]
    assert len(out.text) <= 3000 and f"[{marker}]. Quiet: weekend" in out.text
    alone = render(DigestHeader(date(2024, 11, 30), date(2024, 11, 30), 5, 1, 1, marker=marker))
    assert marker not in str(alone.blocks)
    assert alone.text.endswith(f"1 overlap [{marker}]")
    unmarked = render(DigestHeader(date(2024, 11, 30), date(2024, 11, 30), 5, 1, 1))
    assert "sw:" not in unmarked.text and unmarked.blocks[-1]["type"] == "section"


def test_long_prompt_and_header_fit() -> None:
    prompt = ThreadPrompt("Why? " * 900, tuple(f"U{i:08d}" for i in range(300)),
                          tuple(f"topic-{i}" for i in range(300)),
                          tuple(QuotedNote("U0BEN0002", "Ben " * 100,
                                           datetime(2024, 11, 1, tzinfo=UTC), "P " * 900,
                                           "line\n" * 3000) for _ in range(60)))
    header = DigestHeader(date(2024, 11, 25), date(2024, 11, 28), 10, 900, 10,
                          tuple(TopicHits(f"topic-{i}" * 5, f"U{i:08d}", i, f"member {i}")
                                for i in range(900)),
                          quiet_reason="q " * 3000, more_hint="m " * 3000)
    for message in (prompt, header):
        out = render(message)
        assert check_blocks(out.blocks) is None
        assert len(out.text) <= 3000
        for text in mrkdwn_texts(out.blocks):
            assert "<" not in re.sub(r"<@U\d{8}>", "", text)  # no mention cut in half
