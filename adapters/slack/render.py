"""Block Kit rendering of the core's messages, always with a plain-text ``text`` fallback.

Slack rejects a message that breaks a Block Kit limit, so every limit is enforced here by
shortening with an ellipsis: section text 3,000 characters, header 150, fields 10 of 2,000,
context elements 10, blocks 50. User text goes through :mod:`adapters.slack.escape`; members
are mentioned only from ``member_id`` fields of the message model, and only where the core
mentions them (a reply's ``mentions``, a thread prompt): headers and cards name topic owners
by display name, so a matched member is pinged once per paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.controls import close_bidi
from adapters.slack.escape import (
    BULLET,
    block_mrkdwn,
    chunks,
    cut,
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
    ThreadReminder,
    counted,
    noun_for,
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
SNOOZE_SHORTCUT = "Snooze paper thread"  # the message shortcut's name in both manifests
CLOSE_HINT = (f"Not a concern for us? React :hand: on the paper's card, or choose "
              f"*{SNOOZE_SHORTCUT}* from the ⋯ menu of any message in this thread.")

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
    return {"type": "section", "text": mrkdwn(cut(text, SECTION_MAX))}


def header(raw: str) -> Block:
    return {"type": "header",
            "text": {"type": "plain_text", "text": fit(raw, HEADER_MAX, plain), "emoji": True}}


def context(*elements: str) -> Block:
    return {"type": "context",
            "elements": [mrkdwn(cut(e, SECTION_MAX)) for e in elements if e][:CONTEXT_MAX]}


def fields_block(items: list[str]) -> Block:
    return {"type": "section",
            "fields": [mrkdwn(cut(f, FIELD_MAX)) for f in items][:FIELDS_MAX]}


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
    head = cut(text, FALLBACK_MAX - 1)
    amp = head.rfind("&")
    if amp >= 0 and ";" not in head[amp:]:
        head = head[:amp]
    lt = head.rfind("<")
    if lt >= 0 and ">" not in head[lt:]:
        head = head[:lt]
    return close_bidi(head.rstrip()) + "…"


# --- messages --------------------------------------------------------------------------------


def render(message: Message, permalinks: Mapping[str, str] | None = None) -> SlackMessage:
    """Any core message as a Slack message (a ``File`` as its upload comment);
    ``permalinks`` are a header's open threads' links, by root ``ts`` (``SlackPort`` asks
    Slack for them)."""
    match message:
        case Text():
            return render_text(message)
        case DigestHeader():
            return render_header(message, permalinks or {})
        case PaperCard():
            return render_card(message)
        case ThreadPrompt():
            return render_prompt(message)
        case ThreadReminder():
            return render_reminder(message)
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


def render_header(h: DigestHeader, permalinks: Mapping[str, str] | None = None
                  ) -> SlackMessage:
    span = h.date_from.isoformat()
    if h.date_to != h.date_from:
        span += f" – {h.date_to.isoformat()}"
    papers, overlaps = noun_for(h.papers_seen, "paper"), noun_for(h.overlaps, "overlap")
    counts = (f"*{h.papers_seen}* {papers} seen · *{h.overlaps}* {overlaps} · "
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
    if h.open_summary:
        blocks.append(section(open_threads(h, permalinks or {})))
    text = (f"scoopwatch digest {span}: {counted(h.papers_seen, 'paper')} seen, "
            f"{counted(h.overlaps, 'overlap')}")
    if h.marker:  # in the text, not the blocks people read: find_marker reads the text
        text += f" {marker_tag(h.marker)}"
    if h.quiet_reason:
        text += f". Quiet: {escape(h.quiet_reason)}"
    return SlackMessage(fallback_text(text), cap_blocks(blocks))


def open_threads(h: DigestHeader, permalinks: Mapping[str, str]) -> str:
    """The header's open threads as one section: the lead-in, a linked line per thread (the
    core links a few, with short titles), and what is left out. Within a section's 3,000
    characters: whole lines are dropped, never cut inside a link."""
    lines = [escape(h.open_summary or "")]
    lines += [f"{BULLET}{link(permalinks.get(t.root_message_id), t.title, 400)} "
              f"(posted {t.opened.isoformat()})" for t in h.open_threads]
    rest = escape(h.open_rest) if h.open_rest else ""
    return _cut_joined(lines, "\n", SECTION_MAX - len(rest) - 1) + (f"\n{rest}" if rest else "")


def _join_limited(lines: list[str], limit: int) -> list[str]:
    """Group already-rendered lines into sections; lines are short, so never cut markup."""
    out: list[str] = []
    current = ""
    for line in lines:
        line = cut(line, limit)
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


def render_reminder(reminder: ThreadReminder) -> SlackMessage:
    """The reminder, mentioning the matched members once each, then how to close the thread
    on Slack; its marker ends the fallback text, where ``find_thread_marker`` reads it."""
    mentions = fit_mentions(" ".join(mention(m) for m in dict.fromkeys(reminder.mentions)), 900)
    first = f"{mentions} {escape(reminder.text)}" if mentions else escape(reminder.text)
    blocks = [section(first), context(CLOSE_HINT)]
    marker = marker_tag(reminder.marker) if reminder.marker else ""
    # mentions (at most 900 characters) and the text leave the marker's room in the fallback
    return SlackMessage(fallback_text(mentions, escape(reminder.text), marker), blocks)


def render_file_note(file: File) -> SlackMessage:
    """The comment that goes with an upload (used as ``initial_comment``)."""
    note = file.comment or file.title
    return SlackMessage(fallback_text(escape(note)), [section(fit(note, SECTION_MAX))])
