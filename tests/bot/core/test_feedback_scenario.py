"""Feedback that teaches the bot, on a scenario: the real core, store, matcher and industry
detector behind a fake chat platform; papers, reactions and notes are known, so every number
is exact.

- 👍/👎 on cards give ``/scoop stats`` its counts per topic and window; a reaction taken back
  no longer counts.
- 🏢 hides a paper's flag for the workspace, and the evidence behind it flags no other paper
  there (``/scoop labs`` shows the override); taking the 🏢 back restores both.
- A topic whose cards keep getting 👎 gets one query suggestion in the channel, mentioning its
  owner; ``/scoop preview vs`` of the suggested query shows what it changes.

The affiliations are invented test data shaped like real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fakes_digest import FakeClock, FakePlatform, FakePort, paper

from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.messages import PaperCard, Text
from bot.models import Paper
from bot.ports import Actor, CommandEvent, PostRef, Reaction, ThreadRef, ThreadReply
from bot.store.db import Database
from bot.store.stores import Stores

PLATFORM, WORKSPACE = "slack", "T1"
ANA, BO, CY = Actor("UANA", "ana"), Actor("UBO", "bo"), Actor("UCY", "cy")
DAY1, DAY2 = date(2026, 1, 6), date(2026, 3, 10)
STATS_AT = datetime(2026, 3, 17, 16, 0, tzinfo=UTC)  # 10 weeks after DAY1, 1 week after DAY2
DEEPMIND = "Google DeepMind, London, UK"
JOINT = "Microsoft Research-Inria Joint Centre, Palaiseau"  # the lab reads it as academic


@dataclass
class Lab:
    db: Database
    core: Core
    platform: FakePlatform
    clock: FakeClock

    async def say(self, text: str, actor: Actor = ANA, channel: str = "C1") -> str:
        result = await self.core.handle_command(
            CommandEvent(PLATFORM, WORKSPACE, channel, actor, text))
        assert result.ok, [m.body for m in result.messages if isinstance(m, Text)]
        return "\n".join(m.body for m in result.messages if isinstance(m, Text))

    async def digest(self, day: date, channel: str = "C1") -> dict[str, str]:
        """Post the digest of ``day`` (clock at 15:00 that day); its cards' ids by paper."""
        self.clock.now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=15)
        await self.say(f"digest now since {day.isoformat()}", channel=channel)
        return self.cards(channel)

    def cards(self, channel: str = "C1") -> dict[str, str]:
        return {p.message.paper_key: p.message_id for p in self.platform.top(channel)
                if isinstance(p.message, PaperCard)}

    def card(self, key: str, channel: str = "C1") -> PaperCard:
        return next(p.message for p in self.platform.top(channel)
                    if isinstance(p.message, PaperCard) and p.message.paper_key == key)

    async def react(self, card: str, actor: Actor, emoji: str, *, removed: bool = False,
                    channel: str = "C1") -> bool:
        event = Reaction(PLATFORM, WORKSPACE, PostRef(PLATFORM, channel, card), actor, emoji,
                         self.clock(), removed=removed)
        return await self.core.handle_reaction(event)

    async def note(self, card: str, actor: Actor, text: str, message_id: str) -> None:
        event = ThreadReply(PLATFORM, WORKSPACE, ThreadRef(PLATFORM, "C1", card), message_id,
                            actor, text, self.clock())
        assert await self.core.handle_thread_reply(event)

    def channel_texts(self, channel: str = "C1") -> list[Text]:
        return [p.message for p in self.platform.top(channel) if isinstance(p.message, Text)]


def with_affiliations(key: str, title: str, day: date, *affiliations: str) -> Paper:
    return paper(key, title, "", affiliations=affiliations, announced=day,
                 authors=("Ada Lovelace", "Alan Turing"))


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    async with await Database.open(tmp_path / "lab.db") as db:
        clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
        config = build_config({"digest": {"max_papers": 10}}, env={})
        core, _scheduler = build_core(config, Stores.on(db), clock=clock)
        platform = FakePlatform()
        core.register_port(FakePort(platform, platform=PLATFORM))
        yield Lab(db, core, platform, clock)


async def test_stats_count_reactions_notes_and_silent_threads_per_topic(lab: Lab) -> None:
    await lab.core.stores.papers.upsert_papers([
        with_affiliations("2601.00001", "Diffusion planning for legged robots", DAY1, DEEPMIND),
        with_affiliations("2601.00002", "World models meet diffusion planning", DAY1, DEEPMIND),
        with_affiliations("2603.00003", "Diffusion planning in kitchens", DAY2, DEEPMIND),
        with_affiliations("2603.00004", "Trajectory optimization with diffusion priors", DAY2,
                          DEEPMIND),
        with_affiliations("2603.00005", "World models for Atari", DAY2, DEEPMIND),
    ])
    await lab.say('topic add diffusion-planning diffusion AND (planning OR '
                  '"trajectory optimization")')
    await lab.say('topic add world-models "world model*"', BO)
    await lab.say("stats", CY)  # cy is a member too, with no topic
    first = await lab.digest(DAY1)
    assert set(first) == {"2601.00001", "2601.00002"}
    # Two members' topics on one card: each one's 👍/👎 counts for their own topic; cy, who
    # owns neither, rates the match as a whole.
    assert await lab.react(first["2601.00001"], ANA, "+1")
    assert await lab.react(first["2601.00001"], BO, "thumbsup")  # Slack's other spelling
    assert await lab.react(first["2601.00002"], ANA, "👎")  # Discord's and the console's
    assert await lab.react(first["2601.00002"], BO, "+1::skin-tone-3")
    assert await lab.react(first["2601.00002"], CY, ":+1:")
    assert not await lab.react(first["2601.00002"], CY, "+1")  # the same reaction again
    await lab.note(first["2601.00002"], BO, "Ours learns the world model online.", "n1")

    second = await lab.digest(DAY2)
    assert set(second) - set(first) == {"2603.00003", "2603.00004", "2603.00005"}
    assert await lab.react(second["2603.00003"], ANA, "-1")
    assert await lab.react(second["2603.00003"], ANA, "+1")
    assert await lab.react(second["2603.00003"], ANA, "+1", removed=True)  # taken back
    assert not await lab.react(second["2603.00003"], ANA, "+1", removed=True)
    assert await lab.react(second["2603.00005"], BO, "👍")
    assert await lab.react(second["2603.00005"], CY, "eyes")  # kept, but no rating
    await lab.note(second["2603.00004"], ANA, "We optimise in joint space.", "n2")

    lab.clock.now = STATS_AT
    text = await lab.say("stats")
    assert text.splitlines() == [
        "Paper cards of topics, last 4 and 12 weeks (to 2026-03-17): papers posted, 👍/👎 and "
        "the precision they give, notes written, papers whose thread nobody answered.",
        "- diffusion-planning (@ana)",
        "  - 4 weeks: 2 papers posted · 👍 0 👎 1, precision 0% · 1 note · 1 unanswered",
        "  - 12 weeks: 4 papers posted · 👍 3 👎 2, precision 60% · 2 notes · "
        "2 unanswered",
        "- world-models (@bo)",
        "  - 4 weeks: 1 paper posted · 👍 1 👎 0, precision 100% · 0 notes · "
        "1 unanswered",
        "  - 12 weeks: 2 papers posted · 👍 3 👎 0, precision 100% · 1 note · "
        "1 unanswered",
    ]
    # One topic, a member's topics, another window.
    assert "world-models" not in await lab.say("stats diffusion-planning")
    by_bo = await lab.say("stats @bo 1")
    assert "diffusion-planning" not in by_bo
    assert "  - 1 week: 0 papers posted · 👍 0 👎 0, no ratings · 0 notes · 0 unanswered" \
        in by_bo
    # Taking ana's 👎 back changes the counts at once.
    assert await lab.react(second["2603.00003"], ANA, "👎", removed=True)
    assert "  - 4 weeks: 2 papers posted · 👍 0 👎 0, no ratings · 1 note · " \
        "1 unanswered" in await lab.say("stats diffusion-planning")


async def test_stats_refuses_unknown_topics_and_long_windows(lab: Lab) -> None:
    result = await lab.core.handle_command(
        CommandEvent(PLATFORM, WORKSPACE, "C1", ANA, "stats nothing-here"))
    assert not result.ok and 'No topic named "nothing-here"' in result.messages[0].body  # type: ignore[union-attr]
    result = await lab.core.handle_command(CommandEvent(PLATFORM, WORKSPACE, "C1", ANA,
                                                        "stats 53"))
    assert not result.ok and "WEEKS must be from 1 to 52" in result.messages[0].body  # type: ignore[union-attr]
    assert await lab.say("stats") == "No topics yet: add one with /scoop topic add NAME QUERY."
    await lab.say("help", CY)  # cy is known here now, with no topic
    assert await lab.say("stats @cy") == "No topics of @cy yet, so no stats."


async def test_office_reaction_overrides_the_flag_and_its_evidence_until_taken_back(
        lab: Lab) -> None:
    await lab.core.stores.papers.upsert_papers([
        with_affiliations("2601.00010", "Diffusion planning for swarms", DAY1, JOINT),
        with_affiliations("2603.00011", "Diffusion planning under uncertainty", DAY2, JOINT),
        # The same wrong evidence, and DeepMind too: still an industry paper.
        with_affiliations("2603.00012", "Diffusion planning at scale", DAY2, JOINT, DEEPMIND),
    ])
    await lab.say("topic add swarm diffusion AND planning")
    cards = await lab.digest(DAY1)
    card = lab.card("2601.00010")
    assert [(b.company, b.evidence) for b in card.labs] == [("Microsoft", JOINT)]

    # On the card's thread prompt a 🏢 is only a reaction: nothing is overridden.
    prompt = next(p.message_id for p in lab.platform.in_thread(cards["2601.00010"]))
    assert await lab.react(prompt, BO, "🏢")
    assert "Local overrides" not in await lab.say("labs")
    assert await lab.react(cards["2601.00010"], BO, "🏢")
    assert await lab.react(cards["2601.00010"], ANA, "office")
    assert not await lab.react(cards["2601.00010"], ANA, ":office:")  # a redelivery
    labs = await lab.say("labs")
    assert ('Local overrides in this workspace: papers a member marked 🏢 (not an industry '
            "paper).") in labs
    assert ('- "Diffusion planning for swarms" (2601.00010), marked by @bo on 2026-01-06\n'
            "  - not trusted: Microsoft Research (affiliation-alias: Microsoft Research-Inria "
            "Joint Centre, Palaiseau)\n"
            '- "Diffusion planning for swarms" (2601.00010), marked by @ana on 2026-01-06'
            ) in labs

    # The next digest: the paper with only that evidence is not an industry paper here; the
    # one with a DeepMind co-author is posted, flagged by DeepMind alone.
    cards = await lab.digest(DAY2)
    assert "2603.00011" not in cards
    assert [(b.company, b.evidence) for b in lab.card("2603.00012").labs] == [
        ("Google", DEEPMIND)]
    # Another channel of the workspace never shows the corrected paper as industry.
    assert "2601.00010" not in await lab.digest(DAY1, channel="C2")

    # One member takes the 🏢 back: the other's still stands.
    assert await lab.react(cards["2601.00010"], BO, "🏢", removed=True)
    assert "marked by @ana" in await lab.say("labs")
    assert "2603.00011" not in await lab.digest(DAY2)
    # The last one goes: the flag and the evidence count again.
    assert await lab.react(cards["2601.00010"], ANA, "office", removed=True)
    assert "Local overrides" not in await lab.say("labs")
    assert "2603.00011" in await lab.digest(DAY2)
    assert "2601.00010" in await lab.digest(DAY1, channel="C2")


async def test_repeated_thumbs_down_earns_one_suggestion_for_the_owner(lab: Lab) -> None:
    unwanted = [
        with_affiliations("2603.00021", "Diffusion models for traffic signal control", DAY2,
                          DEEPMIND),
        with_affiliations("2603.00022", "Control of diffusion processes in networks", DAY2,
                          DEEPMIND),
        with_affiliations("2603.00023", "Diffusion-based control of soft grippers", DAY2,
                          DEEPMIND),
        with_affiliations("2603.00024", "Optimal control of reaction-diffusion equations",
                          DAY2, DEEPMIND),
    ]
    wanted = [
        with_affiliations("2603.00031", "Diffusion planning for manipulation", DAY2, DEEPMIND),
        with_affiliations("2603.00032", "Long-horizon planning with diffusion", DAY2, DEEPMIND),
    ]
    await lab.core.stores.papers.upsert_papers([*unwanted, *wanted])
    await lab.say("topic add diffusion-planning diffusion AND (planning OR control)")
    cards = await lab.digest(DAY2)
    assert set(cards) == {p.key for p in (*unwanted, *wanted)}
    for good in wanted:
        assert await lab.react(cards[good.key], ANA, "👍")
    # Two 👎, one taken back, then another: two stand, no suggestion yet.
    assert await lab.react(cards["2603.00021"], ANA, "👎")
    assert await lab.react(cards["2603.00022"], BO, "👎")
    assert await lab.react(cards["2603.00022"], BO, "👎", removed=True)
    assert await lab.react(cards["2603.00022"], ANA, "👎")
    assert lab.channel_texts() == []
    # The third: the owner is told, once, in the channel.
    assert await lab.react(cards["2603.00023"], ANA, "👎")
    (suggestion,) = lab.channel_texts()
    assert suggestion.mentions == ("UANA",)
    edited = "(diffusion AND (planning OR control)) -control"
    assert suggestion.body.splitlines() == [
        "Your topic `diffusion-planning` got 👎 on 3 of its last 5 rated paper cards.",
        "The unwanted matches came through `control` (in 3 of the 👎 papers, none of the 👍 "
        "ones).",
        "This edit leaves out 3 of the 3 👎 papers and keeps all 2 👍 ones; the preview "
        "compares it with your topic on the last 7 days:",
        f"  /scoop preview vs diffusion-planning {edited}",
        f"If you like it, `/scoop topic edit diffusion-planning {edited}` saves it. This "
        "suggestion is sent once for this query.",
    ]
    assert await lab.react(cards["2603.00024"], ANA, "👎")
    assert await lab.react(cards["2603.00024"], BO, "👎")
    assert len(lab.channel_texts()) == 1  # once

    # The exact command it gave shows what changes on the last 7 days.
    preview = await lab.say(f"preview vs diffusion-planning {edited}")
    assert "would have matched 2 of 6 papers." in preview
    assert ("Compared with topic diffusion-planning (@ana), which matched 6 of them: "
            "4 no longer matched, 0 newly matched.") in preview
    assert preview.count("  - no longer: ") == 3  # three examples of the four

    # A new query is a new topic to judge: its own cards, its own one suggestion.
    await lab.say("topic edit diffusion-planning diffusion AND (planning OR control*)")
    assert await lab.react(cards["2603.00021"], ANA, "👎", removed=True)
    assert await lab.react(cards["2603.00021"], ANA, "👎")
    assert len(lab.channel_texts()) == 2


async def test_no_suggestion_when_no_edit_keeps_the_good_papers(lab: Lab) -> None:
    papers = [with_affiliations(f"2603.0004{i}", f"Diffusion planning study {i}", DAY2,
                                DEEPMIND) for i in range(1, 6)]
    await lab.core.stores.papers.upsert_papers(papers)
    await lab.say("topic add plans diffusion planning")
    cards = await lab.digest(DAY2)
    await lab.react(cards[papers[0].key], ANA, "👍")
    for p in papers[1:]:
        await lab.react(cards[p.key], ANA, "👎")
    # Every 👎 paper hit exactly the terms the 👍 one did: no term to blame, nothing sent.
    assert lab.channel_texts() == []


async def test_a_suggestion_the_platform_refused_is_sent_with_the_next_thumbs_down(
        lab: Lab) -> None:
    papers = [with_affiliations(f"2603.0005{i}", title, DAY2, DEEPMIND) for i, title in
              enumerate(["Diffusion control of traffic", "Diffusion control of grids",
                         "Diffusion control of swarms", "Diffusion control of robots",
                         "Diffusion planning of routes"])]
    await lab.core.stores.papers.upsert_papers(papers)
    await lab.say("topic add routes diffusion AND (planning OR control)")
    cards = await lab.digest(DAY2)
    port = lab.core.ports[PLATFORM]
    post = port.post
    refused: list[object] = []

    async def refuse_texts(channel_id: str, message: object, thread: object = None) -> object:
        if isinstance(message, Text):
            refused.append(message)
            raise ConnectionError("platform down")
        return await post(channel_id, message, thread)  # type: ignore[arg-type]

    port.post = refuse_texts  # type: ignore[method-assign]
    assert await lab.react(cards[papers[4].key], ANA, "👍")
    for p in papers[:3]:
        assert await lab.react(cards[p.key], ANA, "👎")  # kept, whatever the platform says
    assert len(refused) == 1 and lab.channel_texts() == []
    port.post = post  # type: ignore[method-assign]
    assert await lab.react(cards[papers[3].key], ANA, "👎")
    (suggestion,) = lab.channel_texts()
    assert "got 👎 on 4 of its last 5 rated paper cards" in suggestion.body
