"""When Slack says no, end to end (real core and store, Slack as the fake Web API).

- ``users.info`` answering an error page: replies still become notes (under the member's id
  until the name is known, then under the name) and commands still work.
- A channel the bot was never invited to: ``/scoop digest now`` says how to fix it (not the
  SDK's error), ``/scoop status`` shows the channel needs attention until a post succeeds.
"""

from __future__ import annotations

from slack_helpers import until
from slack_lab import BEN, Lab
from slack_payloads import CHANNEL, thread_reply

from adapters.slack.app import SORRY
from bot.store.notes import NoteStore

ERROR_PAGE = "upstream connect error or disconnect/reset before headers. reset reason: overflow"
NOT_INVITED = "C0NOTIN01"


async def _add_topic(lab: Lab) -> None:
    answer = await lab.command("topic add eeg-decoding EEG AND (classification OR detection)")
    assert answer is not None and "eeg-decoding" in answer["text"]


async def _first_card(lab: Lab) -> str:
    await _add_topic(lab)
    answer = await lab.command("digest now")
    assert answer is not None and "Digest posted" in answer["text"], answer
    return next(m["ts"] for m in lab.fake.posted(CHANNEL) if "[sw:paper:" in m["text"])


async def test_a_reply_is_kept_while_users_info_answers_an_error_page(lab: Lab) -> None:
    fake, notes = lab.fake, NoteStore(lab.db)
    card_ts = await _first_card(lab)

    # Slack (or a proxy in front of it) answers users.info with a plain-text 503 page.
    fake.fail_next("users.info", 503, ERROR_PAGE)
    first = fake.human_message(CHANNEL, BEN, "Ours needs no labels at all.", thread_ts=card_ts)
    await lab.event(thread_reply(BEN, first["text"], first["ts"], card_ts))
    await until(lambda: (CHANNEL, first["ts"], "white_check_mark") in fake.reactions)
    note = await notes.get_by_message("slack", CHANNEL, first["ts"])
    assert note is not None and note.text == "Ours needs no labels at all."
    assert (note.author_id, note.author_name) == (BEN, BEN)  # the id, until the name is known

    # Slack answers again: Ben's next reply names him, and his first note takes the name.
    second = fake.human_message(CHANNEL, BEN, "And it runs on a phone.", thread_ts=card_ts)
    await lab.event(thread_reply(BEN, second["text"], second["ts"], card_ts))
    await until(lambda: (CHANNEL, second["ts"], "white_check_mark") in fake.reactions)
    for ts in (first["ts"], second["ts"]):
        stored = await notes.get_by_message("slack", CHANNEL, ts)
        assert stored is not None and stored.author_name == "ben"


async def test_commands_work_while_users_info_answers_an_error_page(lab: Lab) -> None:
    for status, content_type in ((502, "text/plain"), (500, "application/json")):
        lab.fake.fail_next("users.info", status, ERROR_PAGE, content_type)
        answer = await lab.command("topic list all", user=BEN, name="ben")
        assert answer is not None and answer["text"] != SORRY, answer
        assert "topics" in answer["text"].lower()
    assert len(lab.fake.calls_of("users.info", ok_only=False)) == 2


async def test_digest_in_a_channel_the_bot_is_not_in(lab: Lab) -> None:
    fake = lab.fake
    await _add_topic(lab)
    fake.channel_errors[NOT_INVITED] = "not_in_channel"
    subscribed = await lab.command("subscribe mon 09:00 UTC all-papers", channel=NOT_INVITED)
    assert subscribed is not None and "Subscribed" in subscribed["text"]

    answer = await lab.command("digest now", channel=NOT_INVITED)
    assert answer is not None
    text = answer["text"]
    assert "not a member of this channel" in text and "/invite @scoopwatch" in text
    for leak in ("not_in_channel", "slack.com", "http", "SlackApiError", "{"):
        assert leak not in text, text
    assert "when the platform answers again" not in text  # no false promise of a retry
    assert len(fake.calls_of("chat.postMessage", ok_only=False)) == 1  # tried once, no more

    status = await lab.command("status", channel=NOT_INVITED)
    assert status is not None and "NEEDS ATTENTION" in status["text"]
    assert "/invite @scoopwatch" in status["text"]
    other = await lab.command("status")  # another channel is fine
    assert other is not None and "NEEDS ATTENTION" not in other["text"]

    # Someone invites the bot: the next digest posts what waited, and the mark is gone.
    del fake.channel_errors[NOT_INVITED]
    again = await lab.command("digest now", channel=NOT_INVITED)
    assert again is not None and "could not" not in again["text"], again["text"]
    top = [m for m in fake.posted(NOT_INVITED) if "thread_ts" not in m]
    assert [m["blocks"][0]["type"] for m in top[:1]] == ["header"]
    assert any("[sw:paper:" in m["text"] for m in top)
    status = await lab.command("status", channel=NOT_INVITED)
    assert status is not None and "NEEDS ATTENTION" not in status["text"]
