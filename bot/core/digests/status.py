"""``/scoop status``: is the bot healthy, and when is this channel's next digest?

Answers from the run log and the store only (no network), so it works while a source is down
and says exactly which one is, and whether the platform refuses this channel (and the fix).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.digests.schedule_spec import next_digest, spec_from_stored
from bot.errors import readable
from bot.messages import Line, Text, blocks_of, counted
from bot.ports import CommandResult
from bot.store.channel_attention import AttentionRecord
from bot.store.counts import WorkspaceCounts
from bot.store.runs import Run, RunStore
from bot.store.subscriptions import Subscription

SOURCE_NAMES = {
    "arxiv": "arXiv feed",
    "arxiv-oai": "arXiv OAI-PMH (missed-day recovery)",
    "arxiv-html": "arXiv HTML author blocks",
    "openalex": "OpenAlex",
    "openalex-watch": "OpenAlex institution watch",
}
WATCH_KIND, WATCH_SOURCE = "enrich", "openalex-watch"  # bot.core.ingest.institution_watch


def when(moment: datetime | None, tz: ZoneInfo) -> str:
    """``Mon 2026-11-23 09:00 CET`` in the channel's zone, or ``never``."""
    if moment is None:
        return "never"
    local = moment.astimezone(tz)
    return local.strftime("%a %Y-%m-%d %H:%M ") + (local.tzname() or str(tz))


def describe_run(run: Run, tz: ZoneInfo) -> str:
    """One run in a line: outcome, what it was for, counts, reason."""
    at = when(run.finished_at or run.started_at, tz)
    parts = [f"{run.outcome or 'running'} at {at}"]
    if run.day:
        parts.append(f"for the announcement of {run.day}")
    counts = run.detail.get("counts")
    if isinstance(counts, dict) and counts:
        parts.append(", ".join(f"{v} {k}" for k, v in counts.items()))
    reason = run.detail.get("reason")
    if reason and not run.ok:
        parts.append(readable(str(reason)))
    return "; ".join(parts)


async def build_status(
    *,
    counts: WorkspaceCounts,
    runs: RunStore,
    subscription: Subscription | None,
    now: datetime,
    default_timezone: str,
    attention: AttentionRecord | None = None,
    watch: bool = False,
    open_threads: Sequence[Line] = (),
) -> CommandResult:
    """The status reply for one channel; ``watch``: the OpenAlex institution watch is on;
    ``open_threads``: the channel's paper threads still waiting for a note."""
    tz = ZoneInfo(subscription.timezone if subscription else default_timezone)
    lines: list[str] = []
    if attention is not None:
        lines.append(
            f"NEEDS ATTENTION: the bot cannot post here since {when(attention.since, tz)}: "
            f"{attention.reason.description}. Fix: {attention.fix} Queued posts go out with "
            "the next digest here once that is done (/scoop digest now).")
    fetch = await runs.latest("fetch")
    lines.append(
        "Last fetch: " + (describe_run(fetch, tz) if fetch else "none yet (it runs nightly "
                          "after arXiv's 20:00 US-Eastern announcement)")
    )
    watch_text = await watch_line(runs, tz, watch)
    if watch_text:
        lines.append(watch_text)
    if subscription is None:
        lines.append("Next digest here: not subscribed (use /scoop subscribe)")
    else:
        spec = spec_from_stored(subscription.days, subscription.time, subscription.timezone,
                                subscription.mode)
        nxt = when(next_digest(subscription, now), tz)
        lines.append(f"Next digest here: {nxt} ({spec.describe()})")
        lines.append(f"Last digest here: {when(subscription.last_digest_at, tz)}")
    lines.append(f"Counts: {counted(counts.papers, 'paper')}, "
                 f"{counted(counts.active_topics, 'active topic')}, "
                 f"{counted(counts.notes, 'note')}, {counted(counts.posted, 'paper')} posted")
    health = await source_health(runs, tz)
    lines.append("Source health: " + ("; ".join(health) if health else "no runs yet"))
    return CommandResult(messages=(Text([*blocks_of("\n".join(lines)), *open_threads],
                                        title="scoopwatch status"),))


async def source_health(runs: RunStore, tz: ZoneInfo) -> list[str]:
    """Per source: last success and last failure (with its reason when it is the newest)."""
    out: list[str] = []
    for kind, source in await runs.sources():
        good = await runs.latest(kind, source, ok=True)
        bad = await runs.latest(kind, source, ok=False)
        name = f"{SOURCE_NAMES.get(source, source or kind)} ({kind})"
        text = f"{name}: last ok {when(good.finished_at if good else None, tz)}"
        if bad is not None:
            text += f", last failure {when(bad.finished_at, tz)}"
            if good is None or bad.id > good.id:
                reason = bad.detail.get("reason") or bad.outcome or "failed"
                text += f" - FAILING: {readable(str(reason))}"
        out.append(text)
    return out


async def watch_line(runs: RunStore, tz: ZoneInfo, enabled: bool) -> str | None:
    """The OpenAlex institution watch in a line: what its last run found, and whether it was
    cut short (call cap, HTTP 429, the key's allowance) or failed; None when it is off and
    never ran."""
    last = await runs.latest(WATCH_KIND, WATCH_SOURCE)
    name = ("OpenAlex institution watch (journal and proceedings papers from the watched labs, "
            "nightly after the arXiv fetch)")
    if last is None:
        return f"{name}: on, no run yet" if enabled else None
    text = f"{name}: {describe_run(last, tz)}"
    reason = last.detail.get("reason")
    if last.ok and last.outcome == "cut short" and reason:
        text += f"; CUT SHORT: {reason}"
    if last.detail.get("created_refused"):
        text += ("; this OpenAlex key may not filter by creation date (a paid-plan filter), "
                 "so works are asked for by publication date")
    if not enabled:
        text += " (now turned off: [openalex] watch = false)"
    return text
