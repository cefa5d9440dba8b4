"""Time-zone names a member types in ``/scoop subscribe``: only IANA keys, one clear sentence
for anything else (folders of the zone tree, misspellings, overlong or hostile text)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes_digest import CHANNEL, PLATFORM, WORKSPACE, FakeClock, FakePlatform, FakePort, build_bot
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands.parser import parse
from bot.core.commands.spec import Arg, ArgKind, Command, CommandError
from bot.core.digests.schedule_spec import ScheduleError, parse_schedule
from bot.core.facade import Core
from bot.messages import Text
from bot.ports import Actor, CommandEvent
from bot.store.db import Database
from bot.store.stores import Stores
from bot.timezones import zone_hint, zone_key

FOLDERS = ["America/Argentina", "America/Indiana", "Etc", "America/Kentucky", "Europe",
           "America/Argentina/"]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_folder_of_the_zone_tree_is_not_a_zone(folder: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(f"daily 09:00 {folder}")
    message = str(info.value)
    assert "is a region, not a zone" in message
    assert f"{folder.rstrip('/')}/" in message  # names zones inside it


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("Europe/Berln", "Europe/Berlin"), ("Asia/Calcuta", "Asia/Calcutta"),
     ("America/New-York", "America/New_York"), ("Berlin", "Europe/Berlin"),
     ("Kolkata", "Asia/Kolkata")],
)
def test_close_names_get_a_did_you_mean(typed: str, suggested: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(f"mon 09:00 {typed}")
    assert f"did you mean {suggested}" in str(info.value)


def test_overlong_and_unknown_names_are_refused_briefly() -> None:
    long = "Europe/" + "x" * 300
    with pytest.raises(ScheduleError) as info:
        parse_schedule(f"daily {long}")
    assert "unknown time zone" in str(info.value) and len(str(info.value)) < 400
    with pytest.raises(ScheduleError, match="unknown time zone 'Mars/Olympus'"):
        parse_schedule("Mars/Olympus")
    for host_specific in ("localtime", "Factory", "../etc/passwd", "/etc/localtime"):
        assert zone_key(host_specific) is None


def test_any_iana_key_is_accepted_in_any_case() -> None:
    assert parse_schedule("daily america/argentina/buenos_aires").timezone == \
        "America/Argentina/Buenos_Aires"
    assert parse_schedule("daily Japan").timezone == "Japan"
    assert parse_schedule("daily Etc/GMT+5").timezone == "Etc/GMT+5"
    assert parse_schedule("daily utc").timezone == "UTC"


@given(st.text(min_size=1, max_size=400).filter(lambda t: not any(c.isspace() for c in t)))
@settings(max_examples=400, deadline=None)
def test_any_zone_like_text_gets_a_schedule_or_a_schedule_error(text: str) -> None:
    token = f"Etc/{text}"
    try:
        spec = parse_schedule(f"daily 09:00 {token}")
    except ScheduleError as exc:
        assert "time zone" in str(exc) and len(str(exc)) < 400  # the name is quoted short
    else:
        assert zone_key(spec.timezone) == spec.timezone
    assert isinstance(zone_hint(token), str)


async def test_subscribing_with_a_folder_answers_a_sentence_not_sorry(db: Database) -> None:
    """Through the core, as a member would: a clear reply and no subscription stored."""
    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
    core = Core(Stores.on(db), digest=bot.service)
    for folder in ("America/Argentina", "America/Indiana", "Etc", "Asia/" + "k" * 300):
        event = CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor("U1", "ana"),
                             f"subscribe daily 09:00 {folder}")
        result = await core.handle_command(event)
        text = " ".join(m.body for m in result.messages if isinstance(m, Text))
        assert not result.ok
        assert "something went wrong" not in text and "Error" not in text
        assert "time zone" in text
    assert await bot.service.subscriptions.get(PLATFORM, CHANNEL) is None


@pytest.mark.parametrize("any_order", [True, False])
def test_the_command_parser_accepts_only_zone_keys(any_order: bool) -> None:
    """A TIMEZONE argument the core parser validates itself (for commands that are not handed
    to a service) uses the same key list and says the same thing."""
    command = Command(("zone",), (Arg("timezone", "zone", ArgKind.TIMEZONE),), "a zone",
                      any_order=any_order)
    assert parse("zone europe/berlin", [command]).args == {"timezone": "Europe/Berlin"}
    for bad in ("America/Argentina", "Etc", "localtime", "Asia/" + "x" * 300):
        with pytest.raises(CommandError) as info:
            parse(f"zone {bad}", [command])
        assert "time zone" in str(info.value) or "unexpected" in str(info.value)
        assert len(str(info.value)) < 300


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_subscribe_text_gives_a_schedule_or_one_short_error(text: str) -> None:
    try:
        spec = parse_schedule(text)
    except ScheduleError as exc:
        assert len(str(exc)) < 500
    else:
        assert zone_key(spec.timezone) == spec.timezone
