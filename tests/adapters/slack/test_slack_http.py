"""HTTP mode: signed requests through our aiohttp runner into Bolt and out to the core."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from slack_fake_api import FakeSlack
from slack_helpers import FakeCore, MakeAdapter, until
from slack_payloads import (
    SIGNING_SECRET,
    event_callback,
    form_body,
    message_changed,
    reaction_added,
    reaction_removed,
    sign,
    slash_form,
    thread_reply,
)
from slack_sdk.signature import SignatureVerifier

from adapters.slack.runner import SlackAdapter
from bot.messages import File, Text
from bot.ports import CommandResult

FORM = "application/x-www-form-urlencoded"


async def post(adapter: SlackAdapter, body: str, content_type: str,
               headers: dict[str, str] | None = None) -> tuple[int, str]:
    url = f"http://127.0.0.1:{adapter.http_port}/slack/events"
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body.encode(), headers={"Content-Type": content_type, **(headers or {})}
    ) as resp:
        return resp.status, await resp.text()


async def command(adapter: SlackAdapter, fake: FakeSlack, text: str,
                  **fields: Any) -> tuple[int, str]:
    body = form_body(slash_form(text, fake.response_url(), **fields))
    return await post(adapter, body, FORM, sign(body))


def test_signature_helper_matches_slack_sdk() -> None:
    body, ts = "token=x&text=hi", int(time.time())
    headers = sign(body, timestamp=ts)
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.generate_signature(timestamp=str(ts), body=body) == \
        headers["X-Slack-Signature"]
    assert verifier.is_valid(body, str(ts), headers["X-Slack-Signature"])


async def test_signed_slash_command_acks_then_responds(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    core.result = CommandResult((Text("Saved topic diffusion <!channel>", title="Topic"),))
    adapter = await make_adapter(core)
    status, body = await command(adapter, fake, "topic add diffusion a &amp; b <@U0BEN0002|ben>")
    assert (status, body) == (200, "")
    await until(lambda: bool(fake.responses))
    [event] = core.commands
    assert (event.platform, event.workspace, event.channel_id) == \
        ("slack", "T0LAB0001", "C0DIGEST1")
    assert event.actor.member_id == "U0ANA0001" and event.actor.display_name == "ana"
    assert event.text == "topic add diffusion a & b <@U0BEN0002>"  # the core's mention form
    [reply] = fake.responses
    assert reply["response_type"] == "ephemeral"
    assert "&lt;!channel&gt;" in reply["text"] and reply["blocks"][0]["type"] == "header"


async def test_public_results_are_in_channel(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    core.result = CommandResult((Text("Digest posted: 3 papers"),), public=True)
    adapter = await make_adapter(core)
    await command(adapter, fake, "digest now")
    await until(lambda: bool(fake.responses))
    assert fake.responses[0]["response_type"] == "in_channel"


async def test_slow_command_is_acked_at_once(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    core.delay = 3.5  # longer than Slack's 3-second window
    adapter = await make_adapter(core)
    started = time.monotonic()
    status, _ = await command(adapter, fake, "digest now")
    assert status == 200 and time.monotonic() - started < 1.0
    assert fake.responses == []
    await until(lambda: bool(fake.responses), timeout=6)


@pytest.mark.parametrize("headers", [
    {"X-Slack-Signature": "v0=" + "0" * 64},
    "old",
    {},
])
async def test_bad_or_stale_signatures_get_401(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter,
        headers: dict[str, str] | str) -> None:
    adapter = await make_adapter(core)
    body = form_body(slash_form("help", fake.response_url()))
    if headers == "old":
        sent = sign(body, timestamp=int(time.time()) - 6 * 60)
    else:
        assert isinstance(headers, dict)
        sent = {**sign(body), **headers} if headers else {}
    status, _ = await post(adapter, body, FORM, sent)
    assert status == 401
    assert core.commands == []


async def test_wrong_secret_gets_401(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    adapter = await make_adapter(core)
    body = form_body(slash_form("help", fake.response_url()))
    status, _ = await post(adapter, body, FORM, sign(body, secret="not-the-secret"))
    assert status == 401


async def test_url_verification_challenge(core: FakeCore, make_adapter: MakeAdapter) -> None:
    adapter = await make_adapter(core)
    body = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvF",
                       "type": "url_verification"})
    status, text = await post(adapter, body, "application/json", sign(body))
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvF" in text


async def test_an_event_is_acknowledged_once_kept_and_a_redelivery_carries_its_id(
        core: FakeCore, make_adapter: MakeAdapter) -> None:
    """The answer to Slack comes after the core kept the event (the listener runs before the
    response); a redelivery reaches the core with the same delivery id, which its inbox keeps
    once."""
    adapter = await make_adapter(core)
    payload = event_callback(thread_reply("U0ANA0001", "We plan in latent space.",
                                          "1732801000.000200", "1732800000.000100"))
    body = json.dumps(payload)
    assert (await post(adapter, body, "application/json", sign(body)))[0] == 200
    assert len(core.replies) == 1  # kept before Slack heard back
    retry = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await post(adapter, body, "application/json", retry))[0] == 200
    reply, again = core.replies
    assert reply.text == "We plan in latent space." and reply.event_id == payload["event_id"]
    assert again.event_id == reply.event_id
    assert reply.thread.root_message_id == "1732800000.000100"
    assert reply.actor.display_name == "ana"


async def test_edit_and_reaction_over_http(core: FakeCore, make_adapter: MakeAdapter) -> None:
    adapter = await make_adapter(core)
    for event in (message_changed("U0ANA0001", "new <https://x.org|text>", "old",
                                  "1732801000.000200", "1732800000.000100",
                                  "1732801500.000000"),
                  reaction_added("U0BEN0002", "thumbsup", "1732800000.000100")):
        body = json.dumps(event_callback(event))
        assert (await post(adapter, body, "application/json", sign(body)))[0] == 200
    await until(lambda: bool(core.replies) and bool(core.reactions))
    assert core.replies[0].edited and core.replies[0].text == "new text (https://x.org)"
    assert core.reactions[0].emoji == "thumbsup"
    assert core.reactions[0].post.message_id == "1732800000.000100"


async def test_a_removed_reaction_reaches_the_core_as_taken_back(
        core: FakeCore, make_adapter: MakeAdapter) -> None:
    """``reaction_removed`` is subscribed (manifest) and routed like ``reaction_added``."""
    adapter = await make_adapter(core)
    for event in (reaction_added("U0BEN0002", "office", "1732800000.000100"),
                  reaction_removed("U0BEN0002", "office", "1732800000.000100")):
        body = json.dumps(event_callback(event))
        assert (await post(adapter, body, "application/json", sign(body)))[0] == 200
    await until(lambda: len(core.reactions) == 2)
    assert [(r.emoji, r.removed) for r in core.reactions] == [("office", False),
                                                              ("office", True)]
    assert core.reactions[1].post.message_id == "1732800000.000100"
    assert core.reactions[1].actor.member_id == "U0BEN0002"


async def test_export_file_is_uploaded_to_the_channel(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    core.result = CommandResult((File("notes.md", b"# Notes\n", "text/markdown", "Notes"),))
    adapter = await make_adapter(core)
    await command(adapter, fake, "notes export")
    await until(lambda: bool(fake.calls_of("files.completeUploadExternal")))
    [upload] = fake.uploads.values()
    assert upload["channel"] == "C0DIGEST1" and upload["content"] == b"# Notes\n"


async def test_failed_upload_is_explained(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    core.result = CommandResult((File("notes.md", b"x", "text/markdown", "Notes"),))
    adapter = await make_adapter(core)

    async def refuse(args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": False, "error": "not_in_channel"}

    fake._m_files_getUploadURLExternal = refuse  # type: ignore[method-assign]
    await command(adapter, fake, "notes export")
    await until(lambda: bool(fake.responses))
    text = fake.responses[0]["text"]
    assert "/invite @scoopwatch" in text and "not a member of this channel" in text
    assert "not_in_channel" not in text  # Slack's code is for the log, not for members
    assert fake.responses[0]["response_type"] == "ephemeral"


@pytest.mark.parametrize(("channel", "channel_name"), [
    ("D0ANA0001", "directmessage"),  # a DM with the bot or between two people
    ("C0GROUP01", "mpdm-ana--ben-1"),  # a group DM
])
async def test_a_command_in_a_dm_says_where_scoop_works(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter, channel: str,
        channel_name: str) -> None:
    adapter = await make_adapter(core)
    form = {**slash_form("topic list", fake.response_url(), channel=channel),
            "channel_name": channel_name}
    body = form_body(form)
    status, _ = await post(adapter, body, FORM, sign(body))
    assert status == 200
    await until(lambda: bool(fake.responses))
    [reply] = fake.responses
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("/scoop works in channels only")
    assert core.commands == []  # the core is not asked: a DM has no digest or paper threads
