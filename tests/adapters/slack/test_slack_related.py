"""Related papers (the semantic extra) on Slack, end to end: the lab of ``slack_lab`` (real
core, store, matcher and model on arXiv's 2024-11-28 listing; Bolt over signed HTTP against
the fake Web API). The related card's topics field is headed "Related, no shared keywords" and
its fallback text says so; it gets its thread and prompt, and a reaction on it is feedback.

The two affiliations below are made up for the test (real papers and author names).
"""

from __future__ import annotations

from slack_lab import ANA, Lab
from slack_payloads import CHANNEL, reaction_added

from bot.messages import RELATED_LABEL
from bot.sources.jsonl import parse_jsonl
from bot.store.events import FeedbackStore
from bot.store.papers import PaperStore
from tests.test_scenario_console import jsonl
from tests.test_scenario_related import GAPART

INDUSTRY = [
    {"id": "2411.18562", "announced": "2024-11-28", "title": "DexDiffuser: Interaction-aware "
     "Diffusion Planning for Adaptive Dexterous Manipulation",
     "authors": [{"name": "Yao Mu", "affiliations": ["Google DeepMind, London, UK"]}]},
    {"id": "2411.18276", "announced": "2024-11-28", "title": GAPART,
     "authors": [{"name": "Wenbo Cui", "affiliations": ["NVIDIA Research"]}]},
]


async def test_related_card_is_marked_threaded_and_takes_reactions(lab: Lab) -> None:
    await PaperStore(lab.db).upsert_papers(parse_jsonl(jsonl(INDUSTRY)).papers)
    await lab.command('topic add diffusion-planning diffusion AND (planning OR '
                      '"trajectory optimization")')
    seeded = await lab.command("topic seed diffusion-planning 2411.18623")
    assert seeded is not None and "has 1 seed paper" in seeded["text"], seeded
    answer = await lab.command("digest now")
    assert answer is not None and "Also 1 related paper with no shared keywords." in \
        answer["text"], answer

    history = lab.fake.posted(CHANNEL)
    top = [m for m in history if "thread_ts" not in m]
    header, keyword, related = top
    assert header["blocks"][0]["type"] == "header"
    assert keyword["text"].startswith("DexDiffuser") and RELATED_LABEL not in keyword["text"]
    assert related["text"].startswith(f"{RELATED_LABEL}: {GAPART}")
    assert "[sw:paper:" in related["text"]  # the marker stays last, where find_marker reads it
    fields = [f["text"] for b in related["blocks"] if b["type"] == "section"
              for f in b.get("fields", [])]
    assert [f.split("\n")[0] for f in fields] == [f"*{RELATED_LABEL}*"]
    assert "diffusion-planning (ana)" in fields[0]
    keyword_fields = [f["text"] for b in keyword["blocks"] if b["type"] == "section"
                      for f in b.get("fields", [])]
    assert keyword_fields[0].startswith("*Topics*\n")
    # Its own thread and prompt, asking the topic's owner.
    [prompt] = [m for m in history if m.get("thread_ts") == related["ts"]]
    assert f"<@{ANA}>" in prompt["blocks"][0]["text"]["text"]

    await lab.event(reaction_added(ANA, "thumbsup", related["ts"]))
    assert await FeedbackStore(lab.db).count("slack", "2411.18276") == 1
