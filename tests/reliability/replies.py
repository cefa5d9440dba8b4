"""What every answer a member reads must be, checked on the payloads the platforms receive.

A clear reply is non-empty, never "something went wrong", names no exception class, shows no
traceback and no URL the member did not type (paper links excepted), and pings nobody. On the
wire that means: Slack text with every ``<`` of user text escaped (so no ``<!channel>``,
``<@U…>`` or ``<#C…>`` reaches Slack) and within Block Kit's limits; Discord messages whose
``allowed_mentions`` allow nobody, within Discord's length limits, with broadcasts defused.
Code fences must come in pairs, so user text never opens one that swallows the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from slack_fake_api import check_blocks

from tests.text_checks import is_unshowable, open_bidi

# Bounded repetitions: the texts checked hold 100 KB runs of word characters.
CLASS_NAME = re.compile(r"\b[A-Z]\w{0,60}?(?:Error|Exception|Timeout)\b")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")
# A URL ends where a control character would; the console shows those as symbols (U+2400...).
URL = re.compile(r"\b[a-z][a-z0-9+.-]{0,30}://[^\s<>|)\]\"'`\u2400-\u243f]+", re.IGNORECASE)
PAPER_LINK = re.compile(r"https://(?:arxiv\.org/abs/|doi\.org/)", re.IGNORECASE)
CONTROL_PICTURES = ({c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421}
                    | dict.fromkeys(range(0x80, 0xA0), 0xFFFD))
DEFUSERS = re.compile("[\u200b\u2060]")
SORRY = re.compile(r"something went wrong", re.IGNORECASE)
BROADCAST = re.compile(r"@(?:everyone|here|channel)\b", re.IGNORECASE)  # Slack's three
DISCORD_BROADCAST = re.compile(r"@(?:everyone|here)\b")
SLACK_MARKUP = re.compile(r"<[!@#]")
DISCORD_ROLE_OR_USER = re.compile(r"<@[!&]?\d+>")
DISCORD_URL = re.compile(r"https?://[^\s<]+")
NOBODY = {"parse": [], "users": []}

DISCORD_CONTENT_MAX = 2000
DISCORD_EMBEDS_MAX = 10
DISCORD_TITLE_MAX = 256
DISCORD_DESCRIPTION_MAX = 4096
DISCORD_EMBED_TOTAL_MAX = 6000
DISCORD_FIELD_VALUE_MAX = 1024
SLACK_TEXT_MAX = 40_000


def assert_clear(shown: str, typed: str = "") -> None:
    """The plain words a member reads: something, said plainly."""
    assert shown.strip(), "an empty reply"
    shown = DEFUSERS.sub("", shown)  # what renderers put into a broadcast to defuse it
    typed = DEFUSERS.sub("", typed)  # ...and what a member may type there themselves
    typed += "\n" + typed.translate(CONTROL_PICTURES)  # as the console shows them
    assert not SORRY.search(shown), shown[:300]
    assert not TRACEBACK.search(shown), shown[:300]
    for name in CLASS_NAME.findall(shown):
        assert name in typed, f"exception name {name!r} in {shown[:300]!r}"
    for url in URL.findall(shown):
        assert PAPER_LINK.match(url) or _pieces_typed(url, typed), \
            f"URL {url!r} nobody typed in {shown[:300]!r}"


def _pieces_typed(url: str, typed: str) -> bool:
    """A typed URL may come back cut short (a quote is at most 60 characters) or run
    together with the word before it (``@here`` from Slack's ``<!here>``), or lower-cased
    (``help`` reads a command name)."""
    scheme, rest = url.lower().split("://", 1)
    rest = rest.rstrip(".,;:…")
    return rest in typed.lower() if rest else f"{scheme[-5:]}://" in typed.lower()


def fences_paired(text: str) -> bool:
    return text.count("```") % 2 == 0


# --- every platform ------------------------------------------------------------------------

def strings(value: Any) -> Iterable[str]:
    """Every string of a payload (a JSON object as sent), keys and values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def assert_shown_plainly(payload: Any) -> None:
    """No field of the payload holds a control character (but line breaks and tabs), a lone
    surrogate or a noncharacter, and no line leaves a bidi embedding, override or isolate
    open to flip what follows it."""
    for text in strings(payload):
        bad = sorted({hex(ord(c)) for c in text if is_unshowable(c)})
        assert not bad, (bad, text[:200])
        for line in re.split("[\n\u2029]", text):
            assert not open_bidi(line), ([hex(ord(c)) for c in open_bidi(line)], line[:200])


# --- Slack -----------------------------------------------------------------------------------


def slack_texts(payload: Mapping[str, Any]) -> list[str]:
    """Every text Slack parses for markup in a message payload (fallback and blocks)."""
    texts = [str(payload.get("text") or "")]
    for block in payload.get("blocks") or []:
        text = block.get("text") or {}
        if text.get("type") == "mrkdwn":
            texts.append(text.get("text", ""))
        texts += [f.get("text", "") for f in block.get("fields") or []
                  if f.get("type") == "mrkdwn"]
        texts += [e.get("text", "") for e in block.get("elements") or []
                  if e.get("type") == "mrkdwn"]
    return texts


def slack_shown(payload: Mapping[str, Any]) -> str:
    """What a member reads: the blocks' texts (the fallback is only for notifications)."""
    parts = []
    for block in payload.get("blocks") or []:
        text = block.get("text") or {}
        parts.append(text.get("text", ""))
        parts += [f.get("text", "") for f in block.get("fields") or []]
        parts += [e.get("text", "") for e in block.get("elements") or []]
    shown = "\n".join(p for p in parts if p) or str(payload.get("text") or "")
    return unescape_slack(shown)


def unescape_slack(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def assert_slack_inert(payload: Mapping[str, Any], mentions: Iterable[str] = ()) -> None:
    """No ping and no link or channel markup but the ``<@ID>`` of ``mentions``; within limits."""
    allowed = {f"<@{m}>" for m in mentions}
    problem = check_blocks(payload.get("blocks") or [])
    assert problem is None, problem
    assert payload.get("text"), "Slack needs a fallback text"
    assert len(payload["text"]) <= SLACK_TEXT_MAX
    for text in slack_texts(payload):
        stripped = text
        for token in allowed:
            stripped = stripped.replace(token, "")
        assert not SLACK_MARKUP.search(stripped), stripped[:300]
        assert not BROADCAST.search(stripped), stripped[:300]
        assert fences_paired(text), text[:300]


# --- Discord ---------------------------------------------------------------------------------


def discord_texts(data: Mapping[str, Any]) -> list[str]:
    """Every text of a Discord message payload that Discord renders as markdown."""
    texts = [str(data.get("content") or "")]
    for embed in data.get("embeds") or []:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        texts += [(embed.get("footer") or {}).get("text") or ""]
        texts += [(embed.get("author") or {}).get("name") or ""]
        for f in embed.get("fields") or []:
            texts += [f.get("name") or "", f.get("value") or ""]
    return texts


def discord_shown(data: Mapping[str, Any]) -> str:
    return "\n".join(t for t in discord_texts(data) if t)


def assert_discord_inert(data: Mapping[str, Any], mentions: Iterable[str] = ()) -> None:
    """Nobody pinged but ``mentions``; content and embeds within Discord's limits."""
    allowed = data.get("allowed_mentions")
    assert allowed is not None, "every send carries allowed_mentions"
    assert allowed.get("parse") == [], allowed
    assert {str(u) for u in allowed.get("users") or []} <= set(mentions), allowed
    assert not allowed.get("roles"), allowed
    assert not allowed.get("replied_user"), allowed
    content = str(data.get("content") or "")
    assert len(content) <= DISCORD_CONTENT_MAX, len(content)
    embeds = data.get("embeds") or []
    assert len(embeds) <= DISCORD_EMBEDS_MAX
    total = 0
    for embed in embeds:
        title, description = embed.get("title") or "", embed.get("description") or ""
        assert len(title) <= DISCORD_TITLE_MAX and len(description) <= DISCORD_DESCRIPTION_MAX
        fields = embed.get("fields") or []
        assert all(len(f.get("value") or "") <= DISCORD_FIELD_VALUE_MAX for f in fields)
        total += len(title) + len(description) + len((embed.get("footer") or {}).get("text") or "")
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    assert total <= DISCORD_EMBED_TOTAL_MAX, total
    own = {f"<@{m}>" for m in mentions}
    for text in discord_texts(data):
        stripped = text
        for token in own:
            stripped = stripped.replace(token, "")
        assert not DISCORD_BROADCAST.search(stripped), stripped[:300]
        assert not DISCORD_ROLE_OR_USER.search(stripped), stripped[:300]
        # Discord reads a bare URL whole, backticks and all (and never escapes inside one).
        assert fences_paired(DISCORD_URL.sub("", text)), text[:300]
