"""Follow-through on paper threads, on a real database file with a fake chat platform and a
fake clock: one reminder per quiet thread after ``reminder_days`` (never a second, across
crashes and restarts), snooze / ✋ / a note before the deadline prevent it, and the digest
header lists exactly the threads still open from the last 14 days."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Bot,
    Crash,
    FakeClock,
    FakePlatform,
    FakePort,
    Fault,
    Flaky,
    add_topic,
    build_bot,
    paper,
)

from bot.app import build_digest_side
from bot.config import build_config
from bot.core.delivery.engine import DeliveryReport
from bot.core.delivery.thread_reminders import REMIND_GRACE, ThreadReminders
from bot.core.facade import Core
from bot.core.followup.threads import HEADER_LINKS, OPEN_DAYS
from bot.core.scheduler import REMIND_JOB, Scheduler
from bot.errors import ConfigError
from bot.messages import DigestHeader, Text, ThreadReminder
from bot.ports import (
    Actor,
    CommandEvent,
    PostRef,
    Reaction,
    ThreadRef,
    ThreadReply,
    ThreadReplyDeleted,
)
from bot.store.db import Database
from bot.store.posts import PostRecord
from bot.store.stores import Stores

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # Friday 09:00 Berlin
OPENAI = "OpenAI, San Francisco"
ANA, BEN = "U_ana", "U_ben"


@dataclass
class Lab:
    """One "process" over the database file, and the platform that outlives it."""

    path: Path
    state: FakePlatform
    clock: FakeClock
    bot: Bot
    core: Core
    stores: Stores

    def reminders(self, days: int = 3) -> ThreadReminders:
        return ThreadReminders(self.stores.followup, self.bot.service.delivery, days)

    def in_thread(self, post: PostRecord) -> list[ThreadReminder]:
        assert post.thread_root_id is not None
        return [p.message for p in self.state.in_thread(post.thread_root_id)
                if isinstance(p.message, ThreadReminder)]

    def all_reminders(self) -> list[ThreadReminder]:
        return [p.message for p in self.state.messages if isinstance(p.message, ThreadReminder)]


async def open_lab(path: Path, state: FakePlatform, clock: FakeClock,
                   faults: Sequence[Fault] = ()) -> Lab:
    """Start a "process" on ``path``: new objects, the same platform and clock."""
    db = await Database.open(path)
    port = FakePort(state, faults)
    bot = build_bot(db, port, clock)
    stores = Stores.on(db)
    core = Core(stores, digest=bot.service, clock=clock)
    core.register_port(port)
    return Lab(path, state, clock, bot, core, stores)


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    state, clock = FakePlatform(), FakeClock(T0)
    first = await open_lab(tmp_path / "bot.db", state, clock)
    await add_topic(first.bot, ANA, "diffusion", "diffusion")
    await add_topic(first.bot, ANA, "diffusion-again", "diffusion")  # Ana matches twice
    await add_topic(first.bot, BEN, "diffusion", "diffusion")
    yield first
    await first.bot.db.close()  # tests that restart leave their last "process" here


async def restart(lab: Lab, faults: Sequence[Fault] = (), *, into: Lab | None = None) -> Lab:
    """Kill ``lab``'s "process" and start a new one on the same file; ``into`` (the
    fixture's lab) takes the new one's objects, so the fixture closes the last database."""
    await lab.bot.db.close()
    new = await open_lab(lab.path, lab.state, lab.clock, faults)
    if into is not None:
        into.bot, into.core, into.stores = new.bot, new.core, new.stores
    return new


async def post_paper(lab: Lab, key: str, at: datetime, channel: str = CHANNEL) -> PostRecord:
    """At ``at``, a digest posts one new industry paper (announced the day before)."""
    lab.clock.now = at
    day = at.date() - timedelta(days=1)
    await lab.bot.papers.upsert_papers([
        paper(key, f"Diffusion study {key}", affiliations=[OPENAI], announced=day)])
    result = await lab.bot.service.digest_now(PLATFORM, WORKSPACE, channel, since=day)
    assert result.ok, result
    return await post_of(lab, key, channel)


async def post_of(lab: Lab, key: str, channel: str = CHANNEL) -> PostRecord:
    rows = await lab.bot.db.conn.execute_fetchall(
        "SELECT id FROM posts WHERE paper_key = ? AND channel_id = ?", (key, channel))
    found = await lab.stores.posts.get(int(next(iter(rows))[0]))
    assert found is not None and found.state == "done"
    return found


def thread_of(post: PostRecord) -> ThreadRef:
    assert post.thread_root_id is not None
    return ThreadRef(PLATFORM, post.channel_id, post.thread_root_id)


async def snooze(lab: Lab, post: PostRecord | None, member: str = BEN) -> str:
    event = CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor(member, member), "snooze",
                         thread_of(post) if post else None)
    result = await lab.core.handle_command(event)
    [message] = result.messages
    assert isinstance(message, Text)
    return message.body


async def react(lab: Lab, post: PostRecord, emoji: str = "hand", member: str = BEN,
                message_id: str | None = None) -> bool:
    assert post.card_message_id is not None
    ref = PostRef(PLATFORM, CHANNEL, message_id or post.card_message_id)
    return await lab.core.handle_reaction(
        Reaction(PLATFORM, WORKSPACE, ref, Actor(member, member), emoji, lab.clock()))


async def note(lab: Lab, post: PostRecord, text: str = "Ours is offline RL.",
               message_id: str = "r1") -> bool:
    return await lab.core.handle_thread_reply(ThreadReply(
        PLATFORM, WORKSPACE, thread_of(post), message_id, Actor(ANA, "ana"), text, lab.clock()))


# --- reminders --------------------------------------------------------------------------------


async def test_one_reminder_once_the_days_have_passed_mentioning_each_member_once(
        lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=2, hours=23)
    assert (await lab.reminders().run()).done == 0
    assert lab.all_reminders() == []

    lab.clock.now = T0 + timedelta(days=3)
    report = await lab.reminders().run()
    assert report.done == 1
    [reminder] = lab.in_thread(post)
    assert reminder.mentions == (ANA, BEN)  # Ana matched with two topics: mentioned once
    assert reminder.days == 3 and reminder.marker and reminder.marker.startswith("sw:remind:")
    assert "3 days" in reminder.text and "<@" not in reminder.text

    for later in (1, 5, 30):  # no second reminder, ever
        lab.clock.now = T0 + timedelta(days=3 + later)
        assert (await lab.reminders().run()).done == 0
    assert len(lab.all_reminders()) == 1
    assert await lab.stores.followup.reminder_state(post.id) == "done"


async def test_reminders_zero_days_turns_them_off(lab: Lab) -> None:
    await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=5)
    assert await lab.reminders(days=0).run() == DeliveryReport()
    assert lab.all_reminders() == []
    with pytest.raises(ValueError):
        lab.reminders(days=-1)


async def test_a_thread_long_past_due_is_not_nudged(lab: Lab) -> None:
    """After an upgrade or a long downtime, weeks-old threads are left alone."""
    await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=3) + REMIND_GRACE + timedelta(minutes=1)
    assert (await lab.reminders().run()).done == 0
    assert lab.all_reminders() == []


@pytest.mark.parametrize("when", ["before", "after"])
async def test_exactly_once_across_a_crash_and_a_restart(lab: Lab, when: str) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=3)
    dying = await restart(lab, [Fault("reminder", when)], into=lab)
    with pytest.raises(Crash):  # killed before the platform took it, or after, unrecorded
        await dying.reminders().run()
    assert len(dying.in_thread(post)) == (1 if when == "after" else 0)

    lab.clock.now += timedelta(hours=1)
    again = await restart(dying, into=lab)
    report = await again.reminders().run()
    assert report.done == 1 and report.failed == 0
    assert len(again.in_thread(post)) == 1
    assert await again.stores.followup.reminder_state(post.id) == "done"
    await again.reminders().run()  # and the next day's run has nothing to do
    assert len(again.all_reminders()) == 1


async def test_a_platform_error_is_tried_again_at_the_next_run(lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=3)
    flaky = await restart(lab, [Fault("reminder", "before", exc=Flaky)], into=lab)
    assert (await flaky.reminders().run()).failed == 1
    assert flaky.in_thread(post) == []
    lab.clock.now += timedelta(days=1)
    assert (await flaky.reminders().run()).done == 1
    assert len(flaky.in_thread(post)) == 1


@pytest.mark.parametrize("how", ["snooze", "hand", "raised_hand", "note"])
async def test_closing_or_a_note_before_the_deadline_prevents_the_reminder(
        lab: Lab, how: str) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    other = await post_paper(lab, "2611.00002", T0 + timedelta(minutes=1))
    lab.clock.now = T0 + timedelta(days=2)
    if how == "snooze":
        assert (await snooze(lab, post)).startswith("Closed as not a concern")
    elif how == "note":
        assert await note(lab, post)
    else:
        assert await react(lab, post, how)
    lab.clock.now = T0 + timedelta(days=3, minutes=5)
    await lab.reminders().run()
    assert lab.in_thread(post) == []
    assert len(lab.in_thread(other)) == 1  # the other thread is still reminded


async def test_a_note_after_the_intent_and_before_the_post_cancels_it(lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=3)
    dying = await restart(lab, [Fault("reminder", "before")], into=lab)
    with pytest.raises(Crash):
        await dying.reminders().run()
    assert await note(dying, post)
    again = await restart(dying, into=lab)
    await again.reminders().run()
    assert again.all_reminders() == []
    assert await again.stores.followup.reminder_state(post.id) == "cancelled"
    lab.clock.now += timedelta(days=2)
    await again.reminders().run()
    assert again.all_reminders() == []  # cancelled stays cancelled


async def test_a_closed_thread_whose_reminder_landed_before_a_crash_keeps_it_recorded(
        lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    lab.clock.now = T0 + timedelta(days=3)
    dying = await restart(lab, [Fault("reminder", "after")], into=lab)
    with pytest.raises(Crash):
        await dying.reminders().run()
    assert await react(dying, post)
    again = await restart(dying, into=lab)
    await again.reminders().run()
    assert len(again.all_reminders()) == 1  # it went out; found, not posted again
    assert await again.stores.followup.reminder_state(post.id) == "done"


# --- closing ----------------------------------------------------------------------------------


async def test_snooze_answers(lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    assert "not run in one" in await snooze(lab, None)
    stray = CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor(BEN, BEN), "snooze",
                         ThreadRef(PLATFORM, CHANNEL, "not-a-card"))
    result = await lab.core.handle_command(stray)
    assert not result.ok and "not one of the bot's paper threads" in str(result.messages[0])
    assert (await snooze(lab, post)).startswith("Closed as not a concern")
    assert (await snooze(lab, post, ANA)) == "This thread was closed already on 2026-11-20."
    closed = await lab.stores.followup.closure(post.id)
    assert closed is not None and (closed.member_id, closed.via) == (BEN, "snooze")

    noted = await post_paper(lab, "2611.00002", T0 + timedelta(hours=1))
    assert await note(lab, noted)
    assert "has a note already" in await snooze(lab, noted)
    assert await lab.stores.followup.closure(noted.id) is None


async def test_only_a_hand_on_the_card_closes_the_thread(lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    assert post.prompt_message_id is not None
    await react(lab, post, "hand", message_id=post.prompt_message_id)  # feedback, no more
    assert await react(lab, post, "eyes")  # kept as feedback, closes nothing
    assert await lab.stores.followup.closure(post.id) is None
    assert await react(lab, post, "hand")
    assert await react(lab, post, "hand", member=ANA)  # closed already: feedback only
    closed = await lab.stores.followup.closure(post.id)
    assert closed is not None and (closed.member_id, closed.via) == (BEN, "reaction")
    bot = Reaction(PLATFORM, WORKSPACE, PostRef(PLATFORM, CHANNEL, "x"), Actor("B", "b", True),
                   "hand", T0)
    assert not await lab.core.followup.close_by_reaction(bot)


# --- the digest header ------------------------------------------------------------------------


def last_header(lab: Lab, channel: str = CHANNEL) -> DigestHeader:
    return lab.state.headers(channel)[-1]


async def test_the_header_lists_exactly_the_open_threads_of_the_last_14_days(lab: Lab) -> None:
    day = timedelta(days=1)
    now = T0 + 20 * day
    too_old = await post_paper(lab, "2611.00001", now - 15 * day)
    edge = await post_paper(lab, "2611.00002", now - OPEN_DAYS * day)  # exactly 14 days
    open_1 = await post_paper(lab, "2611.00003", now - 13 * day)
    noted = await post_paper(lab, "2611.00004", now - 10 * day)
    unnoted = await post_paper(lab, "2611.00005", now - 9 * day)
    snoozed = await post_paper(lab, "2611.00006", now - 8 * day)
    handed = await post_paper(lab, "2611.00007", now - 7 * day)
    reminded = await post_paper(lab, "2611.00008", now - 4 * day)
    elsewhere = await post_paper(lab, "2611.00009", now - 3 * day, channel="C2")
    assert await note(lab, noted, message_id="n1")
    assert await note(lab, unnoted, message_id="n2")
    await lab.core.handle_reply_deleted(_deleted(unnoted, "n2"))  # a deleted note: open again
    await snooze(lab, snoozed)
    await react(lab, handed)
    lab.clock.now = now - day
    await lab.reminders().run()  # a reminder does not close a thread
    assert len(lab.in_thread(reminded)) == 1
    assert too_old.thread_root_id and elsewhere.thread_root_id

    await post_paper(lab, "2611.00010", now)  # today's digest, with its own new paper
    header = last_header(lab)
    expected = [edge, open_1, unnoted, reminded]
    assert [t.root_message_id for t in header.open_threads] == [
        p.thread_root_id for p in expected]
    assert header.open_total == 4 and header.open_rest is None
    assert header.open_summary == ("4 paper threads are still open from the last 14 days "
                                   "(no note yet):")
    first = header.open_threads[0]
    assert (first.title, first.opened, first.workspace, first.channel_id) == (
        "Diffusion study 2611.00002", (now - OPEN_DAYS * day).date(), WORKSPACE, CHANNEL)

    status = await lab.core.handle_command(
        CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor(ANA, "ana"), "status"))
    text = str(status.messages[0].body if isinstance(status.messages[0], Text) else "")
    # Status, after the digest, also counts the thread that digest just opened.
    assert "Open paper threads here (last 14 days, no note yet): 5, oldest first:" in text
    assert "Diffusion study 2611.00005 (posted 2026-12-01)" in text
    assert "Diffusion study 2611.00010 (posted 2026-12-10)" in text
    assert "2611.00004" not in text and "2611.00001" not in text


async def test_many_open_threads_link_the_oldest_few_and_count_the_rest(lab: Lab) -> None:
    for n in range(12):
        await post_paper(lab, f"2611.{n:05d}", T0 + timedelta(hours=n))
    await post_paper(lab, "2611.00099", T0 + timedelta(days=1))
    header = last_header(lab)
    assert header.open_total == 12 and len(header.open_threads) == HEADER_LINKS
    assert [t.title for t in header.open_threads] == [
        f"Diffusion study 2611.{n:05d}" for n in range(HEADER_LINKS)]
    assert header.open_rest == "… and 7 more: /scoop status lists them"


async def test_a_quiet_first_digest_has_no_open_threads_line(lab: Lab) -> None:
    result = await lab.bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert result.ok
    header = last_header(lab)
    assert header.open_total == 0 and header.open_summary is None


def _deleted(post: PostRecord, message_id: str) -> ThreadReplyDeleted:
    return ThreadReplyDeleted(PLATFORM, WORKSPACE, thread_of(post), message_id, T0)


# --- the daily job and its configuration ------------------------------------------------------


async def test_the_daily_job_reminds_in_the_lab_morning(lab: Lab) -> None:
    post = await post_paper(lab, "2611.00001", T0)
    sched = Scheduler(lab.bot.service, clock=lab.clock, reminders=lab.reminders().run,
                      remind_timezone="Europe/Berlin")
    try:
        await sched.start(now=lab.clock.now)
        job = sched.aps.get_job(REMIND_JOB)
        assert job is not None and str(job.trigger) == "cron[hour='10', minute='0']"
        assert str(job.trigger.timezone) == "Europe/Berlin"
        lab.clock.now = T0 + timedelta(days=3)
        await job.func()
        await job.func()
        assert len(lab.in_thread(post)) == 1
    finally:
        sched.shutdown()
    assert Scheduler(lab.bot.service).reminders is None


async def test_a_failing_reminder_run_is_logged_not_raised(
        lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> None:
        raise OSError("disk I/O error")

    sched = Scheduler(lab.bot.service, clock=lab.clock, reminders=broken)
    await sched._remind_job()
    assert "posting thread reminders failed" in caplog.text


async def test_reminder_days_is_configured_under_digest(lab: Lab) -> None:
    assert build_config({}, env={}).digest.reminder_days == 3
    assert build_config({"digest": {"reminder_days": 0}}, env={}).digest.reminder_days == 0
    with pytest.raises(ConfigError, match="reminder_days"):
        build_config({"digest": {"reminder_days": -1}}, env={})
    config = build_config({"digest": {"reminder_days": 5}, "bot": {"timezone": "Asia/Tokyo"}},
                          env={})
    _service, _pipeline, sched = build_digest_side(config, lab.stores)
    assert sched.reminders is not None and str(sched.remind_zone) == "Asia/Tokyo"
    job = sched.reminders.__self__  # type: ignore[attr-defined]
    assert isinstance(job, ThreadReminders) and job.days == 5
