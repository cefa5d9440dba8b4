"""Hostile text: mentions of every platform, markup breakers, 100 KB strings, invisible and
control characters in topic names, queries, notes and paper metadata.

Each is stored safely or refused with a clear sentence, and every adapter renders it without
pinging anyone or breaking a message (checked on the payloads the fakes receive).
"""

from __future__ import annotations

from adapters.slack.render import render as render_slack
from bot.messages import Preformatted, Text, line
from tests.reliability.replies import assert_slack_inert


def test_slack_user_backticks_never_pair_with_the_bots_own_code_block() -> None:
    """Slack's mrkdwn has no escape for backticks: three typed ones opened a code block that
    the bot's own fence (the caret under a bad query) then closed, inside out."""
    message = Text([line("Bad query: ", "x```y"), Preformatted("a```b\n^")])
    payload = render_slack(message)
    assert_slack_inert({"text": payload.text, "blocks": payload.blocks})
    assert payload.blocks[0]["text"]["text"].count("```") == 2
