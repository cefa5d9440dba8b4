"""Persistence on SQLite (aiosqlite): the database, migrations and repositories."""
