"""The bot's use cases, platform-neutral: commands, topics, notes, digests, scheduling.

Adapters talk to :class:`bot.core.core.Core`; ``bot/app.py`` wires everything together.
"""
