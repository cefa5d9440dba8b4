"""The log filter: known secrets in every encoding, credential-looking parameters and headers,
in messages, arguments and tracebacks, on every handler of the process."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import build_config
from bot.log_redaction import REDACTED, SecretFilter, protect_logs


def encodings(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), quote(secret), quote_plus(secret),
            repr(secret)[1:-1], repr(secret.encode())[2:-1], json.dumps(secret)[1:-1],
            json.dumps(secret, ensure_ascii=False)[1:-1]]


secrets = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=8,
                  max_size=40).filter(lambda s: not s.isspace() and " " not in s)


@given(secret=secrets, around=st.sampled_from(["{}", "x={}&y=1", "('Location', b'/w?k={}')",
                                               '{{"token": "{}"}}', "key {} end"]))
def test_a_known_secret_is_redacted_in_every_encoding(secret: str, around: str) -> None:
    redactor = SecretFilter()
    redactor.add_secrets([secret])
    for form in encodings(secret):
        assert form not in redactor.redact(around.format(form)), form


@pytest.mark.parametrize(("line", "kept"), [
    ("GET https://api.openalex.org/works?filter=x&api_key=abc123&mailto=m", "filter=x"),
    ("wss://x/link?ticket=1&access_token=zzz9", "ticket=1"),
    ("redirect to /cb?client_secret=s3cr3t#frag", "#frag"),
    ("{'Authorization': 'Bearer xoxb-unknown-token'}", "Bearer"),
    ("[(b'authorization', b'Bot abc.def.ghi')]", "b'Bot "),
    ("Authorization: Basic dXNlcjpwYXNz", "Basic"),
])
def test_credential_parameters_and_headers_lose_their_values(line: str, kept: str) -> None:
    out = SecretFilter().redact(line)
    assert REDACTED in out and kept in out
    for value in ("abc123", "zzz9", "s3cr3t", "xoxb-unknown-token", "abc.def.ghi", "dXNlcjpwYXNz"):
        assert value not in out


def test_ordinary_text_is_left_alone() -> None:
    line = "Discord: Bot scoopwatch connected; config=3 design=ok monkeys=2 1504 papers"
    assert SecretFilter().redact(line) == line


@pytest.fixture
def stream_handler() -> Iterator[io.StringIO]:
    """A plain handler on the root logger, as ``logging.basicConfig`` adds one."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.setLevel(previous)
    root.removeHandler(handler)


def test_every_handler_redacts_message_arguments_and_traceback(
        stream_handler: io.StringIO, caplog: pytest.LogCaptureFixture) -> None:
    config = build_config({}, env={"SCOOPWATCH_OPENALEX_API_KEY": "oa-key/with+plus=="})
    protect_logs(config.secrets.secret_values())
    log = logging.getLogger("httpcore.http11")  # a child logger: no filter of its own
    log.debug("headers %r", [(b"Location", b"/w?api_key=" + quote("oa-key/with+plus==",
                                                                    safe="").encode())])
    log.warning("dict args %(url)s", {"url": "https://h/?key=oa-key/with+plus=="})
    try:
        raise RuntimeError("failed for https://h/?q=1&api_key=oa-key/with+plus==")
    except RuntimeError:
        log.exception("with a traceback")
    logging.getLogger("some.library").error("bad args %s %s", "only one")
    for text in (stream_handler.getvalue(), caplog.text):
        assert "oa-key" not in text and "with%2Bplus" not in text
        assert text.count(REDACTED) >= 4 and "bad args" in text


def test_a_handler_added_later_is_covered_by_the_next_call(caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    protect_logs(["late-secret-123"])
    stream = io.StringIO()
    late = logging.StreamHandler(stream)
    logging.getLogger().addHandler(late)
    try:
        protect_logs()
        logging.getLogger("x").warning("token late-secret-123")
    finally:
        logging.getLogger().removeHandler(late)
    assert "late-secret-123" not in stream.getvalue() and REDACTED in stream.getvalue()
