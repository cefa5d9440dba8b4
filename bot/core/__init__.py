"""The bot's use cases, platform-neutral: commands, topics, notes, digests, scheduling.

Adapters talk to :class:`bot.core.facade.Core`; ``bot/app.py`` wires everything together.
"""
