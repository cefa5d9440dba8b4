"""Plain-text rendering of every core message, for the console.

Members are shown as ``@name`` through a lookup from member id, never from message text, so
what a member typed is printed exactly as typed and cannot turn into a mention. As on the chat
platforms, ``@name`` appears only where the core mentions someone (a thread prompt, a reply's
``mentions``); headers and cards name topic owners without the ``@``. Markers (``sw:…``) stay
out of the text: the console keeps them beside each post, where the person reading can't see
them and ``find_marker`` can.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.messages import (
    RELATED_LABEL,
    DigestHeader,
    File,
    Message,
    PaperCard,
    Text,
    ThreadLink,
    ThreadPrompt,
    ThreadReminder,
    counted,
    plain_text,
)

Names = Callable[[str], str]
Where = Callable[[ThreadLink], str]
"""How a chat names where a thread is (the console: its root's post number)."""
Hint = Callable[[ThreadReminder], str]
"""How a chat's members close a thread without a note (the console's own commands)."""
TEXT_TYPES = ("text/", "application/json")


def _at(names: Names, member_id: str) -> str:
    return f"@{names(member_id)}"


def _no_where(link: ThreadLink) -> str:
    return ""


def _no_hint(reminder: ThreadReminder) -> str:
    return ""


def render(message: Message, names: Names = str, where: Where = _no_where,
           hint: Hint = _no_hint) -> str:
    """One message as plain text (multi-line); ``where`` names an open thread's place in a
    header, ``hint`` says under a reminder how to close its thread."""
    match message:
        case Text():
            return render_text(message, names)
        case DigestHeader():
            return render_header(message, where)
        case PaperCard():
            return render_card(message)
        case ThreadPrompt():
            return render_prompt(message, names)
        case ThreadReminder():
            return render_reminder(message, names, hint)
        case File():
            return render_file(message)
    raise TypeError(f"cannot render {type(message).__name__}")


def render_text(text: Text, names: Names = str) -> str:
    mentions = " ".join(_at(names, m) for m in text.mentions)
    body = plain_text(text.blocks)
    body = f"{mentions} {body}" if mentions else body
    return f"{text.title}\n{body}" if text.title else body


def render_header(h: DigestHeader, where: Where = _no_where) -> str:
    span = h.date_from.isoformat()
    if h.date_to != h.date_from:
        span += f" to {h.date_to.isoformat()}"
    lines = [f"Digest for {span} ({h.mode}): {counted(h.papers_seen, 'paper')} seen, "
             f"{counted(h.overlaps, 'overlap')}, {h.shown} shown"]
    if h.topic_hits:
        lines.append("Topics with hits: " + ", ".join(
            f"{t.topic} ({t.member_name}) {t.count}" for t in h.topic_hits))
    if h.quiet_reason:
        lines.append(f"Quiet: {h.quiet_reason}")
    if h.more_hint:
        lines.append(h.more_hint)
    if h.open_summary:
        lines.append(h.open_summary)
        for link in h.open_threads:
            place = where(link)
            lines.append(f"  {place + ' ' if place else ''}{link.title} "
                         f"(posted {link.opened.isoformat()})")
        if h.open_rest:
            lines.append(f"  {h.open_rest}")
    return "\n".join(lines)


def render_card(card: PaperCard) -> str:
    lines = [card.title]
    if card.url:
        lines.append(f"  {card.url}")
    if card.labs:
        lines.append("  Labs: " + "; ".join(
            f"{b.label} ({b.via}: {b.evidence})" for b in card.labs))
    if card.authors:
        lines.append("  Authors: " + ", ".join(card.authors) + (" et al." if card.et_al else ""))
    if card.related:
        lines.append(f"  {RELATED_LABEL}: " + "; ".join(
            f"{m.topic} ({m.member_name})" for m in card.matches))
    elif card.matches:
        lines.append("  Matches: " + "; ".join(
            f"{m.topic} ({m.member_name})" + (f": {', '.join(m.terms)}" if m.terms else "")
            for m in card.matches))
    facts = [", ".join(card.categories)] if card.categories else []
    facts += [fact for fact in (card.venue, card.doi_url) if fact]
    if card.announced:
        facts.append(f"announced {card.announced.isoformat()}")
    if card.published:
        facts.append(f"published {card.published.isoformat()}")
    if facts:
        lines.append("  " + " · ".join(facts))
    if card.abstract_opening:
        lines.append(f"  {card.abstract_opening}")
    return "\n".join(lines)


def render_prompt(prompt: ThreadPrompt, names: Names = str) -> str:
    mentions = " ".join(_at(names, m) for m in prompt.mentions)
    first = f"{mentions} {prompt.question}" if mentions else prompt.question
    if prompt.topics:
        first += f" (topics: {', '.join(prompt.topics)})"
    lines = [first]
    if prompt.quoted_notes:
        lines.append("  Earlier notes from the lab:")
        for note in prompt.quoted_notes:
            lines.append(f'  > {note.author_name}, {note.written_at.date().isoformat()}, on '
                         f'"{note.paper_title}": {note.text}')
    return "\n".join(lines)


def render_reminder(reminder: ThreadReminder, names: Names = str, hint: Hint = _no_hint
                    ) -> str:
    mentions = " ".join(_at(names, m) for m in dict.fromkeys(reminder.mentions))
    first = f"{mentions} {reminder.text}" if mentions else reminder.text
    how = hint(reminder)
    return f"{first}\n  {how}" if how else first


def render_file(file: File, max_chars: int = 20000) -> str:
    size = len(file.content)
    head = f"[file {file.filename}, {counted(size, 'byte')}] {file.title}"
    if file.comment:
        head += f" - {file.comment}"
    if not file.mime_type.startswith(TEXT_TYPES):
        return head
    body = file.content.decode("utf-8", errors="replace")
    if len(body) > max_chars:
        body = body[:max_chars] + "\n[... truncated]"
    return head + "\n" + "\n".join(f"  | {line}" for line in body.rstrip("\n").splitlines())
