"""Persistence on SQLite (aiosqlite): the database, migrations and repositories."""

from bot.store.db import LATEST_SCHEMA_VERSION, Database

__all__ = ["LATEST_SCHEMA_VERSION", "Database"]
