"""ETag / Last-Modified persistence: survives a restart, keeps API keys out of the database."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.sources.http import PoliteClient, Validators
from bot.store.db import Database
from bot.store.source_state import SourceState
from bot.store.validators import SOURCE, ValidatorStore

FEED = "https://rss.arxiv.org/rss/cs.LG+cs.CL"
ETAG, MODIFIED = '"6746f1a2-1b2c"', "Thu, 28 Nov 2024 01:00:00 GMT"


async def test_round_trip_and_forget(db: Database) -> None:
    store = ValidatorStore(SourceState(db))
    assert await store.get_validators(FEED) is None
    await store.set_validators(FEED, ETAG, MODIFIED)
    assert await store.get_validators(FEED) == Validators(ETAG, MODIFIED)
    await store.set_validators(FEED, None, MODIFIED)
    assert await store.get_validators(FEED) == Validators(None, MODIFIED)
    await store.set_validators(FEED, None, None)  # nothing to send back: forgotten
    assert await store.get_validators(FEED) is None
    assert await SourceState(db).all(SOURCE) == {}


async def test_api_keys_never_reach_the_database(db: Database) -> None:
    state = SourceState(db)
    store = ValidatorStore(state)
    url = "https://api.openalex.org/works?filter=doi:x&api_key=SECRET123&mailto=a@b.org"
    await store.set_validators(url, ETAG, None)
    assert list(await state.all(SOURCE)) == [
        "https://api.openalex.org/works?filter=doi:x&mailto=a@b.org"]
    assert "SECRET123" not in repr(await state.all(SOURCE))
    # The same URL with another key (rotated) finds the same entry.
    assert await store.get_validators(url.replace("SECRET123", "NEW")) == Validators(ETAG, None)


async def test_unusable_stored_values_are_ignored(db: Database) -> None:
    state = SourceState(db)
    store = ValidatorStore(state)
    for junk in ("an etag", ["x"], {"etag": 3}, {}):
        await state.set(SOURCE, FEED, junk)
        assert await store.get_validators(FEED) is None


async def test_conditional_get_survives_a_restart(db: Database) -> None:
    """First process: 200 with an ETag, remembered after parsing. Second process (new client,
    same database): its first GET is already conditional and gets a 304."""
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append({k: v for k, v in request.headers.items() if k.startswith("if-")})
        if request.headers.get("If-None-Match") == ETAG:
            return httpx.Response(304)
        return httpx.Response(200, content=b"<rss/>",
                              headers={"ETag": ETAG, "Last-Modified": MODIFIED})

    async def no_wait(seconds: float) -> None:
        return None

    def client() -> PoliteClient:
        return PoliteClient(contact_email="lab@example.org", sleep=no_wait,
                            transport=httpx.MockTransport(handler),
                            validator_store=ValidatorStore(SourceState(db)))

    async with client() as first:
        result = await first.get(FEED, conditional=True)
        assert result.status == 200
        await first.remember(result)
    async with client() as second:
        again = await second.get(FEED, conditional=True)
    assert again.not_modified
    assert seen == [{}, {"if-none-match": ETAG, "if-modified-since": MODIFIED}]


async def test_the_factory_passes_the_store_to_the_client(db: Database, tmp_path: Path) -> None:
    from bot.config import load_config
    from bot.sources.factory import make_http_client

    toml = tmp_path / "scoopwatch.toml"
    toml.write_text('[http]\ncontact = "lab@example.org"\n')
    store = ValidatorStore(SourceState(db))
    async with make_http_client(load_config(toml, env={}), validator_store=store) as client:
        assert client._store is store
    async with make_http_client(load_config(toml, env={})) as plain:
        assert plain._store is None
