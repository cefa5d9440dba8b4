"""``/scoop topic seed NAME ARXIV_ID...``: a member's own papers anchor a topic's related papers.

Related papers (the optional semantic extra) are found by closeness to a topic's centroid; the
member's own papers pull that centroid towards their work. The ids are checked here, before
anything is written: every id must be an arXiv id and every paper must be in the store, or
nothing is seeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import CommandError, ParsedCommand
from bot.messages import Block, Code, Text, item, line, shorten
from bot.models import Paper, split_arxiv_id
from bot.ports import CommandResult

MAX_IDS = 20  # papers one command may seed
QUOTED = 40  # characters of a bad id quoted back
INSTALL = ("Related papers need the optional semantic extra, which this bot does not have: "
           "install it with pip install 'scoopwatch[semantic]' and restart the bot.")


class SeedActions(Protocol):
    """The semantic extra's seeding (``bot.core.related.service.RelatedPapers.seed``)."""

    async def seed(self, topic_id: int, papers: Sequence[Paper]) -> tuple[int, int]: ...


def parse_ids(text: str) -> list[str]:
    """The arXiv ids (without version) in ``text``, separated by spaces or commas, in order,
    each once; a ``CommandError`` names the first word that is not an arXiv id."""
    words = text.replace(",", " ").split()
    if not words:
        raise CommandError("Give at least one arXiv id, e.g. /scoop topic seed NAME 2411.18562.")
    if len(words) > MAX_IDS:
        raise CommandError(f"At most {MAX_IDS} papers at a time ({len(words)} given).")
    keys: list[str] = []
    for word in words:
        try:
            key, _version = split_arxiv_id(word)
        except ValueError:
            raise CommandError(f'"{shorten(word, QUOTED)}" is not an arXiv id '
                               "(e.g. 2411.18562, 2411.18562v2 or hep-th/9901001).") from None
        keys.append(key)
    return list(dict.fromkeys(keys))


async def seed(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic seed NAME ARXIV_ID...``."""
    related = ctx.services.related
    if related is None:
        raise CommandError(INSTALL)
    name = cmd.args["name"]
    keys = parse_ids(cmd.args["ids"])
    stores = ctx.services.stores
    topic = await stores.topics.get(ctx.platform, ctx.workspace, ctx.member_id, name)
    if topic is None:
        raise CommandError(f'You have no topic named "{name}". See /scoop topic list.')
    papers = await stores.papers.get_many(keys)
    missing = [key for key in keys if key not in papers]
    if missing:
        noun = "This paper is" if len(missing) == 1 else "These papers are"
        raise CommandError(
            f"{noun} not in the store yet: {', '.join(missing)}. The bot reads arXiv's daily "
            "listing and cannot fetch single papers: load them with scoopwatch ingest FILE (an "
            "arXiv API response for those ids, or one JSON Lines record per paper), then seed "
            "again. Nothing was seeded.")
    added, total = await related.seed(topic.id, [papers[key] for key in keys])
    blocks: list[Block] = [line(
        f'Topic "{name}" has {total} seed paper{"" if total == 1 else "s"} '
        f"({added} new):")]
    blocks += [item(shorten(papers[key].title, 120), " (", Code(key), ")") for key in keys]
    blocks.append(line("Digests also show up to 3 industry papers per topic that are close in "
                       "meaning to these and to the topic's matched papers but share none of "
                       'its keywords, marked "Related, no shared keywords".'))
    return CommandResult((Text(blocks),))
