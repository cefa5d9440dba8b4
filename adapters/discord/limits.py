"""Discord's message limits, enforced by shortening (Discord answers 400 to any excess).

Content 2,000 characters; per embed: title 256, description 4,096, at most 25 fields of name
256 and value 1,024, footer 2,048; at most 10 embeds and 6,000 characters across them.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from adapters.discord.text import ELLIPSIS, fit

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBEDS_TOTAL_MAX = 6000
EMBEDS_MAX = 10


def clamp_embed(embed: discord.Embed) -> discord.Embed:
    """Each part of one embed within its own limit (builders already try; this guarantees)."""
    if embed.title:
        embed.title = fit(embed.title, TITLE_MAX)
    if embed.description:
        embed.description = fit(embed.description, DESCRIPTION_MAX)
    fields = embed.fields
    if len(fields) > FIELDS_MAX:
        embed.clear_fields()
        for f in fields[:FIELDS_MAX]:
            embed.add_field(name=f.name, value=f.value, inline=bool(f.inline))
    for i, f in enumerate(embed.fields):
        embed.set_field_at(i, name=fit(f.name or ELLIPSIS, FIELD_NAME_MAX),
                           value=fit(f.value or ELLIPSIS, FIELD_VALUE_MAX),
                           inline=bool(f.inline))
    if embed.footer.text:
        embed.set_footer(text=fit(embed.footer.text, FOOTER_MAX))
    return embed


def cap_embeds(embeds: Sequence[discord.Embed]) -> tuple[discord.Embed, ...]:
    """At most 10 embeds and 6,000 characters in all: drop trailing embeds that cannot fit,
    then shorten descriptions and drop fields from the end; the first title always stays."""
    kept = [clamp_embed(e) for e in embeds[:EMBEDS_MAX]]

    def excess() -> int:
        return sum(len(e) for e in kept) - EMBEDS_TOTAL_MAX

    while len(kept) > 1 and excess() - len(kept[-1]) >= 0:
        kept.pop()
    for embed in reversed(kept):
        if excess() <= 0:
            break
        if embed.description:
            embed.description = fit(embed.description,
                                    max(1, len(embed.description) - excess()))
        while excess() > 0 and embed.fields:
            embed.remove_field(len(embed.fields) - 1)
    return tuple(kept)
