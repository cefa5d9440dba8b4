"""SlackPort against the fake Web API: cards, threads, reactions, uploads, pacing and 429s."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_fake_api import BOT_TOKEN, FakeSlack
from slack_helpers import FastSleep, make_card
from slack_sdk.errors import SlackApiError

from adapters.slack.app import build_web_client
from adapters.slack.errors import error_code
from adapters.slack.pacing import ChannelPacer
from adapters.slack.port import SlackPort
from bot.errors import ChannelProblem, ChannelUnavailable
from bot.messages import DigestHeader, File, Text, ThreadPrompt
from bot.ports import PostRef, ThreadRef

SINCE = datetime(2024, 11, 28, 13, 0, tzinfo=UTC)  # before every ts the fake hands out


def make_port(fake: FakeSlack, sleep: FastSleep, pacer: ChannelPacer | None = None
              ) -> SlackPort:
    client = build_web_client(BOT_TOKEN, fake.api_url, sleep=sleep)
    return SlackPort(client, pacer or ChannelPacer(1.0, sleep=sleep))


@pytest.fixture
def port(fake: FakeSlack, sleep: FastSleep) -> SlackPort:
    return make_port(fake, sleep)


async def test_card_then_prompt_in_its_thread(fake: FakeSlack, port: SlackPort) -> None:
    ref = await port.post("C0DIGEST1", make_card())
    thread = await port.open_thread(ref, "Diffusion planners")
    assert thread == ThreadRef("slack", "C0DIGEST1", ref.message_id)
    prompt = await port.post(thread.channel_id, ThreadPrompt(
        "How does our work differ?", ("U0ANA0001",), ("diffusion-planning",)), thread)
    posts = fake.calls_of("chat.postMessage")
    assert [c.args.get("thread_ts") for c in posts] == [None, ref.message_id]
    assert posts[0].args["unfurl_links"] is False and posts[0].args["link_names"] is False
    assert posts[1].args["blocks"][0]["text"]["text"].startswith("<@U0ANA0001> *How does")
    assert prompt.message_id != ref.message_id


async def test_react_tolerates_already_reacted(fake: FakeSlack, port: SlackPort) -> None:
    ref = PostRef("slack", "C0DIGEST1", "1732800000.000001")
    await port.react(ref, "white_check_mark")
    await port.react(ref, ":white_check_mark:")
    assert fake.reactions == [("C0DIGEST1", "1732800000.000001", "white_check_mark")]


async def test_upload_goes_through_files_upload_v2(fake: FakeSlack, port: SlackPort) -> None:
    file = File("notes.md", b"# Notes\n- <!channel> ours differs\n", "text/markdown",
                "Differentiation notes", comment="Export of <everything>")
    ref = await port.upload("C0DIGEST1", file, ThreadRef("slack", "C0DIGEST1", "1.2"))
    [upload] = fake.uploads.values()
    assert upload["content"] == file.content and upload["filename"] == "notes.md"
    assert upload["thread_ts"] == "1.2" and upload["channel"] == "C0DIGEST1"
    assert upload["initial_comment"] == "Export of &lt;everything&gt;"
    assert ref.message_id.startswith("F")
    methods = [c.method for c in fake.calls]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_find_marker_and_bot_reply(fake: FakeSlack, port: SlackPort) -> None:
    ref = await port.post("C0DIGEST1", make_card())
    fake.human_message("C0DIGEST1", "U0ANA0001", "talking about sw:2411.01234 too")
    assert await port.find_marker("C0DIGEST1", "sw:2411.01234", SINCE) == ref
    assert await port.find_marker("C0DIGEST1", "sw:9999.99999", SINCE) is None
    thread = await port.open_thread(ref, "x")
    fake.human_message("C0DIGEST1", "U0ANA0001", "first!", thread_ts=ref.message_id)
    assert await port.find_bot_reply(thread) is None
    prompt = await port.post(thread.channel_id, Text("How does our work differ?"), thread)
    assert await port.find_bot_reply(thread) == prompt


async def test_find_marker_finds_a_digest_header(fake: FakeSlack, port: SlackPort) -> None:
    header = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 935, 0, 0,
                          quiet_reason="no overlap", marker="sw:digest:0123456789ab")
    ref = await port.post("C0DIGEST1", header)
    await port.post("C0DIGEST1", make_card())
    assert await port.find_marker("C0DIGEST1", "sw:digest:0123456789ab", SINCE) == ref
    assert await port.find_marker("C0DIGEST1", "sw:digest:ba9876543210", SINCE) is None


async def test_find_marker_matches_a_marker_whole_and_in_its_place(fake: FakeSlack,
                                                                    port: SlackPort) -> None:
    """``sw:jsonl:p-1`` is neither inside ``[sw:jsonl:p-10]`` nor a card title that quotes
    it: only the marker the renderer put last in the text counts."""
    p10 = await port.post("C0DIGEST1", make_card(paper_key="jsonl:p-10", marker="sw:jsonl:p-10"))
    quoting = await port.post("C0DIGEST1", make_card(
        paper_key="jsonl:p-2", title="A reply to [sw:jsonl:p-1]", marker="sw:jsonl:p-2"))
    assert await port.find_marker("C0DIGEST1", "sw:jsonl:p-1", SINCE) is None
    assert await port.find_marker("C0DIGEST1", "sw:jsonl:p-10", SINCE) == p10
    assert await port.find_marker("C0DIGEST1", "sw:jsonl:p-2", SINCE) == quoting
    p1 = await port.post("C0DIGEST1", make_card(paper_key="jsonl:p-1", marker="sw:jsonl:p-1"))
    assert await port.find_marker("C0DIGEST1", "sw:jsonl:p-1", SINCE) == p1


async def test_transient_errors_surface(fake: FakeSlack, port: SlackPort) -> None:
    fake.fail_next("chat.postMessage", 503, "upstream connect error")
    with pytest.raises(SlackApiError):
        await port.post("C0DIGEST1", Text("hi"))


@pytest.mark.parametrize(("code", "reason", "fix"), [
    ("not_in_channel", ChannelProblem.NOT_IN_CHANNEL, "/invite @scoopwatch"),
    ("channel_not_found", ChannelProblem.CHANNEL_NOT_FOUND, "/invite @scoopwatch"),
    ("is_archived", ChannelProblem.ARCHIVED, "Unarchive"),
    ("restricted_action", ChannelProblem.MISSING_PERMISSION, "admin"),
])
async def test_refusals_only_a_person_can_fix_are_channel_unavailable(
        fake: FakeSlack, port: SlackPort, code: str, reason: ChannelProblem, fix: str) -> None:
    await port.identity()  # the bot's handle, for the /invite hint
    fake.channel_errors["C0GONE001"] = code
    calls = (port.post("C0GONE001", make_card()),
             port.post("C0GONE001", Text("x"), ThreadRef("slack", "C0GONE001", "1.2")),
             port.upload("C0GONE001", File("n.md", b"x", "text/markdown", "Notes")),
             port.find_marker("C0GONE001", "sw:1", SINCE),
             port.find_bot_reply(ThreadRef("slack", "C0GONE001", "1.2")))
    for call in calls:
        with pytest.raises(ChannelUnavailable) as caught:
            await call
        assert caught.value.reason is reason and fix in caught.value.fix
        assert code not in str(caught.value)  # Slack's code is for the log only


async def test_missing_scope_names_the_scope(fake: FakeSlack, port: SlackPort) -> None:
    async def refuse(args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": False, "error": "missing_scope", "needed": "chat:write",
                "provided": "commands"}

    fake._m_chat_postMessage = refuse  # type: ignore[method-assign]
    with pytest.raises(ChannelUnavailable) as caught:
        await port.post("C0DIGEST1", Text("hi"))
    assert caught.value.reason is ChannelProblem.MISSING_PERMISSION
    assert "chat:write" in caught.value.fix


@pytest.mark.parametrize(("status", "content_type", "body"), [
    (503, "text/plain", "upstream connect error or disconnect/reset before headers"),
    (502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    (500, "application/json", "<html>Internal Server Error</html>"),
])
async def test_error_pages_are_read_safely(fake: FakeSlack, port: SlackPort, status: int,
                                           content_type: str, body: str) -> None:
    """A 5xx page is a transient SlackApiError whose code can be read, never an
    AttributeError raised while handling it (react reads the code to skip already_reacted)."""
    fake.fail_next("reactions.add", status, body, content_type)
    with pytest.raises(SlackApiError) as caught:
        await port.react(PostRef("slack", "C0DIGEST1", "1.2"), "white_check_mark")
    assert error_code(caught.value) == f"http {status}"


async def test_find_marker_pages_back_to_the_intent(fake: FakeSlack, port: SlackPort) -> None:
    """A busy channel: 450 messages after the card, three pages of history."""
    ref = await port.post("C0DIGEST1", make_card())
    for i in range(450):
        fake.human_message("C0DIGEST1", "U0ANA0001", f"chatter {i}")
    assert await port.find_marker("C0DIGEST1", "sw:2411.01234", SINCE) == ref
    pages = fake.calls_of("conversations.history")
    assert len(pages) == 3 and [bool(p.args.get("cursor")) for p in pages] == [
        False, True, True]
    assert {p.args["oldest"] for p in pages} == {f"{SINCE.timestamp():.6f}"}


async def test_find_marker_stops_at_since(fake: FakeSlack, port: SlackPort) -> None:
    """Nothing posted before the intent is looked at (or found)."""
    await port.post("C0DIGEST1", make_card())
    later = datetime.fromtimestamp(float(fake.new_ts()), UTC)
    for i in range(250):
        fake.human_message("C0DIGEST1", "U0ANA0001", f"chatter {i}")
    assert await port.find_marker("C0DIGEST1", "sw:2411.01234", later) is None
    assert len(fake.calls_of("conversations.history")) == 2


async def test_pacing_spaces_posts_per_channel_only() -> None:
    now = [0.0]
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pacer = ChannelPacer(1.0, clock=lambda: now[0], sleep=sleep)
    sent: list[tuple[str, float]] = []
    for _ in range(3):
        async with pacer.slot("C1"):
            sent.append(("C1", now[0]))
    async with pacer.slot("C2"):
        sent.append(("C2", now[0]))
    assert sent == [("C1", 0.0), ("C1", 1.0), ("C1", 2.0), ("C2", 2.0)]
    assert sleeps == [1.0, 1.0]


async def test_rate_limited_post_waits_retry_after_and_posts_once(
        fake: FakeSlack, port: SlackPort, sleep: FastSleep) -> None:
    fake.rate_limit("chat.postMessage", times=2, retry_after=7)
    ref = await port.post("C0DIGEST1", make_card())
    assert sleep.calls.count(7.0) == 2
    assert len(fake.calls_of("chat.postMessage", ok_only=False)) == 3
    assert [m["ts"] for m in fake.posted("C0DIGEST1")] == [ref.message_id]


async def test_digest_of_10_cards_to_20_channels_with_429s(
        fake: FakeSlack, sleep: FastSleep) -> None:
    """What the outbox does per card (post, open_thread, prompt), for 20 channels at once."""
    fake.rate_limit_every("chat.postMessage", 7, retry_after=2)
    port = make_port(fake, sleep)
    channels = [f"C{i:08d}" for i in range(20)]
    cards = [replace(make_card(), paper_key=f"2411.{i:05d}", marker=f"sw:2411.{i:05d}",
                     title=f"Paper {i}") for i in range(10)]

    async def digest(channel: str) -> list[tuple[str, str]]:
        out = []
        for c in cards:
            ref = await port.post(channel, c)
            thread = await port.open_thread(ref, c.title)
            prompt = await port.post(thread.channel_id, ThreadPrompt(
                "How does our work differ?", ("U0ANA0001",), ("diffusion-planning",)), thread)
            out.append((ref.message_id, prompt.message_id))
        return out

    results = await asyncio.gather(*(digest(ch) for ch in channels))
    assert any(c.status == 429 for c in fake.calls)
    assert 2.0 in sleep.calls  # the 429s were waited out...
    assert sum(0.5 < s <= 1.0 for s in sleep.calls) >= 20 * 19  # ...and each channel paced
    for channel, refs in zip(channels, results, strict=True):
        history = fake.posted(channel)
        top = [m for m in history if "thread_ts" not in m]
        replies = [m for m in history if "thread_ts" in m]
        assert [m["text"].split(" [")[0].split(" (")[0] for m in top] == \
            [f"Paper {i}" for i in range(10)]
        assert len(replies) == 10
        assert [m["thread_ts"] for m in replies] == [card_ts for card_ts, _ in refs]
        assert len({m["ts"] for m in history}) == 20


async def test_pacer_sleeps_between_posts_to_one_channel(
        fake: FakeSlack, sleep: FastSleep) -> None:
    port = make_port(fake, sleep, ChannelPacer(1.0, clock=lambda: 100.0, sleep=sleep))
    for i in range(3):
        await port.post("C0DIGEST1", Text(f"m{i}"))
    await port.post("C0OTHER01", Text("other"))
    assert sleep.calls == [1.0, 1.0]
