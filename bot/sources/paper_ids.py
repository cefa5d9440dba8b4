"""How long a paper's id may be, checked once where a parser reads an id it did not make.

Ids from JSON Lines files, OpenAlex works and saved pages' file names are free text, and a
paper's id travels far: it is the store's key, the name the CLI and exports print, and what a
card is found by after a crash. A record whose id is longer than any real identifier (a pasted
abstract, a runaway script) is refused with the reason, and the rest of its file still loads.
Ingest code (the parsers, a streaming ingest) calls ``id_problem`` and skips the record.
"""

from __future__ import annotations

MAX_ID_CHARS = 200  # arXiv ids are at most ~30 characters, DOIs and OpenAlex ids far below 200
_SHOWN = 40  # how much of a refused id the message quotes, so the record can be found


def id_problem(ident: str) -> str | None:
    """Why ``ident`` cannot be a paper's id (one sentence quoting its start), or None."""
    if len(ident) <= MAX_ID_CHARS:
        return None
    return (f"the id {ident[:_SHOWN]!r}… is {len(ident):,} characters long; "
            f"ids may be at most {MAX_ID_CHARS}")
