"""Socket Mode: requests through ``app.async_dispatch`` and a real WebSocket to the fake;
start-up checks; Bolt's ``SLACK_*`` environment fallbacks cannot change the mode."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_fake_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from slack_helpers import FakeCore, MakeAdapter, until
from slack_payloads import (
    SIGNING_SECRET,
    event_callback,
    message_deleted,
    reaction_added,
    sign,
    slash_form,
    socket_envelope,
    thread_reply,
)

from adapters.slack.runner import SlackAdapter, SlackSettings, SlackStartError
from bot.config import load_config
from bot.messages import Text
from bot.ports import CommandResult, ThreadRef


async def test_dispatch_socket_mode_command(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    core.result = CommandResult((Text("Your topics: none yet"),))
    adapter = await make_adapter(core, mode="socket", start=False)
    body = slash_form("topic list", fake.response_url("sock"))
    resp = await adapter.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    assert resp.status == 200
    await until(lambda: bool(fake.responses))
    assert core.commands[0].text == "topic list"
    assert fake.responses[0]["_key"] == "sock"


async def test_dispatch_socket_mode_events(core: FakeCore, make_adapter: MakeAdapter) -> None:
    adapter = await make_adapter(core, mode="socket", start=False)
    reply = event_callback(thread_reply("U0BEN0002", "Ours is <@U0ANA0001>'s idea &amp; more",
                                        "1732801000.000300", "1732800000.000100"))
    retry: dict[str, str | Sequence[str]] = {"x-slack-retry-num": "1",
                                             "x-slack-retry-reason": "timeout"}
    for headers in (None, retry):
        await adapter.app.async_dispatch(
            AsyncBoltRequest(body=reply, mode="socket_mode", headers=headers))
    for event in (message_deleted("U0BEN0002", "x", "1732801000.000300", "1732800000.000100",
                                  "1732802000.000000"),
                  reaction_added("U0ANA0001", "eyes", "1732800000.000100")):
        await adapter.app.async_dispatch(
            AsyncBoltRequest(body=event_callback(event), mode="socket_mode"))
    await until(lambda: bool(core.replies and core.deleted and core.reactions))
    await adapter.handlers.inflight.wait_idle(1)
    assert len(core.replies) == 2  # the redelivery too: the core's inbox keeps it once
    assert core.replies[0].event_id == core.replies[1].event_id
    assert core.replies[0].text == "Ours is @ana's idea & more"
    assert core.deleted[0].message_id == "1732801000.000300"
    assert core.deleted[0].thread == ThreadRef("slack", "C0DIGEST1", "1732800000.000100")
    assert core.reactions[0].actor.member_id == "U0ANA0001"


async def test_own_and_bot_messages_are_ignored(core: FakeCore, make_adapter: MakeAdapter
                                                ) -> None:
    adapter = await make_adapter(core, mode="socket", start=False)
    own = thread_reply("UBOT0SW01", "How does our work differ?", "1732801000.000400",
                       "1732800000.000100")
    own["bot_id"] = "BBOT0SW01"
    other = {**thread_reply("U0XX00001", "beep", "1732801000.000500", "1732800000.000100"),
             "subtype": "bot_message", "bot_id": "B0OTHER01"}
    root = thread_reply("U0ANA0001", "top level", "1732801000.000600", "1732801000.000600")
    for event in (own, other, root):
        await adapter.app.async_dispatch(
            AsyncBoltRequest(body=event_callback(event), mode="socket_mode"))
    human = thread_reply("U0ANA0001", "mine", "1732801000.000700", "1732800000.000100")
    await adapter.app.async_dispatch(
        AsyncBoltRequest(body=event_callback(human), mode="socket_mode"))
    await until(lambda: bool(core.replies))
    await adapter.handlers.inflight.wait_idle(1)
    assert [r.text for r in core.replies] == ["mine"]


async def test_socket_mode_over_a_websocket(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    adapter = await make_adapter(core, mode="socket")
    assert adapter.identity is not None and adapter.identity.user_id == "UBOT0SW01"
    ack = await fake.socket_send(socket_envelope(
        "slash_commands", slash_form("help", fake.response_url("ws")), envelope_id="env-1"))
    assert ack["envelope_id"] == "env-1"
    await until(lambda: bool(fake.responses))
    assert core.commands[0].text == "help"
    event = event_callback(thread_reply("U0ANA0001", "note", "1732801000.000800",
                                        "1732800000.000100"))
    await fake.socket_send(socket_envelope("events_api", event, envelope_id="env-2"))
    assert len(core.replies) == 1  # acknowledged once kept
    await fake.socket_send(socket_envelope("events_api", event, envelope_id="env-3",
                                           retry_attempt=1))
    assert len(core.replies) == 2 and core.replies[0].event_id == core.replies[1].event_id
    await adapter.stop()
    await until(lambda: not fake.socket_connected.is_set())


async def test_bad_tokens_fail_start_clearly(
        fake: FakeSlack, core: FakeCore) -> None:
    bad_bot = SlackSettings(bot_token="xoxb-wrong", app_token=APP_TOKEN, api_url=fake.api_url)
    with pytest.raises(SlackStartError, match="invalid_auth"):
        await SlackAdapter(core, bad_bot).start()
    bad_app = SlackSettings(bot_token=BOT_TOKEN, app_token="xapp-wrong", api_url=fake.api_url)
    adapter = SlackAdapter(core, bad_app, connect_timeout=2)
    with pytest.raises(SlackStartError, match="Socket Mode"):
        await adapter.start()


async def test_an_error_page_at_start_is_not_a_bad_token(fake: FakeSlack, core: FakeCore
                                                          ) -> None:
    fake.fail_next("auth.test", 503, "upstream connect error or disconnect/reset")
    settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=fake.api_url)
    with pytest.raises(SlackStartError, match=r"did not answer auth\.test \(http 503\)"):
        await SlackAdapter(core, settings).start()


async def test_env_fallbacks_cannot_switch_mode_or_credentials(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "csecret",
           "SLACK_SIGNING_SECRET": "env-signing-secret", "SLACK_BOT_TOKEN": "xoxb-env",
           "SLACK_APP_TOKEN": "xapp-env", "SLACK_VERIFICATION_TOKEN": "vtoken",
           "SLACK_SCOPES": "admin"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    adapter = await make_adapter(core)
    assert {k: os.environ[k] for k in env} == env  # restored after Bolt was built
    assert adapter.app.oauth_flow is None and adapter.app.installation_store is None
    assert adapter.client.token == BOT_TOKEN
    body = "token=x&team_id=T0LAB0001&command=%2Fscoop&text=help&user_id=U0ANA0001"
    url = f"http://127.0.0.1:{adapter.http_port}/slack/events"
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers={
                **ctype, **sign(body, secret="env-signing-secret")}) as resp:
            assert resp.status == 401
        async with session.post(url, data=body, headers={
                **ctype, **sign(body, secret=SIGNING_SECRET)}) as resp:
            assert resp.status == 200
    assert all(c.token == BOT_TOKEN for c in fake.calls)
    socket = await make_adapter(core, mode="socket")
    assert socket._socket is not None and socket._socket.app_token == APP_TOKEN


def test_settings_from_config(tmp_path: Path) -> None:
    env = {"SCOOPWATCH_SLACK_BOT_TOKEN": "xoxb-" + "1" * 20,
           "SCOOPWATCH_SLACK_APP_TOKEN": "xapp-" + "2" * 20}
    config = load_config(env=env, cwd=tmp_path)
    assert config.enabled("slack")
    settings = SlackSettings.from_config(config)
    assert (settings.mode, settings.bot_token, settings.app_token) == \
        ("socket", env["SCOOPWATCH_SLACK_BOT_TOKEN"], env["SCOOPWATCH_SLACK_APP_TOKEN"])
    assert settings.api_url == "https://slack.com/api/"
