"""ArxivFeedFetcher: classification of real rss.arxiv.org feeds by announcement calendar."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from polite_fakes import FakeClock, Script, fixture_bytes, make_client, xml

from bot.errors import ParseError, SourceError
from bot.sources.arxiv_feed import ArxivFeedFetcher, FeedKind, FeedOutcome, LastSeen

FULL = fixture_bytes("arxiv_rss", "aioarxiv_2024-11-28_rss_mock_feed.xml")  # Thu 28 Nov 2024
EMPTY = fixture_bytes("arxiv_rss", "aioarxiv_2024-11-28_empty_rss_mock_feed.xml")
ERROR = fixture_bytes("arxiv_rss", "aioarxiv_2024-11-28_error_rss_mock_feed.xml")
THU, FRI, SAT = date(2024, 11, 28), date(2024, 11, 29), date(2024, 11, 30)
THANKSGIVING = frozenset({date(2024, 11, 28)})


def small_feed(pub_date: str, ids: list[str]) -> bytes:
    """A feed in the real rss.arxiv.org layout (see the fixture), with a few items."""
    items = "".join(
        f"""<item><title>Paper {i}</title><link>https://arxiv.org/abs/{i}</link>
      <description>arXiv:{i}v1 Announce Type: new
Abstract: Something about {i}.</description>
      <guid isPermaLink="false">oai:arXiv.org:{i}v1</guid><category>cs.LG</category>
      <pubDate>{pub_date}</pubDate><arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>Ada Lovelace, Alan Turing</dc:creator></item>"""
        for i in ids
    )
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>
<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>
<description>cs.LG updates on the arXiv.org e-print archive.</description>
<pubDate>{pub_date}</pubDate><skipDays><day>Saturday</day><day>Sunday</day></skipDays>
{items}</channel></rss>""".encode()


async def fetch(
    replies: list[httpx.Response | Exception],
    day: date | None,
    *,
    last_seen: LastSeen | None = None,
    holidays: frozenset[date] = frozenset(),
    categories: tuple[str, ...] = ("cs.LG", "cs.CL"),
) -> tuple[FeedOutcome, Script]:
    clock = FakeClock()
    script = Script(clock, replies)
    async with make_client(clock, script) as client:
        fetcher = ArxivFeedFetcher(client, categories, holidays=holidays, today=lambda: THU)
        return await fetcher.fetch(day, last_seen), script


async def test_announced_real_feed() -> None:
    outcome, script = await fetch([xml(FULL)], THU, holidays=THANKSGIVING)
    assert str(script.requests[0].url) == "https://rss.arxiv.org/rss/cs.LG+cs.CL"
    assert outcome.kind is FeedKind.ANNOUNCED and not outcome.should_retry
    assert outcome.page is not None and len(outcome.page.papers) > 1000
    assert "2024-11-28" in outcome.reason


async def test_day_defaults_to_today_in_eastern_time() -> None:
    outcome, _ = await fetch([xml(FULL)], None)
    assert (outcome.day, outcome.kind) == (THU, FeedKind.ANNOUNCED)


async def test_weekend_empty_feed_is_normal() -> None:
    outcome, _ = await fetch([xml(EMPTY)], SAT)
    assert outcome.kind is FeedKind.NO_ANNOUNCEMENT and not outcome.should_retry
    assert "Friday or Saturday nights" in outcome.reason


async def test_holiday_empty_feed_is_normal() -> None:
    outcome, _ = await fetch([xml(EMPTY)], FRI, holidays=THANKSGIVING)
    assert outcome.kind is FeedKind.NO_ANNOUNCEMENT
    assert "holiday" in outcome.reason


async def test_empty_feed_on_announcement_day_is_an_incident() -> None:
    outcome, _ = await fetch([xml(EMPTY)], THU)
    assert outcome.kind is FeedKind.EMPTY_ON_ANNOUNCEMENT_DAY and outcome.should_retry
    assert "2024-11-28" in outcome.reason


async def test_same_announcement_date_as_last_seen_is_stale() -> None:
    first, _ = await fetch([xml(FULL)], THU)
    assert first.page is not None
    outcome, _ = await fetch([xml(FULL)], FRI, last_seen=LastSeen.from_page(first.page))
    assert outcome.kind is FeedKind.STALE and outcome.should_retry
    assert "still shows 2024-11-28" in outcome.reason


async def test_same_ids_under_a_new_date_are_stale() -> None:
    seen = LastSeen(date(2026, 3, 9), frozenset({"2603.00001", "2603.00002"}))
    feed = small_feed("Tue, 10 Mar 2026 00:00:00 -0400", ["2603.00001", "2603.00002"])
    outcome, _ = await fetch([xml(feed)], date(2026, 3, 10), last_seen=seen)
    assert outcome.kind is FeedKind.STALE


async def test_feed_older_than_the_day_is_stale_even_without_last_seen() -> None:
    outcome, _ = await fetch([xml(FULL)], FRI)
    assert outcome.kind is FeedKind.STALE


async def test_new_ids_under_a_new_date_are_announced() -> None:
    seen = LastSeen(date(2026, 3, 9), frozenset({"2603.00001"}))
    feed = small_feed("Tue, 10 Mar 2026 00:00:00 -0400", ["2603.00002"])
    outcome, _ = await fetch([xml(feed)], date(2026, 3, 10), last_seen=seen)
    assert outcome.kind is FeedKind.ANNOUNCED
    assert outcome.page is not None and [p.key for p in outcome.page.papers] == ["2603.00002"]


async def test_stale_feed_on_a_weekend_is_not_an_incident() -> None:
    first, _ = await fetch([xml(FULL)], THU)
    assert first.page is not None
    outcome, _ = await fetch([xml(FULL)], SAT, last_seen=LastSeen.from_page(first.page))
    assert outcome.kind is FeedKind.NO_ANNOUNCEMENT
    assert outcome.page is not None  # still handed over; the store dedups


async def test_error_feed_raises_naming_the_category() -> None:
    with pytest.raises(SourceError, match=r"category astroph .*Bad archive 'astroph'"):
        await fetch([xml(ERROR)], THU, categories=("cs.LG", "astroph"))


async def test_not_modified_on_announcement_day_is_stale_and_validators_are_reused() -> None:
    clock = FakeClock()
    script = Script(clock, [xml(FULL, 200, {"ETag": '"feed-1"'}), httpx.Response(304)])
    async with make_client(clock, script) as client:
        fetcher = ArxivFeedFetcher(client, ["cs.LG"], holidays=frozenset())
        assert (await fetcher.fetch(THU)).kind is FeedKind.ANNOUNCED
        outcome = await fetcher.fetch(FRI)
    assert script.requests[1].headers["If-None-Match"] == '"feed-1"'
    assert (outcome.kind, outcome.page) == (FeedKind.STALE, None)
    assert "304" in outcome.reason


async def test_fetching_again_after_ingesting_the_day_is_not_an_incident() -> None:
    first, _ = await fetch([xml(FULL)], THU)
    assert first.page is not None
    seen = LastSeen.from_page(first.page)
    again, _ = await fetch([xml(FULL)], THU, last_seen=seen)
    assert again.kind is FeedKind.ANNOUNCED
    unchanged, _ = await fetch([httpx.Response(304)], THU, last_seen=seen)
    assert (unchanged.kind, unchanged.page) == (FeedKind.ANNOUNCED, None)
    assert "already ingested" in unchanged.reason


async def test_not_modified_on_weekend_is_quiet() -> None:
    outcome, _ = await fetch([httpx.Response(304)], SAT)
    assert outcome.kind is FeedKind.NO_ANNOUNCEMENT


async def test_truncated_feed_is_a_parse_error_and_nothing_else_happens() -> None:
    clock = FakeClock()
    truncated = FULL[: len(FULL) // 2]
    script = Script(clock, [xml(truncated, 200, {"ETag": '"half"'}), xml(EMPTY)])
    async with make_client(clock, script) as client:
        fetcher = ArxivFeedFetcher(client, ["cs.LG"], holidays=frozenset())
        with pytest.raises(ParseError, match=r"rss\.arxiv\.org/rss/cs\.LG"):
            await fetcher.fetch(THU)
        assert len(script.requests) == 1  # no retry
        await fetcher.fetch(SAT)
    assert "If-None-Match" not in script.requests[1].headers  # broken body was not cached


async def test_html_error_page_instead_of_xml_is_a_clear_error() -> None:
    page = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>"
    reply = httpx.Response(200, content=page, headers={"Content-Type": "text/html"})
    with pytest.raises(ParseError, match="HTML"):
        await fetch([reply], THU)


async def test_http_error_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"rss\.arxiv\.org: HTTP 404"):
        await fetch([xml("", 404)], THU)


def test_categories_are_required() -> None:
    with pytest.raises(ValueError, match="category"):
        ArxivFeedFetcher(object(), [])  # type: ignore[arg-type]
