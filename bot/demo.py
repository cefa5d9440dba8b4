"""``scoopwatch demo``: the whole loop offline, in one command, on a real recorded arXiv day.

A fresh install has an empty store and often no network, so ``scoopwatch run`` can only say
"no announcement". The demo instead loads arXiv's announcement of Thursday 28 November 2024
(bundled in ``bot.demo_data``) plus the real affiliations known for some of its papers, into a
throw-away database (or a new file the user names: never the configured one), sets the clock to
that afternoon, and opens the console with two example topics and a digest already typed, so a
new user sees industry overlaps at once and can reply in a thread and export notes. Nothing is
fetched: the bot is built without HTTP clients (``run_bot(network=False)``).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.errors import ScoopwatchError, StoreError
from bot.industry.paperlists import paperlist_paper
from bot.models import Paper
from bot.sources.arxiv_rss import parse_arxiv_rss

if TYPE_CHECKING:
    from bot.config import Config

DEMO_DAY = date(2024, 11, 28)
DEMO_START = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
"""The clock starts on the afternoon of the recorded announcement (10:00 in New York), so
"the latest announcement" and "the last 7 days" mean that day, as they would have then."""

DATA_PACKAGE = "bot.demo_data"
LISTING_FILE = "arxiv_2024-11-28_excerpt.xml.gz"
AFFILIATIONS_FILE = "paperlists_2024-11-28.json"
ORIGINS_FILE = "README.md"

SCRIPT = (
    '/scoop topic add body-tracking "body tracking" OR "pose estimation" OR "motion capture"',
    '@ana /scoop topic add mllm-feedback (multimodal OR MLLM*) AND (preference OR '
    '"self improvement" OR DPO)',
    f"/scoop digest now since {DEMO_DAY.isoformat()}",
)
"""The demo's opening, shown as typed: one topic of yours, one of a lab mate's, a digest."""


@dataclass(frozen=True, slots=True)
class RecordedDay:
    """The bundled day: the listing's papers, then one affiliation record per known paper."""

    listing: tuple[Paper, ...]
    affiliations: tuple[Paper, ...]

    @property
    def papers(self) -> list[Paper]:
        """What to upsert, listing first, so affiliations merge onto arXiv's author names."""
        return [*self.listing, *self.affiliations]


def data_files() -> Traversable:
    """The bundled data folder (a real directory in a wheel install or a checkout)."""
    return files(DATA_PACKAGE)


def recorded_day() -> RecordedDay:
    """Parse the bundled listing and attach each Paper Copilot record to its arXiv paper.

    The records carry no arXiv id, so they are matched by title (case and punctuation aside);
    a record that matches no paper means the bundle is broken, which is an error, not a skip.
    """
    data = data_files()
    listing = tuple(parse_arxiv_rss(gzip.decompress(data.joinpath(LISTING_FILE).read_bytes()))
                    .papers)
    by_title = {_title_key(p.title): p for p in listing}
    attached = []
    for record in json.loads(data.joinpath(AFFILIATIONS_FILE).read_text(encoding="utf-8")):
        found = by_title.get(_title_key(str(record.get("title", ""))))
        if found is None:
            raise ScoopwatchError(f"demo data: no paper of the listing is titled "
                                  f"{record.get('title')!r}; reinstall scoopwatch")
        record_paper = paperlist_paper(record)
        attached.append(replace(record_paper, key=found.key, title=found.title))
    return RecordedDay(listing, tuple(attached))


def _title_key(title: str) -> str:
    return re.sub(r"[\W_]+", "", title.casefold())


async def load_recorded_day(db_path: str | Path) -> RecordedDay:
    """Store the bundled day in the database at ``db_path`` (created and migrated)."""
    from bot.store.db import Database
    from bot.store.stores import Stores

    day = recorded_day()
    async with await Database.open(db_path) as db:
        await Stores.on(db).papers.upsert_papers(day.papers)
    return day


def demo_config(config: Config, db_path: str | Path) -> Config:
    """``config`` for the demo: the fallback chat (the console) alone on ``db_path``, with no
    secrets, so neither a chat platform nor OpenAlex can be reached even when tokens are
    configured."""
    from bot.config_models import Secrets
    from bot.platforms import platforms

    tables = {p.name: config.section(p.name).model_copy(update={"enabled": p.fallback})
              for p in platforms()}
    return config.with_db_path(db_path).model_copy(update={**tables, "secrets": Secrets()})


def demo_clock(start: datetime = DEMO_START) -> Callable[[], datetime]:
    """A clock that starts at ``start`` and then runs at the real pace."""
    began = datetime.now(UTC)
    return lambda: start + (datetime.now(UTC) - began)


def banner(db_path: str, kept: bool, day: RecordedDay) -> str:
    """What the demo is, where its data came from and where it writes, before the transcript."""
    where = (f"{db_path} (kept: `scoopwatch run --db {db_path}` reopens it)" if kept else
             f"{db_path} (deleted when the demo ends; `scoopwatch demo --db FILE` keeps one)")
    return "\n".join([
        "scoopwatch demo: the whole loop offline. No network is used; nothing is fetched.",
        f"  Papers: arXiv's announcement of {DEMO_DAY:%a %d %b %Y}, cs.AI/cs.CL/cs.CV/cs.LG/"
        f"stat.ML ({len(day.listing)} papers), recorded and bundled with scoopwatch.",
        f"  Affiliations: real, for the {len(day.affiliations)} of them found in conference paper "
        "lists (Paper Copilot); the rest have none yet, as on a day OpenAlex is behind.",
        f"  Origins: {data_files().joinpath(ORIGINS_FILE)}",
        f"  Clock: {DEMO_START:%Y-%m-%d %H:%M} UTC, that afternoon. Database: {where}.",
        "  Your own database and settings' tokens are not used.",
        "Two example topics and a digest follow. Then it's your turn: `reply N TEXT` answers in "
        "the thread of post #N, `react N 👍` (or 👎, 🏢) rates card #N for `/scoop stats`, "
        "`/scoop notes` lists notes, `/scoop notes export md` exports them, `quit` ends the "
        "demo.",
        "",
    ])


@contextlib.contextmanager
def demo_database(db_path: str | None) -> Iterator[tuple[str, bool]]:
    """The demo's database path and whether it is kept: a new file the user named, else a file
    in a temporary directory removed afterwards. An existing file is refused: the demo writes
    example topics and a 2024 listing into its database."""
    if db_path is not None:
        path = Path(db_path)
        if path.exists():
            raise StoreError(f"{path} already exists; the demo writes example topics and a "
                                  "2024 listing into its database, so give a new file name")
        yield str(path), True
        return
    with tempfile.TemporaryDirectory(prefix="scoopwatch-demo-") as folder:
        yield str(Path(folder) / "demo.db"), False


async def run_demo(
    config: Config, *, db_path: str | None = None, stdin: TextIO | None = None,
    stdout: TextIO | None = None, clock: Callable[[], datetime] | None = None,
    script: Sequence[str] = SCRIPT,
) -> int:
    """Load the recorded day, open the console with ``script`` already run, serve ``stdin``
    (a terminal, or a piped script that ends the demo at its end); exit status."""
    import sys

    from bot.app import run_bot

    out = stdout or sys.stdout
    with demo_database(db_path) as (path, kept):
        day = await load_recorded_day(path)
        status = await run_bot(demo_config(config, path), db_path=path, stdin=stdin, stdout=out,
                               clock=clock or demo_clock(), network=False, script=script,
                               banner=banner(path, kept, day))
        out.write(_farewell(path, kept) + "\n")
        out.flush()
    return status


def _farewell(path: str, kept: bool) -> str:
    if kept:
        return (f"Demo over. Its database is kept at {path}: `scoopwatch run --db {path}` reopens "
                "it (and, online, fetches today's papers into it).")
    return "Demo over; its database is deleted. `scoopwatch run` starts the bot for real."
