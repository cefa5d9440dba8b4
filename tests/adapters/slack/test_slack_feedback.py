"""Feedback on cards through Slack, end to end: signed ``reaction_added`` and
``reaction_removed`` events through Bolt into the real core and store (the ``lab`` fixture:
the real 2024-11-28 listing, matcher and lab registry, the fake Web API).

👍/👎 show in ``/scoop stats``; a 🏢 shows in ``/scoop labs`` as a local override until it is
taken back; three 👎 post one suggestion in the channel, mentioning the topic's owner.
"""

from __future__ import annotations

from slack_lab import ANA, BEN, Lab
from slack_payloads import CHANNEL, reaction_added, reaction_removed

from bot.sources.jsonl import parse_jsonl
from bot.store.papers import PaperStore

# Invented affiliation for a real listing paper: a joint centre this lab reads as academic.
JOINT = ('{"id": "2411.17705", "title": "EEG-DCNet: A Fast and Accurate MI-EEG Dilated CNN '
         'Classification Method", "announced": "2024-11-28", "categories": ["eess.SP"], '
         '"authors": [{"name": "Wei Peng", "affiliations": '
         '["Microsoft Research-Inria Joint Centre, Palaiseau"]}]}\n')
QUERY = "EEG AND (classification OR detection)"


async def test_reactions_teach_the_bot_over_slack(lab: Lab) -> None:
    fake = lab.fake
    await PaperStore(lab.db).upsert_papers(parse_jsonl(JOINT.encode()).papers)
    await lab.command(f"topic add eeg-decoding {QUERY}")
    await lab.command("digest now")
    cards = {m["text"]: m["ts"] for m in fake.posted(CHANNEL)
             if "thread_ts" not in m and "[sw:paper:" in m["text"]}
    assert len(cards) == 3
    dcnet = next(ts for text, ts in cards.items() if "EEG-DCNet" in text)
    others = [ts for ts in cards.values() if ts != dcnet]

    # 🏢 on the flagged card: a local override in /scoop labs, until Ben takes it back.
    await lab.event(reaction_added(BEN, "office", dcnet))
    answer = await lab.command("labs", user=BEN, name="ben")
    assert answer is not None
    labs = str(answer["blocks"])
    assert "Local overrides" in labs and "marked by @ben" in labs
    assert "Microsoft Research-Inria Joint Centre, Palaiseau" in labs
    await lab.event(reaction_removed(BEN, "office", dcnet))
    answer = await lab.command("labs", user=BEN, name="ben")
    assert answer is not None and "Local overrides" not in str(answer["blocks"])

    # 👍 then 👎 (with a skin tone), one taken back: /scoop stats counts what stands.
    await lab.event(reaction_added(BEN, "+1", others[0]))
    await lab.event(reaction_added(ANA, "-1::skin-tone-2", others[1]))
    await lab.event(reaction_added(ANA, "thumbsup", others[0]))
    await lab.event(reaction_removed(ANA, "thumbsup", others[0]))
    answer = await lab.command("stats eeg-decoding")
    assert answer is not None
    assert "3 papers posted · 👍 1 👎 1, precision 50%" in str(answer["blocks"])

    # Two more 👎 by the owner: three of the topic's rated cards are 👎, so the owner is told
    # once, in the channel, by mention.
    before = len(fake.posted(CHANNEL))
    await lab.event(reaction_added(ANA, "-1", dcnet))
    await lab.event(reaction_added(ANA, "-1", others[0]))
    await lab.event(reaction_added(BEN, "-1", others[0]))
    [suggestion] = fake.posted(CHANNEL)[before:]
    assert "thread_ts" not in suggestion
    assert suggestion["blocks"][0]["text"]["text"] == f"<@{ANA}>"
    text = str(suggestion["blocks"])
    assert f"/scoop preview vs eeg-decoding ({QUERY}) -classification" in text
    assert "got 👎 on 3 of its last 3 rated paper cards" in text
