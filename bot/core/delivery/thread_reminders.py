"""One gentle reminder, ever, in each paper thread left without a note for a few days.

A daily job (``bot.core.scheduler``) records the intent for every thread that is due (its card
posted at least ``[digest] reminder_days`` days ago, no live note, not closed by snooze or ✋,
never reminded) and then posts the recorded ones through ``bot.core.delivery.engine``, under
the channel's lock, like cards and version notes. Exactly once, across crashes and restarts:

- the intent row is keyed by the post, so no run can record a second reminder for a thread,
  whatever happens to the first;
- every try is counted before the platform call, and a reminder tried before is first looked
  for in its thread by the marker it carries (``ChatPort.find_thread_marker``): a crash after
  the platform took it and before the row was marked done finds it, instead of posting again;
- a reminder whose thread got a note or was closed before it went out is cancelled (after
  checking that an earlier try did not land), and stays cancelled.

Threads whose card is more than ``REMIND_GRACE`` past due are left alone: after an upgrade or
a long downtime the bot does not nudge weeks-old papers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from bot.core.delivery.engine import Delivery, DeliveryReport, post_once
from bot.core.delivery.message_json import from_json, to_json
from bot.messages import ThreadReminder
from bot.ports import ChatPort, ThreadRef
from bot.store.followup import FollowupStore, PaperThread, ReminderRecord

log = logging.getLogger(__name__)

REMIND_GRACE = timedelta(days=7)


def new_marker() -> str:
    """A fresh reminder marker, random and of fixed length like a header's, so no marker
    contains another."""
    return f"sw:remind:{uuid.uuid4().hex[:12]}"


class ThreadReminders:
    """Records due reminders and drives them to ``done``; a failing thread does not stop the
    others, and is tried again at the next run."""

    log = log
    noun = "thread reminder(s)"
    on_failure = "tried again at the next run"
    holds_channel: tuple[type[Exception], ...] = ()
    table = "posts"  # a reminder claims its card's row: a done post has no other work

    def __init__(self, store: FollowupStore, delivery: Delivery, days: int) -> None:
        if days < 0:
            raise ValueError("reminder days must be 0 (off) or more")
        self.store = store
        self.delivery = delivery
        self.days = days

    async def run(self) -> DeliveryReport:
        """Record every due reminder, then post every recorded one (also those an earlier run
        left pending). With ``days`` 0 reminders are off: nothing is recorded, and what an
        earlier run recorded is left as it is."""
        if self.days == 0:
            return DeliveryReport()
        now = self.delivery.clock()
        due_at = now - timedelta(days=self.days)
        for thread in await self.store.due_reminders(due_at, due_at - REMIND_GRACE):
            marker = new_marker()
            await self.store.record_reminder(
                thread.post_id, marker, to_json(reminder_for(thread, now, marker)), now)
        return await self.delivery.flush(self, await self.store.pending_reminders())

    def row_id(self, rec: ReminderRecord) -> int:
        return rec.post_id

    def label(self, rec: ReminderRecord) -> str:
        return f"reminder {rec.marker} in {rec.platform}:{rec.channel_id}"

    async def steps(self, port: ChatPort, rec: ReminderRecord) -> None:
        fresh = await self.store.pending_reminders(rec.post_id)  # another run may have done it
        if not fresh:
            return
        rem, clock = fresh[0], self.delivery.clock
        thread = ThreadRef(rem.platform, rem.channel_id, rem.thread_root_id)
        if rem.settled:  # a note or a closure came first: post nothing, unless a try landed
            landed = await port.find_thread_marker(thread, rem.marker) if rem.attempts else None
            if landed is not None:
                await self.store.finish_reminder(rem.post_id, landed.message_id, clock())
            else:
                await self.store.cancel_reminder(rem.post_id, clock())
            return
        message = from_json(ThreadReminder, rem.reminder)
        ref = await post_once(
            port, rem.channel_id, message, thread=thread, tried=rem.attempts > 0,
            look=lambda: port.find_thread_marker(thread, rem.marker),
            bump=lambda: self.store.bump_reminder(rem.post_id, clock()),
        )
        await self.store.finish_reminder(rem.post_id, ref.message_id, clock())


def reminder_for(thread: PaperThread, now: datetime, marker: str) -> ThreadReminder:
    """The reminder a thread gets: its matched members mentioned once each, and how many
    whole days its card has waited."""
    days = max(1, (now - thread.opened_at).days)
    return ThreadReminder(tuple(dict.fromkeys(thread.member_ids)), days, marker)
