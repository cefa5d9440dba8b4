"""The demo's bundled day: an unchanged excerpt of the recorded listing, real affiliation
records that all attach to its papers, shipped as package data, and a demo database that is
never the user's."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config_models import DEFAULT_CATEGORIES
from bot.demo import (
    AFFILIATIONS_FILE,
    LISTING_FILE,
    ORIGINS_FILE,
    data_files,
    demo_database,
    recorded_day,
)
from bot.errors import ScoopwatchError
from bot.models import AffiliationSource
from tests.fixture_files import LISTING, fixture_bytes

ITEM = re.compile(rb"    <item>\n.*?</item>\n", re.S)
REPO = Path(__file__).resolve().parents[2]


def bundled_listing() -> bytes:
    return gzip.decompress(data_files().joinpath(LISTING_FILE).read_bytes())


def test_bundled_listing_is_the_recorded_day_cut_to_the_default_categories() -> None:
    recorded, bundled = fixture_bytes(LISTING), bundled_listing()
    items = list(ITEM.finditer(recorded))
    assert len(items) == 1504
    wanted = {c.encode() for c in DEFAULT_CATEGORIES}
    kept = [m.group() for m in items
            if wanted & set(re.findall(rb"<category>(.*?)</category>", m.group()))]
    head, tail = recorded[:items[0].start()], recorded[items[-1].end():]
    assert bundled == head + b"".join(kept) + tail
    assert len(kept) == 517


def test_every_affiliation_record_attaches_to_a_paper_of_the_day() -> None:
    day = recorded_day()
    assert len(day.listing) == 517
    assert [p.key for p in day.affiliations] == [
        "2411.18444", "2411.17760", "2411.17826", "2411.17869", "2411.18377"]
    listing = {p.key: p for p in day.listing}
    for paper in day.affiliations:
        assert paper.title == listing[paper.key].title
        sources = {f.source for a in paper.authors for f in a.affiliations}
        assert sources == {AffiliationSource.PAPERLIST}
    meta = day.affiliations[-1]
    assert {f.name for a in meta.authors for f in a.affiliations} == {"Meta Reality Labs Zurich"}


def test_records_keep_only_bibliographic_keys_with_their_recorded_values() -> None:
    records = json.loads(data_files().joinpath(AFFILIATIONS_FILE).read_text(encoding="utf-8"))
    allowed = ["id", "title", "author", "aff", "aff_domain", "email", "site"]
    for record in records:
        assert set(record) <= set(allowed), record["id"]
    # The CoRL 2024 list is also a test fixture (same Paper Copilot snapshot): values unchanged.
    corl = json.loads(fixture_bytes("industry-eval/paperlists/paperlists_corl2024.json"))
    original = next(r for r in corl if r["id"] == "bftFwjSJxk")
    bundled = next(r for r in records if r["id"] == "bftFwjSJxk")
    assert bundled == {key: original[key] for key in original if key in allowed}


def test_a_broken_bundle_is_an_error_not_a_silent_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.demo._title_key", lambda title: title)  # nothing lines up
    with pytest.raises(ScoopwatchError, match="demo data: no paper of the listing is titled"):
        recorded_day()


def test_package_data_ships_in_the_built_package(tmp_path: Path) -> None:
    """What setuptools puts in the wheel (``build_py`` output), then the demo's loader run from
    there in a fresh interpreter, so the data is found without the source tree."""
    source, build = tmp_path / "source", tmp_path / "build"
    # A clean copy: an egg-info left in the checkout would list files pyproject no longer does.
    clutter = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("bot", "adapters"):
        shutil.copytree(REPO / folder, source / folder, ignore=clutter)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q",
                    "build_py", "--build-lib", str(build)],
                   cwd=source, check=True, capture_output=True)
    shipped = build / "bot" / "demo_data"
    for name in (LISTING_FILE, AFFILIATIONS_FILE, ORIGINS_FILE):
        assert (shipped / name).is_file(), name
    size = sum(f.stat().st_size for f in shipped.iterdir())
    assert size < 1_000_000
    probe = ("import bot.demo as d; day = d.recorded_day(); "
             "print(d.__file__, len(day.listing), len(day.affiliations))")
    env = {**os.environ, "PYTHONPATH": str(build)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, check=True,
                            capture_output=True, text=True)
    where, listed, affiliated = result.stdout.split()
    assert Path(where).is_relative_to(build)
    assert (listed, affiliated) == ("517", "5")


def test_demo_database_is_temporary_or_a_new_file(tmp_path: Path) -> None:
    with demo_database(None) as (path, kept):
        assert not kept and Path(path).name == "demo.db"
        Path(path).write_text("x")
    assert not Path(path).parent.exists()
    with demo_database(str(tmp_path / "new.db")) as (path, kept):
        assert kept and path == str(tmp_path / "new.db")
    existing = tmp_path / "mine.db"
    existing.write_bytes(b"my lab's notes")
    with pytest.raises(ScoopwatchError, match="already exists"), \
            demo_database(str(existing)):
        pass
    assert existing.read_bytes() == b"my lab's notes"
