"""The recorded arXiv day ``scoopwatch demo`` loads: package data only (origins in README.md).

A package, not a plain folder, so ``importlib.resources`` finds the files in a wheel, a zip or a
source checkout alike.
"""
