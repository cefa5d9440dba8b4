"""Rendering: every Discord limit shortened (never rejected), user text inert, pings only
for the members a message names."""

from __future__ import annotations

from datetime import UTC, date, datetime

import discord
import pytest

from adapters.discord.render import (
    CONTENT_MAX,
    EMBEDS_TOTAL_MAX,
    DiscordMessage,
    cap_embeds,
    pack,
    render,
)
from adapters.discord.text import escape, fit, mention
from bot.messages import (
    DigestHeader,
    File,
    LabBadge,
    MemberMatch,
    PaperCard,
    QuotedNote,
    Text,
    ThreadPrompt,
    TopicHits,
)

ANA, BEN = "1310000000000000101", "1310000000000000102"


def assert_within_limits(msg: DiscordMessage) -> None:
    assert len(msg.content) <= CONTENT_MAX
    assert len(msg.embeds) <= 10
    assert sum(len(e) for e in msg.embeds) <= EMBEDS_TOTAL_MAX
    for e in msg.embeds:
        assert len(e.title or "") <= 256 and len(e.description or "") <= 4096
        assert len(e.fields) <= 25 and len(e.footer.text or "") <= 2048
        for f in e.fields:
            assert 0 < len(f.name or "") <= 256 and 0 < len(f.value or "") <= 1024


def huge_card(members: int = 40) -> PaperCard:
    ids = [str(1310000000000001000 + i) for i in range(members)]
    return PaperCard(
        paper_key="2411.17705", title="Deep *EEG* " * 200, url="https://arxiv.org/abs/2411.17705",
        labs=tuple(LabBadge("Google", f"Lab {i}", "x" * 300, "affiliation") for i in range(40)),
        authors=tuple(f"Author {i}" for i in range(300)), et_al=True,
        matches=tuple(MemberMatch(m, "eeg-decoding", ("EEG",) * 30, f"member {m}") for m in ids),
        categories=("eess.SP",) * 200, announced=date(2024, 11, 28),
        abstract_opening="word " * 5000, marker="sw:2411.17705")


def test_huge_card_is_shortened_everywhere() -> None:
    msg = render(huge_card())
    assert_within_limits(msg)
    [embed] = msg.embeds
    assert embed.title.endswith("…") and embed.footer.text == "sw:2411.17705"
    assert msg.content == "" and msg.allowed_mentions().users == []  # the prompt pings
    topics = next(f for f in embed.fields if f.name == "Topics")
    assert topics.value.startswith("eeg-decoding (member 1310000000000001000): EEG")
    assert "… (+" in topics.value  # whole lines only


def test_card_escapes_user_text_and_links_the_title() -> None:
    card = PaperCard(
        paper_key="k", title="Diffusion_policies for *robots* @everyone", url="https://arxiv.org/abs/k",
        labs=(LabBadge("Meta", "FAIR", "@meta.com", "email"),), authors=("A. B",), et_al=False,
        matches=(MemberMatch(ANA, "robot-@here", ("robot",), "Ana"),), categories=("cs.RO",),
        announced=None, abstract_opening="We use <@&1310000000000000001> ~~tricks~~", marker="sw:k")
    msg = render(card)
    [embed] = msg.embeds
    assert embed.title == r"Diffusion\_policies for \*robots\* @" + "\u200beveryone"
    assert embed.url == "https://arxiv.org/abs/k"
    assert embed.description == r"We use <@" + "\u200b" + r"&1310000000000000001> \~\~tricks\~\~"
    topics = next(f for f in embed.fields if f.name == "Topics")
    assert topics.value == "robot-@\u200bhere (Ana): robot"
    labs = next(f for f in embed.fields if f.name == "Labs")
    assert labs.value == "Meta (FAIR) (email: @meta.com)"  # the label every platform prints
    assert msg.allowed_mentions().to_dict() == {"parse": [], "users": []}


def test_prompt_pings_at_most_100_members_whole_mentions_only() -> None:
    ids = tuple(str(1310000000000001000 + i) for i in range(150))
    many = render(ThreadPrompt("How does our work differ?", ids, ("eeg",)))
    assert_within_limits(many)
    assert many.content.startswith("<@1310000000000001000> ") and "… (+" in many.content
    assert len(many.allowed_mentions().users) == 100  # Discord's cap


def test_text_beyond_the_content_limit_goes_into_embeds() -> None:
    msg = render(Text("line\n" * 5000, mentions=(ANA,), title="scoopwatch help"))
    assert_within_limits(msg)
    assert msg.content == f"<@{ANA}>"
    assert msg.embeds[0].title == "scoopwatch help" and len(msg.embeds) == 2
    assert msg.embeds[1].description.endswith("…")
    short = render(Text("Saved **eeg**"))
    assert short.content == r"Saved \*\*eeg\*\*" and short.embeds == ()


def test_prompt_quotes_at_most_25_notes() -> None:
    notes = tuple(QuotedNote(BEN, f"ben{i}", datetime(2024, 11, 1, tzinfo=UTC), "P" * 400,
                             "n " * 900) for i in range(30))
    msg = render(ThreadPrompt("How does our work differ?", (ANA, BEN), ("eeg",), notes))
    assert_within_limits(msg)
    assert msg.content == f"<@{ANA}> <@{BEN}> **How does our work differ?** (topics: eeg)"
    assert msg.embeds[0].fields[0].name.startswith("ben0, 2024-11-01, on PPP")
    assert {u.id for u in msg.allowed_mentions().users} == {int(ANA), int(BEN)}


def test_header_counts_quiet_reason_and_hint() -> None:
    header = DigestHeader(date(2024, 11, 27), date(2024, 11, 28), 1504, 0, 0,
                          (TopicHits("eeg", ANA, 0, "Ana"),), quiet_reason="nothing matched",
                          more_hint="4 more: /scoop digest now since 2024-11-20")
    msg = render(header)
    [embed] = msg.embeds
    assert embed.title == "scoopwatch digest: 2024-11-27 – 2024-11-28"
    assert "**1504** papers seen · **0** overlaps" in embed.description
    assert "*Quiet:* nothing matched" in embed.description
    assert embed.footer.text.startswith("4 more")
    assert msg.allowed_mentions().users == []  # a header never pings


def test_header_marker_in_the_footer_like_a_card() -> None:
    """Beside the hint, never cut off by it; alone when there is no hint; absent unset."""
    marker = "sw:digest:0123456789ab"
    base = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 1504, 3, 2, marker=marker)
    assert render(base).embeds[0].footer.text == marker
    hinted = render(DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 1504, 3, 2,
                                 more_hint="1 more: /scoop digest now since 2024-11-20",
                                 marker=marker))
    assert hinted.embeds[0].footer.text == f"1 more: /scoop digest now since 2024-11-20 · {marker}"
    long = render(DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 1504, 3, 2,
                               more_hint="m " * 3000, marker=marker))
    assert_within_limits(long)
    assert long.embeds[0].footer.text.endswith(f"… · {marker}")
    unmarked = render(DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 1504, 3, 2))
    assert unmarked.embeds[0].footer.text is None


def test_file_comment_is_escaped() -> None:
    msg = render(File("n.md", b"x", "text/markdown", "notes", comment="@here are *notes*"))
    assert msg.content == "@\u200bhere are \\*notes\\*"
    [attachment] = msg.discord_files()
    assert attachment.filename == "n.md"


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("abcdef", 6, "abcdef"),
    ("abcdef", 4, "abc…"),
    ("ab\\*cd", 4, "ab…"),
    ("hi <@1310000000000000101> there", 10, "hi…"),
])
def test_fit_never_leaves_half_markup(text: str, limit: int, expected: str) -> None:
    assert fit(text, limit) == expected


def test_mention_only_for_snowflakes() -> None:
    assert mention(ANA) == f"<@{ANA}>"
    assert mention("everyone") == "@\u200beveryone"
    assert escape("<@1310000000000000101>") == "<@\u200b1310000000000000101>"


def test_cap_embeds_keeps_ten_and_6000_characters() -> None:
    embeds = [discord.Embed(title=f"t{i}", description="d" * 4000) for i in range(12)]
    capped = cap_embeds(embeds)
    assert len(capped) <= 10 and sum(len(e) for e in capped) <= EMBEDS_TOTAL_MAX
    assert capped[0].title == "t0"


def test_pack_joins_small_messages_only() -> None:
    small = [DiscordMessage("a", mention_ids=(ANA,)), DiscordMessage("b")]
    [joined] = pack(small)
    assert joined.content == "a\n\nb" and joined.mention_ids == (ANA,)
    assert len(pack([DiscordMessage("x" * 1500), DiscordMessage("y" * 1500)])) == 2
