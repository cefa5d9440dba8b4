"""Differentiation notes: thread replies kept as notes, listed and exported."""
