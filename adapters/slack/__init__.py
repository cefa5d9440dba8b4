"""The Slack adapter: slack-bolt ``AsyncApp`` on the bot's loop, Block Kit rendering.

``bot.app`` builds it with :meth:`SlackAdapter.from_config`, registers ``adapter.port`` with
the core, and awaits ``start()`` / ``stop()`` (or ``run(stop_event)``).
"""

from adapters.slack.app import CoreApi
from adapters.slack.port import SlackPort
from adapters.slack.runner import SlackAdapter, SlackSettings, SlackStartError

__all__ = ["CoreApi", "SlackAdapter", "SlackPort", "SlackSettings", "SlackStartError"]
