"""``python -m bot.cli``: the same command line as ``scoopwatch``."""

from bot.cli import main

main()
