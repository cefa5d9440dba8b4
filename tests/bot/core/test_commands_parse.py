"""The command table and the parser from ``/scoop`` text."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.commands.help import help_text
from bot.core.commands.parser import (
    COMMANDS,
    CommandError,
    MemberRef,
    parse,
    parse_member_ref,
    validate_slug,
)
from bot.messages import plain_text


def test_every_command_names_its_handler_in_the_table() -> None:
    """The table alone says where a command's code lives: a handler in bot.core.commands."""
    for command in COMMANDS:
        assert command.handler is not None, command.name
        assert command.handler.__module__.startswith("bot.core.commands."), command.name


def test_table_declares_every_command_once_with_help() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    assert set(names) == {
        "help", "topic add", "topic edit", "topic remove", "topic pause", "topic resume",
        "topic list", "topic seed", "preview", "subscribe", "unsubscribe", "digest now", "notes",
        "notes export", "labs", "labs suggest", "trends", "status", "stats", "snooze",
    }
    for command in COMMANDS:
        assert command.summary and command.usage.startswith("/scoop ")
        assert all(a.description for a in command.args)
    assert {c.name for c in COMMANDS if c.admin_only} == {"subscribe", "unsubscribe"}


def test_topic_add_keeps_everything_after_name_verbatim() -> None:
    q = 'diffusion model* AND (planning OR "trajectory optimization")'
    parsed = parse(f"/scoop topic add diffusion-planning {q}")
    assert parsed.command.path == ("topic", "add")
    assert parsed.args == {"name": "diffusion-planning", "query": q}
    # Inner spacing, quotes and operators are the member's; only the ends are trimmed.
    assert parse("topic add x   a  ,  -b  ").args["query"] == "a  ,  -b"


def test_verbs_are_case_insensitive_and_prefix_is_optional() -> None:
    assert parse("Topic LIST").command.name == "topic list"
    assert parse("").command.name == "help"
    assert parse("/scoop").command.name == "help"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("topic add", "missing NAME. Usage: /scoop topic add NAME QUERY"),
        ("topic add planning", "missing QUERY. Usage: /scoop topic add NAME QUERY"),
        ("topic add Diffusion_Planning x", 'got "Diffusion_Planning"); try "diffusion-planning"'),
        ("topic add " + "a" * 41 + " x", "must be 1-40 characters"),
        ("topic remove", "missing NAME"),
        ("topic remove a b", 'unexpected "b". Usage: /scoop topic remove NAME'),
        ("topic list bob", 'expected @member or "all", got "bob"'),
        ("digest now since yesterday", 'expected a date as YYYY-MM-DD, got "yesterday"'),
        ("digest now since 2024-02-30", "expected a date as YYYY-MM-DD"),
        ("digest now since", 'expected a date after "since"'),
        ("notes export Bad_Topic", 'TOPIC must be 1-40 characters'),
        ("notes export md csv", 'format given twice (at "csv")'),
        ("labs please", 'unexpected "please". Usage: /scoop labs'),
        ("preview", "missing QUERY"),
        ("preview vs", 'expected TOPIC after "vs"'),
        ("preview vs diffusion", "missing QUERY"),
        ("stats 0", "WEEKS must be a whole number from 1 to 999"),
        ("stats a b", 'unexpected "b". Usage: /scoop stats [TOPIC|@member] [WEEKS]'),
    ],
)
def test_bad_input_says_what_was_expected(text: str, expected: str) -> None:
    with pytest.raises(CommandError) as err:
        parse(text)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("topci add x y", 'Did you mean "topic add"?'),
        ("sbuscribe", 'Did you mean "subscribe"?'),
        ("topic ad x y", 'did you mean "topic add"?'),
        ("topic", '"topic" needs a subcommand'),
        ("digest later", 'unknown command "digest later". Expected one of: digest now'),
        ("lab", 'Did you mean "labs"?'),
    ],
)
def test_unknown_verbs_get_a_suggestion(text: str, suggestion: str) -> None:
    with pytest.raises(CommandError) as err:
        parse(text)
    assert suggestion in str(err.value)


def test_unknown_verb_without_close_match_points_to_help() -> None:
    with pytest.raises(CommandError, match="Type /scoop help for the list"):
        parse("xyzzy")


def test_optional_arguments() -> None:
    assert parse("digest now").args == {}
    assert parse("digest now since 2024-11-01").args == {"since": date(2024, 11, 1)}
    assert parse("digest now 2024-11-01").args == {"since": date(2024, 11, 1)}
    assert parse("topic list all").args == {"who": "all"}
    assert parse("topic list @ana").args == {"who": MemberRef(name="ana")}
    assert parse("notes diffusion").args == {"of": "diffusion"}
    assert parse("notes <@U123>").args == {"of": MemberRef(member_id="U123")}
    assert parse("notes export").args == {}
    assert parse("notes export json diffusion").args == {"format": "json", "topic": "diffusion"}
    assert parse("help topic add").args == {"command": "topic add"}
    assert parse("stats").args == {}
    assert parse("stats 8").args == {"weeks": 8}
    assert parse("stats diffusion").args == {"of": "diffusion"}
    assert parse("stats 8 <@U1>").args == {"weeks": 8, "of": MemberRef(member_id="U1")}


def test_preview_compares_only_after_the_word_vs() -> None:
    """A query is the rest of the line: a topic to compare with needs its keyword, so a
    query's first word is never taken for a topic name."""
    assert parse("preview diffusion planning").args == {"query": "diffusion planning"}
    assert parse("preview vs diffusion (diffusion) -robot").args == {
        "vs": "diffusion", "query": "(diffusion) -robot"}
    assert parse("preview VS diffusion x").args == {"vs": "diffusion", "query": "x"}


def test_subscribe_arguments_are_passed_through_raw() -> None:
    parsed = parse("subscribe mon,thu 09:00 Europe/Berlin all-papers")
    assert parsed.command.admin_only and parsed.text == "mon,thu 09:00 Europe/Berlin all-papers"
    assert parse("subscribe").text == ""


@pytest.mark.parametrize(
    ("token", "ref"),
    [
        ("@ana", MemberRef(name="ana")),
        ("<@U123ABC>", MemberRef(member_id="U123ABC")),
        ("<@123456789012345678>", MemberRef(member_id="123456789012345678")),
        ("<@&123456789012345678>", None),  # a Discord role is nobody
        ("ana", None),
        ("@", None),
    ],
)
def test_member_references_normalise_in_one_place(token: str, ref: MemberRef | None) -> None:
    assert parse_member_ref(token) == ref


@pytest.mark.parametrize("token", ["@everyone", "@here", "@channel"])
def test_broadcasts_are_never_members(token: str) -> None:
    with pytest.raises(CommandError, match="is not a member"):
        parse_member_ref(token)
    with pytest.raises(CommandError, match="is not a member"):
        parse(f"topic list {token}")


def test_hostile_names_are_rejected_and_queries_kept_as_text() -> None:
    with pytest.raises(CommandError) as err:
        parse("topic add @everyone planning")
    assert "@everyone" in str(err.value) and "NAME must be" in str(err.value)
    assert parse("topic add x <!channel> planning").args["query"] == "<!channel> planning"
    assert validate_slug("a-1") == "a-1"
    with pytest.raises(CommandError):
        validate_slug("-a" * 0 + "é")


def help_plain(topic: str | None = None) -> str:
    return plain_text(help_text(topic, COMMANDS))


def test_help_overview_group_and_command() -> None:
    overview = help_plain()
    assert "/scoop topic add NAME QUERY" in overview
    assert "/scoop subscribe [DAYS] [HH:MM] [TZ] [industry-only|all-papers]" in overview
    assert "(admins)" in overview
    topic = help_plain("topic")
    for rule in ('"a phrase"', "diffus*", "ACRONYMS", "NOT or -word", "OR or a comma",
                 "Parentheses group", "ti:", "abs:", "plurals", "1,000 characters"):
        assert rule in topic, rule
    assert "/scoop topic remove NAME" in topic
    one = help_plain("digest now")
    assert one.startswith("/scoop digest now [since YYYY-MM-DD]")
    assert "since 2026-01-05" in one
    assert help_plain("notes").startswith("/scoop notes [TOPIC|@member]")
    with pytest.raises(CommandError, match='Did you mean "labs"'):
        help_text("lab", COMMANDS)


def test_command_text_round_trips_typed_options() -> None:
    from bot.core.commands.parser import command_text

    q = 'diffusion "trajectory optimization"'
    text = command_text(("topic", "add"), {"name": "dp", "query": q})
    assert text == f"topic add dp {q}"
    assert parse(text).args == {"name": "dp", "query": q}
    since = command_text(("digest", "now"), {"since": date(2024, 11, 1)})
    assert since == "digest now since 2024-11-01"
    assert parse(since).args == {"since": date(2024, 11, 1)}
    assert command_text(("notes", "export"), {"topic": None, "format": "csv"}) == (
        "notes export csv")
