"""A lab with four weeks of known history, for the trend tests on the core and every adapter.

The lab's time zone is Europe/Berlin and "now" is Monday 30 November 2026, 09:00 UTC, so the
last four weeks start on 9, 16, 23 and 30 November. What the chart of ``diffusion-planning``
over those four weeks must show (:data:`EXPECTED`):

* week of 9 Nov: Microsoft 1 (announced Tue 10th), NVIDIA 1 (harvested by backfill: no
  announcement, first version dated Thu 12th);
* week of 16 Nov: Google 1 and Meta 1 (a paper flagged for Meta and, more weakly, Google
  counts once, for Meta) and one note;
* week of 23 Nov: Google 1, and one note written at 00:30 on Monday 23rd in Berlin, which is
  still Sunday 22nd in UTC (the week boundary is the lab's);
* this week: nothing yet.

Left out on purpose: a university-only paper, a replacement of an old paper, a Google paper of
July (outside four weeks, inside 26), a deleted note, and another workspace's topic and note.
The ``rlhf`` topic adds an Anthropic paper and a note in the week of 23 Nov to the all-topics
chart.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.store.notes import NoteDraft
from bot.store.stores import Stores

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TIMEZONE = "Europe/Berlin"
WEEKS = (date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30))
EXPECTED = [  # (Monday, papers per company, notes) for diffusion-planning, 4 weeks
    (WEEKS[0], {"Microsoft": 1, "NVIDIA": 1}, 0),
    (WEEKS[1], {"Google": 1, "Meta": 1}, 1),
    (WEEKS[2], {"Google": 1}, 1),
    (WEEKS[3], {}, 0),
]
EXPECTED_ALL = [  # the same for every topic of the lab
    (WEEKS[0], {"Microsoft": 1, "NVIDIA": 1}, 0),
    (WEEKS[1], {"Google": 1, "Meta": 1}, 1),
    (WEEKS[2], {"Google": 1, "Anthropic": 1}, 2),
    (WEEKS[3], {}, 0),
]
DIFFUSION, RLHF = "diffusion-planning", "rlhf"

GOOGLE = "Google DeepMind, London, UK"
META = "Meta AI (FAIR), Menlo Park"


def paper(key: str, title: str, affiliations: tuple[str, ...], announced: date | None, *,
          kind: AnnounceType | None = AnnounceType.NEW, published: date | None = None,
          abstract: str = "We study planning with diffusion models.") -> Paper:
    authors = tuple(Author(f"Author {i}", (Affiliation(a, AffiliationSource.JSONL),))
                    for i, a in enumerate(affiliations))
    return Paper(key=key, arxiv_id=key, title=title, abstract=abstract, authors=authors,
                 categories=("cs.LG",), announced=announced,
                 announce_type=kind if announced is not None else None,
                 published=published or announced)


PAPERS = (
    paper("2611.00001", "Diffusion planning for legged robots", (GOOGLE,), date(2026, 11, 24)),
    paper("2611.00002", "Diffusion planning with value guidance", ("Google Research, Zurich",),
          date(2026, 11, 16)),
    # A co-author who worked at Google joins (fix_two_company_paper): the paper counts once,
    # for Meta, its stronger flag.
    paper("2611.00003", "Planning as diffusion over skills", (META, "Meta AI (FAIR), Paris"),
          date(2026, 11, 17)),
    paper("2611.00004", "Offline diffusion planning", ("Microsoft Research, Cambridge",),
          date(2026, 11, 10)),
    paper("2611.00005", "Diffusion planning in the wild", ("University of Tübingen",),
          date(2026, 11, 25)),
    paper("2301.00006", "Diffusion planning, revisited (v3)", (GOOGLE,), date(2026, 11, 24),
          kind=AnnounceType.REPLACE, published=date(2023, 1, 2)),
    paper("2611.00007", "Hierarchical diffusion planning", ("NVIDIA Research, Santa Clara",),
          None, published=date(2026, 11, 12)),
    paper("2607.00008", "Diffusion planning for manipulation", (GOOGLE,), date(2026, 7, 6)),
    paper("2611.00009", "Scaling RLHF with synthetic critiques", ("Anthropic, San Francisco",),
          date(2026, 11, 24), abstract="Reward models for RLHF."),
)
_META_AND_GOOGLE = "2611.00003"


def fix_two_company_paper(papers: tuple[Paper, ...] = PAPERS) -> tuple[Paper, ...]:
    """The Meta paper gets a co-author formerly at Google (a weaker flag): it still counts
    once, for Meta."""
    out = []
    for p in papers:
        if p.key == _META_AND_GOOGLE:
            extra = Author("Co Author", (Affiliation("Work done while at Google DeepMind",
                                                     AffiliationSource.JSONL),))
            p = replace(p, authors=(*p.authors, extra))
        out.append(p)
    return tuple(out)


async def seed(stores: Stores, platform: str, workspace: str, member: str = "ana",
               channel: str = "C1") -> None:
    """The papers, the two topics, the notes (and the other lab's topic and note)."""
    await stores.papers.upsert_papers(list(fix_two_company_paper()), now=NOW)
    await stores.members.upsert(platform, workspace, member, member, NOW)
    await stores.topics.add(platform, workspace, member, DIFFUSION, "diffusion AND planning",
                            NOW)
    await stores.topics.add(platform, workspace, member, RLHF, "RLHF", NOW)
    await stores.topics.add(platform, "another-lab", "zoe", DIFFUSION, "diffusion", NOW)
    notes = [
        (workspace, "m1", "2611.00002", (DIFFUSION,), datetime(2026, 11, 16, 10, tzinfo=UTC)),
        # 00:30 on Monday 23 Nov in Berlin: the week of the 23rd, though UTC says Sunday.
        (workspace, "m2", "2611.00001", (DIFFUSION,), datetime(2026, 11, 22, 23, 30, tzinfo=UTC)),
        (workspace, "m3", "2611.00009", (RLHF,), datetime(2026, 11, 25, 8, tzinfo=UTC)),
        (workspace, "m4", "2611.00001", (DIFFUSION,), datetime(2026, 11, 24, 8, tzinfo=UTC)),
        ("another-lab", "m5", "2611.00001", (DIFFUSION,), datetime(2026, 11, 24, 9, tzinfo=UTC)),
    ]
    for space, message, key, topics, at in notes:
        note, _ = await stores.notes.add(NoteDraft(platform, space, channel, "root", message,
                                                   key, "A paper", None, topics, member,
                                                   member, "Ours differs.", at))
        if message == "m4":
            await stores.notes.mark_deleted(note.id, NOW)
