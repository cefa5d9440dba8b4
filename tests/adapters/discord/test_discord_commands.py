"""``/scoop`` through discord.py's CommandTree: INTERACTION_CREATE payloads in, interaction
callbacks and webhook follow-ups out, the options mirrored from the core's command table."""

from __future__ import annotations

from typing import Any

import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore, settle
from discord_payloads import ANA, CHANNEL, GUILD, autocomplete, slash

from adapters.discord.client import ScoopClient
from adapters.discord.commands import command_text, discord_path
from adapters.discord.interactions import SORRY
from bot.core.commands.parser import COMMANDS, find
from bot.messages import File, Text, span_text
from bot.ports import Actor, CommandResult

EPHEMERAL = 64


def leaves(node: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    out = {}
    for option in node.get("options", []):
        path = (*prefix, option["name"])
        if option["type"] == 1:
            out[path] = option
        elif option["type"] == 2:
            out.update(leaves(option, path))
    return out


def test_group_mirrors_the_core_command_table(client: ScoopClient) -> None:
    [group] = client.tree.get_commands()
    payload = group.to_dict(client.tree)
    assert payload["name"] == "scoop" and payload["contexts"] == [0]  # servers only
    subcommands = leaves(payload)
    assert set(subcommands) == {discord_path(c) for c in COMMANDS}
    assert ("notes", "list") in subcommands and ("notes", "export") in subcommands
    for command in COMMANDS:
        sub = subcommands[discord_path(command)]
        assert sub["description"] == command.summary[:100]
        options = {o["name"]: o for o in sub["options"]}
        assert list(options) == [a.name for a in sorted(command.args, key=lambda a: not a.required)]
        for arg in command.args:
            option = options[arg.name]
            assert option["type"] == 3 and option["required"] == arg.required
            described = "".join(span_text(s, "server") for s in arg.spans)
            assert option["description"] == described[:100]
            assert "workspace" not in option["description"]  # Slack's word, not Discord's
            assert [c["value"] for c in option.get("choices", [])] == list(arg.choices)
    topic_name = {o["name"]: o for o in subcommands[("topic", "remove")]["options"]}["name"]
    assert topic_name.get("autocomplete") is True


@pytest.mark.parametrize(("path", "values", "text"), [
    (("topic", "add"), {"name": "eeg", "query": 'EEG AND "motor imagery"'},
     'topic add eeg EEG AND "motor imagery"'),
    (("notes",), {"of": "eeg"}, "notes eeg"),
    (("notes", "export"), {"format": "csv", "topic": "eeg"}, "notes export eeg csv"),
    (("digest", "now"), {"since": "2024-11-01"}, "digest now since 2024-11-01"),
    (("digest", "now"), {"since": "since 2024-11-01"}, "digest now since 2024-11-01"),
    (("subscribe",), {"days": "mon,thu", "timezone": "Europe/Berlin"},
     "subscribe mon,thu Europe/Berlin"),
    (("help",), {}, "help"),
    (("topic", "list"), {"who": "<@!123456789012345678>"}, "topic list <@123456789012345678>"),
    (("notes",), {"of": "<@123456789012345678>"}, "notes <@123456789012345678>"),
])
def test_command_text_is_what_the_core_parses(path: tuple[str, ...], values: dict[str, str],
                                              text: str) -> None:
    assert command_text(find(path), values) == text


async def test_quick_private_answer_is_an_ephemeral_response(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    core.answers(Text("Saved topic eeg: EEG AND classification"))
    client._connection.parse_interaction_create(
        slash(("topic", "add"), name="eeg", query="EEG AND classification"))
    await settle()
    [event] = core.commands
    assert event.text == "topic add eeg EEG AND classification"
    assert (event.platform, event.workspace, event.channel_id) == ("discord", GUILD, CHANNEL)
    assert event.actor == Actor(ANA, "Ana Ortiz", False)
    [call] = fake.calls_of("callback")
    assert call.query == {"with_response": "1"}
    assert call.json["type"] == 4
    data = call.json["data"]
    assert data["flags"] == EPHEMERAL
    assert data["content"] == "Saved topic eeg: EEG AND classification"
    assert data["allowed_mentions"] == {"parse": [], "users": []}


async def test_public_answer_is_visible_to_the_channel(client: ScoopClient, core: FakeCore,
                                                       fake: FakeDiscord) -> None:
    core.answers(Text("Subscribed this channel to digests"), public=True)
    client._connection.parse_interaction_create(slash(("subscribe",), days="mon,thu"))
    await settle()
    [call] = fake.calls_of("callback")
    assert not (call.json["data"].get("flags") or 0) & EPHEMERAL


async def test_slow_private_answer_is_deferred_then_edited(
        make_client: Any, core: FakeCore, fake: FakeDiscord) -> None:
    client = await make_client(core, answer_within=0.02)
    core.delay = 0.2
    core.answers(Text("Digest posted (2024-11-28 to 2024-11-28): 2 of 2 papers."))
    client._connection.parse_interaction_create(slash(("digest", "now")))
    await settle()
    [defer] = fake.calls_of("callback")
    assert defer.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    [edit] = fake.calls_of("edit_original")
    assert edit.json["content"].startswith("Digest posted")
    assert edit.json["allowed_mentions"] == {"parse": [], "users": []}
    assert fake.calls_of("followup") == []


async def test_slow_public_answer_replaces_the_private_thinking_note(
        make_client: Any, core: FakeCore, fake: FakeDiscord) -> None:
    client = await make_client(core, answer_within=0.02)
    core.delay = 0.2
    core.answers(Text("Unsubscribed"), public=True)
    client._connection.parse_interaction_create(slash(("unsubscribe",)))
    await settle()
    assert [c.route for c in fake.calls if c.route != "me" and c.route != "application"] == [
        "callback", "delete_original", "followup"]
    followup = fake.calls_of("followup")[0]
    assert followup.query.get("wait") == "1"
    assert not (followup.json.get("flags") or 0) & EPHEMERAL


async def test_export_is_sent_as_a_file(client: ScoopClient, core: FakeCore,
                                        fake: FakeDiscord) -> None:
    core.answers(File("scoopwatch-notes.md", b"# Differentiation notes\n", "text/markdown",
                      "Differentiation notes"))
    client._connection.parse_interaction_create(slash(("notes", "export")))
    await settle()
    [call] = fake.calls_of("callback")
    assert call.files == [("scoopwatch-notes.md", b"# Differentiation notes\n")]
    assert call.json["data"]["attachments"][0]["filename"] == "scoopwatch-notes.md"
    assert call.json["data"]["flags"] == EPHEMERAL


async def test_long_answers_continue_as_followups(client: ScoopClient, core: FakeCore,
                                                  fake: FakeDiscord) -> None:
    core.answers(*(Text("x" * 1500) for _ in range(3)))
    client._connection.parse_interaction_create(slash(("labs", "list")))
    await settle()
    assert len(fake.calls_of("callback")) == 1
    followups = fake.calls_of("followup")
    assert len(followups) == 2 and all(f.json["flags"] == EPHEMERAL for f in followups)


async def test_hostile_text_pings_no_one(client: ScoopClient, core: FakeCore,
                                         fake: FakeDiscord) -> None:
    core.answers(Text('NAME must be 1-40 characters (got "@everyone"); <@&1310000000000000001>'))
    client._connection.parse_interaction_create(
        slash(("topic", "remove"), name="@everyone"))
    await settle()
    data = fake.calls_of("callback")[0].json["data"]
    assert data["allowed_mentions"] == {"parse": [], "users": []}
    assert "@everyone" not in data["content"] and "@\u200beveryone" in data["content"]
    assert "<@&" not in data["content"]


async def test_a_name_with_spaces_is_refused_before_the_core(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord) -> None:
    client._connection.parse_interaction_create(
        slash(("topic", "add"), name="diffusion planning", query="diffusion"))
    await settle()
    assert core.commands == []
    content = fake.calls_of("callback")[0].json["data"]["content"]
    assert content.startswith("NAME is one word")


async def test_core_failure_still_answers(client: ScoopClient, core: FakeCore,
                                          fake: FakeDiscord) -> None:
    async def broken(event: object) -> CommandResult:
        raise RuntimeError("boom")

    core.handle_command = broken  # type: ignore[method-assign]
    client._connection.parse_interaction_create(slash(("status",)))
    await settle()
    assert fake.calls_of("callback")[0].json["data"]["content"] == SORRY


async def test_rate_limited_callback_is_retried(client: ScoopClient, core: FakeCore,
                                                fake: FakeDiscord) -> None:
    fake.rate_limit("callback")
    client._connection.parse_interaction_create(slash(("help",)))
    await settle()
    assert [c.status for c in fake.calls_of("callback", ok_only=False)] == [429, 200]


async def test_topic_names_autocomplete(client: ScoopClient, core: FakeCore,
                                        fake: FakeDiscord) -> None:
    core.topics = ["eeg-decoding", "diffusion-planning", *(f"topic-{i:02}" for i in range(40))]
    client._connection.parse_interaction_create(
        autocomplete(("topic", "remove"), "name", name="d"))
    client._connection.parse_interaction_create(
        autocomplete(("topic", "pause"), "name", name="topic"))
    await settle()
    first, second = fake.calls_of("callback")
    assert first.json["type"] == 8
    assert [c["value"] for c in first.json["data"]["choices"]][:2] == [
        "diffusion-planning", "eeg-decoding"]
    assert len(second.json["data"]["choices"]) == 25
    assert core.commands == []


async def test_time_zone_autocomplete(client: ScoopClient, fake: FakeDiscord) -> None:
    client._connection.parse_interaction_create(
        autocomplete(("subscribe",), "timezone", timezone="europe/ber"))
    await settle()
    [call] = fake.calls_of("callback")
    assert [c["value"] for c in call.json["data"]["choices"]] == ["Europe/Berlin"]


async def test_rate_limited_followup_webhook_is_retried(
        make_client: Any, core: FakeCore, fake: FakeDiscord) -> None:
    client = await make_client(core, answer_within=0.02)
    core.delay = 0.1
    core.answers(Text("Subscribed"), public=True)
    fake.rate_limit("followup")
    client._connection.parse_interaction_create(slash(("subscribe",)))
    await settle()
    assert [c.status for c in fake.calls_of("followup", ok_only=False)] == [429, 200]


async def test_an_expired_interaction_is_logged_not_raised(
        client: ScoopClient, core: FakeCore, fake: FakeDiscord,
        caplog: pytest.LogCaptureFixture) -> None:
    fake.fail_next("callback", 404, {"message": "Unknown interaction", "code": 10062})
    client._connection.parse_interaction_create(slash(("status",)))
    await settle()
    assert len(core.commands) == 1
    assert "interaction expired" in caplog.text
