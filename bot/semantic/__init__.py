"""Related papers without shared words: static embeddings, topic centroids, a semantic scorer.

This package is the optional ``scoopwatch[semantic]`` extra. It imports numpy and the embedding
model at module level, so nothing outside ``bot.core.related`` imports it directly: that use
case loads it through ``load_related`` and, when the extra is not installed, the bot runs
exactly as without it.
"""
