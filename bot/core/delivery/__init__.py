"""Posting exactly once: cards with their threads, digest headers, new-version notes."""
