"""Discord gateway and REST payloads in the shapes Discord sends them (API v10).

Field sets follow the developer documentation and captured payloads: GUILD_CREATE,
THREAD_CREATE, MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE, MESSAGE_REACTION_ADD /
MESSAGE_REACTION_REMOVE and
INTERACTION_CREATE (application command and autocomplete). Ids are real-looking snowflakes.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from discord.utils import time_snowflake

EPOCH = datetime(2024, 11, 28, 14, 0, tzinfo=UTC)
_ids = itertools.count(1)


def snowflake(at: datetime | None = None) -> str:
    """A fresh snowflake (time-ordered, unique within the test run)."""
    return str(time_snowflake(at or EPOCH) + next(_ids))


def iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


GUILD = "1310000000000000001"
CHANNEL = "1310000000000000002"
OTHER_CHANNEL = "1310000000000000003"
APP = "1310000000000000010"
BOT = APP  # a bot user's id is its application's id
ANA = "1310000000000000101"
BEN = "1310000000000000102"
OTHER_BOT = "1310000000000000199"
TOKEN = "MTMxMDAwMDAwMDAwMDAwMDAxMA.GfAkEs.fake-token-for-tests-only"


def user(user_id: str, username: str, global_name: str | None = None,
         bot: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user_id, "username": username, "global_name": global_name,
        "discriminator": "0", "avatar": None, "public_flags": 0, "flags": 0,
        "avatar_decoration_data": None, "banner": None, "accent_color": None,
        "clan": None, "primary_guild": None, "collectibles": None,
    }
    if bot:
        data["bot"] = True
    return data


USERS = {
    BOT: user(BOT, "scoopwatch", None, bot=True),
    ANA: user(ANA, "ana", "Ana Ortiz"),
    BEN: user(BEN, "ben", "Ben Park"),
    OTHER_BOT: user(OTHER_BOT, "otherbot", None, bot=True),
}


def member(user_id: str, *, with_user: bool = True, nick: str | None = None,
           permissions: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [], "nick": nick, "avatar": None, "banner": None,
        "joined_at": "2024-09-02T08:00:00.000000+00:00", "premium_since": None,
        "deaf": False, "mute": False, "flags": 0, "pending": False,
        "communication_disabled_until": None, "unusual_dm_activity_until": None,
        "collectibles": None,
    }
    if with_user:
        data["user"] = USERS[user_id]
    if permissions is not None:
        data["permissions"] = permissions
    return data


def text_channel(channel_id: str = CHANNEL, name: str = "related-work",
                 with_guild: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": channel_id, "type": 0, "name": name, "position": 0, "parent_id": None,
        "topic": "papers that overlap our work", "nsfw": False, "last_message_id": None,
        "rate_limit_per_user": 0, "permission_overwrites": [], "flags": 0,
        "default_thread_rate_limit_per_user": 0, "default_auto_archive_duration": 1440,
        "icon_emoji": None, "theme_color": None,
    }
    if with_guild:
        data["guild_id"] = GUILD
    return data


def thread_channel(thread_id: str, parent_id: str = CHANNEL, name: str = "paper",
                   owner_id: str = BOT, *, newly_created: bool = False) -> dict[str, Any]:
    """A public thread (type 11) as in THREAD_CREATE and the start-thread response."""
    data: dict[str, Any] = {
        "id": thread_id, "guild_id": GUILD, "parent_id": parent_id, "owner_id": owner_id,
        "type": 11, "name": name, "last_message_id": None, "rate_limit_per_user": 0,
        "flags": 0, "message_count": 0, "member_count": 1, "total_message_sent": 0,
        "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                            "archive_timestamp": iso(EPOCH), "locked": False,
                            "create_timestamp": iso(EPOCH)},
        "member": {"id": thread_id, "user_id": owner_id, "flags": 1,
                   "join_timestamp": iso(EPOCH), "muted": False, "mute_config": None},
    }
    if newly_created:
        data["newly_created"] = True
    return data


def guild_create(threads: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """GUILD_CREATE for the lab's server: one text channel plus a second one."""
    return {
        "id": GUILD, "name": "Robot Learning Lab", "icon": None, "splash": None,
        "discovery_splash": None, "banner": None, "description": None, "owner_id": ANA,
        "afk_channel_id": None, "afk_timeout": 300, "verification_level": 1,
        "default_message_notifications": 1, "explicit_content_filter": 2, "features": [],
        "mfa_level": 0, "application_id": None, "system_channel_id": CHANNEL,
        "system_channel_flags": 0, "rules_channel_id": None, "max_members": 500000,
        "vanity_url_code": None, "premium_tier": 0, "premium_subscription_count": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": None,
        "max_video_channel_users": 25, "max_stage_video_channel_users": 50, "nsfw_level": 0,
        "premium_progress_bar_enabled": False, "safety_alerts_channel_id": None,
        "roles": [{"id": GUILD, "name": "@everyone", "permissions": "1071698660929",
                   "position": 0, "color": 0, "hoist": False, "managed": False,
                   "mentionable": False, "icon": None, "unicode_emoji": None, "flags": 0,
                   "description": None, "tags": {}}],
        "emojis": [], "stickers": [], "soundboard_sounds": [],
        "joined_at": "2024-09-01T10:00:00.000000+00:00", "large": False,
        "unavailable": False, "member_count": 4, "lazy": True,
        "voice_states": [], "presences": [], "stage_instances": [],
        "guild_scheduled_events": [], "embedded_activities": [], "activity_instances": [],
        "members": [member(BOT)],
        "channels": [text_channel(), text_channel(OTHER_CHANNEL, "general")],
        "threads": threads or [],
    }


def message(channel_id: str, author_id: str, content: str, *, message_id: str | None = None,
            at: datetime | None = None, edited_at: datetime | None = None,
            mentions: list[str] | None = None, in_thread: bool = False,
            msg_type: int = 0, webhook_id: str | None = None) -> dict[str, Any]:
    """MESSAGE_CREATE / MESSAGE_UPDATE data: a full message plus guild_id and member."""
    at = at or EPOCH + timedelta(minutes=5)
    data: dict[str, Any] = {
        "type": msg_type, "tts": False, "timestamp": iso(at),
        "edited_timestamp": iso(edited_at) if edited_at else None,
        "pinned": False, "nonce": str(next(_ids)), "mention_everyone": False,
        "mention_roles": [], "mentions": [{**USERS[m], "member": member(m, with_user=False)}
                                          for m in mentions or []],
        "id": message_id or snowflake(at), "flags": 0, "embeds": [], "components": [],
        "content": content, "channel_id": channel_id, "author": USERS[author_id],
        "attachments": [], "guild_id": GUILD,
        "member": member(author_id, with_user=False),
    }
    if in_thread:
        data["position"] = 1
        data["channel_type"] = 11
    if webhook_id:
        data["webhook_id"] = webhook_id
    return data


def message_delete(message_id: str, channel_id: str) -> dict[str, Any]:
    return {"id": message_id, "channel_id": channel_id, "guild_id": GUILD}


def reaction_add(message_id: str, user_id: str, emoji: str = "👍",
                 channel_id: str = CHANNEL, author_id: str = BOT) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD for a standard (Unicode) emoji."""
    return {
        "user_id": user_id, "type": 0, "message_id": message_id,
        "message_author_id": author_id, "member": member(user_id),
        "emoji": {"name": emoji, "id": None}, "channel_id": channel_id, "guild_id": GUILD,
        "burst": False, "burst_colors": [],
    }


def reaction_remove(message_id: str, user_id: str, emoji: str = "👍",
                    channel_id: str = CHANNEL) -> dict[str, Any]:
    """MESSAGE_REACTION_REMOVE for a standard (Unicode) emoji: no member, no message author."""
    return {
        "user_id": user_id, "type": 0, "message_id": message_id,
        "emoji": {"name": emoji, "id": None}, "channel_id": channel_id, "guild_id": GUILD,
        "burst": False,
    }


def _interaction(kind: int, options: list[dict[str, Any]], user_id: str,
                 channel_id: str) -> dict[str, Any]:
    return {
        "id": snowflake(), "application_id": APP, "type": kind, "token": f"itoken-{next(_ids)}",
        "version": 1, "guild_id": GUILD,
        "guild": {"id": GUILD, "locale": "en-US", "features": []},
        "channel_id": channel_id,
        "channel": {**text_channel(channel_id, with_guild=True), "permissions": "2251799813685247"},
        "member": member(user_id, permissions="2251799813685247"),
        "data": {"id": "1310000000000000900", "name": "scoop", "type": 1, "options": options},
        "app_permissions": "2251799813685247", "locale": "en-US", "guild_locale": "en-US",
        "entitlements": [], "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": GUILD}, "context": 0,
        "attachment_size_limit": 10485760,
    }


def _options(path: tuple[str, ...], values: dict[str, str], focused: str | None
             ) -> list[dict[str, Any]]:
    leaf: list[dict[str, Any]] = []
    for name, value in values.items():
        option: dict[str, Any] = {"type": 3, "name": name, "value": value}
        if name == focused:
            option["focused"] = True
        leaf.append(option)
    node: list[dict[str, Any]] = [{"type": 1, "name": path[-1], "options": leaf}]
    if len(path) == 2:
        node = [{"type": 2, "name": path[0], "options": node}]
    return node


def slash(path: tuple[str, ...], user_id: str = ANA, channel_id: str = CHANNEL,
          **values: str) -> dict[str, Any]:
    """INTERACTION_CREATE for ``/scoop <path> option:value ...``."""
    return _interaction(2, _options(path, values, None), user_id, channel_id)


def autocomplete(path: tuple[str, ...], focused: str, user_id: str = ANA,
                 **values: str) -> dict[str, Any]:
    """INTERACTION_CREATE (type 4) while the member types ``focused``."""
    return _interaction(4, _options(path, values, focused), user_id, CHANNEL)


def ready(guild_ids: list[str], resume_url: str) -> dict[str, Any]:
    """READY: the bot user, its guilds (still unavailable), session and application."""
    return {
        "v": 10, "user": {**USERS[BOT], "verified": True, "mfa_enabled": False,
                          "email": None},
        "guilds": [{"id": g, "unavailable": True} for g in guild_ids],
        "session_id": "5ca1ab1ec0ffee", "resume_gateway_url": resume_url,
        "session_type": "normal", "shard": [0, 1],
        "application": {"id": APP, "flags": 8953856},
        "private_channels": [], "relationships": [], "presences": [],
        "guild_join_requests": [], "geo_ordered_rtc_regions": ["rotterdam"],
        "user_settings": {}, "auth_session_id_hash": "x",
    }
