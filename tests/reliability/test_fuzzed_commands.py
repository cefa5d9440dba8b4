"""Fuzzed commands: generated ``/scoop`` texts through the core and through every adapter.

Every text gets a clear answer (``replies.assert_clear``): never an unhandled exception, never
"something went wrong", no exception name, traceback or URL nobody typed, and, on the wire,
nobody pinged and no platform limit broken. Paths, each on the real core and a real store:

- the core's parser: ``parse``, its refusals drawn by all three renderers (the fast path);
- Slack: signed slash commands through Bolt, answers as the fake ``response_url`` got them;
- Discord: INTERACTION_CREATE through discord.py's command tree, each option filled with
  generated text, answers as the fake REST API got them;
- the console: whole input lines (commands, replies, edits, reactions, speaker changes).

Counts per path are in ``budget.py`` terms; the README's test section states them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from adapters.discord.commands import discord_path
from adapters.discord.render import render as render_discord
from adapters.plain import render as render_plain
from adapters.slack.render import render as render_slack
from bot.core.commands.parser import parse
from bot.core.commands.spec import CommandError
from bot.core.commands.table import COMMANDS
from bot.messages import Message, Text
from tests.reliability.budget import examples, suite_settings
from tests.reliability.labs import Bot, ConsoleLab, DiscordLab, Loop, SlackLab, seed_papers
from tests.reliability.replies import (
    assert_clear,
    assert_discord_inert,
    assert_slack_inert,
    discord_shown,
    slack_shown,
)
from tests.reliability.texts import HOSTILE, command_texts, hostile_text, tokens

# Texts per Hypothesis example: generating one text costs about as much as checking it, and
# the adapters answer texts sent at once the way a busy channel sends them.
PARSER_BATCH, CONSOLE_BATCH, BATCH = 20, 10, 40
PARSER_TEXTS = examples(6000, 10_000)
CONSOLE_LINES = examples(1400, 10_000)
SLACK_TEXTS = examples(1320, 10_000)
DISCORD_TEXTS = examples(1320, 10_000)
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
        HealthCheck.data_too_large, HealthCheck.large_base_example]


@pytest.fixture(scope="module")
def console(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleLab]:
    bot = loop.run(Bot.open(tmp_path_factory.mktemp("console") / "bot.db", seed_papers()))
    lab = loop.run(ConsoleLab.open(bot))
    yield lab
    loop.run(bot.close())


@pytest.fixture(scope="module")
def slack(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackLab]:
    bot = loop.run(Bot.open(tmp_path_factory.mktemp("slack") / "bot.db", seed_papers()))
    lab = loop.run(SlackLab.open(bot))
    yield lab
    loop.run(lab.close())
    loop.run(bot.close())


@pytest.fixture(scope="module")
def discord(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiscordLab]:
    bot = loop.run(Bot.open(tmp_path_factory.mktemp("discord") / "bot.db", seed_papers()))
    lab = loop.run(DiscordLab.open(bot))
    yield lab
    loop.run(lab.close())
    loop.run(bot.close())


# --- the core ----------------------------------------------------------------------------------


def rendered_payloads(message: Message) -> tuple[dict[str, Any], dict[str, Any], str]:
    """One message as Slack's payload, Discord's payload and the console's text."""
    slack = render_slack(message)
    discord = render_discord(message)
    discord_payload: dict[str, Any] = {
        "content": discord.content, "embeds": [e.to_dict() for e in discord.embeds],
        "allowed_mentions": discord.allowed_mentions().to_dict()}
    return {"text": slack.text, "blocks": slack.blocks}, discord_payload, render_plain(message)


def check_parser_answer(text: str) -> None:
    """The parser takes the text or refuses it with a sentence every renderer draws safely."""
    try:
        parse(text)
    except CommandError as exc:
        refusal = Text(exc.blocks)
    else:
        return
    slack, discord, plain = rendered_payloads(refusal)
    assert_slack_inert(slack)
    assert_discord_inert(discord)
    for shown in (slack_shown(slack), discord_shown(discord), plain):
        assert_clear(shown, text)


@suite_settings(PARSER_TEXTS // PARSER_BATCH, checks=SLOW)
@given(texts=st.lists(command_texts(max_long=100_000), min_size=PARSER_BATCH,
                      max_size=PARSER_BATCH))
@example(texts=["x" * 100_000, "topic add " + "@everyone " * 10_000, "preview " + "(" * 1000,
                "notes export " + "\x00" * 50, "help " + "\u202e" * 5000])
def test_the_parser_answers_every_command_text_clearly(texts: list[str]) -> None:
    for text in texts:
        check_parser_answer(text)


# --- the console -------------------------------------------------------------------------------

console_line = st.one_of(
    command_texts(max_long=5000).map(lambda t: "/scoop " + t),
    st.tuples(st.sampled_from(["reply", "edit", "delete", "react", "REPLY", "@ben", "@ana",
                               "@ben reply", "@everyone", "help", "quit now", "#", "@"]),
              st.one_of(st.integers(-2, 40).map(str), st.sampled_from(HOSTILE)),
              hostile_text()).map(" ".join),
    st.lists(tokens(0), max_size=5).map(" ".join),
)


@suite_settings(CONSOLE_LINES // CONSOLE_BATCH, checks=SLOW)
@given(lines=st.lists(console_line, min_size=CONSOLE_BATCH, max_size=CONSOLE_BATCH))
@example(lines=["/scoop digest now", "reply 2 ours is @everyone ``` different",
                "edit 3 now <!channel>", "@ben reply 2 \x00\u202e", "react 1 \x00"])
def test_console_answers_every_line_clearly(console: ConsoleLab, loop: Loop,
                                            lines: list[str]) -> None:
    for line in lines:
        printed = loop.run(console.line(line))
        words = line.split()
        if words and not words[0].startswith("#") and words[0].lower() not in ("quit", "exit"):
            assert_clear(printed, line)
        assert "that line failed" not in printed, printed


# --- Slack -------------------------------------------------------------------------------------


@suite_settings(SLACK_TEXTS // BATCH, checks=SLOW)
@given(texts=st.lists(command_texts(max_long=3000), min_size=BATCH, max_size=BATCH))
def test_slack_answers_every_command_text_clearly(slack: SlackLab, loop: Loop,
                                                  texts: list[str]) -> None:
    answers = loop.run(slack.commands(texts))
    for text, answer in zip(texts, answers, strict=True):
        assert answer, f"no answer to /scoop {text!r}"
        for payload in answer:
            assert_slack_inert(payload)
            assert_clear(slack_shown(payload), text)


# --- Discord -----------------------------------------------------------------------------------


def _option_values(max_long: int) -> st.SearchStrategy[str]:
    return st.one_of(tokens(max_long), hostile_text(),
                     st.lists(tokens(0), min_size=2, max_size=5).map(" ".join))


@st.composite
def invocations(draw: st.DrawFn) -> tuple[tuple[str, ...], dict[str, str]]:
    """A ``/scoop`` subcommand with some of its options filled (required ones always)."""
    command = draw(st.sampled_from(COMMANDS))
    values = {}
    for arg in command.args:
        if arg.required or draw(st.booleans()):
            value = draw(st.sampled_from(arg.choices)) if arg.choices and draw(
                st.booleans()) else draw(_option_values(1500))
            if value.strip():
                values[arg.name] = value
            elif arg.required:
                values[arg.name] = "x"
    return discord_path(command), values


@suite_settings(DISCORD_TEXTS // BATCH, checks=SLOW)
@given(calls=st.lists(invocations(), min_size=BATCH, max_size=BATCH))
def test_discord_answers_every_command_clearly(discord: DiscordLab, loop: Loop,
                                               calls: list[tuple[tuple[str, ...],
                                                                 dict[str, str]]]) -> None:
    answers = loop.run(discord.commands(calls))
    for (path, values), answer in zip(calls, answers, strict=True):
        typed = " ".join([*path, *values.values()])
        assert answer, f"no answer to /scoop {typed!r}"
        for data in answer:
            assert_discord_inert(data)
            assert_clear(discord_shown(data), typed)


def test_budget_reaches_ten_thousand_texts() -> None:
    """The CI split still sends at least 10,000 generated texts in all."""
    assert PARSER_TEXTS + CONSOLE_LINES + SLACK_TEXTS + DISCORD_TEXTS >= 10_000
