"""What members read never leaks internals, whatever they type and however a source fails.

The real core (``bot.app.build_core``: parser, handlers, digest service, pipeline) on a real
store, with the real arXiv feed fetcher and OpenAlex client on the real polite HTTP client,
whose transport fails the way networks and servers do. Hypothesis drives command texts
(100 KB tokens included) and source failures; no reply, quiet digest or ``/scoop status``
may carry a URL to an API host, an exception class name, or more than a short quote of what
was typed.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import httpx
import pytest
from fakes_digest import CHANNEL, PLATFORM, WORKSPACE, FakePlatform, FakePort
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.ingest.pipeline import Pipeline
from bot.messages import ECHO_CHARS, DigestHeader, File, Message, Text, plain_text
from bot.models import AnnounceType, Author, Paper
from bot.ports import Actor, CommandEvent
from bot.sources.arxiv_feed import ArxivFeedFetcher
from bot.sources.http import PoliteClient
from bot.sources.openalex_client import OpenAlexClient
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from bot.topics.query import MAX_CHARS
from tests.fixture_files import LISTING, fixture_path

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
DAY = date(2024, 11, 28)
API_KEY = "oa-SENTINEL-key-4711"
API_URL = re.compile(r"https?://(?:[\w.-]*arxiv\.org/(?!abs/)|api\.openalex\.org|127\.0\.0\.1|"
                     r"localhost|10\.\d)", re.IGNORECASE)
CLASS_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Timeout)\b|Traceback")
FEED_ERROR = fixture_path("arxiv_rss/aioarxiv_2024-11-28_error_rss_mock_feed.xml").read_bytes()
LISTING_HEAD = fixture_path(LISTING).read_bytes()[:6000]


@dataclass
class Network:
    """What the transport does with the next requests, per host."""

    arxiv: str = "ok"
    openalex: str = "ok"
    requests: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        mode = self.openalex if request.url.host == "api.openalex.org" else self.arxiv
        return answer(mode, request)


def answer(mode: str, request: httpx.Request) -> httpx.Response:
    match mode:
        case "connect":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        case "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        case "reset":
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        case "bug":  # something the client does not expect at all
            raise RuntimeError(f"internal state broken at {request.url} (KeyError: 'x')")
        case "503" | "429" | "500":
            return httpx.Response(int(mode), text="<html><body>Service Unavailable</body></html>")
        case "401":
            return httpx.Response(401, json={"error": "Invalid API key",
                                              "message": f"key {API_KEY} is not valid"})
        case "html":
            return httpx.Response(200, text="<!DOCTYPE html><html><body>down for maintenance"
                                            "</body></html>")
        case "truncated":
            return httpx.Response(200, content=LISTING_HEAD)
        case "feed-error":
            return httpx.Response(200, content=FEED_ERROR)
        case "json-garbage":
            return httpx.Response(200, content=b'{"results": "nope", "meta": 3')
    return httpx.Response(200, json={"meta": {"count": 0}, "results": []})


FAILURES = ["connect", "timeout", "reset", "bug", "503", "429", "500", "401", "html",
            "truncated", "feed-error", "json-garbage"]


@dataclass
class Lab:
    loop: asyncio.AbstractEventLoop
    core: Core
    pipeline: Pipeline
    platform: FakePlatform
    network: Network
    db: Database
    client: PoliteClient

    def run(self, coro):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(coro)

    def command(self, text: str) -> tuple[bool, str]:
        event = CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor("U1", "ana"), text)
        result = self.run(self.core.handle_command(event))
        return result.ok, "\n".join(shown(m) for m in result.messages)


def shown(message: Message) -> str:
    """Every text of a message a member can read."""
    if isinstance(message, Text):
        return plain_text(message.blocks) + (message.title or "")
    if isinstance(message, DigestHeader):
        return " ".join(filter(None, (message.quiet_reason, message.more_hint)))
    if isinstance(message, File):
        return f"{message.filename} {message.title} {message.comment or ''}"
    return json.dumps(message, default=str)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    loop = asyncio.new_event_loop()
    network = Network()

    async def nap(_seconds: float) -> None:
        return None

    async def setup() -> Lab:
        db = await Database.open(tmp_path_factory.mktemp("lab") / "lab.db")
        await PaperStore(db).upsert_papers([Paper(
            key="2411.00001", title="Diffusion planning for robots", abstract="",
            arxiv_id="2411.00001", version=1, authors=(Author("Ana Lima"),),
            categories=("cs.LG",), primary_category="cs.LG", announced=date(2024, 11, 20),
            announce_type=AnnounceType.NEW)])
        client = PoliteClient(contact_email="lab@example.org",
                              transport=httpx.MockTransport(network.handle), sleep=nap,
                              max_attempts=3, min_interval={}, default_interval=0.0)
        config = build_config({"digest": {"mode": "all-papers"}}, env={})
        fetcher = ArxivFeedFetcher(client, ["cs.LG"], "https://rss.arxiv.org",
                                   today=lambda: DAY)
        openalex = OpenAlexClient(client, API_KEY, "lab@example.org")
        core, scheduler = build_core(config, Stores.on(db), clock=lambda: NOW,
                                     fetcher=fetcher, openalex=openalex)
        platform = FakePlatform()
        core.register_port(FakePort(platform))
        assert scheduler.pipeline is not None
        return Lab(loop, core, scheduler.pipeline, platform, network, db, client)

    running = loop.run_until_complete(setup())
    yield running
    loop.run_until_complete(running.core.digest.stop_background())  # type: ignore[union-attr]
    loop.run_until_complete(running.client.aclose())
    loop.run_until_complete(running.db.close())
    loop.close()


def flat(text: str) -> str:
    return " ".join(text.split())


def longest_echo_at_most(reply: str, typed: str, limit: int) -> bool:
    """Whether no run of more than ``limit`` characters of ``typed`` appears in ``reply``
    (whitespace collapsed on both sides, as replies quote it)."""
    reply, typed = flat(reply), flat(typed)
    size = limit + 1
    return all(typed[i : i + size] not in reply for i in range(len(typed) - size + 1))


def assert_safe(text: str) -> None:
    assert not API_URL.search(text), text
    assert not CLASS_NAME.search(text), text
    assert API_KEY not in text, text


WORDS = ["topic", "add", "edit", "remove", "pause", "resume", "list", "all", "preview",
         "subscribe", "unsubscribe", "digest", "now", "since", "notes", "export", "md", "csv",
         "json", "labs", "status", "help", "mon,thu", "daily", "mon-fri", "09:00", "25:99",
         "Europe/Berlin", "all-papers", "industry-only", "@ana", "<@U1>", "@everyone",
         "2024-11-27", "2024-13-45", "(", ")", "AND", "OR", "NOT", '"', "ti:", "abs:", "x*"]
long_token = st.builds(lambda piece, n: piece * n,
                       st.sampled_from(["x", "é", "/", "@", "a-", "a,", "(", "ti:", "\u202e"]),
                       st.integers(ECHO_CHARS + 1, 100_000))
token = st.one_of(st.sampled_from(WORDS), st.text(max_size=30).filter(lambda t: t.strip()),
                  long_token)
command_text = st.lists(token, max_size=8).map(" ".join).filter(
    lambda t: "://" not in t and not CLASS_NAME.search(t))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=command_text)
@example(text="x" * 100_000)  # an unknown command, a 100 KB token
@example(text="topic add " + "y" * 100_000)
@example(text="subscribe mon,thu " + "a/" * 50_000)
@example(text="notes @" + "n" * 100_000)
@example(text="help " + "h" * 100_000)
@example(text="digest now since " + "9" * 100_000)
@example(text="preview (" + "z " * 400)
def test_replies_quote_little_of_what_was_typed_and_nothing_internal(lab: Lab, text: str) -> None:
    ok, reply = lab.command(text)
    assert_safe(reply)
    # An error quotes at most ECHO_CHARS (a space either side may join the run); a saved query
    # is shown back whole, up to its limit.
    limit = ECHO_CHARS + 2 if not ok else MAX_CHARS
    assert longest_echo_at_most(reply, text, limit), reply[:300]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arxiv=st.sampled_from(FAILURES), openalex=st.sampled_from(FAILURES))
@example(arxiv="connect", openalex="401")
def test_source_failures_reach_members_as_plain_words(lab: Lab, arxiv: str,
                                                       openalex: str) -> None:
    lab.network.arxiv, lab.network.openalex = arxiv, openalex
    lab.run(lab.pipeline.run_fetch(DAY))
    lab.run(lab.pipeline.run_enrichment(["2411.00001"]))
    posted = len(lab.platform.messages)
    _ok, digest = lab.command("digest now since 2024-11-27")
    quiet = [shown(p.message) for p in lab.platform.messages[posted:]]
    _ok, status = lab.command("status")
    for text in (digest, status, *quiet):
        assert_safe(text)
    assert "FAILING:" in status  # the source and a short reason are still named there
    assert quiet and all("source failure" in q for q in quiet), quiet


def test_a_quiet_digest_says_what_failed_in_plain_words(lab: Lab) -> None:
    lab.network.arxiv = "connect"
    lab.run(lab.pipeline.run_fetch(DAY))
    posted = len(lab.platform.messages)
    lab.command("digest now since 2024-11-27")
    [header] = [p.message for p in lab.platform.messages[posted:]]
    assert isinstance(header, DigestHeader)
    assert header.quiet_reason == ("source failure - arXiv fetch for 2024-11-28: could not be "
                                   "reached (3 tries)")
    _ok, status = lab.command("status")
    assert "arXiv feed (fetch): last ok never" in status
    assert "FAILING: could not be reached (3 tries)" in status


def test_the_log_keeps_the_details(lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    lab.network.arxiv = "503"
    lab.run(lab.pipeline.run_fetch(DAY))
    assert "HTTP 503" in caplog.text and "rss.arxiv.org" in caplog.text


def test_an_unknown_command_quotes_only_the_start_of_a_huge_token(lab: Lab) -> None:
    ok, reply = lab.command("q" * 100_000)
    assert not ok and reply.startswith('unknown command "' + "q" * (ECHO_CHARS - 1) + '…"')
    assert len(reply) < 200


def test_counts_agree_with_their_nouns(lab: Lab) -> None:
    """Every count in the status line has its noun in the right number ("1 paper", "0 notes").
    The lab is shared by the module's tests (fuzzed commands may have added a topic), so the
    agreement is checked whatever the counts are; the seeded paper makes one of them 1."""
    lab.network.arxiv = "ok"
    _ok, status = lab.command("status")
    [line] = [x for x in status.splitlines() if x.startswith("Counts: ")]
    counts = re.findall(r"(\d+) ((?:active )?(?:paper|topic|note)s?)", line)
    assert len(counts) == 4, line
    for number, noun in counts:
        assert noun.endswith("s") == (number != "1"), line
    assert counts[0][0] == "1", line
