"""Missed-day recovery over OAI-PMH: which days are missed, how records become announcements,
and the harvest itself (fake lister, and the real client on a recorded arXiv response)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from fakes_digest import Bot, FakeClock, FakePlatform, FakePort, add_topic, build_bot

from bot.core.ingest.recovery import (
    Recovery,
    announce_as,
    last_announcement,
    latest_mailing_day,
)
from bot.errors import SourceError
from bot.models import AnnounceType, Paper
from bot.sources.arxiv_schedule import DEFAULT_HOLIDAYS_2026
from bot.sources.base import ParsedPage, SourceFormat
from bot.sources.http import PoliteClient
from bot.sources.oai_client import OaiPmhClient
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.runs import RunStore
from tests.fixture_files import fixture_path

ET = ZoneInfo("America/New_York")
HOLIDAYS = DEFAULT_HOLIDAYS_2026
OAI_DIR = fixture_path("arxiv_oai")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


# --- the calendar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "evening", "mailing"),
    [
        # Friday noon: Thursday evening's announcement, in the feed dated Friday.
        (datetime(2026, 11, 20, 12, tzinfo=ET), date(2026, 11, 19), date(2026, 11, 20)),
        # Saturday and Sunday before 20:00: still Thursday's (no Fri/Sat announcements).
        (datetime(2026, 11, 21, 23, tzinfo=ET), date(2026, 11, 19), date(2026, 11, 20)),
        (datetime(2026, 11, 22, 19, 59, tzinfo=ET), date(2026, 11, 19), date(2026, 11, 20)),
        (datetime(2026, 11, 22, 20, 0, tzinfo=ET), date(2026, 11, 22), date(2026, 11, 23)),
        # Thanksgiving (Thu 26 Nov 2026) cancels Thursday evening: Friday has Wednesday's.
        (datetime(2026, 11, 27, 10, tzinfo=ET), date(2026, 11, 25), date(2026, 11, 26)),
        # In UTC: 01:30Z on Tuesday is Monday 20:30 ET.
        (datetime(2026, 11, 24, 1, 30, tzinfo=UTC), date(2026, 11, 23), date(2026, 11, 24)),
    ],
)
def test_latest_announcement(now: datetime, evening: date, mailing: date) -> None:
    moment = last_announcement(now, HOLIDAYS)
    assert (moment.date(), moment.hour, moment.tzinfo) == (evening, 20, ET)
    assert latest_mailing_day(now, HOLIDAYS) == mailing


def test_latest_announcement_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        last_announcement(datetime(2026, 11, 20, 12), HOLIDAYS)


# --- records -> announcements ----------------------------------------------------------------

D = date(2026, 11, 20)


def record(key: str = "2611.00001", *, created: date | None = date(2026, 11, 18),
           updated: date | None = None, categories: Sequence[str] = ("cs.LG",),
           stamp: date = D) -> Paper:
    """A paper as the OAI-PMH parser yields it (no announcement facts; datestamp in extra)."""
    return Paper(key=key, title=f"Paper {key} about lenses", arxiv_id=key,
                 categories=tuple(categories), primary_category=categories[0],
                 published=created, updated=updated, extra={"datestamp": stamp.isoformat()})


@pytest.mark.parametrize(
    ("paper", "expected"),
    [
        (record(), AnnounceType.NEW),
        (record(categories=("stat.ML", "cs.LG")), AnnounceType.CROSS),
        (record(updated=date(2026, 11, 19)), AnnounceType.REPLACE),  # a v2
        (record(categories=("stat.ML", "cs.LG"), updated=date(2026, 11, 19)),
         AnnounceType.REPLACE_CROSS),
        (record(created=date(2015, 7, 28)), AnnounceType.REPLACE),  # journal-ref of an old v1
        (record(created=D - timedelta(days=7)), AnnounceType.NEW),
        (record(created=D - timedelta(days=8)), AnnounceType.REPLACE),  # held too long: honest
        (record(created=None), AnnounceType.REPLACE),
        (record(categories=("cs.AI",)), AnnounceType.NEW),  # archive-level category "cs"
    ],
)
def test_announce_as(paper: Paper, expected: AnnounceType) -> None:
    categories = ("cs",) if paper.primary_category == "cs.AI" else ("cs.LG", "cs.CL")
    out = announce_as(paper, D, categories)
    assert (out.announced, out.announce_type) == (D, expected)


# --- missed days and the harvest, with a fake lister -----------------------------------------


class FakeOai:
    """``list_records`` from a dict day -> {set: [papers]}; ``fail`` days raise."""

    def __init__(self, days: dict[date, dict[str, list[Paper]]],
                 fail: frozenset[date] = frozenset()) -> None:
        self.days, self.fail = days, fail
        self.calls: list[tuple[date, date, str | None]] = []

    async def list_records(self, from_: date, until: date, set_spec: str | None
                           ) -> AsyncIterator[ParsedPage]:
        self.calls.append((from_, until, set_spec))
        if from_ in self.fail:
            raise SourceError("oaipmh.arxiv.org: HTTP 503 after 5 attempt(s)")
        papers = self.days.get(from_, {}).get(set_spec or "", [])
        half = len(papers) // 2  # two pages, as with a resumptionToken
        yield ParsedPage(SourceFormat.OAI_PMH, tuple(papers[:half]), resumption_token="t")
        yield ParsedPage(SourceFormat.OAI_PMH, tuple(papers[half:]))


# Monday 23 Nov 2026, 21:00 ET: the latest announcement is the feed dated Tue 24 Nov.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def recovery(db: Database, oai: FakeOai, clock: FakeClock) -> Recovery:
    return Recovery(oai=oai, papers=PaperStore(db), runs=RunStore(db),
                    categories=("cs.LG", "cs.CL"), holidays=HOLIDAYS, clock=clock)


async def _fetched(db: Database, *days: date, ok: bool = True) -> None:
    for day in days:
        outcome = "announced" if ok else "stale"
        await RunStore(db).record("fetch", "arxiv", outcome, started=NOW, finished=NOW,
                                  day=day, ok=ok)


async def test_missed_days_are_expected_days_without_a_good_run(db: Database) -> None:
    rec = recovery(db, FakeOai({}), FakeClock(NOW))
    # Window Wed 18 .. Tue 24 (7 days); feeds are dated Mon-Fri; none fetched yet.
    assert await rec.missed_days(NOW) == [date(2026, 11, d) for d in (18, 19, 20, 23, 24)]
    await _fetched(db, date(2026, 11, 18), date(2026, 11, 24))
    await _fetched(db, date(2026, 11, 20), ok=False)  # stale all night: still missed
    await RunStore(db).record("fetch", "arxiv-oai", "recovered", started=NOW, finished=NOW,
                              day=date(2026, 11, 19), ok=True)
    assert await rec.missed_days(NOW) == [date(2026, 11, 20), date(2026, 11, 23)]


async def test_missed_days_respect_holidays(db: Database) -> None:
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Sunday 29 Nov 21:00 ET -> feed Mon 30
    rec = recovery(db, FakeOai({}), FakeClock(now))
    # No feed dated Fri 27 (Thanksgiving evening) nor on the weekend.
    assert await rec.missed_days(now) == [date(2026, 11, d) for d in (24, 25, 26, 30)]


async def test_recover_harvests_each_missed_day_once(db: Database) -> None:
    clock = FakeClock(NOW)
    fri, mon = date(2026, 11, 20), date(2026, 11, 23)
    shared = record("2611.00003", categories=("stat.ML", "cs.CL", "cs.LG"), stamp=fri)
    oai = FakeOai({
        fri: {"cs:cs:LG": [record("2611.00001", stamp=fri), shared,
                           record("1507.07790", created=date(2015, 7, 28), stamp=fri)],
              "cs:cs:CL": [shared, record("2611.00009", stamp=mon)]},  # mis-stamped: dropped
        mon: {"cs:cs:LG": [record("2611.00101", categories=("stat.ML", "cs.LG"), stamp=mon,
                                  created=date(2026, 11, 20))]},
    })
    await _fetched(db, date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 24))
    rec = recovery(db, oai, clock)

    report = await rec.recover()

    assert [(d.day, d.outcome, d.stored, d.first) for d in report.days] == [
        (fri, "recovered", 3, 2), (mon, "recovered", 1, 1)]
    assert oai.calls == [(fri, fri, "cs:cs:LG"), (fri, fri, "cs:cs:CL"),
                         (mon, mon, "cs:cs:LG"), (mon, mon, "cs:cs:CL")]
    assert sorted(report.keys) == ["2611.00001", "2611.00003", "2611.00101"]
    papers = PaperStore(db)
    stored = {p.key: (p.announced, p.announce_type) for p in await papers.iter_papers()}
    assert stored == {
        "2611.00001": (fri, AnnounceType.NEW), "2611.00003": (fri, AnnounceType.CROSS),
        "1507.07790": (fri, AnnounceType.REPLACE), "2611.00101": (mon, AnnounceType.CROSS)}
    runs = [r for r in await RunStore(db).for_days("fetch", fri, mon) if r.source == "arxiv-oai"]
    assert [(r.day, r.outcome, r.ok) for r in runs] == [
        (fri, "recovered", True), (mon, "recovered", True)]
    assert runs[0].detail["counts"]["first"] == 2
    # Done days are not harvested again.
    again = await rec.recover()
    assert again.days == () and len(oai.calls) == 4


async def test_a_source_failure_stops_recovery_until_the_next_night(db: Database) -> None:
    fri, mon = date(2026, 11, 20), date(2026, 11, 23)
    oai = FakeOai({mon: {"cs:cs:LG": [record(stamp=mon)]}}, fail=frozenset({fri}))
    await _fetched(db, date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 24))
    report = await recovery(db, oai, FakeClock(NOW)).recover()
    assert [(d.day, d.outcome) for d in report.days] == [(fri, "error")]
    assert not report.ok and "503" in report.days[0].reason
    run = await RunStore(db).latest("fetch", "arxiv-oai")
    assert run is not None and run.ok is False and run.day == fri
    oai.fail = frozenset()
    oai.days[fri] = {"cs:cs:LG": [record("2611.00001", stamp=fri)]}
    report = await recovery(db, oai, FakeClock(NOW)).recover()
    assert [(d.day, d.outcome) for d in report.days] == [(fri, "recovered"), (mon, "recovered")]


async def test_an_empty_day_is_reported_and_tried_again(db: Database) -> None:
    fri, mon = date(2026, 11, 20), date(2026, 11, 23)
    oai = FakeOai({mon: {"cs:cs:LG": [record(stamp=mon)]}})
    await _fetched(db, date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 24))
    rec = recovery(db, oai, FakeClock(NOW))
    report = await rec.recover()
    assert [(d.day, d.outcome) for d in report.days] == [(fri, "empty"), (mon, "recovered")]
    assert await rec.missed_days(NOW) == [fri]


def test_unknown_category_fails_at_construction(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown arXiv archive"):
        Recovery(oai=FakeOai({}), papers=PaperStore(db), runs=RunStore(db),
                 categories=("cz.LG",), holidays=HOLIDAYS, clock=FakeClock(NOW))


# --- the real OAI-PMH client on a recorded arXiv response ------------------------------------


NO_RECORDS = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2017-12-14T12:56:31Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>
<error code="noRecordsMatch">No records match</error></OAI-PMH>"""


async def test_real_oai_client_on_a_recorded_harvest(db: Database) -> None:
    """The recorded hep-th harvest of 14 Dec 2017: two updates of old papers, one v2, all
    stamped 2017-12-14. Here one is edited into a fresh v1 to show a new paper too."""
    real = (OAI_DIR / "hepcrawl_oai2_2017_arxiv-physics-hep-th.xml").read_bytes()
    edited = real.replace(b"<created>2016-07-06</created><updated>2016-10-13</updated>",
                          b"<created>2017-12-13</created>")
    assert edited != real
    requests: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request.url)
        body = edited if request.url.params["from"] == "2017-12-14" else NO_RECORDS
        return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    now = datetime(2017, 12, 14, 12, 56, tzinfo=UTC)
    async with PoliteClient(contact_email="lab@example.org",
                            transport=httpx.MockTransport(handler), sleep=sleep) as client:
        for day in (date(2017, 12, 8), date(2017, 12, 11), date(2017, 12, 12)):
            await _fetched(db, day)
        rec = Recovery(oai=OaiPmhClient(client), papers=PaperStore(db), runs=RunStore(db),
                       categories=("hep-th",), holidays=frozenset(), clock=lambda: now)
        report = await rec.recover(now)

    assert [(d.day, d.outcome) for d in report.days] == [
        (date(2017, 12, 13), "empty"), (date(2017, 12, 14), "recovered")]
    assert {(u.host, u.params["set"], u.params["from"], u.params["until"]) for u in requests} == {
        ("oaipmh.arxiv.org", "physics:hep-th", d, d) for d in ("2017-12-13", "2017-12-14")}
    stored = {p.key: p.announce_type for p in await PaperStore(db).iter_papers()}
    assert stored == {"1412.8323": AnnounceType.REPLACE_CROSS,  # v2 of a quant-ph paper
                      "1507.07790": AnnounceType.REPLACE,  # journal-ref of a 2015 paper
                      "1607.01710": AnnounceType.NEW}  # the edited fresh v1
    assert list(report.keys) == ["1607.01710"]


# --- through the pipeline: recovered papers are matched and enriched -------------------------


async def test_pipeline_matches_and_enriches_recovered_days(db: Database) -> None:
    clock = FakeClock(NOW)
    bot: Bot = build_bot(db, FakePort(FakePlatform()), clock)
    fri = date(2026, 11, 20)
    oai = FakeOai({fri: {"cs:cs:LG": [record("2611.00001", stamp=fri),
                                      replace(record("2611.00002", stamp=fri), title="Optics")]}})
    await _fetched(db, date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 23),
                   date(2026, 11, 24))
    bot.pipeline.recovery = recovery(db, oai, clock)
    asked: list[list[str]] = []

    class OpenAlex:
        async def works_by_arxiv_ids(self, ids: Sequence[str]) -> dict[str, Paper]:
            asked.append(list(ids))
            return {}

    bot.pipeline.openalex = OpenAlex()
    await add_topic(bot, "U_ana", "lenses", "lenses")

    report = await bot.pipeline.recover_missed_days()

    assert report.ok and report.matched == 1 and asked == [["2611.00001"]]
    digestable = await bot.papers.iter_papers(fri, fri, (AnnounceType.NEW, AnnounceType.CROSS))
    assert [p.key for p in digestable] == ["2611.00001", "2611.00002"]


async def test_pipeline_without_recovery_does_nothing(db: Database) -> None:
    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(NOW))
    report = await bot.pipeline.recover_missed_days()
    assert report.days == () and report.ok
