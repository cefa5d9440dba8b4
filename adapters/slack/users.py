"""Display names for Slack user ids, looked up once through ``users.info`` and cached.

Events carry only user ids; the core keeps a display name per member (for ``@name``
references and for note authors), so the adapter resolves one. When the lookup fails (Slack
or a proxy answering an error page, the network gone) the name is left empty, meaning
"unknown for now": the event goes on with the member id, the core keeps the name it already
knows, and the failure is not cached, so the next event looks the name up again. A name is
never worth dropping an event, nor worth missing Slack's 3-second window for acknowledging
one: a look-up that takes longer than ``wait`` counts as failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import error_code

log = logging.getLogger(__name__)

LOOKUP_WAIT = 1.0  # seconds: events are acknowledged after translation, within Slack's 3 s


@dataclass(frozen=True, slots=True)
class UserInfo:
    """What the adapter needs to know about a user; ``name`` is empty while unknown."""

    name: str
    is_bot: bool = False


class UserDirectory:
    """A bounded LRU cache in front of ``users.info``."""

    def __init__(self, client: AsyncWebClient, maxsize: int = 2000,
                 wait: float = LOOKUP_WAIT) -> None:
        self._client = client
        self._maxsize = maxsize
        self._wait = wait
        self._cache: OrderedDict[str, UserInfo] = OrderedDict()

    async def get(self, user_id: str, fallback: str | None = None) -> UserInfo:
        """The user's display name (profile display name, real name, handle), or ``fallback``
        (the payload's handle) or "" when Slack could not be asked."""
        cached = self._cache.get(user_id)
        if cached is not None:
            self._cache.move_to_end(user_id)
            return cached
        try:
            resp = await asyncio.wait_for(self._client.users_info(user=user_id), self._wait)
        except TimeoutError:
            log.warning("users.info %s took over %.1f s; the name stays unknown for now",
                        user_id, self._wait)
            return UserInfo(fallback or "")
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, error_code(exc))
            return UserInfo(fallback or "")
        except Exception as exc:  # network trouble: a name is not worth losing the event
            log.warning("users.info %s failed: %r", user_id, exc)
            return UserInfo(fallback or "")
        user = resp.get("user") or {}
        profile = user.get("profile") or {}
        name = (profile.get("display_name") or profile.get("real_name")
                or user.get("real_name") or user.get("name") or fallback or user_id)
        info = UserInfo(name, bool(user.get("is_bot")))
        self._cache[user_id] = info
        if len(self._cache) > self._maxsize:
            self._cache.popitem(last=False)
        return info

    async def name(self, user_id: str, fallback: str | None = None) -> str:
        """A name to show in text: the display name, else the id."""
        return (await self.get(user_id, fallback)).name or user_id
