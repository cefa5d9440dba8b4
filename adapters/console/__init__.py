"""The console: a local chat on stdin/stdout for trying the bot and for scripted sessions.

``plugin.py`` registers it with the core (the ``console`` entry point); ``chat.py`` is the
adapter itself.
"""
