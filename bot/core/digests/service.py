"""The digest use cases: subscribe, unsubscribe, digest now / scheduled digests, status.

Everything platform-specific goes through the registered ``ChatPort``; every post goes through
an outbox (headers: ``bot.core.delivery.headers``, cards: ``bot.core.delivery.cards``) so it happens
exactly once even across crashes. A channel the platform refuses until someone acts is marked
(``bot.core.delivery.channel_attention``): members are told the fix instead of a promise to retry.
A scheduled digest first claims its slot (``bot.store.digest_slots``), so two processes whose
schedulers fire the same slot post one digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot.core.delivery.cards import Outbox, new_post
from bot.core.delivery.channel_attention import ChannelAttention, WatchedPort
from bot.core.delivery.engine import Delivery, DeliveryReport
from bot.core.delivery.headers import HeaderOutbox
from bot.core.digests import compose as d
from bot.core.digests.schedule_spec import (
    ScheduleError,
    Slot,
    next_digest,
    parse_schedule,
    served,
)
from bot.core.digests.status import build_status, when
from bot.core.digests.window import SharedWindows, Window
from bot.core.followup.threads import ThreadFollowup
from bot.errors import ChannelUnavailable, failure_reason
from bot.industry.detector import watched_only
from bot.industry.overrides import LocalOverrides
from bot.messages import DigestHeader, Text, counted
from bot.models import Paper
from bot.ports import ChatPort, CommandResult
from bot.sources.arxiv_schedule import (
    DEFAULT_HOLIDAYS_2026,
    announcement_expected,
    configured_holidays,
)
from bot.store.claims import kept
from bot.store.digest_slots import SlotClaim
from bot.store.overlaps import FlagLike
from bot.store.posts import NewPost
from bot.store.stores import Stores
from bot.store.subscriptions import Subscription
from bot.store.topics import TopicLike

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger(__name__)

# Digests composed at once. Composing is CPU work on a window's worth of overlaps; more at once
# would not finish sooner on a small machine, only hold more windows' selections in memory.
COMPOSING = 2
DETECT_PAGE = 1000  # candidates read in full and judged at a time


class OverlapRefresher(Protocol):
    """The pipeline: re-match stored papers against today's topics before a digest reads, and
    say whose affiliations are still being looked up (it waits only a few seconds for them)."""

    async def recompute_overlaps(self, since: date, until: date | None = None) -> int: ...
    async def explain(self, papers: Sequence[Paper]) -> Mapping[str, Mapping[int, Sequence[str]]]:
        ...
    def pending_keys(self) -> frozenset[str]: ...
    async def stop_background(self) -> None: ...


Detector = Callable[[Paper], Sequence[FlagLike]]


class SlotTaken(Exception):
    """Another worker took this digest's slot over while it was being composed (this one's
    lease ran out): the digest is not recorded here."""


class RelatedTopic(Protocol):
    """A paper related by meaning to topics (``bot.core.related.service.RelatedHit``)."""

    @property
    def paper(self) -> Paper: ...
    @property
    def topics(self) -> Sequence[tuple[TopicLike, float]]: ...


class RelatedFinder(Protocol):
    """The optional semantic extra (``bot.core.related.service.RelatedPapers``): industry
    papers close in meaning to a topic that share none of its keywords."""

    async def find(self, topics: Sequence[TopicLike], window: Sequence[Paper],
                   candidates: Sequence[Paper]) -> Sequence[RelatedTopic]: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """Digest defaults (config ``[digest]``, ``bot.timezone``, arXiv holidays)."""

    timezone: str = "UTC"
    default_days: str = "mon-fri"
    default_time: str = "09:00"
    mode: str = "industry-only"
    max_papers: int = 10
    first_digest_days: int = 7
    holidays: frozenset[date] = frozenset(DEFAULT_HOLIDAYS_2026)
    include_unlisted: bool = True  # industry-only counts companies outside the watched labs
    openalex_watch: bool = False  # the nightly OpenAlex institution watch is wired (status)

    @classmethod
    def from_config(cls, config: Config) -> DigestSettings:
        """Build from the configuration's ``[bot]``, ``[digest]`` and ``[arxiv]`` tables."""
        return cls(
            timezone=config.bot.timezone,
            default_days=",".join(config.digest.default_days),
            default_time=config.digest.default_time.strftime("%H:%M"),
            mode=config.digest.mode,
            max_papers=config.digest.max_papers,
            holidays=configured_holidays(config.arxiv),
            include_unlisted=config.digest.include_unlisted_companies,
        )


class SlotServed(Exception):
    """The scheduled day already had its digest (recorded by an earlier run or another
    process): nothing of this run is recorded or posted."""


@dataclass(frozen=True, slots=True)
class _Composed:
    """One channel's digest, composed and not yet recorded."""

    header: DigestHeader
    rows: list[NewPost]
    covered: date | None
    date_to: date
    seen: int
    reason: str | None
    related: int = 0  # related cards (no shared keywords) queued after the overlaps


@dataclass(frozen=True, slots=True)
class DigestReport:
    """One digest run: the header posted, cards queued now, and how the outbox flush went."""

    header: DigestHeader
    queued: int
    delivered: int
    failed: int
    related: int = 0  # related cards (no shared keywords) queued after the overlaps


class DigestService:
    """Subscriptions and digests for every platform whose ``ChatPort`` is registered."""

    def __init__(
        self,
        stores: Stores,
        *,
        refresher: OverlapRefresher | None = None,
        detect: Detector | None = None,
        settings: DigestSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        related: RelatedFinder | None = None,
    ) -> None:
        self.db = stores.db
        self.related = related
        self.papers, self.topics, self.notes = stores.papers, stores.topics, stores.notes
        self.refresher, self.detect = refresher, detect
        self.settings = settings or DigestSettings()
        self.clock = clock
        self.subscriptions = stores.subscriptions
        self.posts = stores.posts
        self.overlaps = stores.overlaps
        self.runs = stores.runs
        self.counts = stores.counts
        self.corrections = stores.flag_corrections
        self.ports: dict[str, ChatPort] = {}
        self.attention = ChannelAttention(stores.channel_attention, clock)
        self.slots = stores.digest_slots
        # One lock per channel for every post; claims keep other processes off each row.
        self.delivery = Delivery(self.ports, clock, stores.claims)
        self.outbox = Outbox(self.posts, self.delivery)
        self.headers = HeaderOutbox(stores.digest_headers, self.delivery)
        self.followup = ThreadFollowup(stores.followup, stores.posts, clock)
        self._listeners: list[Callable[[], Awaitable[None]]] = []
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._windows = SharedWindows()
        self._composing = asyncio.Semaphore(COMPOSING)

    def register_port(self, port: ChatPort) -> None:
        """Post through ``port``, watched for channels that refuse the bot."""
        self.ports[port.platform] = WatchedPort(port, self.attention)

    def on_subscriptions_changed(self, callback: Callable[[], Awaitable[None]]) -> None:
        """The scheduler rebuilds its jobs through this."""
        self._listeners.append(callback)

    async def _changed(self) -> None:
        for callback in self._listeners:
            await callback()

    # --- commands -----------------------------------------------------------------------------

    async def subscribe(
        self, platform: str, workspace: str, channel_id: str, actor_id: str, args: str
    ) -> CommandResult:
        s = self.settings
        try:
            spec = parse_schedule(args, default_days=s.default_days, default_time=s.default_time,
                                  default_timezone=s.timezone, default_mode=s.mode)
        except ScheduleError as exc:
            return CommandResult(messages=(Text(str(exc)),), ok=False)
        existed = await self.subscriptions.get(platform, channel_id) is not None
        now = self.clock()
        sub = await self.subscriptions.upsert(
            platform=platform, workspace=workspace, channel_id=channel_id, days=spec.cron_days,
            time=spec.time_text, timezone=spec.timezone, mode=spec.mode, created_by=actor_id,
            now=now,
        )
        await self._changed()
        verb = "Updated this channel's digest" if existed else "Subscribed this channel to digests"
        nxt = when(next_digest(sub, now), ZoneInfo(spec.timezone))
        body = f"{verb}: {spec.describe()}. Next digest: {nxt}."
        return CommandResult(messages=(Text(body),), public=True)

    async def unsubscribe(self, platform: str, workspace: str, channel_id: str) -> CommandResult:
        if not await self.subscriptions.delete(platform, channel_id):
            return CommandResult(messages=(Text("This channel has no digest subscription."),),
                                 ok=False)
        await self._changed()
        body = "Unsubscribed: no more scheduled digests in this channel."
        return CommandResult(messages=(Text(body),), public=True)

    async def digest_now(
        self, platform: str, workspace: str, channel_id: str, since: date | None = None
    ) -> CommandResult:
        if platform not in self.ports:
            return CommandResult(messages=(Text(f"No {platform} adapter is running."),), ok=False)
        if since is not None and since > self.clock().date():
            return CommandResult(messages=(Text("since must not be in the future "
                                                "(expected YYYY-MM-DD)"),), ok=False)
        refusals = self.attention.refusals(platform, channel_id)
        try:
            report = await self.run_digest(platform, workspace, channel_id, since=since)
        except ChannelUnavailable as exc:  # only a person can fix it: say how
            body = (f"The digest could not be posted: {exc.reason.description}. {exc.fix} "
                    "Then run /scoop digest now again: what is queued goes out first.")
            return CommandResult(messages=(Text(body),), ok=False)
        except Exception:  # platform or store failure: queued posts retry
            log.exception("digest now in %s:%s failed", platform, channel_id)
            body = ("The digest could not be posted: the chat platform or the store did not "
                    "answer (the error was logged). Papers already queued will be posted "
                    "when it answers again.")
            return CommandResult(messages=(Text(body),), ok=False)
        h = report.header
        span = f"{h.date_from} to {h.date_to}"
        if h.overlaps == 0:
            body = f"Quiet digest posted ({span}): {h.quiet_reason}."
        else:
            delivered = max(report.delivered - report.related, 0)
            body = f"Digest posted ({span}): {delivered} of {counted(h.overlaps, 'paper')}."
            if h.more_hint:
                body += f" {h.more_hint}"
        if report.related:
            body += f" Also {counted(report.related, 'related paper')} with no shared keywords."
        if report.failed:
            blocked = None
            if self.attention.refusals(platform, channel_id) > refusals:
                blocked = await self.attention.get(platform, channel_id)
            if blocked is not None:
                body += (f" {counted(report.failed, 'post')} could not be completed: "
                         f"{blocked.reason.description}. {blocked.fix}")
            else:
                body += f" {counted(report.failed, 'post')} failed and will be retried."
        return CommandResult(messages=(Text(body),), ok=report.failed == 0)

    async def status(self, platform: str, workspace: str, channel_id: str) -> CommandResult:
        return await build_status(
            counts=await self.counts.for_workspace(platform, workspace), runs=self.runs,
            subscription=await self.subscriptions.get(platform, channel_id),
            now=self.clock(),
            default_timezone=self.settings.timezone,
            attention=await self.attention.get(platform, channel_id),
            watch=self.settings.openalex_watch,
            open_threads=await self.followup.status_lines(platform, channel_id, self.clock()),
        )

    # --- digests ------------------------------------------------------------------------------

    async def run_scheduled(self, platform: str, channel_id: str, slot: Slot | None = None
                            ) -> DigestReport | None:
        """The scheduler's job: one subscription's digest, failures logged in the run log.

        ``slot`` (the scheduler always passes it) is the scheduled day and its fire instant.
        The digest first claims the fire instant, so a slot another worker claimed is left to
        it and two schedulers on one database post one digest; a day that already had its
        digest (recorded by an earlier run, before a restart) is skipped. A digest that fails
        before it is recorded gives its claim back."""
        sub = await self.subscriptions.get(platform, channel_id)
        if sub is None or platform not in self.ports:
            log.warning("digest for %s:%s skipped (no subscription or adapter)", platform,
                        channel_id)
            return None
        claim = SlotClaim(platform, channel_id, slot.at) if slot is not None else None
        if claim is not None and not await self.slots.claim(claim, self.clock()):
            log.info("digest for %s:%s at %s is another worker's; skipped", platform,
                     channel_id, slot)
            return None
        started = self.clock()
        try:
            async with self._slot_kept(claim):
                return await self.run_digest(platform, sub.workspace, channel_id,
                                             slot=slot, claim=claim)
        except SlotServed:
            log.info("digest for %s:%s on %s was already posted; not again", platform,
                     channel_id, slot.day if slot else None)
            if claim is not None:
                await self.slots.release(claim)
            return None
        except SlotTaken:
            log.warning("digest for %s:%s at %s was taken over by another worker", platform,
                        channel_id, slot.at if slot else None)
            return None
        except ChannelUnavailable as exc:  # marked for /scoop status; no traceback to log
            log.warning("digest for %s:%s not posted: %s", platform, channel_id, exc)
            await self._failed(platform, channel_id, started, claim, str(exc))  # says the fix
            return None
        except Exception as exc:
            log.exception("digest for %s:%s failed", platform, channel_id)
            await self._failed(platform, channel_id, started, claim, failure_reason(exc))
            return None

    def _slot_kept(self, slot: SlotClaim | None) -> contextlib.AbstractAsyncContextManager[object]:
        """Renew the slot's lease while its digest is composed and recorded."""
        if slot is None:
            return contextlib.nullcontext()
        return kept(lambda: self.slots.renew(slot, self.clock()),
                    self.slots.lease.total_seconds() / 4, f"digest slot {slot}")

    async def _failed(self, platform: str, channel_id: str, started: datetime,
                      slot: SlotClaim | None, reason: str) -> None:
        await self.runs.record("digest", f"{platform}:{channel_id}", "error",
                               started=started, finished=self.clock(),
                               detail={"reason": reason}, ok=False)
        if slot is not None:  # only a slot whose digest was not recorded is given back
            await self.slots.release(slot)

    async def held_elsewhere_until(self) -> datetime | None:
        """When the last claim another worker holds on a post or a digest slot runs out: after
        a restart, the killed predecessor's, to take over then."""
        now = self.clock()
        ends = [await self.delivery.claims.held_elsewhere_until(now),
                await self.slots.held_elsewhere_until(now)]
        return max((end for end in ends if end is not None), default=None)

    async def retake_abandoned(self) -> int:
        """Post the scheduled digests whose worker claimed their slot and died before
        recording them (their lease ran out); returns how many were tried."""
        slots = [s for s in await self.slots.abandoned(self.clock()) if s.platform in self.ports]
        for slot in slots:
            log.info("digest for %s:%s at %s was abandoned by its worker; posting it",
                     slot.platform, slot.channel_id, slot.at)
            sub = await self.subscriptions.get(slot.platform, slot.channel_id)
            if sub is None:  # unsubscribed meanwhile: nothing to post
                await self.slots.release(slot)
                continue
            day = slot.at.astimezone(ZoneInfo(sub.timezone)).date()  # fired on its own day
            await self.run_scheduled(slot.platform, slot.channel_id, Slot(day, slot.at))
        return len(slots)

    async def stop_background(self) -> None:
        """Shutdown: cancel affiliation lookups that digests left running in the background."""
        if self.refresher is not None:
            await self.refresher.stop_background()

    async def resume(self, platform: str | None = None, channel_id: str | None = None
                     ) -> DeliveryReport:
        """Finish every post (of one channel) a crash, restart or platform error interrupted:
        headers first, then the cards of each channel whose headers are out. The scheduler
        calls it once adapters are up; each digest first does it for its channel. Channels that
        need attention are left alone unless named: only a digest there tries them again."""
        hold = await self.attention.channels() if channel_id is None else frozenset()
        headers = await self.headers.flush(platform, channel_id, hold=hold)
        waiting = await self.headers.waiting(platform, channel_id)
        return headers + await self.outbox.flush(platform, channel_id, hold=waiting | hold)

    async def run_digest(
        self, platform: str, workspace: str, channel_id: str, *, since: date | None = None,
        slot: Slot | None = None, claim: SlotClaim | None = None,
    ) -> DigestReport:
        """Select, compose and post one channel's digest (serialised per channel). A
        scheduled one names its ``slot``: for a day that already had its digest it raises
        :class:`SlotServed`, and it marks its ``claim`` done as it is recorded (or raises
        :class:`SlotTaken` when the claim is no longer its own)."""
        lock = self._locks.setdefault((platform, channel_id), asyncio.Lock())
        async with lock:
            return await self._run_digest(platform, workspace, channel_id, since, slot, claim)

    async def _run_digest(
        self, platform: str, workspace: str, channel_id: str, since: date | None,
        slot: Slot | None, claim: SlotClaim | None,
    ) -> DigestReport:
        if platform not in self.ports:
            raise LookupError(f"no chat adapter registered for platform {platform!r}")
        started = now = self.clock()
        refusals = self.attention.refusals(platform, channel_id)
        await self.resume(platform, channel_id)  # an earlier digest's leftovers go out first
        if self.attention.refusals(platform, channel_id) > refusals:
            blocked = await self.attention.get(platform, channel_id)
            if blocked is not None:  # still refused: queue nothing more behind it
                raise blocked.error()
        sub = await self.subscriptions.get(platform, channel_id)
        scheduled_day = slot.day if slot is not None else None
        if scheduled_day is not None and sub is not None and served(sub, scheduled_day):
            raise SlotServed(scheduled_day)
        mode = sub.mode if sub else self.settings.mode
        today = now.astimezone(ZoneInfo(sub.timezone if sub else self.settings.timezone)).date()
        if since is not None:
            date_from = since
        elif sub is not None and sub.last_covered_until is not None:
            date_from = sub.last_covered_until + timedelta(days=1)
        else:
            date_from = today - timedelta(days=self.settings.first_digest_days - 1)
        # Feeds are dated by US-Eastern evening + 1: west of it "tomorrow's" feed exists today.
        until = max(today, date_from) + timedelta(days=1)
        looking_up: frozenset[str] = frozenset()
        if self.refresher is not None:
            await self.refresher.recompute_overlaps(date_from, until)
            looking_up = self.refresher.pending_keys()
        key = (date_from, until, await self.papers.version())
        async with self._windows.use(key, lambda: self._load_window(date_from, until, now)
                                     ) as window:
            return await self._compose_and_post(
                platform, workspace, channel_id, window, started=started, now=now, sub=sub,
                mode=mode, today=today, date_from=date_from, looking_up=looking_up,
                scheduled_day=scheduled_day, claim=claim)

    async def _load_window(self, date_from: date, until: date, now: datetime) -> Window:
        """The window's papers, their overlaps with any topic, and the flags of those. The
        papers are read without authors, titles or abstracts (selection needs none: a posted
        card reads its paper in full), so a week at university scale stays small."""
        papers = [p async for page in self.papers.iter_texts(date_from, until, d.DIGEST_TYPES,
                                                             abstracts=False, titles=False)
                  for p in page]
        overlaps = await self.overlaps.packed_for_papers([p.key for p in papers])
        flags = await self._flags(list(overlaps), now)
        return Window(papers, overlaps, flags, await self._twins(list(overlaps)))

    async def _compose_and_post(
        self, platform: str, workspace: str, channel_id: str, window: Window, *,
        started: datetime, now: datetime, sub: Subscription | None, mode: str, today: date,
        date_from: date, looking_up: frozenset[str], scheduled_day: date | None,
        claim: SlotClaim | None,
    ) -> DigestReport:
        async with self._composing:  # a few at a time: a selection holds the whole window
            composed = await self._compose(platform, workspace, channel_id, window, mode=mode,
                                           today=today, date_from=date_from,
                                           looking_up=looking_up, now=now)
            async with self.db.transaction() as conn:  # the whole digest is recorded, or none
                if claim is not None and not await self.slots.mark_done(conn, claim, now):
                    raise SlotTaken(f"digest slot {claim} is no longer ours")
                header = await self.headers.record(conn, platform, workspace, channel_id,
                                                   composed.header, now)
                created = await self.posts.insert_intents(conn, platform, workspace,
                                                          channel_id, composed.rows, now)
                if sub is not None and not await self.subscriptions.mark_digest_in(
                        conn, platform, channel_id, at=now, covered_until=composed.covered,
                        scheduled_day=scheduled_day) and scheduled_day is not None:
                    raise SlotServed(scheduled_day)  # another process got there first: roll back
        await self.headers.deliver_channel(platform, channel_id)  # raises: the cards wait
        # A header another worker is posting holds the cards back until it is out.
        flushed = await self.outbox.flush(
            platform, channel_id, hold=await self.headers.waiting(platform, channel_id))
        await self.runs.record(
            "digest", f"{platform}:{channel_id}", "ok" if not flushed.failed else "partial",
            started=started, finished=self.clock(), day=composed.date_to, ok=not flushed.failed,
            detail={"counts": {"seen": composed.seen, "overlaps": header.overlaps,
                               "posted": flushed.done}, "reason": composed.reason},
        )
        return DigestReport(header, len(created), flushed.done, flushed.failed,
                            composed.related)

    async def _compose(
        self, platform: str, workspace: str, channel_id: str, window: Window, *, mode: str,
        today: date, date_from: date, looking_up: frozenset[str], now: datetime,
    ) -> _Composed:
        """Select this channel's overlaps from the window and compose what to post."""
        papers = window.papers
        topics = {t.id: t for t in await self.topics.active_topics(platform, workspace)}
        matches = await asyncio.to_thread(window.matches_for, topics)  # the workspace's
        watched = mode != "all-papers" and not self.settings.include_unlisted
        flags = await asyncio.to_thread(window.watched_flags) if watched else window.flags
        corrected = await self.corrections.for_workspace(platform, workspace)  # the lab's 🏢
        if corrected:
            overrides = LocalOverrides.of(corrected)
            flags = overrides.apply({key: flags[key] for key in matches if key in flags})
        twins = {key: window.twins[key] for key in matches if key in window.twins}
        posted = await self.posts.posted_keys(
            platform, channel_id, {*matches, *(t for ts in twins.values() for t in ts)})
        date_to = max([today, *(p.announced for p in papers if p.announced)])
        runs = await self.runs.for_days("fetch", date_from, date_to)

        def select() -> tuple[d.Selection, DigestHeader, str | None]:
            """Pure, but long with catch-all topics: run in a worker thread."""
            selection = d.select_overlaps(papers, window.overlaps, topics, flags,
                                          industry_only=mode != "all-papers", posted=posted,
                                          looking_up=looking_up, twins=twins, matches=matches)
            reason = d.quiet_reason(
                selection, days=d.days_between(date_from, date_to), fetch_runs=runs,
                mode=mode, topic_count=len(topics),
                expected=lambda day: announcement_expected(day, self.settings.holidays))
            header = d.build_header(selection, date_from=date_from, date_to=date_to,
                                    max_papers=self.settings.max_papers, mode=mode,
                                    quiet_reason=reason)
            return selection, header, reason

        selection, header, reason = await asyncio.to_thread(select)
        shown = selection.overlaps[: self.settings.max_papers]
        full = await self.papers.get_many(o.paper.key for o in shown)  # the window's are light
        shown = tuple(replace(o, paper=full.get(o.paper.key, o.paper)) for o in shown)
        if self.refresher is not None:  # overlaps are stored unexplained: explain the cards
            terms = await self.refresher.explain([o.paper for o in shown])
            shown = tuple(d.with_terms(o, terms.get(o.paper.key, {})) for o in shown)
        header = _with_lookup_hint(header, selection, shown, looking_up)
        header = await self.followup.with_open_threads(header, platform, channel_id, now)
        rows = []
        for overlap in shown:
            card = d.build_card(overlap)
            notes = await self._notes(platform, workspace, overlap)
            rows.append(new_post(card, d.build_prompt(card, notes)))
        related = await self._related_rows(platform, workspace, channel_id, window, topics,
                                           set(matches), mode, now)
        rows += related
        covered = max((p.announced for p in papers if p.announced), default=None)
        held = [p.announced for p in selection.awaiting if p.announced]
        if held and covered is not None:  # the next digest starts at the first one held back
            covered = min(covered, min(held) - timedelta(days=1))
        return _Composed(header, rows, covered, date_to, selection.papers_seen, reason,
                         len(related))

    async def _related_rows(
        self, platform: str, workspace: str, channel_id: str, window: Window,
        topics: Mapping[int, TopicLike], matched: Collection[str], mode: str, now: datetime,
    ) -> list[NewPost]:
        """Cards for industry papers related in meaning to a topic but sharing none of its
        keywords (the optional semantic extra), posted after the overlaps. Papers a topic
        matched by keywords are left to the overlaps (shown now or in a later digest). Without
        the extra, or when it fails, there are none: the digest itself always goes out.

        The window's papers are light, so this reads what it needs itself: titles and
        abstracts to embed (the cache spares all but new papers), and in full only the
        unmatched papers that carry an affiliation (the detector's evidence)."""
        if self.related is None or not topics:
            return []
        try:
            keys = {p.key for p in window.papers}
            dates = [p.announced for p in window.papers if p.announced]
            if not dates:
                return []
            texts = [p async for page in self.papers.iter_texts(
                min(dates), max(dates) + timedelta(days=1), d.DIGEST_TYPES) for p in page]
            others = [p for p in await self.papers.with_affiliations_since(min(dates))
                      if p.key in keys and p.key not in matched]
            found = await self._flags([p.key for p in others], now) if others else {}
            if mode != "all-papers" and not self.settings.include_unlisted:
                found = {key: watched_only(flags) for key, flags in found.items()}
            corrected = await self.corrections.for_workspace(platform, workspace)
            if corrected:
                found = LocalOverrides.of(corrected).apply(found)
            industry = [p for p in others if found.get(p.key)]
            posted = await self.posts.posted_keys(platform, channel_id,
                                                  [p.key for p in industry])
            candidates = [p for p in industry if p.key not in posted]
            hits = await self.related.find(list(topics.values()), texts, candidates)
        except Exception:
            log.exception("related papers for %s:%s skipped", platform, channel_id)
            return []
        rows = []
        for hit in hits:
            overlap = d.Overlap(hit.paper,
                                tuple(d.TopicMatch(t, score, ()) for t, score in hit.topics),
                                tuple(found[hit.paper.key]))
            card = d.build_card(overlap, related=True)
            notes = await self._notes(platform, workspace, overlap)
            rows.append(new_post(card, d.build_prompt(card, notes)))
        return rows

    async def _twins(self, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Per candidate, the stored keys of the same work (an OpenAlex journal version and its
        arXiv preprint): a digest posts one work once, whichever version came first. Only
        what identifies a work is read (``PaperStore.stored_twins``), a page at a time; a twin
        that is itself a candidate shares the candidate's key string."""
        found: dict[str, tuple[str, ...]] = {}
        same = {key: key for key in keys}
        async for pairs in self.papers.stored_twins(keys):
            found.update({same[key]: tuple(same.get(twin, twin) for twin, _why in ps)
                          for key, ps in pairs.items()})
        return found

    async def _flags(self, keys: Sequence[str], now: datetime) -> dict[str, list[FlagLike]]:
        """Fresh detector flags for candidates (cached in the store); cached ones otherwise.
        Candidates are read in full and judged a page at a time, in a worker thread. Papers
        without a flag (most of a window) are absent, as from the cache."""
        if self.detect is None:
            cached = await self.overlaps.flags_for(keys)
            return {k: list(v) for k, v in cached.items()}
        fresh: dict[str, list[FlagLike]] = {}
        for start in range(0, len(keys), DETECT_PAGE):
            papers = await self.papers.get_many(keys[start:start + DETECT_PAGE])
            page = await asyncio.to_thread(_detect_all, self.detect, papers)
            if page:
                await self.overlaps.save_flags(page, now)  # clears the flags of those with none
            fresh.update((key, found) for key, found in page.items() if found)
        return fresh

    async def _notes(
        self, platform: str, workspace: str, overlap: d.Overlap
    ) -> Sequence[d.NoteLike]:
        if self.notes is None:
            return ()
        return await self.notes.latest_for_topics(
            platform, workspace, overlap.topic_names, limit=2, exclude_paper=overlap.paper.key
        )


def _detect_all(detect: Detector, papers: Mapping[str, Paper]) -> dict[str, list[FlagLike]]:
    return {key: list(detect(paper)) for key, paper in papers.items()}


def _with_lookup_hint(header: DigestHeader, selection: d.Selection,
                      shown: Sequence[d.Overlap], looking_up: Collection[str]) -> DigestHeader:
    """Say so when the digest went ahead without some affiliations (the lookup continues in
    the background): papers held back for the next digest, or shown cards that may lack a lab.
    A quiet digest already says it in its reason."""
    hints: list[str] = []
    if selection.awaiting and selection.overlaps:
        n = len(selection.awaiting)
        hints.append(f"{n} more matching {'paper is' if n == 1 else 'papers are'} still having "
                     "affiliations looked up: the next digest shows "
                     f"{'it' if n == 1 else 'those'} if from an industry lab.")
    incomplete = sum(o.paper.key in looking_up for o in shown)
    if incomplete:
        hints.append(d.looking_up_text(incomplete))
    if not hints:
        return header
    return replace(header, more_hint=" ".join([header.more_hint or "", *hints]).strip())
