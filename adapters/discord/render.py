"""The core's messages as Discord messages: content, embeds, files and allowed mentions.

Each part is built within its limit (:mod:`adapters.discord.limits` then guarantees the
per-message totals), so a message is shortened, never rejected. Only the members a message
mentions through ``member_id`` fields may be pinged (:meth:`DiscordMessage.allowed_mentions`):
a reply's ``mentions`` and a thread prompt's, so each matched member is pinged once per paper;
headers and cards name topic owners by display name. All other text is escaped; the core's
layout (list items, code) is drawn with Discord's markup (``text.block_markdown``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.limits import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBEDS_MAX,
    EMBEDS_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    cap_embeds,
)
from adapters.discord.markers import marker_footer
from adapters.discord.text import (
    ELLIPSIS,
    block_markdown,
    escape,
    fenced,
    fit,
    is_snowflake,
    join_fitting,
    mention,
    plain_fit,
    safe_url,
    visible,
)
from bot.messages import (
    RELATED_LABEL,
    Block,
    DigestHeader,
    File,
    Message,
    PaperCard,
    Preformatted,
    Text,
    ThreadLink,
    ThreadPrompt,
    ThreadReminder,
    counted,
    noun_for,
)

MENTION_USERS_MAX = 100  # Discord's cap on allowed_mentions.users
_MORE = len(ELLIPSIS) + 1  # a closing "\n…" when a reply is cut
COLOUR = discord.Colour(0x2B6CB0)
CLOSE_HINT = ("Not a concern for us? React ✋ on the paper's card, or run `/scoop snooze` in "
              "this thread.")


@dataclass(frozen=True, slots=True, eq=False)
class DiscordMessage:
    """One message ready to send; ``mention_ids`` are the only users it may ping."""

    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()
    files: tuple[File, ...] = ()
    mention_ids: tuple[str, ...] = field(default=())

    def allowed_mentions(self) -> discord.AllowedMentions:
        """Never everyone/here/roles/replied user; users only those the core matched."""
        users = [discord.Object(int(m)) for m in dict.fromkeys(self.mention_ids)
                 if is_snowflake(m)][:MENTION_USERS_MAX]
        return discord.AllowedMentions(everyone=False, roles=False, users=users,
                                       replied_user=False)

    def discord_files(self) -> list[discord.File]:
        """Fresh ``discord.File`` objects (they are single-use streams)."""
        return [discord.File(io.BytesIO(f.content), filename=f.filename,
                             description=fit(visible(f.title), 1024) or None) for f in self.files]

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Messageable.send`` / interaction responses."""
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions()}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = list(self.embeds)
        if self.files:
            kwargs["files"] = self.discord_files()
        return kwargs


def render(message: Message) -> DiscordMessage:
    """Any core message as one Discord message."""
    match message:
        case Text():
            return render_text(message)
        case DigestHeader():
            return render_header(message)
        case PaperCard():
            return render_card(message)
        case ThreadPrompt():
            return render_prompt(message)
        case ThreadReminder():
            return render_reminder(message)
        case File():
            return render_file(message)
    raise TypeError(f"cannot render {type(message).__name__}")


def mention_line(member_ids: Sequence[str], limit: int = CONTENT_MAX) -> str:
    return join_fitting([mention(m) for m in dict.fromkeys(member_ids)], " ", limit)


def render_text(msg: Text) -> DiscordMessage:
    mentions = mention_line(msg.mentions, CONTENT_MAX // 2)
    units = [u for block in msg.blocks for u in block_units(block, DESCRIPTION_MAX - _MORE)]
    inline = "\n".join(p for p in (mentions, "\n".join(units)) if p)
    if not msg.title and len(inline) <= CONTENT_MAX:
        return DiscordMessage(inline or ELLIPSIS, mention_ids=msg.mentions)
    title = plain_fit(msg.title, TITLE_MAX) if msg.title else None
    parts = pack_units(units, DESCRIPTION_MAX, EMBEDS_TOTAL_MAX - len(title or ""))
    embeds = [discord.Embed(description=p, colour=COLOUR) for p in parts] or [
        discord.Embed(colour=COLOUR)]
    embeds[0].title = title
    return DiscordMessage(mentions, cap_embeds(embeds), mention_ids=msg.mentions)


def block_units(block: Block, limit: int) -> list[str]:
    """One block as markdown pieces of at most ``limit`` characters: a line is one piece (an
    over-long one shortened); a preformatted block is split into several code blocks."""
    if not isinstance(block, Preformatted):
        return [fit(block_markdown(block), limit)]
    pieces: list[str] = []
    rows: list[str] = []
    for row in block.text.split("\n"):
        while len(fenced(row)) > limit:  # an absurd row: shortened, like an over-long line
            row = row[: len(row) - (len(fenced(row)) - limit)]
        if rows and len(fenced("\n".join([*rows, row]))) > limit:
            pieces.append(fenced("\n".join(rows)))
            rows = []
        rows.append(row)
    pieces.append(fenced("\n".join(rows)))
    return pieces


def pack_units(units: list[str], limit: int, budget: int) -> list[str]:
    """Join rendered pieces with line breaks into at most ten parts (embeds) of at most
    ``limit`` characters and ``budget`` in all, cutting only between pieces, never inside a
    code block or a list item. Pieces beyond that become one closing ``…`` line; pieces are
    at most ``limit - 2`` long, so it always has room."""
    out: list[str] = []
    current: str | None = None
    spent = 0
    for unit in units:
        joins = current is not None and len(current) + 1 + len(unit) + _MORE <= limit
        parts = len(out) + (current is not None) + (not joins)
        cost = len(unit) + joins
        if spent + cost + _MORE > budget or parts > EMBEDS_MAX:
            out.append(ELLIPSIS if current is None else f"{current}\n{ELLIPSIS}")
            return out
        if joins:
            current = f"{current}\n{unit}"
        else:
            if current is not None:
                out.append(current)
            current = unit
        spent += cost
    if current is not None and current.strip():
        out.append(current)
    return out


def render_header(h: DigestHeader) -> DiscordMessage:
    span = h.date_from.isoformat()
    if h.date_to != h.date_from:
        span += f" – {h.date_to.isoformat()}"
    papers, overlaps = noun_for(h.papers_seen, "paper"), noun_for(h.overlaps, "overlap")
    lines = [f"**{h.papers_seen}** {papers} seen · **{h.overlaps}** {overlaps} · "
             f"**{h.shown}** shown · {escape(h.mode)}"]
    hits = [f"• {escape(t.topic)} ({escape(t.member_name)}): {t.count}" for t in h.topic_hits]
    if hits:
        lines.append(join_fitting(hits, "\n", DESCRIPTION_MAX // 2))
    if h.quiet_reason:
        lines.append(f"*Quiet:* {plain_fit(h.quiet_reason, 1000)}")
    embed = discord.Embed(title=fit(f"scoopwatch digest: {span}", TITLE_MAX),
                          description=fit("\n".join(lines), DESCRIPTION_MAX), colour=COLOUR)
    if h.open_summary:  # whole lines only, so no masked link is ever cut
        threads = [f"• {thread_link(t)} (posted {t.opened.isoformat()})"
                   for t in h.open_threads]
        rest = f"\n{escape(h.open_rest)}" if h.open_rest else ""
        embed.add_field(name=plain_fit(h.open_summary, FIELD_NAME_MAX),
                        value=join_fitting(threads, "\n", FIELD_VALUE_MAX - len(rest)) + rest
                        or ELLIPSIS, inline=False)
    if h.marker:  # like a card's, last in the footer: find_marker looks there
        embed.set_footer(text=marker_footer(h.marker, h.more_hint or ""))
    elif h.more_hint:
        embed.set_footer(text=fit(h.more_hint, FOOTER_MAX))
    summary = (f"scoopwatch digest {span}: {counted(h.papers_seen, 'paper')} seen, "
               f"{counted(h.overlaps, 'overlap')}")
    return DiscordMessage(fit(summary, CONTENT_MAX), cap_embeds([embed]))


def thread_link(link: ThreadLink) -> str:
    """A masked link to a paper's thread: the thread is a channel of the server, whose id is
    its card's (``https://discord.com/channels/<server>/<thread>``)."""
    title = plain_fit(link.title, 200).replace("]", "\\]")  # a "]" would end the label
    if not (is_snowflake(link.workspace) and is_snowflake(link.root_message_id)):
        return title
    return f"[{title}](https://discord.com/channels/{link.workspace}/{link.root_message_id})"


def render_card(card: PaperCard) -> DiscordMessage:
    embed = discord.Embed(title=plain_fit(card.title, TITLE_MAX) or ELLIPSIS, colour=COLOUR,
                          description=plain_fit(card.abstract_opening, DESCRIPTION_MAX) or None)
    url = safe_url(card.url, 2048)
    if url:
        embed.url = url
    if card.labs:
        labs = [escape(f"{b.label} ({b.via}: {b.evidence})") for b in card.labs]
        embed.add_field(name="Labs", value=join_fitting(labs, "\n", FIELD_VALUE_MAX),
                        inline=False)
    matches = [f"{escape(m.topic)} ({escape(m.member_name)})"
               + (f": {escape(', '.join(m.terms))}" if m.terms else "") for m in card.matches]
    if matches:
        embed.add_field(name=RELATED_LABEL if card.related else "Topics",
                        value=join_fitting(matches, "\n", FIELD_VALUE_MAX), inline=False)
    if card.authors:
        names = ", ".join(card.authors) + (" et al." if card.et_al else "")
        embed.add_field(name="Authors", value=plain_fit(names, FIELD_VALUE_MAX), inline=False)
    facts = [", ".join(card.categories)] if card.categories else []
    if card.announced:
        facts.append(f"announced {card.announced.isoformat()}")
    if facts:
        embed.add_field(name="Categories", value=plain_fit(" · ".join(facts), FIELD_VALUE_MAX),
                        inline=False)
    published = [plain_fit(card.venue, 300)] if card.venue else []
    doi_url = safe_url(card.doi_url, 512)
    if card.doi and doi_url:  # a masked link: [doi:…](url)
        label = escape(f"doi:{card.doi}").replace("]", "\\]")  # a "]" would end the label
        published.append(f"[{label}]({doi_url})")
    elif card.doi:
        published.append(escape(f"doi:{card.doi}"))
    if card.published:
        published.append(f"published {card.published.isoformat()}")
    if published:
        embed.add_field(name="Published in" if card.venue else "Published",
                        value=join_fitting(published, " · ", FIELD_VALUE_MAX), inline=False)
    embed.set_footer(text=marker_footer(card.marker))  # find_marker looks for it here
    return DiscordMessage(embeds=cap_embeds([embed]))  # the thread prompt mentions, not the card


def render_prompt(prompt: ThreadPrompt) -> DiscordMessage:
    question = f"**{plain_fit(prompt.question, 500)}**"
    if prompt.topics:
        question += f" (topics: {plain_fit(', '.join(prompt.topics), 500)})"
    mentions = mention_line(prompt.mentions, CONTENT_MAX - len(question) - 1)
    embeds: list[discord.Embed] = []
    if prompt.quoted_notes:
        embed = discord.Embed(title="Earlier notes from the lab", colour=COLOUR)
        for note in prompt.quoted_notes[:FIELDS_MAX]:
            head = (f"{note.author_name}, {note.written_at.date().isoformat()}, "
                    f"on {note.paper_title}")
            embed.add_field(name=plain_fit(head, FIELD_NAME_MAX),
                            value=plain_fit(" ".join(note.text.split()), FIELD_VALUE_MAX)
                            or ELLIPSIS, inline=False)
        embeds.append(embed)
    content = f"{mentions} {question}" if mentions else question
    return DiscordMessage(fit(content, CONTENT_MAX), cap_embeds(embeds),
                          mention_ids=prompt.mentions)


def render_reminder(reminder: ThreadReminder) -> DiscordMessage:
    """The matched members pinged once each, the reminder, and how to close the thread on
    Discord in an embed whose footer carries the marker (where ``find_thread_marker`` looks,
    as ``find_marker`` does for a card)."""
    text = plain_fit(reminder.text, 1000)
    mentions = mention_line(reminder.mentions, CONTENT_MAX - len(text) - 1)
    embed = discord.Embed(description=CLOSE_HINT, colour=COLOUR)
    if reminder.marker:
        embed.set_footer(text=marker_footer(reminder.marker))
    return DiscordMessage(f"{mentions} {text}" if mentions else text, (embed,),
                          mention_ids=tuple(dict.fromkeys(reminder.mentions)))


def render_file(file: File) -> DiscordMessage:
    return DiscordMessage(plain_fit(file.comment or file.title, CONTENT_MAX), files=(file,))


def pack(messages: Sequence[DiscordMessage]) -> list[DiscordMessage]:
    """Join consecutive rendered messages into as few sends as Discord's limits allow."""
    out: list[DiscordMessage] = []
    for msg in messages:
        if out and _fits_together(out[-1], msg):
            last = out[-1]
            content = "\n\n".join(p for p in (last.content, msg.content) if p)
            out[-1] = DiscordMessage(content, last.embeds + msg.embeds, last.files + msg.files,
                                     last.mention_ids + msg.mention_ids)
        else:
            out.append(msg)
    return out


def _fits_together(a: DiscordMessage, b: DiscordMessage) -> bool:
    content = len(a.content) + len(b.content) + 2
    embeds = len(a.embeds) + len(b.embeds)
    size = sum(len(e) for e in (*a.embeds, *b.embeds))
    return (content <= CONTENT_MAX and embeds <= EMBEDS_MAX and size <= EMBEDS_TOTAL_MAX
            and len(a.files) + len(b.files) <= EMBEDS_MAX)
