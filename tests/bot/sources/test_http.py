"""PoliteClient: spacing on a fake clock, retries, Retry-After, conditional GET, safe logs."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from polite_fakes import CONTACT, FakeClock, Script, make_client, xml

from bot.errors import SourceError
from bot.sources.http import PoliteClient, Validators, parse_retry_after, redact

ARXIV = "https://export.arxiv.org/api/query"
FAST = {"min_interval": {}, "default_interval": 0.0}  # isolate retry waits from spacing


async def test_requests_to_arxiv_are_spaced_three_seconds_apart() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("<a/>")] * 3)
    async with make_client(clock, script) as client:
        for _ in range(3):
            await client.get(ARXIV, params={"id_list": "2411.01234"})
    assert [t - script.times[0] for t in script.times] == [0.0, 3.0, 6.0]
    assert clock.sleeps == [3.0, 3.0]


async def test_spacing_is_per_host_and_skipped_when_time_already_passed() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("<a/>")] * 3)
    async with make_client(clock, script) as client:
        await client.get(ARXIV)
        await client.get("https://api.openalex.org/works")  # other host: no arXiv wait
        clock.now += 10
        await client.get(ARXIV)  # 10 s later: no wait either
    assert clock.sleeps == []


async def test_one_request_at_a_time_per_host() -> None:
    clock = FakeClock()
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        return xml("<a/>")

    client = PoliteClient(
        contact_email=CONTACT,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    async with client:
        await asyncio.gather(*(client.get(ARXIV, params={"n": i}) for i in range(4)))
    assert peak == 1
    assert clock.sleeps == [3.0, 3.0, 3.0]


async def test_user_agent_names_project_version_and_contact() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("<a/>")])
    async with make_client(clock, script) as client:
        await client.get(ARXIV)
    agent = script.requests[0].headers["User-Agent"]
    assert agent == f"scoopwatch/0.1 (+https://github.com/scoopwatch; mailto:{CONTACT})"


def test_contact_must_be_an_email_address() -> None:
    with pytest.raises(ValueError, match="e-mail"):
        PoliteClient(contact_email="nobody")


async def test_every_request_has_a_timeout() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("<a/>")])
    async with make_client(clock, script, timeout=12.5) as client:
        await client.get(ARXIV)
    assert script.requests[0].extensions["timeout"]["read"] == 12.5


async def test_429_with_retry_after_waits_that_long_then_succeeds() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("slow down", 429, {"Retry-After": "7"}), xml("<ok/>")])
    async with make_client(clock, script, **FAST) as client:
        result = await client.get(ARXIV)
    assert (result.status, result.content, result.attempts) == (200, b"<ok/>", 2)
    assert clock.sleeps == [7.0]


async def test_retry_after_http_date_is_measured_against_the_response_date() -> None:
    clock = FakeClock()
    headers = {
        "Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT",
        "Date": "Wed, 21 Oct 2026 07:28:00 GMT",
    }
    script = Script(clock, [xml("", 503, headers), xml("<ok/>")])
    async with make_client(clock, script, **FAST) as client:
        await client.get(ARXIV)
    assert clock.sleeps == [30.0]


async def test_retry_after_is_capped() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("", 429, {"Retry-After": "86400"}), xml("<ok/>")])
    async with make_client(clock, script, max_retry_after=120.0, **FAST) as client:
        await client.get(ARXIV)
    assert clock.sleeps == [120.0]


async def test_503_then_success_backs_off_exponentially() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("", 503), xml("", 502), xml("<ok/>")])
    async with make_client(clock, script, backoff_base=2.0, **FAST) as client:
        result = await client.get(ARXIV)
    assert result.status == 200
    assert clock.sleeps == [2.0, 4.0]


async def test_backoff_and_spacing_combine_without_double_waiting() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("", 503), xml("<ok/>")])
    async with make_client(clock, script, backoff_base=2.0) as client:
        await client.get(ARXIV)
    assert script.times[1] - script.times[0] == 3.0  # 2 s backoff + 1 s to honour spacing
    assert clock.sleeps == [2.0, 1.0]


async def test_timeouts_are_retried_then_source_error_names_host_and_attempts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    script = Script(clock, [httpx.ReadTimeout("timed out")] * 4)
    caplog.set_level(logging.WARNING, logger="bot.sources.http")
    async with make_client(clock, script, max_attempts=4, **FAST) as client:
        with pytest.raises(SourceError) as err:
            await client.get(ARXIV)
    message = str(err.value)
    assert "export.arxiv.org" in message and "ReadTimeout" in message and "4 attempt" in message
    assert clock.sleeps == [2.0, 4.0, 8.0]
    assert len(caplog.records) == 4  # one line per failed attempt
    assert "giving up" in caplog.records[-1].getMessage()


async def test_connection_errors_are_retried() -> None:
    clock = FakeClock()
    script = Script(clock, [httpx.ConnectError("refused"), xml("<ok/>")])
    async with make_client(clock, script, **FAST) as client:
        assert (await client.get(ARXIV)).status == 200


async def test_other_transport_errors_fail_at_once_as_source_error() -> None:
    clock = FakeClock()
    script = Script(clock, [httpx.UnsupportedProtocol("Request URL has an unsupported protocol")])
    async with make_client(clock, script, **FAST) as client:
        with pytest.raises(SourceError, match="UnsupportedProtocol"):
            await client.get(ARXIV)
    assert len(script.requests) == 1 and clock.sleeps == []


async def test_exhausted_5xx_reports_status() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("", 500)] * 3)
    async with make_client(clock, script, max_attempts=3, **FAST) as client:
        with pytest.raises(SourceError, match=r"export\.arxiv\.org: HTTP 500 after 3 attempt"):
            await client.get(ARXIV)


async def test_400_is_not_retried_and_its_body_is_handed_back() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("<feed>error entry</feed>", 400)])
    async with make_client(clock, script) as client:
        result = await client.get(ARXIV)
    assert (result.status, result.content, result.attempts) == (400, b"<feed>error entry</feed>", 1)
    assert not result.ok
    with pytest.raises(SourceError, match="HTTP 400 after 1 attempt"):
        result.raise_for_status()


async def test_conditional_get_sends_validators_and_reports_304() -> None:
    clock = FakeClock()
    headers = {"ETag": '"v1"', "Last-Modified": "Thu, 28 Nov 2024 14:47:20 GMT"}
    script = Script(clock, [xml("<rss/>", 200, headers), httpx.Response(304)])
    url = "https://rss.arxiv.org/rss/cs.LG"
    async with make_client(clock, script) as client:
        first = await client.get(url, conditional=True)
        await client.remember(first)
        second = await client.get(url, conditional=True)
    assert "If-None-Match" not in script.requests[0].headers
    assert script.requests[1].headers["If-None-Match"] == '"v1"'
    assert script.requests[1].headers["If-Modified-Since"] == headers["Last-Modified"]
    assert second.not_modified and second.ok and second.content == b""


async def test_validators_are_only_kept_once_the_caller_says_so() -> None:
    clock = FakeClock()
    script = Script(clock, [xml("<broken", 200, {"ETag": '"bad"'}), xml("<rss/>")])
    url = "https://rss.arxiv.org/rss/cs.LG"
    async with make_client(clock, script) as client:
        await client.get(url, conditional=True)  # caller failed to parse: no remember()
        await client.get(url, conditional=True)
    assert "If-None-Match" not in script.requests[1].headers


class MemoryValidatorStore:
    def __init__(self) -> None:
        self.saved: dict[str, Validators] = {
            "https://rss.arxiv.org/rss/cs.CL": Validators("e0", None)
        }

    async def get_validators(self, url: str) -> Validators | None:
        return self.saved.get(url)

    async def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.saved[url] = Validators(etag, last_modified)


async def test_validator_store_persists_across_clients() -> None:
    clock = FakeClock()
    store = MemoryValidatorStore()
    script = Script(clock, [httpx.Response(304), xml("<rss/>", 200, {"ETag": "e1"})])
    async with make_client(clock, script, validator_store=store) as client:
        assert (await client.get("https://rss.arxiv.org/rss/cs.CL", conditional=True)).not_modified
        fresh = await client.get("https://rss.arxiv.org/rss/cs.LG", conditional=True)
        await client.remember(fresh)
    assert script.requests[0].headers["If-None-Match"] == "e0"
    assert store.saved["https://rss.arxiv.org/rss/cs.LG"] == Validators("e1", None)


async def test_api_key_never_reaches_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    script = Script(clock, [xml("", 503), httpx.ConnectError("boom")])
    caplog.set_level(logging.DEBUG)
    async with make_client(clock, script, max_attempts=2, **FAST) as client:
        with pytest.raises(SourceError) as err:
            await client.get(
                "https://api.openalex.org/works",
                params={"filter": "doi:x", "api_key": "SECRETKEY123", "mailto": "a@b.org"},
            )
    assert "HTTP Request" in caplog.text  # httpx's own request log line was captured ...
    assert "SECRETKEY123" not in caplog.text  # ... and redacted, like ours
    assert "SECRETKEY123" not in str(err.value)
    assert "filter=doi%3Ax" in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/w?api_key=K&filter=x", "https://h/w?filter=x"),
        ("https://h/w?filter=x&api_key=K", "https://h/w?filter=x"),
        ("https://h/w?filter=x&api_key=K&mailto=m", "https://h/w?filter=x&mailto=m"),
        ("https://h/w?filter=x", "https://h/w?filter=x"),
    ],
)
def test_redact_strips_api_key(url: str, expected: str) -> None:
    assert redact(url) == expected


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("120", None, 120.0),
        (" 0 ", None, 0.0),
        ("Wed, 21 Oct 2026 07:29:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT", 60.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT", 0.0),
        ("soon", None, None),
        (None, None, None),
    ],
)
def test_parse_retry_after(value: str | None, date: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, date) == expected


def test_interval_matches_longest_host_suffix() -> None:
    client = PoliteClient(contact_email=CONTACT, min_interval={"arxiv.org": 3.0, "b.c": 1.5})
    assert client.interval_for("export.arxiv.org") == 3.0
    assert client.interval_for("oaipmh.arxiv.org") == 3.0
    assert client.interval_for("notarxiv.org") == 1.0  # default, not a suffix match
    assert client.interval_for("a.b.c") == 1.5
