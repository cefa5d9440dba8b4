"""The Slack adapter: slack-bolt ``AsyncApp`` on the bot's loop, Block Kit rendering.

``plugin.py`` registers Slack with the core without importing slack-bolt; ``bot.app`` then
builds the adapter with ``runner.SlackAdapter.from_config``, registers ``adapter.port`` with
the core, and awaits ``start()`` / ``stop()`` (or ``run(stop_event)``).
"""
