"""The permissions the bot needs and the invite URL that grants them (see docs/discord.md)."""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")


def needed_permissions() -> discord.Permissions:
    """See the channel, post cards and files, open and write in threads, react, read history
    for recovery. View Channel lets the bot's own role see the digest channel, so a server whose
    @everyone can't see channels needs no per-channel override for the bot."""
    return discord.Permissions(
        view_channel=True, send_messages=True, create_public_threads=True,
        send_messages_in_threads=True, add_reactions=True, attach_files=True,
        read_message_history=True, embed_links=True,
    )


def invite_url(application_id: int | str) -> str:
    """``https://discord.com/oauth2/authorize?client_id=…&scope=bot+applications.commands…``"""
    return discord.utils.oauth_url(int(application_id), permissions=needed_permissions(),
                                   scopes=SCOPES)
