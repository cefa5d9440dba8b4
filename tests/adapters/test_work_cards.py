"""A journal paper's card on every platform: the venue named, the DOI linked, the publication
date given, and none of it able to ping or break markup (the card the institution watch posts
for a real OpenAlex work: "Augmenting large language models with chemistry tools")."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from adapters.discord.render import render as render_discord
from adapters.plain import render as render_plain
from adapters.slack.render import render as render_slack
from bot.core.digests.compose import Overlap, TopicMatch, build_card
from bot.messages import LabBadge, MemberMatch, PaperCard
from bot.sources.openalex import parse_openalex
from tests.fixture_files import fixture_bytes

CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
DOI = "10.1038/s42256-024-00832-8"


class Topic:
    id, platform, workspace, member_id, member_name = 1, "console", "W", "ana", "ana"
    name, query, paused = "chem-agents", "chemistry AND tools", False


def work_card() -> PaperCard:
    works = {p.key: p for p in parse_openalex(fixture_bytes(CHEMCROW)).papers}
    work = works["openalex:W4396723768"]
    return build_card(Overlap(work, (TopicMatch(Topic(), 2.0, ("chemistry", "tools")),), ()))


def hostile_card() -> PaperCard:
    return PaperCard(
        paper_key="openalex:W1", title="T", url="https://doi.org/10.1/x",
        labs=(LabBadge("IBM", "IBM Research", "IBM Research - Zurich", "institution-id"),),
        authors=("A",), et_al=False, matches=(MemberMatch("ana", "t", (), "ana"),),
        categories=(), announced=None, abstract_opening="", marker="sw:openalex:W1",
        venue="Proc. <!channel> @everyone *Conf* | [x](https://evil.example)",
        doi="10.1000/a<b>|c)d](e", published=date(2024, 5, 8))


def test_the_card_of_a_work_names_venue_doi_and_publication_date() -> None:
    card = work_card()
    assert (card.venue, card.doi, card.published, card.announced) == (
        "Nature Machine Intelligence", DOI, date(2024, 5, 8), None)
    assert card.url == f"https://doi.org/{DOI}" and card.categories == ()


def test_console_card() -> None:
    text = render_plain(work_card())
    assert (f"  Nature Machine Intelligence · https://doi.org/{DOI} · published 2024-05-08"
            in text.splitlines())


def test_slack_card_links_the_doi() -> None:
    msg = render_slack(work_card())
    contexts = [e["text"] for b in msg.blocks if b["type"] == "context" for e in b["elements"]]
    facts = next(t for t in contexts if "Nature Machine Intelligence" in t)
    assert facts == (f"Nature Machine Intelligence · <https://doi.org/{DOI}|doi:{DOI}> · "
                     "published 2024-05-08")


def test_discord_card_links_the_doi() -> None:
    (embed,) = render_discord(work_card()).embeds
    field = next(f for f in embed.fields if f.name == "Published in")
    assert field.value == (f"Nature Machine Intelligence · [doi:{DOI}](https://doi.org/{DOI}) "
                           "· published 2024-05-08")
    assert embed.url == f"https://doi.org/{DOI}"


def test_hostile_venue_and_doi_stay_inert_everywhere() -> None:
    card = hostile_card()
    assert card.doi_url == "https://doi.org/10.1000/a%3Cb%3E%7Cc%29d%5D%28e"
    slack = json.dumps(render_slack(card).blocks)
    assert "<!channel>" not in slack and "@everyone" not in slack
    assert "https://evil.example|" not in slack  # the venue's text is no link
    assert f"<{card.doi_url}|doi:10.1000/a&lt;b&gt;|c)d](e>" in slack.replace('\\"', '"')
    (embed,) = render_discord(card).embeds
    field: Any = next(f for f in embed.fields if f.name == "Published in")
    assert "@everyone" not in field.value and r"\[x](https://evil.example)" in field.value
    assert f"[doi:10.1000/a<b>\\|c)d\\](e]({card.doi_url})" in field.value  # the only link
    assert "published 2024-05-08" in render_plain(card)
