"""DiscordPort against the fake REST API, through discord.py's real HTTP client."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import discord
import pytest
from discord.utils import time_snowflake
from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore
from discord_payloads import ANA, BEN, CHANNEL, GUILD, guild_create, message

from adapters.discord.client import ScoopClient
from bot.errors import ChannelProblem, ChannelUnavailable
from bot.messages import (
    DigestHeader,
    File,
    LabBadge,
    MemberMatch,
    PaperCard,
    Text,
    ThreadPrompt,
)
from bot.ports import PostRef, ThreadRef

SINCE = datetime(2024, 11, 28, 14, 0, tzinfo=UTC)  # before every message in these tests
NO_PINGS = {"parse": [], "users": []}  # discord.py leaves replied_user out when False


def card(title: str = "EEG-DCNet: A Fast and Accurate MI-EEG Classification Method",
         marker: str = "sw:2411.17705") -> PaperCard:
    return PaperCard(
        paper_key="2411.17705", title=title, url="https://arxiv.org/abs/2411.17705",
        labs=(LabBadge("Google", "Google DeepMind", "@deepmind.com", "email"),),
        authors=("Wenhao Liu", "Hao Zhang"), et_al=True,
        matches=(MemberMatch(ANA, "eeg-decoding", ("EEG", "classification"), "Ana"),),
        categories=("eess.SP", "cs.AI"), announced=date(2024, 11, 28),
        abstract_opening="Brain-computer interfaces decode motor imagery from EEG.",
        marker=marker)


async def test_post_card_names_members_and_pings_nobody(client: ScoopClient,
                                                       fake: FakeDiscord) -> None:
    """The thread prompt pings the matched members; the card only names them."""
    ref = await client.port.post(CHANNEL, card())
    [call] = fake.calls_of("create_message")
    assert call.path == f"/api/v10/channels/{CHANNEL}/messages"
    assert call.json["allowed_mentions"] == NO_PINGS
    assert not call.json.get("content")
    [embed] = call.json["embeds"]
    assert {"name": "Topics", "value": "eeg-decoding (Ana): EEG, classification",
            "inline": False} in embed["fields"]
    assert embed["title"].startswith("EEG-DCNet") and embed["url"].endswith("2411.17705")
    assert embed["footer"]["text"] == "sw:2411.17705"
    assert ref == PostRef("discord", CHANNEL, fake.posted(CHANNEL)[0]["id"])


async def test_open_thread_then_again_returns_the_same_thread(client: ScoopClient,
                                                              fake: FakeDiscord) -> None:
    ref = await client.port.post(CHANNEL, card())
    thread = await client.port.open_thread(ref, "x" * 150)
    assert thread == ThreadRef("discord", CHANNEL, ref.message_id)
    [call] = fake.calls_of("start_thread")
    assert len(call.json["name"]) == 100 and call.json["name"].endswith("…")
    assert call.json["auto_archive_duration"] == 10080  # a week, not the channel's 24 hours
    again = await client.port.open_thread(ref, "x")  # 400 / 160004 from Discord
    assert again == thread
    assert [c.status for c in fake.calls_of("start_thread", ok_only=False)] == [201, 400]


async def test_prompt_goes_into_the_thread_channel(client: ScoopClient,
                                                   fake: FakeDiscord) -> None:
    ref = await client.port.post(CHANNEL, card())
    thread = await client.port.open_thread(ref, "EEG-DCNet")
    prompt = ThreadPrompt("How does our work differ?", (ANA, BEN), ("eeg-decoding",))
    posted = await client.port.post(thread.channel_id, prompt, thread)
    assert posted.channel_id == ref.message_id
    [msg] = [m for m in fake.posted(ref.message_id) if m["type"] == 0]
    assert msg["id"] == posted.message_id
    call = fake.calls_of("create_message")[-1]
    assert call.path == f"/api/v10/channels/{ref.message_id}/messages"
    assert sorted(call.json["allowed_mentions"]["users"]) == [int(ANA), int(BEN)]
    assert "**How does our work differ?**" in call.json["content"]
    assert await client.port.find_bot_reply(thread) == posted


async def test_find_bot_reply_before_any_prompt_and_without_thread(
        client: ScoopClient, fake: FakeDiscord) -> None:
    ref = await client.port.post(CHANNEL, card())
    assert await client.port.find_bot_reply(ThreadRef("discord", CHANNEL, ref.message_id)) \
        is None  # 404 Unknown Channel
    thread = await client.port.open_thread(ref, "t")
    assert await client.port.find_bot_reply(thread) is None  # only the starter message


async def test_react_finds_the_thread_a_reply_lives_in(client: ScoopClient,
                                                       fake: FakeDiscord) -> None:
    ref = await client.port.post(CHANNEL, card())
    thread = await client.port.open_thread(ref, "t")
    reply = fake.add_message(thread.root_message_id,
                             message(thread.root_message_id, BEN, "we differ", in_thread=True))
    client.port.remember(int(reply["id"]), int(thread.root_message_id))
    # the core acknowledges with the thread's parent channel
    await client.port.react(PostRef("discord", CHANNEL, reply["id"]), "white_check_mark")
    assert fake.reactions == [(thread.root_message_id, reply["id"], "✅")]


async def test_upload_sends_the_file_as_an_attachment(client: ScoopClient,
                                                      fake: FakeDiscord) -> None:
    export = File("notes.md", b"# Notes\n", "text/markdown", "Differentiation notes",
                  comment="2 notes @everyone")
    ref = await client.port.upload(CHANNEL, export)
    [call] = fake.calls_of("create_message")
    assert call.files == [("notes.md", b"# Notes\n")]
    assert call.json["allowed_mentions"] == NO_PINGS
    assert call.json["content"] == "2 notes @\u200beveryone"
    assert call.json["attachments"][0]["filename"] == "notes.md"
    assert ref.message_id == fake.posted(CHANNEL)[0]["id"]


async def test_find_marker_only_in_the_bots_own_messages(client: ScoopClient,
                                                         fake: FakeDiscord) -> None:
    fake.add_message(CHANNEL, message(CHANNEL, BEN, "sw:2411.17705 (a member quoting it)",
                                      at=datetime(2024, 11, 28, 15, tzinfo=UTC)))
    assert await client.port.find_marker(CHANNEL, "sw:2411.17705", SINCE) is None
    ref = await client.port.post(CHANNEL, card())
    await client.port.post(CHANNEL, Text("unrelated"))
    assert await client.port.find_marker(CHANNEL, "sw:2411.17705", SINCE) == ref
    assert fake.calls_of("history")[-1].query["limit"] == "100"


async def test_find_marker_finds_a_digest_header(client: ScoopClient) -> None:
    header = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 935, 1, 1,
                          marker="sw:digest:0123456789ab")
    ref = await client.port.post(CHANNEL, header)
    await client.port.post(CHANNEL, card())
    assert await client.port.find_marker(CHANNEL, "sw:digest:0123456789ab", SINCE) == ref
    assert await client.port.find_marker(CHANNEL, "sw:digest:ba9876543210", SINCE) is None


async def test_find_marker_matches_a_marker_whole_and_in_its_place(client: ScoopClient
                                                                    ) -> None:
    """``sw:jsonl:p-1`` is neither inside the footer ``sw:jsonl:p-10`` nor a card's title or
    abstract that quotes it: only the marker the renderer put last in the footer counts."""
    p10 = await client.port.post(CHANNEL, card(marker="sw:jsonl:p-10"))
    quoting = await client.port.post(CHANNEL, PaperCard(
        paper_key="jsonl:p-2", title="A reply to sw:jsonl:p-1", url=None, labs=(), authors=(),
        et_al=False, matches=(), categories=(), announced=None,
        abstract_opening="It answers sw:jsonl:p-1 point by point.", marker="sw:jsonl:p-2"))
    assert await client.port.find_marker(CHANNEL, "sw:jsonl:p-1", SINCE) is None
    assert await client.port.find_marker(CHANNEL, "sw:jsonl:p-10", SINCE) == p10
    assert await client.port.find_marker(CHANNEL, "sw:jsonl:p-2", SINCE) == quoting
    p1 = await client.port.post(CHANNEL, card(marker="sw:jsonl:p-1"))
    assert await client.port.find_marker(CHANNEL, "sw:jsonl:p-1", SINCE) == p1


async def test_rate_limited_post_is_retried_by_discord_py(client: ScoopClient,
                                                          fake: FakeDiscord,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    fake.rate_limit("create_message", times=2, retry_after=0.05)
    ref = await client.port.post(CHANNEL, Text("hello"))
    statuses = [c.status for c in fake.calls_of("create_message", ok_only=False)]
    assert statuses == [429, 429, 200]
    assert len(fake.posted(CHANNEL)) == 1 and ref.message_id == fake.posted(CHANNEL)[0]["id"]
    assert "rate limited" in caplog.text


async def test_rate_limited_thread_and_reaction(client: ScoopClient, fake: FakeDiscord) -> None:
    ref = await client.port.post(CHANNEL, card())
    fake.rate_limit("start_thread")
    fake.rate_limit("add_reaction")
    thread = await client.port.open_thread(ref, "t")
    await client.port.react(ref, "+1")
    assert thread.root_message_id == ref.message_id
    assert fake.reactions == [(CHANNEL, ref.message_id, "👍")]


async def test_thread_archive_duration_is_configurable(make_client: Any, core: FakeCore,
                                                       fake: FakeDiscord) -> None:
    client = await make_client(core, thread_archive_minutes=4320)
    await client.port.open_thread(await client.port.post(CHANNEL, card()), "t")
    [call] = fake.calls_of("start_thread")
    assert call.json["auto_archive_duration"] == 4320


# --- refusals only a person can fix, and paging back for crash recovery --------------------


def _deny_on_channel(client: ScoopClient, *denied: str) -> None:
    """The lab's channel denies @everyone (so the bot) the given permissions."""
    payload = guild_create()
    deny = discord.Permissions(**dict.fromkeys(denied, True)).value
    payload["channels"][0]["permission_overwrites"] = [
        {"id": GUILD, "type": 0, "allow": "0", "deny": str(deny)}]
    client._connection.parse_guild_create(payload)


async def test_missing_permissions_name_what_the_channel_denies(client: ScoopClient,
                                                                fake: FakeDiscord) -> None:
    _deny_on_channel(client, "embed_links")
    fake.fail_next("create_message", 403, {"message": "Missing Permissions", "code": 50013})
    with pytest.raises(ChannelUnavailable) as caught:
        await client.port.post(CHANNEL, card())
    assert caught.value.reason is ChannelProblem.MISSING_PERMISSION
    assert caught.value.fix.endswith("allow scoopwatch Embed Links.")
    assert "50013" not in str(caught.value) and "Forbidden" not in str(caught.value)


async def test_missing_access_and_unknown_channel(client: ScoopClient, fake: FakeDiscord
                                                  ) -> None:
    fake.fail_next("start_thread", 403, {"message": "Missing Access", "code": 50001})
    with pytest.raises(ChannelUnavailable) as caught:
        await client.port.open_thread(PostRef("discord", CHANNEL, "1310000000000009999"), "t")
    assert caught.value.reason is ChannelProblem.MISSING_PERMISSION
    assert "View Channel, Create Public Threads and Read Message History" in caught.value.fix
    fake.fail_next("create_message", 404, {"message": "Unknown Channel", "code": 10003})
    with pytest.raises(ChannelUnavailable) as caught:
        await client.port.post(CHANNEL, Text("hello"))
    assert caught.value.reason is ChannelProblem.CHANNEL_NOT_FOUND
    fake.fail_next("history", 403, {"message": "Missing Access", "code": 50001})
    with pytest.raises(ChannelUnavailable):
        await client.port.find_marker(CHANNEL, "sw:2411.17705", SINCE)


async def test_other_errors_stay_what_they_are(client: ScoopClient, fake: FakeDiscord) -> None:
    fake.fail_next("create_message", 400, {"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(discord.HTTPException) as caught:
        await client.port.post(CHANNEL, Text("hello"))
    assert not isinstance(caught.value, discord.Forbidden)


async def test_find_marker_pages_forward_from_the_intent(client: ScoopClient,
                                                         fake: FakeDiscord) -> None:
    """A busy channel: 250 messages after the card; the newest 100 would not hold it."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    ref = await client.port.post(CHANNEL, card())
    for i in range(250):
        fake.add_message(CHANNEL, message(CHANNEL, BEN, f"chatter {i}", at=datetime.now(UTC)))
    assert await client.port.find_marker(CHANNEL, "sw:2411.17705", since) == ref
    [page] = fake.calls_of("history")  # found on the first page after the intent
    assert int(page.query["after"]) >= time_snowflake(since)


async def test_find_marker_reads_nothing_from_before_the_intent(client: ScoopClient,
                                                                fake: FakeDiscord) -> None:
    await client.port.post(CHANNEL, card())
    since = datetime.now(UTC) + timedelta(seconds=1)
    for i in range(150):
        fake.add_message(CHANNEL, message(CHANNEL, BEN, f"chatter {i}",
                                          at=since + timedelta(seconds=1)))
    assert await client.port.find_marker(CHANNEL, "sw:2411.17705", since) is None
    assert len(fake.calls_of("history")) == 2  # 100 + 50 messages after the intent
