"""Gateway payloads -> discord.py objects (the client's own parsers) -> the core's events."""

from __future__ import annotations

from datetime import timedelta

from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore, settle
from discord_payloads import (
    ANA,
    BEN,
    BOT,
    CHANNEL,
    EPOCH,
    GUILD,
    OTHER_BOT,
    message,
    message_delete,
    reaction_add,
    reaction_remove,
    snowflake,
    thread_channel,
)

from adapters.discord.client import ScoopClient
from bot.ports import Actor, PostRef, ThreadRef


def open_thread(client: ScoopClient, fake: FakeDiscord) -> str:
    """A card's thread as Discord announces it (THREAD_CREATE, newly created by the bot)."""
    card_id = snowflake()
    client._connection.parse_thread_create(thread_channel(card_id, newly_created=True))
    fake.channels[card_id] = thread_channel(card_id)
    return card_id


async def test_reply_in_a_card_thread_becomes_a_thread_reply(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    data = message(thread_id, BEN, f"Unlike <@{ANA}> we use **4** channels",
                   mentions=[ANA], in_thread=True)
    client._connection.parse_message_create(data)
    await settle()
    [reply] = core.replies
    assert reply.thread == ThreadRef("discord", CHANNEL, thread_id)
    assert reply.workspace == GUILD and reply.message_id == data["id"]
    assert reply.actor == Actor(BEN, "Ben Park", False)
    assert reply.text == "Unlike @Ana Ortiz we use **4** channels"
    assert not reply.edited and reply.event_id == f"create:{data['id']}"
    assert reply.at == EPOCH + timedelta(minutes=5)


async def test_bots_top_level_messages_and_system_messages_are_ignored(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    parse = client._connection.parse_message_create
    parse(message(thread_id, BOT, "How does our work differ?", in_thread=True))
    parse(message(thread_id, OTHER_BOT, "beep", in_thread=True))
    parse(message(thread_id, BEN, "via a webhook", in_thread=True, webhook_id=OTHER_BOT))
    parse(message(thread_id, BEN, "", in_thread=True, msg_type=21))
    parse(message(CHANNEL, BEN, "top-level chat is not a note"))
    await settle()
    assert core.replies == []


async def test_uncached_thread_is_looked_up_once(client: ScoopClient, core: FakeCore,
                                                 fake: FakeDiscord) -> None:
    thread_id = snowflake()
    fake.channels[thread_id] = thread_channel(thread_id)  # Discord knows it, the cache not
    for text in ("first", "second"):
        client._connection.parse_message_create(message(thread_id, BEN, text, in_thread=True))
        await settle()
    assert [r.text for r in core.replies] == ["first", "second"]
    assert core.replies[0].thread == ThreadRef("discord", CHANNEL, thread_id)
    assert len(fake.calls_of("get_channel")) == 1


async def test_raw_edit_of_an_uncached_message_is_an_edit(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    edited_at = EPOCH + timedelta(minutes=9)
    data = message(thread_id, BEN, "We use 4 channels, not 64.", in_thread=True,
                   edited_at=edited_at)
    client._connection.parse_message_update(data)  # never seen as MESSAGE_CREATE
    await settle()
    [reply] = core.replies
    assert reply.edited and reply.text == "We use 4 channels, not 64."
    assert reply.at == edited_at and reply.event_id == f"edit:{data['id']}:{edited_at.isoformat()}"


async def test_update_without_edit_timestamp_is_not_an_edit(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    client._connection.parse_message_update(message(thread_id, BEN, "link preview",
                                                    in_thread=True))
    await settle()
    assert core.replies == []


async def test_a_replayed_message_carries_the_same_delivery_key(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    """Both copies reach the core's inbox, which keeps one: they carry one delivery key."""
    thread_id = open_thread(client, fake)
    data = message(thread_id, BEN, "once", in_thread=True)
    client._connection.parse_message_create(data)
    client._connection.parse_message_create(data)
    await settle()
    first, second = core.replies
    assert first.event_id == second.event_id == f"create:{data['id']}"


async def test_deletions_in_threads_and_unknown_channels_reach_the_core(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    in_thread, unknown, top = snowflake(), snowflake(), snowflake()
    client._connection.parse_message_delete(message_delete(in_thread, thread_id))
    client._connection.parse_message_delete(message_delete(unknown, snowflake()))
    client._connection.parse_message_delete(message_delete(top, CHANNEL))
    await settle()
    by_id = {d.message_id: d for d in core.deletions}
    assert set(by_id) == {in_thread, unknown}
    assert by_id[in_thread].thread == ThreadRef("discord", CHANNEL, thread_id)
    assert by_id[unknown].thread is None and by_id[unknown].workspace == GUILD


async def test_reactions_on_cards_become_feedback(client: ScoopClient, core: FakeCore,
                                                  fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    card = snowflake()
    parse = client._connection.parse_message_reaction_add
    parse(reaction_add(card, ANA, "👍"))
    parse(reaction_add(card, BOT, "✅"))  # the bot's own
    parse(reaction_add(snowflake(), BEN, "👍", channel_id=thread_id))  # inside a thread
    parse(reaction_add(card, BEN, "🦜"))
    await settle()
    assert [(r.actor.member_id, r.emoji) for r in core.reactions] == [(ANA, "+1"), (BEN, "🦜")]
    assert core.reactions[0].post == PostRef("discord", CHANNEL, card)
    assert core.reactions[0].actor.display_name == "Ana Ortiz"


async def test_removed_reactions_reach_the_core_as_taken_back(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    """MESSAGE_REACTION_REMOVE carries no member: an uncached user is named by nobody, so the
    core keeps the name it knows. Adding, removing and adding again are three events."""
    open_thread(client, fake)
    card = snowflake()
    state = client._connection
    state.parse_message_reaction_add(reaction_add(card, ANA, "🏢"))
    await settle()
    state.parse_message_reaction_remove(reaction_remove(card, ANA, "🏢"))
    await settle()
    state.parse_message_reaction_add(reaction_add(card, ANA, "🏢"))
    await settle()
    state.parse_message_reaction_remove(reaction_remove(card, BEN, "👎"))
    await settle()
    assert [(r.actor.member_id, r.emoji, r.removed) for r in core.reactions] == [
        (ANA, "office", False), (ANA, "office", True), (ANA, "office", False),
        (BEN, "-1", True)]
    assert core.reactions[1].post == PostRef("discord", CHANNEL, card)
    assert core.reactions[3].actor.display_name == ""


async def test_a_failing_core_call_lets_a_redelivery_through(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    thread_id = open_thread(client, fake)
    calls = 0

    async def flaky(event: object) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database is locked")
        return True

    core.handle_thread_reply = flaky  # type: ignore[method-assign]
    data = message(thread_id, BEN, "retry me", in_thread=True)
    client._connection.parse_message_create(data)
    await settle()
    client._connection.parse_message_create(data)
    await settle()
    assert calls == 2
