"""A lab's session on Slack, end to end: real core, real SQLite store, the real arXiv listing
of 2024-11-28 parsed by the real parser, the real matcher and lab registry; Slack itself is
the fake Web API and every inbound request is a signed HTTP request through Bolt.

Transcript: topic add -> digest now -> cards and thread prompts (prompt under its card) ->
a member's reply becomes a note (acknowledged with a reaction) -> an edit updates it -> a
redelivered event is stored once -> notes export is uploaded.
"""

from __future__ import annotations

import json

from slack_helpers import until
from slack_lab import ANA, BEN, Lab
from slack_payloads import CHANNEL, message_changed, thread_reply

from bot.store.notes import NoteStore


async def test_lab_session_transcript(lab: Lab) -> None:
    fake = lab.fake
    # 1. Ana registers a topic; the preview answer is for her only.
    answer = await lab.command("topic add eeg-decoding EEG AND (classification OR detection)")
    assert answer is not None and answer["response_type"] == "ephemeral", answer
    assert "eeg-decoding" in answer["text"]

    # 2. The digest: a header, then one card per paper with its prompt in the card's thread.
    answer = await lab.command("digest now")
    # The channel sees the digest itself; the summary of the run is for whoever asked.
    assert answer is not None and answer["response_type"] == "ephemeral", answer
    assert "Digest posted" in answer["text"], answer["text"]
    history = fake.posted(CHANNEL)
    top = [m for m in history if "thread_ts" not in m]
    prompts = [m for m in history if "thread_ts" in m]
    cards = top[1:]
    assert top[0]["blocks"][0]["type"] == "header"
    assert 1 <= len(cards) <= 3 and len(prompts) == len(cards)
    assert [p["thread_ts"] for p in prompts] == [c["ts"] for c in cards]
    for c in cards:
        assert "EEG" in c["text"].upper() and "[sw:" in c["text"]
        assert c["blocks"][0]["text"]["text"].startswith("*<https://arxiv.org/abs/")
    assert all(f"<@{ANA}>" in p["blocks"][0]["text"]["text"] for p in prompts)
    # Ana is pinged once per paper: by its thread prompt, never by the header or the card.
    assert [f"<@{ANA}>" in json.dumps(m) for m in history] == [
        "thread_ts" in m for m in history]

    # 3. Ben answers in the first card's thread: a note, acknowledged with a reaction.
    card_ts = cards[0]["ts"]
    reply = fake.human_message(CHANNEL, BEN, "We decode from 4 channels &lt;10ms, not 64.",
                               thread_ts=card_ts)
    event_id = await lab.event(thread_reply(BEN, reply["text"], reply["ts"], card_ts))
    await until(lambda: (CHANNEL, reply["ts"], "white_check_mark") in fake.reactions)
    notes = NoteStore(lab.db)
    note = await notes.get_by_message("slack", CHANNEL, reply["ts"])
    assert note is not None and note.text == "We decode from 4 channels <10ms, not 64."
    assert note.author_name == "ben"

    # 4. Slack redelivers the same event: still one note.
    await lab.event(thread_reply(BEN, reply["text"], reply["ts"], card_ts),
                    event_id=event_id, retry=1)
    await lab.settle()
    assert len(await notes.recent("slack", "T0LAB0001", limit=50)) == 1

    # 5. Ben edits his reply: the note follows.
    await lab.event(message_changed(BEN, "We decode from 4 channels, not 64.", reply["text"],
                                    reply["ts"], card_ts, "1732810000.000000"))
    await lab.settle()
    note = await notes.get_by_message("slack", CHANNEL, reply["ts"])
    assert note is not None and note.text == "We decode from 4 channels, not 64."
    assert len(await notes.recent("slack", "T0LAB0001", limit=50)) == 1

    # 6. The bot's own prompt in that thread never becomes a note.
    prompt = prompts[0]
    own = thread_reply("UBOT0SW01", prompt["text"], prompt["ts"], card_ts)
    own["bot_id"] = "BBOT0SW01"
    await lab.event(own)
    await lab.settle()
    assert len(await notes.recent("slack", "T0LAB0001", limit=50)) == 1

    # 7. Export: the Markdown file is uploaded to the channel.
    assert await lab.command("notes export") is None  # the upload is the answer
    [upload] = fake.uploads.values()
    assert upload["channel"] == CHANNEL and upload["filename"].endswith(".md")
    assert b"We decode from 4 channels, not 64." in upload["content"]
