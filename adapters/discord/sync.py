"""Registering ``/scoop`` with Discord and saying what changed.

Guild commands (``discord.guild_ids``) appear at once; global ones can take up to an hour.
The registered commands are fetched and compared, leaf by leaf, with the tree's before the
bulk overwrite, so ``scoopwatch discord sync`` can print what it changed; start-up sync only
writes when something differs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.commands import build_group
from adapters.discord.settings import BAD_TOKEN, DiscordSettings, DiscordStartError, api_base
from bot.core.commands.spec import Arg, Command
from bot.messages import counted

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger(__name__)

Leaf = dict[str, Any]
UP_TO_DATE = "up to date"


def flatten(commands: Sequence[Mapping[str, Any]]) -> dict[str, Leaf]:
    """``{"scoop": {...}, "scoop topic add": {...}}``: every node, normalised for comparing.

    Groups keep their description (and, at the top, whether they are server-only); commands
    also their options.
    """
    out: dict[str, Leaf] = {}

    def walk(prefix: str, node: Mapping[str, Any], top: bool) -> None:
        name = f"{prefix} {node['name']}".strip()
        options = node.get("options") or []
        nested = [o for o in options if o.get("type") in (1, 2)]
        entry: Leaf = {"description": node.get("description", "")}
        if top:
            entry["guild_only"] = _guild_only(node)
        if not nested:
            entry["options"] = [_option(o) for o in options]
        out[name] = entry
        for child in nested:
            walk(name, child, False)

    for command in commands:
        walk("", command, True)
    return out


def _guild_only(node: Mapping[str, Any]) -> bool:
    contexts = node.get("contexts")
    if contexts is not None:
        return list(contexts) == [0]
    return node.get("dm_permission") is False


def _option(option: Mapping[str, Any]) -> tuple[Any, ...]:
    choices = tuple((c.get("name"), c.get("value")) for c in option.get("choices") or [])
    return (option.get("name"), option.get("type"), bool(option.get("required", False)),
            option.get("description", ""), choices, bool(option.get("autocomplete", False)))


def describe_changes(where: str, current: Sequence[Mapping[str, Any]],
                     desired: Sequence[Mapping[str, Any]]) -> list[str]:
    """Lines like ``guild 1: added /scoop topic add``; one ``up to date`` line if none."""
    old, new = flatten(current), flatten(desired)
    added = _outermost([k for k in new if k not in old])
    removed = _outermost([k for k in old if k not in new])
    lines = [f"{where}: added /{k}{_count(new, k)}" for k in added]
    lines += [f"{where}: changed /{k} ({_what(old[k], new[k])})"
              for k in new if k in old and old[k] != new[k]]
    lines += [f"{where}: removed /{k}{_count(old, k)}" for k in removed]
    if not lines:
        leaves = sum(1 for entry in new.values() if "options" in entry)
        lines.append(f"{where}: {UP_TO_DATE} ({counted(leaves, 'command')})")
    return lines


def _outermost(keys: list[str]) -> list[str]:
    """Drop keys inside another key of the list (``scoop topic add`` under ``scoop``)."""
    return [k for k in keys if not any(k.startswith(other + " ") for other in keys)]


def _count(entries: Mapping[str, Leaf], key: str) -> str:
    inner = sum(1 for k, e in entries.items() if k.startswith(key + " ") and "options" in e)
    return f" ({counted(inner, 'command')})" if inner else ""


def _what(old: Leaf, new: Leaf) -> str:
    return ", ".join(k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))


async def registered(client: discord.Client, guild: discord.abc.Snowflake | None
                     ) -> list[dict[str, Any]]:
    """The commands Discord has for the application (globally or in one guild)."""
    app_id = client.application_id
    assert app_id is not None, "log in first"
    if guild is None:
        return [dict(c) for c in await client.http.get_global_commands(app_id)]
    return [dict(c) for c in await client.http.get_guild_commands(app_id, guild.id)]


async def sync_tree(tree: app_commands.CommandTree[Any], guild_ids: Sequence[int], *,
                    force: bool = False) -> list[str]:
    """Sync to each configured guild, or globally; returns what changed per target.

    Without ``force`` an unchanged target is not written (start-up sync).
    """
    targets: list[discord.abc.Snowflake | None] = (
        [discord.Object(g) for g in guild_ids] if guild_ids else [None])
    lines: list[str] = []
    for guild in targets:
        where = f"guild {guild.id}" if guild else "global"
        current = await registered(tree.client, guild)
        desired = [c.to_dict(tree) for c in tree.get_commands(guild=guild)]
        changes = describe_changes(where, current, desired)
        changed = UP_TO_DATE not in changes[0]
        if changed or force:
            await tree.sync(guild=guild)
        lines += changes
    if guild_ids:
        global_names = {c.get("name") for c in await registered(tree.client, None)}
        if global_names & {c.name for c in tree.get_commands()}:
            lines.append("global: /scoop is also registered globally, so members may see it "
                         "twice; remove guild_ids and sync to keep only the global one")
    return lines


class _Unused:
    """Stands in for the runner and autocomplete when only the command shapes are needed."""

    async def run(self, interaction: discord.Interaction, command: Command,
                  values: Mapping[str, str]) -> None:
        raise RuntimeError("sync-only client does not run commands")

    async def suggest(self, interaction: discord.Interaction, arg: Arg,
                      current: str) -> list[str]:
        return []


async def sync_commands(config: Config, *, http_base: str | None = None) -> list[str]:
    """``scoopwatch discord sync``: register ``/scoop`` now; lines saying what changed.

    Logs in over REST only (no gateway). ``http_base`` overrides the REST base URL
    (``config.discord.api_url``), e.g. for a proxy or a test server. A rejected token or a
    server without the ``applications.commands`` scope raises ``DiscordStartError``.
    """
    settings = DiscordSettings.from_config(config)
    with api_base(http_base or settings.api_url):
        client = discord.Client(intents=discord.Intents.none())
        tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        tree.add_command(build_group(_Unused(), _Unused()))
        for guild_id in settings.guild_ids:
            tree.copy_global_to(guild=discord.Object(guild_id))
        async with client:
            try:
                await client.login(settings.token)
                return await sync_tree(tree, settings.guild_ids, force=True)
            except discord.LoginFailure:
                raise DiscordStartError(BAD_TOKEN) from None
            except discord.Forbidden as exc:
                raise DiscordStartError(
                    f"Discord refused to register /scoop ({exc.text or exc.status}): invite the "
                    "bot with the applications.commands scope (docs/discord.md)") from None
