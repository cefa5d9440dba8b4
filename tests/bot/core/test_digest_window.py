"""The window digests share: a workspace's topic matches are built once, even by digests
composing at the same time in worker threads."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from fakes_digest import paper

from bot.core.digests import compose as d
from bot.core.digests import window as w
from bot.store.overlaps import OverlapRow


@dataclass(frozen=True)
class T:
    id: int
    member_id: str
    name: str
    member_name: str = "Ana"
    query: str = "q"


def test_two_digests_at_once_build_one_set_of_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []

    def slow(overlaps: object, topics: object) -> dict[str, tuple[d.TopicMatch, ...]]:
        builds.append(1)
        time.sleep(0.05)  # long enough for the other thread to ask meanwhile
        return d.topic_matches(overlaps, topics)  # type: ignore[arg-type]

    monkeypatch.setattr(w, "topic_matches", slow)
    topics = {1: T(1, "U1", "diffusion")}
    window = w.Window([paper("a", "A")], {"a": [OverlapRow("a", 1, 2.0, ())]}, {})
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(window.matches_for(topics)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert got[0] is got[1] and set(got[0]) == {"a"}  # type: ignore[arg-type]


def test_a_renamed_topic_is_not_served_stale_matches() -> None:
    window = w.Window([paper("a", "A")], {"a": [OverlapRow("a", 1, 2.0, ())]}, {})
    before = window.matches_for({1: T(1, "U1", "diffusion")})
    after = window.matches_for({1: T(1, "U1", "score models")})
    assert before["a"][0].topic.name == "diffusion"
    assert after["a"][0].topic.name == "score models"
