"""Translation of Slack payloads into core events, and what an event not kept gets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_helpers import FakeCore, MakeAdapter
from slack_payloads import (
    event_callback,
    message_changed,
    message_deleted,
    thread_reply,
)

from adapters.slack.events import command_text, parse_message, to_plain, ts_time
from adapters.slack.users import UserDirectory
from bot.core.commands.parser import parse, parse_member_ref
from bot.core.commands.spec import CommandError, MemberRef
from bot.ports import InboundEvent

ROOT, TS = "1732800000.000100", "1732801000.000200"


def test_thread_reply_and_broadcast_are_new_notes() -> None:
    change = parse_message(event_callback(thread_reply("U0ANA0001", "hi", TS, ROOT)))
    assert change is not None
    assert (change.kind, change.channel, change.thread_ts, change.ts, change.user) == \
        ("new", "C0DIGEST1", ROOT, TS, "U0ANA0001")
    assert change.at == datetime(2024, 11, 28, 13, 36, 40, 200, tzinfo=UTC)
    broadcast = {**thread_reply("U0ANA0001", "hi", TS, ROOT), "subtype": "thread_broadcast"}
    assert parse_message(event_callback(broadcast)) is not None


def test_non_replies_are_ignored() -> None:
    top = thread_reply("U0ANA0001", "hi", TS, ROOT)
    del top["thread_ts"]
    root = thread_reply("U0ANA0001", "hi", ROOT, ROOT)
    join = {**thread_reply("U0ANA0001", "joined", TS, ROOT), "subtype": "channel_join"}
    bot = {**thread_reply("U0ANA0001", "beep", TS, ROOT), "bot_id": "B1"}
    for event in (top, root, join, bot):
        assert parse_message(event_callback(event)) is None


def test_edits() -> None:
    edit = parse_message(event_callback(message_changed(
        "U0ANA0001", "new", "old", TS, ROOT, "1732802000.000000")))
    assert edit is not None and (edit.kind, edit.text, edit.ts) == ("edit", "new", TS)
    assert edit.at == ts_time("1732802000.000000")
    # Slack also "changes" the card when a reply arrives (reply_count): not a note edit.
    root_update = message_changed("UBOT0SW01", "card", "card", ROOT, ROOT, "1732802000.1")
    root_update["message"]["bot_id"] = "BBOT0SW01"
    assert parse_message(event_callback(root_update)) is None


def test_deletions() -> None:
    gone = parse_message(event_callback(message_deleted("U0ANA0001", "x", TS, ROOT,
                                                        "1732803000.000000")))
    assert gone is not None and (gone.kind, gone.ts, gone.thread_ts) == ("delete", TS, ROOT)
    bare = message_deleted("U0ANA0001", "x", TS, ROOT, "1732803000.000000")
    del bare["previous_message"]
    unknown = parse_message(event_callback(bare))
    assert unknown is not None and unknown.thread_ts is None  # the core looks it up by id
    top = message_deleted("U0ANA0001", "x", TS, TS, "1732803000.000000")
    assert parse_message(event_callback(top)) is None


class _Users(UserDirectory):
    def __init__(self) -> None:
        pass

    async def name(self, user_id: str, fallback: str | None = None) -> str:
        return {"U0ANA0001": "ana"}.get(user_id, user_id)


async def test_markup_becomes_readable_text() -> None:
    text = ("<@U0ANA0001> and <@U0BEN0002|ben> in <#C0GEN0001|general>: see "
            "<https://x.org/a?b=1&amp;c=2|the paper> or <https://y.org> &lt;3 "
            "<!here> <mailto:a@b.org|a@b.org> &amp;lt;")
    assert await to_plain(text, _Users()) == (
        "@ana and @ben in #general: see the paper (https://x.org/a?b=1&c=2) or "
        "https://y.org <3 @here a@b.org &lt;")


@pytest.mark.parametrize(("raw", "text"), [
    ("topic list <@U123|ana>", "topic list <@U123>"),
    ("topic list <@U123>", "topic list <@U123>"),
    ("notes <!subteam^S0DEVS|@devs>", "notes @devs"),
    ("preview a &amp; b &lt;c&gt;", "preview a & b <c>"),
])
def test_command_mentions_reach_the_core_in_its_own_notation(raw: str, text: str) -> None:
    assert command_text(raw) == text


def test_slack_member_mentions_name_the_member() -> None:
    assert parse_member_ref(command_text("<@U123|ana>")) == MemberRef(member_id="U123")


@pytest.mark.parametrize("raw", ["<!channel>", "<!here>", "<!here|here>", "<!everyone>"])
def test_slack_broadcasts_are_never_members(raw: str) -> None:
    with pytest.raises(CommandError, match="is not a member"):
        parse(command_text(f"topic list {raw}"))


class FlakyCore(FakeCore):
    """Cannot keep the first event, like a store that refused the insert."""

    async def receive(self, event: InboundEvent) -> bool:
        if not self.replies:
            self.replies.append(event)  # type: ignore[arg-type]
            raise RuntimeError("disk I/O error")
        return await super().receive(event)


async def test_an_event_not_kept_is_not_acknowledged_and_comes_again(
        make_adapter: MakeAdapter) -> None:
    """The listener's return is the acknowledgement: an event the core could not keep gets a
    500 (no ack), so Slack sends it again, and the redelivery is kept."""
    core = FlakyCore()
    adapter = await make_adapter(core, mode="socket", start=False)
    body = event_callback(thread_reply("U0ANA0001", "note", TS, ROOT))
    first = await adapter.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    assert first.status == 500 and len(core.replies) == 1
    retry: dict[str, str | Sequence[str]] = {"x-slack-retry-num": "1",
                                             "x-slack-retry-reason": "http_error"}
    again = await adapter.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode",
                                                              headers=retry))
    assert again.status == 200 and len(core.replies) == 2
