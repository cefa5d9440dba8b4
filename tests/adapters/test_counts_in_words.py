"""Counts agree with their nouns on every platform: "1 paper seen", never "1 papers seen"."""

from __future__ import annotations

from datetime import date

from adapters import plain
from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.messages import DigestHeader, File


def header(seen: int, overlaps: int) -> DigestHeader:
    return DigestHeader(date(2024, 11, 28), date(2024, 11, 28), papers_seen=seen,
                        overlaps=overlaps, shown=overlaps)


def texts(h: DigestHeader) -> list[str]:
    slack = slack_render.render_header(h)
    discord = discord_render.render_header(h)
    return [slack.text, str(slack.blocks), discord.content,
            str(discord.embeds[0].description), plain.render_header(h)]


def test_one_paper_and_one_overlap_are_singular() -> None:
    for text in texts(header(1, 1)):
        assert "paper seen" in text and "papers seen" not in text, text
        assert "overlap" in text and "overlaps" not in text, text


def test_other_counts_are_plural() -> None:
    for text in texts(header(2, 0)):
        assert "papers seen" in text and "paper seen" not in text, text
        assert "overlaps" in text, text


def test_a_one_byte_file_is_one_byte() -> None:
    rendered = plain.render_file(File("n.md", b"x", "text/markdown", "Notes"))
    assert "[file n.md, 1 byte]" in rendered
