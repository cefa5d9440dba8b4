"""PaperStore: round trips, idempotent merges, per-source affiliations, enrichment retries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from store_factories import ax, make_paper, oa

from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.store.db import Database
from bot.store.papers import AttemptOutcome, ListingState, PaperStore, UpsertCounts
from tests.fixture_files import LISTING, fixture_path

T0 = datetime(2024, 11, 28, 6, 0, tzinfo=UTC)
RSS_FIXTURE = fixture_path(LISTING)


@pytest.fixture
def store(db: Database) -> PaperStore:
    return PaperStore(db)


async def _meta(db: Database, key: str) -> dict[str, Any]:
    rows = await db.conn.execute_fetchall("SELECT * FROM papers WHERE key = ?", (key,))
    return dict(next(iter(rows)))


def _affs(paper: Paper | None) -> list[list[tuple[str, str]]]:
    assert paper is not None
    return [[(str(f.source), f.name) for f in a.affiliations] for a in paper.authors]


# --- round trips ---------------------------------------------------------------------------


async def test_round_trip_of_every_field(store: PaperStore) -> None:
    paper = Paper(
        key="2411.01234",
        title="Diffusion Planning at Scale",
        abstract="We plan with diffusion models.",
        arxiv_id="2411.01234",
        version=3,
        authors=(
            Author(
                "Ana García",
                (
                    Affiliation("Google DeepMind, London", AffiliationSource.ARXIV),
                    Affiliation(
                        "Google DeepMind",
                        AffiliationSource.OPENALEX,
                        openalex_id="I4210090411",
                        ror="00971b260",
                        type="company",
                        lineage=("I4210090411", "I1291425158"),
                        country="GB",
                    ),
                ),
                ("ana@deepmind.com", "ana@ucl.ac.uk"),
            ),
            Author("Bo Li", (Affiliation("Université de Montréal", AffiliationSource.HTML),)),
            Author("Chen Wei"),
        ),
        categories=("cs.LG", "cs.AI", "stat.ML"),
        primary_category="cs.LG",
        announced=date(2024, 11, 28),
        announce_type=AnnounceType.CROSS,
        doi="10.1000/xyz.123",
        openalex_id="W4404300000",
        url="https://arxiv.org/abs/2411.01234",
        published=date(2024, 11, 26),
        updated=date(2024, 11, 27),
        comment="12 pages, 3 figures",
        journal_ref="NeurIPS 2024",
        extra={"license": "http://creativecommons.org/licenses/by/4.0/", "rights": "x"},
    )
    assert await store.upsert_papers([paper], now=T0) == UpsertCounts(new=1)
    got = await store.get(paper.key)
    assert got == paper
    assert got is not None and got.extra == paper.extra
    for f in dataclasses.fields(Paper):
        assert getattr(got, f.name) == getattr(paper, f.name), f.name
    assert isinstance(got.announce_type, AnnounceType)
    assert isinstance(got.authors[0].affiliations[1].source, AffiliationSource)


async def test_minimal_and_non_arxiv_papers(store: PaperStore) -> None:
    bare = Paper(key="openalex:W2755950973", title="A work without arXiv id")
    await store.upsert_papers([bare])
    assert await store.get(bare.key) == bare
    assert await store.get("nope") is None


async def test_old_style_arxiv_id(store: PaperStore) -> None:
    paper = make_paper("hep-th/9901001", categories=("hep-th",), primary_category="hep-th")
    await store.upsert_papers([paper])
    assert await store.get("hep-th/9901001") == paper
    assert await store.upsert_papers([paper]) == UpsertCounts(unchanged=1)
    assert list(await store.get_many(["hep-th/9901001", "math.AG/0601001"])) == ["hep-th/9901001"]


async def test_loose_parser_types_are_normalised(store: PaperStore) -> None:
    loose = make_paper(
        published=datetime(2024, 11, 26, 18, 0, tzinfo=UTC),  # datetime where a date is expected
        categories=["cs.LG"],  # list instead of tuple
        announce_type="new",
    )
    await store.upsert_papers([loose])
    got = await store.get(loose.key)
    assert got is not None
    assert got.published == date(2024, 11, 26) and got.categories == ("cs.LG",)
    assert await store.upsert_papers([loose]) == UpsertCounts(unchanged=1)


# --- idempotence and version merges ---------------------------------------------------------


async def test_same_batch_twice_changes_nothing(store: PaperStore, db: Database) -> None:
    batch = [make_paper(f"2411.{i:05d}", authors=(Author("X", (ax("MIT"),)),)) for i in range(20)]
    assert await store.upsert_papers(batch, now=T0) == UpsertCounts(new=20)
    before = await _meta(db, "2411.00003")
    later = T0 + timedelta(days=1)
    assert await store.upsert_papers(batch, now=later) == UpsertCounts(unchanged=20)
    assert await _meta(db, "2411.00003") == before
    assert before["first_seen"] == before["last_changed"] == "2024-11-28T06:00:00+00:00"
    assert await store.count() == 20


async def test_newer_version_updates_and_keeps_identity(store: PaperStore, db: Database) -> None:
    v1 = make_paper(version=1)
    await store.upsert_papers([v1], now=T0)
    v2 = make_paper(
        version=2,
        title="Better title",
        abstract="",  # not given: keep v1's
        announced=date(2024, 12, 3),
        announce_type=AnnounceType.REPLACE,
    )
    later = T0 + timedelta(days=5)
    assert await store.upsert_papers([v2], now=later) == UpsertCounts(updated=1)
    got = await store.get(v1.key)
    assert got is not None
    assert (got.key, got.version, got.title, got.abstract) == (
        v1.key, 2, "Better title", v1.abstract,
    )  # fmt: skip
    # The paper still counts as announced (new) on its first day; the replace is recorded apart.
    assert (got.announced, got.announce_type) == (date(2024, 11, 28), AnnounceType.NEW)
    meta = await _meta(db, v1.key)
    assert (meta["last_announced"], meta["last_announce_type"]) == ("2024-12-03", "replace")
    assert meta["first_seen"] == "2024-11-28T06:00:00+00:00"
    assert meta["last_changed"] == "2024-12-03T06:00:00+00:00"
    assert await store.count() == 1


async def test_older_version_never_downgrades(store: PaperStore) -> None:
    await store.upsert_papers([make_paper(version=2, title="v2 title")])
    old = make_paper(version=1, title="v1 title", comment="added in v1 listing")
    assert await store.upsert_papers([old]) == UpsertCounts(updated=1)  # fills the gap only
    got = await store.get(old.key)
    assert got is not None
    assert (got.version, got.title, got.comment) == (2, "v2 title", "added in v1 listing")
    assert await store.upsert_papers([old]) == UpsertCounts(unchanged=1)


async def test_unversioned_record_only_fills_gaps(store: PaperStore) -> None:
    await store.upsert_papers([make_paper(version=1)])
    openalex = make_paper(
        version=None, title="TITLE IN OPENALEX CASE", abstract="reconstructed", doi="10.1/x",
        openalex_id="W1", authors=(),
    )  # fmt: skip
    assert await store.upsert_papers([openalex]) == UpsertCounts(updated=1)
    got = await store.get(openalex.key)
    assert got is not None
    assert got.title == "Title of 2411.01234" and got.abstract == "Abstract of 2411.01234."
    assert (got.doi, got.openalex_id, got.version) == ("10.1/x", "W1", 1)


async def test_empty_incoming_fields_never_erase(store: PaperStore) -> None:
    full = make_paper(
        doi="10.1/x", comment="c", journal_ref="j", authors=(Author("A", emails=("a@x.org",)),)
    )
    await store.upsert_papers([full])
    sparse = Paper(key=full.key, title="", arxiv_id=None, version=1, extra={})
    assert await store.upsert_papers([sparse]) == UpsertCounts(unchanged=1)
    assert await store.get(full.key) == full


async def test_first_announcement_wins_over_replace_and_later_days(store: PaperStore) -> None:
    key = "2411.00001"
    replace = make_paper(key, version=2, announced=date(2024, 12, 2),
                         announce_type=AnnounceType.REPLACE)  # fmt: skip
    await store.upsert_papers([replace])
    got = await store.get(key)
    assert got is not None and got.announce_type == AnnounceType.REPLACE  # all we know so far
    # A re-scan recovers the original announcement: new/cross beats replace.
    await store.upsert_papers([make_paper(key, announced=date(2024, 11, 28))])
    got = await store.get(key)
    assert got is not None
    assert (got.announced, got.announce_type, got.version) == (
        date(2024, 11, 28), AnnounceType.NEW, 2,
    )  # fmt: skip
    # Seen again as a cross-list in another feed a day later: the first announcement stays.
    cross = make_paper(key, announced=date(2024, 11, 29), announce_type=AnnounceType.CROSS)
    await store.upsert_papers([cross])
    got = await store.get(key)
    assert got is not None and (got.announced, got.announce_type) == (
        date(2024, 11, 28), AnnounceType.NEW,
    )  # fmt: skip


async def test_duplicate_key_in_one_batch_is_merged_in_order(store: PaperStore) -> None:
    batch = [make_paper(version=1), make_paper(version=2, title="v2")]
    assert await store.upsert_papers(batch) == UpsertCounts(new=1)
    got = await store.get(batch[0].key)
    assert got is not None and (got.version, got.title) == (2, "v2")


async def test_failed_batch_writes_nothing(store: PaperStore) -> None:
    good = make_paper("2411.00001")
    bad = make_paper("2411.00002", version=0)  # violates CHECK (version >= 1)
    with pytest.raises(Exception, match="CHECK"):
        await store.upsert_papers([good, bad])
    assert await store.count() == 0


async def test_large_batch_is_chunked(store: PaperStore) -> None:
    batch = [make_paper(f"2411.{i:05d}") for i in range(1234)]
    assert await store.upsert_papers(batch) == UpsertCounts(new=1234)
    changed = [*batch[:1000], dataclasses.replace(batch[1200], version=2)]
    assert await store.upsert_papers(changed) == UpsertCounts(updated=1, unchanged=1000)
    assert len(await store.get_many(p.key for p in batch)) == 1234


# --- authors and affiliations ---------------------------------------------------------------


async def test_affiliations_merge_per_source(store: PaperStore) -> None:
    rss = make_paper()  # names only
    api = make_paper(authors=(Author("Ana García", (ax("Google DeepMind"),)), Author("Bo Li")))
    alex = make_paper(
        version=None,
        openalex_id="W1",
        authors=(
            Author("Ana Garcia", (oa("Google DeepMind", "I4210090411"), oa("UCL", "I45129253"))),
            Author("Bo Li", (oa("Meta (United States)", "I4210114444"),)),
        ),
    )
    await store.upsert_papers([rss])
    assert await store.upsert_papers([api]) == UpsertCounts(updated=1)
    assert await store.upsert_papers([alex]) == UpsertCounts(updated=1)
    expected = [
        [("arxiv", "Google DeepMind"), ("openalex", "Google DeepMind"), ("openalex", "UCL")],
        [("openalex", "Meta (United States)")],
    ]
    got = await store.get(rss.key)
    assert _affs(got) == expected
    assert got is not None and [a.name for a in got.authors] == ["Ana García", "Bo Li"]
    # Re-ingesting any of them (e.g. the nightly 7-day RSS re-scan) changes nothing.
    for again in (rss, api, alex):
        assert await store.upsert_papers([again]) == UpsertCounts(unchanged=1)
    # A newer OpenAlex view replaces the OpenAlex rows only.
    alex2 = dataclasses.replace(
        alex, authors=(Author("Ana Garcia"), Author("Bo Li", (oa("Meta AI", "I4210114444"),)))
    )
    assert await store.upsert_papers([alex2]) == UpsertCounts(updated=1)
    assert _affs(await store.get(rss.key)) == [
        [("arxiv", "Google DeepMind")],
        [("openalex", "Meta AI")],
    ]


async def test_reordered_enrichment_authors_attach_by_name(store: PaperStore) -> None:
    await store.upsert_papers([make_paper()])
    alex = make_paper(
        version=None,
        openalex_id="W1",
        authors=(Author("Bo Li", (oa("Meta"),)), Author("A. Garcia", (oa("DeepMind"),))),
    )
    await store.upsert_papers([alex])
    got = await store.get(alex.key)
    assert got is not None and [a.name for a in got.authors] == ["Ana García", "Bo Li"]
    assert _affs(got) == [[("openalex", "DeepMind")], [("openalex", "Meta")]]


async def test_renamed_same_count_authors_match_by_position(store: PaperStore) -> None:
    await store.upsert_papers([make_paper()])
    alex = make_paper(
        version=None,
        openalex_id="W1",
        authors=(Author("Ana Maria Garcia-Lopez", (oa("X"),)), Author("Li Bo", (oa("Y"),))),
    )
    await store.upsert_papers([alex])
    got = await store.get(alex.key)
    assert got is not None and [a.name for a in got.authors] == ["Ana García", "Bo Li"]
    assert _affs(got) == [[("openalex", "X")], [("openalex", "Y")]]


async def test_count_mismatch_keeps_arxiv_list_and_matches_by_name(store: PaperStore) -> None:
    await store.upsert_papers([make_paper()])
    alex = make_paper(
        version=None,
        openalex_id="W1",
        authors=(
            Author("Extra Person", (oa("Z"),)),
            Author("Bo Li", (oa("Y"),)),
            Author("ANA GARCIA", (oa("X"),)),
        ),
    )
    await store.upsert_papers([alex])
    got = await store.get(alex.key)
    assert got is not None and [a.name for a in got.authors] == ["Ana García", "Bo Li"]
    assert _affs(got) == [[("openalex", "X")], [("openalex", "Y")]]


async def test_new_arxiv_author_list_carries_enrichment_over(store: PaperStore) -> None:
    await store.upsert_papers([make_paper()])
    alex = make_paper(
        version=None,
        openalex_id="W1",
        authors=(Author("Ana Garcia", (oa("X"),)), Author("Bo Li", (oa("Y"),))),
    )
    await store.upsert_papers([alex])
    v2 = make_paper(
        version=2,
        authors=(Author("Ana García"), Author("Chen Wei", emails=("c@x.org",)), Author("Bo Li")),
    )
    assert await store.upsert_papers([v2]) == UpsertCounts(updated=1)
    got = await store.get(v2.key)
    assert got is not None
    assert [a.name for a in got.authors] == ["Ana García", "Chen Wei", "Bo Li"]
    assert _affs(got) == [[("openalex", "X")], [], [("openalex", "Y")]]
    assert got.authors[1].emails == ("c@x.org",)


async def test_emails_fill_in_without_erasing(store: PaperStore) -> None:
    await store.upsert_papers([make_paper()])
    html = make_paper(
        authors=(
            Author("Ana García", (Affiliation("DeepMind", AffiliationSource.HTML),),
                   ("ana@deepmind.com",)),
            Author("Bo Li"),
        )
    )  # fmt: skip
    await store.upsert_papers([html])
    await store.upsert_papers([make_paper()])  # RSS again: no e-mails, nothing erased
    got = await store.get(html.key)
    assert got is not None and got.authors[0].emails == ("ana@deepmind.com",)
    assert _affs(got) == [[("html", "DeepMind")], []]


# --- reads -------------------------------------------------------------------------------------


async def test_iter_papers_filters_and_order(store: PaperStore) -> None:
    d1, d2, d3 = date(2024, 11, 27), date(2024, 11, 28), date(2024, 11, 29)
    await store.upsert_papers([
        make_paper("2411.00003", announced=d2),
        make_paper("2411.00001", announced=d2, announce_type=AnnounceType.CROSS),
        make_paper("2411.00002", announced=d1),
        make_paper("2411.00004", announced=d3, announce_type=AnnounceType.REPLACE),
        make_paper("2411.00005", announced=None, announce_type=None),
    ])  # fmt: skip
    keys = [p.key for p in await store.iter_papers()]
    assert keys == ["2411.00002", "2411.00001", "2411.00003", "2411.00004", "2411.00005"]
    keys = [p.key for p in await store.iter_papers(since=d2, until=d3)]
    assert keys == ["2411.00001", "2411.00003", "2411.00004"]
    fresh = {AnnounceType.NEW, AnnounceType.CROSS}
    assert [p.key for p in await store.iter_papers(d2, d3, fresh)] == ["2411.00001", "2411.00003"]
    assert await store.iter_papers(announce_types=()) == []
    papers = await store.iter_papers(until=d1)
    assert len(papers) == 1 and papers[0].authors == make_paper().authors



async def test_listing_state_changes_only_when_those_papers_do(store: PaperStore) -> None:
    fresh = (AnnounceType.NEW, AnnounceType.CROSS)
    assert await store.listing_state(fresh) == ListingState(None, 0, None)
    d2, d3 = date(2024, 11, 28), date(2024, 11, 29)
    t0 = datetime(2024, 11, 28, 1, 0, tzinfo=UTC)
    batch = [make_paper("2411.00001", announced=d2, announce_type=AnnounceType.CROSS),
             make_paper("2411.00004", announced=d3, announce_type=AnnounceType.REPLACE)]
    await store.upsert_papers(batch, now=t0)
    state = await store.listing_state(fresh)
    assert (state.newest, state.count) == (d2, 1) and state.changed is not None
    await store.upsert_papers(batch, now=t0 + timedelta(hours=1))  # nothing new
    assert await store.listing_state(fresh) == state
    await store.upsert_papers([make_paper("2411.00001", version=2, announced=d2,
                                          announce_type=AnnounceType.CROSS)],
                              now=t0 + timedelta(hours=2))
    assert (await store.listing_state(fresh)).changed != state.changed

# --- enrichment retry policy ----------------------------------------------------------------


async def test_enrichment_retry_policy(store: PaperStore) -> None:
    src = "openalex"
    announced = date(2024, 11, 28)  # window: until 2024-12-03T00:00Z
    await store.upsert_papers([make_paper("2411.00001", announced=announced)], now=T0)
    await store.upsert_papers([make_paper("2411.00002", announced=announced)], now=T0)
    now = T0 + timedelta(hours=1)
    assert await store.keys_needing_enrichment(src, now) == ["2411.00001", "2411.00002"]

    await store.record_attempt("2411.00001", src, AttemptOutcome.FOUND, "W1", now)
    await store.record_attempt("2411.00002", src, AttemptOutcome.NOT_FOUND, "404", now)
    assert await store.keys_needing_enrichment(src, now + timedelta(hours=5)) == []
    # Daily retry, tolerant of a nightly job starting a bit earlier the next day.
    day2 = now + timedelta(hours=22)
    assert await store.keys_needing_enrichment(src, day2) == ["2411.00002"]
    assert await store.keys_needing_enrichment("html", day2) == ["2411.00001", "2411.00002"]
    for day in range(1, 5):
        tried = now + timedelta(days=day)
        assert await store.keys_needing_enrichment(src, tried) == ["2411.00002"]
        await store.record_attempt("2411.00002", src, "not_found", "404", tried)
    attempt = await store.attempt("2411.00002", src)
    assert attempt is not None
    assert (attempt.attempts, attempt.outcome) == (5, AttemptOutcome.NOT_FOUND)
    assert attempt.first_tried_at == now and attempt.last_tried_at == now + timedelta(days=4)
    # Five days after the announcement: give up.
    assert await store.keys_needing_enrichment(src, datetime(2024, 12, 3, 7, tzinfo=UTC)) == []
    assert await store.keys_needing_enrichment(src, datetime(2024, 12, 2, 23, tzinfo=UTC)) == []


async def test_enrichment_window_from_first_seen_and_filters(store: PaperStore) -> None:
    src = "openalex"
    await store.upsert_papers(
        [make_paper(f"2411.0000{i}", announced=None, announce_type=None) for i in range(1, 4)],
        now=T0,
    )
    await store.record_attempt("2411.00001", src, AttemptOutcome.ERROR, "HTTP 503", T0)
    at = T0 + timedelta(days=4, hours=23)  # still inside 5 days after first_seen
    all_three = ["2411.00001", "2411.00002", "2411.00003"]
    assert await store.keys_needing_enrichment(src, at) == all_three
    assert await store.keys_needing_enrichment(src, at, keys=["2411.00003", "x"]) == ["2411.00003"]
    assert await store.keys_needing_enrichment(src, at, limit=1) == ["2411.00001"]
    late = T0 + timedelta(days=5)
    # Given up on the one that failed; the never-tried ones are still asked once.
    assert await store.keys_needing_enrichment(src, late) == ["2411.00002", "2411.00003"]
    naive = datetime(2024, 11, 29, 6, 0)  # naive datetimes are UTC
    assert "2411.00001" in await store.keys_needing_enrichment(src, naive)


async def test_record_attempt_for_unknown_paper(store: PaperStore) -> None:
    with pytest.raises(KeyError, match="no stored paper"):
        await store.record_attempt("missing", "openalex", "found", None, T0)
    with pytest.raises(ValueError):
        await store.record_attempt("missing", "openalex", "maybe", None, T0)


# --- the real listing -------------------------------------------------------------------------


async def test_ingest_real_rss_listing(store: PaperStore, db: Database) -> None:
    rss = pytest.importorskip(
        "bot.sources.arxiv_rss", reason="bot.sources.arxiv_rss not written yet"
    )
    if not hasattr(rss, "parse_arxiv_rss"):
        pytest.skip("bot.sources.arxiv_rss has no parse_arxiv_rss yet")
    page = rss.parse_arxiv_rss(RSS_FIXTURE.read_bytes())
    assert len(page.papers) == 1504
    counts = await store.upsert_papers(page.papers, now=T0)
    assert counts == UpsertCounts(new=1504)
    assert await store.count() == 1504
    assert await store.upsert_papers(page.papers, now=T0 + timedelta(days=1)) == UpsertCounts(
        unchanged=1504
    )
    for paper in page.papers[:50] + page.papers[-50:]:
        stored = await store.get(paper.key)
        assert stored is not None
        assert (stored.title, stored.version, len(stored.authors)) == (
            paper.title, paper.version, len(paper.authors),
        )  # fmt: skip
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM authors")
    assert next(iter(rows))[0] == sum(len(p.authors) for p in page.papers)


async def test_texts_page_through_what_iter_papers_returns(store: PaperStore) -> None:
    """Matching reads the papers a page at a time, titles and abstracts only."""
    from bot.sources.arxiv_rss import parse_arxiv_rss

    await store.upsert_papers(parse_arxiv_rss(RSS_FIXTURE.read_bytes()).papers)
    types = (AnnounceType.NEW, AnnounceType.CROSS)
    full = await store.iter_papers(date(2024, 11, 28), date(2024, 11, 29), types)
    pages = [page async for page in store.iter_texts(date(2024, 11, 28), date(2024, 11, 29),
                                                     types, size=100)]
    assert [len(p) for p in pages] == [100] * 9 + [35]
    texts = [t for page in pages for t in page]
    assert sorted(t.key for t in texts) == sorted(p.key for p in full)  # 935, each once
    by_key = {p.key: p for p in full}
    for t in texts:
        paper = by_key[t.key]
        assert (t.title, t.abstract, t.announced, t.announce_type) == (
            paper.title, paper.abstract, paper.announced, paper.announce_type)
        assert t.authors == ()
    assert [p async for p in store.iter_texts(date(2024, 11, 29), None, types)] == []
    heads = [t async for page in store.iter_texts(date(2024, 11, 28), date(2024, 11, 29),
                                                  types, abstracts=False, titles=False)
             for t in page]  # what a digest window keeps
    assert [(t.key, t.announced, t.announce_type) for t in heads] == [
        (t.key, t.announced, t.announce_type) for t in texts]
    assert {(t.title, t.abstract) for t in heads} == {("", "")}
    some = sorted(by_key)[:3]
    assert sorted(t.key for t in await store.texts_for([*some, "nope"])) == some


async def test_version_changes_when_papers_change(store: PaperStore, db: Database) -> None:
    import sqlite3

    start = await store.version()
    await store.upsert_papers([make_paper("2411.00001")])
    changed = await store.version()
    assert changed != start
    await store.upsert_papers([make_paper("2411.00001")])  # the same again: no change
    assert await store.version() == changed
    other = sqlite3.connect(db.path)
    other.execute("UPDATE papers SET title = 'x'")
    other.commit()
    other.close()
    assert await store.version() != changed
