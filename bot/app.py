"""The composition root: config -> store, sources, services, scheduler, adapters, one loop.

Nothing else in scoopwatch constructs clients or wires services. ``run_bot`` opens the database
(applying migrations), builds the digest side (``build_digest_side``) and
the core, starts every enabled adapter, and shuts everything down cleanly on end of input,
SIGINT or SIGTERM: adapters stop taking input, the inbox and in-flight jobs finish, the store
closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.core.commands.labs import labs_view
from bot.core.delivery.thread_reminders import ThreadReminders
from bot.core.delivery.version_notes import VersionNotes
from bot.core.digests.service import DigestService, DigestSettings, RelatedFinder, utcnow
from bot.core.facade import Core
from bot.core.ingest.institution_watch import InstitutionWatch, WatchSettings, WorksWatcher
from bot.core.ingest.pipeline import FeedFetcher, Pipeline, WorksLookup
from bot.core.ingest.recovery import RecordLister, Recovery
from bot.core.related import load_related
from bot.core.scheduler import Scheduler
from bot.core.trends.service import TrendService, TrendSettings
from bot.errors import ScoopwatchError
from bot.industry.registry import Registry, registry_from_config
from bot.log_redaction import protect_logs
from bot.platforms import ENTRY_POINTS, Adapter, AppIO, platform, platforms
from bot.sources.arxiv_html import HtmlClient
from bot.sources.arxiv_schedule import configured_holidays
from bot.store.claims import take_over_from_the_dead
from bot.store.db import Database
from bot.store.integrity import refuse_damage
from bot.store.stores import Stores

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger(__name__)


ADAPTER_NAMES = tuple(plugin.name for plugin in platforms())
"""The installed platforms, in start order; ``enabled_adapters`` decides which run."""


def load_adapter(name: str) -> type[Adapter]:
    """The adapter class of platform ``name`` (``bot/platforms.py``); this imports its SDK."""
    plugin = platform(name)
    if plugin is None:
        raise ScoopwatchError(f"the {name} adapter is not available in this build (no entry "
                              f"point {name!r} in {ENTRY_POINTS}; reinstall scoopwatch)")
    try:
        return plugin.adapter()
    except (ImportError, AttributeError) as exc:
        raise ScoopwatchError(f"the {name} adapter is not available in this build "
                              f"({exc})") from exc


def build_adapter(name: str, config: Config, core: Core, io: AppIO) -> Adapter:
    """Load and construct one adapter (imported only when enabled)."""
    return load_adapter(name).from_config(config, core, io)


def enabled_adapters(config: Config) -> list[str]:
    """Adapter names to start, in start order (the fallback alone when no token is
    configured)."""
    return [name for name in ADAPTER_NAMES if config.enabled(name)]


def connect_hint(config: Config | None, db_path: str) -> str:
    """The one line shown when only the fallback chat runs: how to connect a real chat. Every
    platform says what it needs, so ``config`` changes nothing here."""
    local = next((p.title for p in platforms() if p.fallback), "local")
    opening = f"{local} chat on {db_path} (type help)"
    remote = [p for p in platforms() if p.connect_hint]
    if not remote:
        return f"scoopwatch: {opening}."
    titles = [p.title for p in remote]
    either = " or ".join([", ".join(titles[:-1]), titles[-1]]) if len(titles) > 1 else titles[0]
    how = "; for ".join(f"{p.title} set {p.connect_hint}" for p in remote)
    return f"scoopwatch: no {either} token configured; {opening}. To connect {how}."


@contextlib.asynccontextmanager
async def open_pipeline(config: Config, db_path: str | None = None) -> AsyncIterator[Any]:
    """The fetch/enrich pipeline on its own store and HTTP client (``scoopwatch fetch``)."""
    protect_logs(config.secrets.secret_values())
    db = await Database.open(str(db_path or config.storage.db_path))
    stores = Stores.on(db)
    sources = _sources(config, stores)
    try:
        _service, pipeline, _scheduler = build_digest_side(config, stores, **sources.wiring())
        yield pipeline
    finally:
        await sources.client.aclose()
        await db.close()


@dataclass(frozen=True, slots=True)
class Sources:
    """Every source client, all on one ``PoliteClient`` (per-host spacing, conditional GET)."""

    client: Any
    fetcher: Any
    openalex: Any | None
    oai: Any
    watcher: Any | None = None  # the OpenAlex institution watch's source

    def wiring(self) -> dict[str, Any]:
        """Keyword arguments for ``build_digest_side``; the client itself reads arXiv HTML."""
        return {"fetcher": self.fetcher, "openalex": self.openalex, "html_client": self.client,
                "oai": self.oai, "watcher": self.watcher}


def _sources(config: Config, stores: Stores) -> Sources:
    """The polite client (validators kept in the store), arXiv feed fetcher, OpenAlex client and
    institution-watch source (or None when disabled) and OAI-PMH client for missed-day
    recovery."""
    from bot.sources.arxiv_feed import ArxivFeedFetcher
    from bot.sources.factory import make_http_client
    from bot.sources.oai_client import OaiPmhClient
    from bot.sources.openalex_client import OpenAlexClient
    from bot.sources.openalex_watch import InstitutionWorks

    client = make_http_client(config, validator_store=stores.validators)
    rss_base = config.arxiv.rss_url.rstrip("/").removesuffix("/rss")
    fetcher = ArxivFeedFetcher(client, config.arxiv.categories, rss_base,
                               configured_holidays(config.arxiv))
    openalex = watcher = None
    if config.openalex.enabled:
        key = config.secrets.openalex_api_key
        openalex = OpenAlexClient(client, key.get() if key else None, config.openalex.mailto,
                                  config.openalex.base_url)
        if config.openalex.watch:
            watcher = InstitutionWorks(client, key.get() if key else None,
                                       config.openalex.mailto, config.openalex.base_url)
    return Sources(client, fetcher, openalex, OaiPmhClient(client, config.arxiv.oai_url),
                   watcher)


@contextlib.contextmanager
def _signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop`` (when the loop runs in the main thread and can hook them)."""
    loop = asyncio.get_running_loop()
    hooked = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            hooked.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        yield
    finally:
        for sig in hooked:
            loop.remove_signal_handler(sig)


async def run_bot(
    config: Config, *, db_path: str | None = None, stdin: TextIO | None = None,
    stdout: TextIO | None = None, clock: Callable[[], datetime] | None = None,
    network: bool = True, script: Sequence[str] = (), banner: str | None = None,
) -> int:
    """Run scoopwatch until the console's input ends or a signal arrives; exit status.

    ``network=False`` (tests, ``scoopwatch demo``) builds no HTTP clients: the bot digests what
    is stored and never fetches. ``script`` and ``banner`` are the demo's opening: console lines
    run before stdin, and a first line shown instead of the connect hint.
    """
    protect_logs(config.secrets.secret_values())  # before any adapter or client logs a line
    path = str(db_path or config.storage.db_path)
    await asyncio.to_thread(refuse_damage, path)  # before anything reads or writes it
    db = await Database.open(path)
    stores = Stores.on(db)
    # A predecessor killed with kill -9 left claims: take them over now, not a lease later.
    await take_over_from_the_dead(db, (clock or utcnow)())
    io = AppIO(stdin or sys.stdin, stdout or sys.stdout, clock or (lambda: datetime.now(UTC)),
               tuple(script), stores.local_posts)
    sources = None
    try:
        if network:
            sources = _sources(config, stores)
        core, scheduler = build_core(config, stores, clock=io.clock,
                                     **(sources.wiring() if sources else {}))
        return await _serve(config, core, scheduler, io, path, banner)
    finally:
        if sources is not None:
            await sources.client.aclose()
        await db.close()


async def _connect(adapters: list[Adapter]) -> int:
    """Connect every adapter before any job may post; on a failure (bad token, missing
    intent) stop the ones already connected. Exit status."""
    connected: list[Adapter] = []
    for adapter in adapters:
        try:
            await adapter.start()
        except ScoopwatchError as exc:
            log.error("%s adapter could not start: %s", adapter.name, exc)
            for done in connected:
                await done.stop()
            return 1
        connected.append(adapter)
    return 0


async def _serve(config: Config, core: Core, scheduler: Any, io: AppIO, path: str,
                 banner: str | None = None) -> int:
    names = enabled_adapters(config)
    adapters = [build_adapter(name, config, core, io) for name in names]
    fallbacks = [plugin.name for plugin in platforms() if plugin.fallback]
    if banner is None and names and set(names) <= set(fallbacks):
        banner = connect_hint(config, str(Path(path)))
    if banner is not None:
        io.stdout.write(banner + "\n")
        io.stdout.flush()
    for adapter in adapters:
        core.register_port(adapter.port)
    stop = asyncio.Event()
    with _signals(stop):
        failed = await _connect(adapters)
        if failed:
            return failed
        await core.start()  # the inbox: events a crash left are processed now
        await scheduler.start()  # resumes the outbox: every platform is connected by now
        tasks = [asyncio.create_task(a.run(stop), name=f"adapter-{a.name}") for a in adapters]
        waiter = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.set()  # one adapter ending (console EOF/quit) ends the process
            results = await asyncio.gather(*tasks, return_exceptions=True)
            waiter.cancel()
            await core.stop()
            await scheduler.stop()
    status = 0
    for adapter, result in zip(adapters, results, strict=True):
        if isinstance(result, ScoopwatchError):  # e.g. a rejected token: one clear line
            log.error("%s adapter stopped: %s", adapter.name, result)
            status = 1
        elif isinstance(result, BaseException):
            log.error("%s adapter failed: %s", adapter.name, result, exc_info=result)
            status = 1
        elif result:
            status = result
    return status


def build_core(
    config: Config, stores: Stores, *, clock: Callable[[], datetime] = utcnow, **sources: Any
) -> tuple[Core, Scheduler]:
    """The core adapters talk to, and the scheduler that drives its digests and fetches.

    ``sources`` are ``build_digest_side``'s optional source clients (none: digest what is
    stored). The lab registry is built once, for the detector and ``/scoop labs``.
    """
    registry = registry_from_config(config.industry)
    related = load_related(stores, clock)  # None without the semantic extra
    service, pipeline, scheduler = build_digest_side(config, stores, clock=clock,
                                                     registry=registry, related=related,
                                                     **sources)
    core = Core(stores, digest=service, admins=config.bot.admins,
                labs=labs_view(registry.labs), clock=clock, registry=registry,
                max_topics_per_member=config.bot.max_topics_per_member,
                trends=build_trends(config, stores, pipeline, registry, clock=clock),
                related=related)
    return core, scheduler


def build_trends(config: Config, stores: Stores, pipeline: Pipeline, registry: Registry, *,
                 clock: Callable[[], datetime] = utcnow) -> TrendService:
    """Trend charts on the pipeline's matcher and the registry's detector, with weeks in
    ``bot.timezone`` (the chat command and ``scoopwatch trends`` build the same)."""
    from bot.industry.detector import detect

    settings = TrendSettings(timezone=config.bot.timezone,
                             include_unlisted=config.digest.include_unlisted_companies)
    return TrendService(stores, match=pipeline.match,
                        detect=lambda paper: detect(paper, registry), settings=settings,
                        clock=clock)


def build_digest_side(
    config: Config,
    stores: Stores,
    *,
    fetcher: FeedFetcher | None = None,
    openalex: WorksLookup | None = None,
    html_client: HtmlClient | None = None,
    oai: RecordLister | None = None,
    clock: Callable[[], datetime] = utcnow,
    registry: Registry | None = None,
    watcher: WorksWatcher | None = None,
    related: RelatedFinder | None = None,
) -> tuple[DigestService, Pipeline, Scheduler]:
    """Wire the digest side (service, pipeline, scheduler) from ``bot.config.Config``.

    ``fetcher`` is an ``ArxivFeedFetcher``, ``openalex`` an ``OpenAlexClient``, ``html_client``
    the ``PoliteClient`` itself (arXiv HTML author blocks) and ``oai`` an ``OaiPmhClient``
    (missed-day recovery), all on the app's one ``PoliteClient``; without them the bot still
    digests what is already stored. ``watcher`` (an ``InstitutionWorks``) adds the nightly
    OpenAlex institution watch for the registry's institution ids; ``related`` (the semantic
    extra's ``RelatedPapers``) adds related papers to digests. The scheduler's fetch job
    also posts new-version notes (``VersionNotes``, on the service's ports), and a daily job
    the thread reminders (``ThreadReminders``, the same ports); ``scoopwatch fetch`` has no
    ports, so it never does.
    """
    from bot.industry.detector import detect

    registry = registry or registry_from_config(config.industry)
    papers, topics, runs = stores.papers, stores.topics, stores.runs
    recovery = None
    if oai is not None:
        recovery = Recovery(oai=oai, papers=papers, runs=runs,
                            categories=config.arxiv.categories,
                            holidays=configured_holidays(config.arxiv), clock=clock)
    pipeline = Pipeline(
        papers=papers, topics=topics, overlaps=stores.overlaps, runs=runs, clock=clock,
        fetcher=fetcher, openalex=openalex, source_state=stores.source_state,
        retry_days=config.openalex.retry_days, html_client=html_client, recovery=recovery,
        enrich_wait=config.digest.enrich_wait_seconds,
    )
    settings = replace(DigestSettings.from_config(config), openalex_watch=watcher is not None)
    service = DigestService(
        stores, refresher=pipeline,
        detect=lambda paper: detect(paper, registry),
        settings=settings, clock=clock, related=related,
    )
    notes = VersionNotes(stores.version_notes, service.delivery)
    watch = None
    if watcher is not None:
        watch = InstitutionWatch(
            source=watcher, papers=papers, runs=runs, state=stores.source_state,
            match=pipeline.match, clock=clock, settings=watch_settings(config),
            institutions=[i for lab in registry.labs for i in lab.openalex_ids]).run
    reminders = ThreadReminders(stores.followup, service.delivery, config.digest.reminder_days)
    scheduler = Scheduler.from_config(config, service, pipeline if fetcher else None, clock=clock,
                                      version_notes=notes, events=stores.events, watch=watch,
                                      reminders=reminders.run,
                                      remind_timezone=config.bot.timezone)
    return service, pipeline, scheduler


def watch_settings(config: Config) -> WatchSettings:
    """The institution watch's ``[openalex] watch_*`` settings."""
    o = config.openalex
    return WatchSettings(weeks=o.watch_weeks, max_calls=o.watch_max_calls,
                         created_date=o.watch_created_date, reserve_usd=o.watch_reserve_usd)
