"""Block Kit rendering of the core's messages, always with a plain-text ``text`` fallback.

Slack rejects a message that breaks a Block Kit limit, so every limit is enforced here by
shortening with an ellipsis: section text 3,000 characters, header 150, fields 10 of 2,000,
context elements 10, blocks 50. User text goes through :mod:`adapters.slack.escape`; members
are mentioned only from ``member_id`` fields of the message model, and only where the core
mentions them (a reply's ``mentions``, a thread prompt): headers and cards name topic owners
by display name, so a matched member is pinged once per paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.slack.escape import (
    block_mrkdwn,
    chunks,
    escape,
    fence_body,
    fit,
    link,
    mention,
    plain,
)
from adapters.slack.markers import marker_tag
from bot.messages import (
    RELATED_LABEL,
    DigestHeader,
    File,
    Line,
    Message,
    PaperCard,
    Text,
    ThreadPrompt,
    plain_text,
)
from bot.messages import (
    Block as TextBlock,
)

SECTION_MAX = 3000
HEADER_MAX = 150
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_MAX = 10
BLOCKS_MAX = 50
FALLBACK_MAX = 3000  # the notification text; Slack truncates far later, people read less

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What ``chat.postMessage`` / ``respond()`` get: fallback text plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# --- block builders --------------------------------------------------------------------------


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; ``verbatim`` stops Slack from auto-linking names and URLs."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text[:SECTION_MAX])}


def header(raw: str) -> Block:
    return {"type": "header",
            "text": {"type": "plain_text", "text": fit(raw, HEADER_MAX, plain), "emoji": True}}


def context(*elements: str) -> Block:
    return {"type": "context",
            "elements": [mrkdwn(e[:SECTION_MAX]) for e in elements if e][:CONTEXT_MAX]}


def fields_block(items: list[str]) -> Block:
    return {"type": "section",
            "fields": [mrkdwn(f[:FIELD_MAX]) for f in items][:FIELDS_MAX]}


def cap_blocks(blocks: list[Block]) -> list[Block]:
    """At most 50 blocks; the last one then says how many were left out."""
    if len(blocks) <= BLOCKS_MAX:
        return blocks
    dropped = len(blocks) - (BLOCKS_MAX - 1)
    return [*blocks[: BLOCKS_MAX - 1], context(f"… ({dropped} more parts not shown)")]


def fallback_text(*parts: str, sep: str = " ") -> str:
    """Join already-escaped parts and cut to the fallback limit (never inside markup)."""
    text = sep.join(p for p in parts if p)
    if len(text) <= FALLBACK_MAX:
        return text
    cut = text[: FALLBACK_MAX - 1]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    lt = cut.rfind("<")
    if lt >= 0 and ">" not in cut[lt:]:
        cut = cut[:lt]
    return cut.rstrip() + "…"


# --- messages --------------------------------------------------------------------------------


def render(message: Message) -> SlackMessage:
    """Any core message as a Slack message (a ``File`` as its upload comment)."""
    match message:
        case Text():
            return render_text(message)
        case DigestHeader():
            return render_header(message)
        case PaperCard():
            return render_card(message)
        case ThreadPrompt():
            return render_prompt(message)
        case File():
            return render_file_note(message)
    raise TypeError(f"cannot render {type(message).__name__}")


def render_text(msg: Text) -> SlackMessage:
    blocks: list[Block] = []
    if msg.title:
        blocks.append(header(msg.title))
    mentions = " ".join(mention(m) for m in msg.mentions)
    if mentions:
        blocks.append(section(fit_mentions(mentions)))
    units = [u for block in msg.blocks for u in block_units(block, SECTION_MAX)]
    blocks += [section(part) for part in _join_limited(units, SECTION_MAX) if part.strip()]
    if not blocks:
        blocks.append(section(" "))
    title = f"*{fit(msg.title, HEADER_MAX)}*" if msg.title else ""
    body = escape(plain_text(msg.blocks))
    return SlackMessage(fallback_text(title, mentions, body), cap_blocks(blocks))


def block_units(block: TextBlock, limit: int) -> list[str]:
    """One block as mrkdwn pieces of at most ``limit`` characters. An over-long line is split
    as escaped plain text (a cut must not fall inside markup); an over-long preformatted block
    becomes several."""
    rendered = block_mrkdwn(block)
    if len(rendered) <= limit:
        return [rendered]
    if isinstance(block, Line):
        return chunks(plain_text([block]), limit)
    return [f"```{piece}```" for piece in chunks(block.text, limit - 6, fence_body)]


def fit_mentions(mentions: str, limit: int = SECTION_MAX) -> str:
    """A mentions line never cut inside ``<@…>``."""
    if len(mentions) <= limit:
        return mentions
    return mentions[: mentions.rfind(" ", 0, limit - 1)] + " …"


def render_header(h: DigestHeader) -> SlackMessage:
    span = h.date_from.isoformat()
    if h.date_to != h.date_from:
        span += f" – {h.date_to.isoformat()}"
    plural = "s" if h.overlaps != 1 else ""
    counts = (f"*{h.papers_seen}* papers seen · *{h.overlaps}* overlap{plural} · "
              f"*{h.shown}* shown · {escape(h.mode)}")
    blocks = [header(f"scoopwatch digest: {span}"), section(counts)]
    if h.topic_hits:
        lines = [f"• {escape(t.topic)} ({escape(t.member_name)}): {t.count}"
                 for t in h.topic_hits]
        blocks += [section(part) for part in _join_limited(lines, SECTION_MAX)]
    if h.quiet_reason:
        blocks.append(section("_Quiet:_ " + fit(h.quiet_reason, SECTION_MAX - 10)))
    if h.more_hint:
        blocks.append(context(fit(h.more_hint, SECTION_MAX)))
    text = f"scoopwatch digest {span}: {h.papers_seen} papers seen, {h.overlaps} overlap{plural}"
    if h.marker:  # in the text, not the blocks people read: find_marker reads the text
        text += f" {marker_tag(h.marker)}"
    if h.quiet_reason:
        text += f". Quiet: {escape(h.quiet_reason)}"
    return SlackMessage(fallback_text(text), cap_blocks(blocks))


def _join_limited(lines: list[str], limit: int) -> list[str]:
    """Group already-rendered lines into sections; lines are short, so never cut markup."""
    out: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def render_card(card: PaperCard) -> SlackMessage:
    title = link(card.url, card.title, SECTION_MAX - 4)
    blocks: list[Block] = [section(f"*{title}*")]
    labs = [fit(f"{b.label} ({b.via}: {b.evidence})", 500) for b in card.labs]
    facts = []
    if card.categories:
        facts.append(fit(", ".join(card.categories), 500))
    if card.venue:
        facts.append(fit(card.venue, 300))
    if card.doi:
        facts.append(link(card.doi_url, f"doi:{card.doi}", 500))
    if card.announced:
        facts.append(f"announced {card.announced.isoformat()}")
    if card.published:
        facts.append(f"published {card.published.isoformat()}")
    ctx = []
    if labs:
        ctx.append("🏢 " + _cut_joined(labs, "; ", SECTION_MAX - 3))
    if facts:
        ctx.append(" · ".join(facts))
    if ctx:
        blocks.append(context(*ctx))
    topics = [fit(f"{m.topic} ({m.member_name})" + (f": {', '.join(m.terms)}" if m.terms else ""),
                  300) for m in card.matches]
    if topics:
        head = f"*{RELATED_LABEL}*" if card.related else "*Topics*"
        blocks.append(fields_block([f"{head}\n"
                                    + _cut_joined(topics, "\n", FIELD_MAX - len(head) - 4)]))
    if card.authors:
        names = ", ".join(card.authors) + (" et al." if card.et_al else "")
        blocks.append(context(fit(names, SECTION_MAX)))
    if card.abstract_opening:
        blocks.append(section(fit(card.abstract_opening, SECTION_MAX)))
    lab_names = ", ".join(dict.fromkeys(b.label for b in card.labs))
    text = fit(card.title, 500) + (f" ({fit(lab_names, 300)})" if lab_names else "")
    if card.related:
        text = f"{RELATED_LABEL}: {text}"
    # in the text, not the blocks: find_marker reads it
    return SlackMessage(fallback_text(text, marker_tag(card.marker)), cap_blocks(blocks))


def _cut_joined(items: list[str], sep: str, limit: int) -> str:
    """Join rendered items, dropping whole items (never cutting one, it may hold markup)."""
    kept: list[str] = []
    size = 0
    for i, item in enumerate(items):
        add = len(item) + (len(sep) if kept else 0)
        last = i == len(items) - 1
        reserve = 0 if last else len(sep) + 12  # room for "… (+N)"
        if size + add > limit - reserve:
            more = f"… (+{len(items) - i})"
            return sep.join([*kept, more]) if len(sep.join([*kept, more])) <= limit else more
        kept.append(item)
        size += add
    return sep.join(kept)


def render_prompt(prompt: ThreadPrompt) -> SlackMessage:
    mentions = " ".join(mention(m) for m in prompt.mentions)
    question = f"*{fit(prompt.question, 900)}*"
    if prompt.topics:
        question += " (topics: " + fit(", ".join(prompt.topics), 1000) + ")"
    first = f"{fit_mentions(mentions, 900)} {question}" if mentions else question
    blocks: list[Block] = [section(first)]
    if prompt.quoted_notes:
        blocks.append(context("Earlier notes from the lab:"))
        for note in prompt.quoted_notes:
            head = (f"*{fit(note.author_name, 100)}*, {note.written_at.date().isoformat()}, "
                    f"on _{fit(note.paper_title, 300)}_:")
            body = fit(" ".join(note.text.split()), SECTION_MAX - len(head) - 2)
            blocks.append(section(f"{head}\n>{body}"))
    return SlackMessage(fallback_text(mentions, escape(prompt.question)), cap_blocks(blocks))


def render_file_note(file: File) -> SlackMessage:
    """The comment that goes with an upload (used as ``initial_comment``)."""
    note = file.comment or file.title
    return SlackMessage(fallback_text(escape(note)), [section(fit(note, SECTION_MAX))])
