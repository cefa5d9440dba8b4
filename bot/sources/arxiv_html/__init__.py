"""Authors, affiliations and e-mails from the author block of arXiv's HTML rendering.

On the day a paper is announced the LaTeXML author block is the only place its affiliations are
printed, so this package reads it as a person would (``block``), from tokens that keep the
markup's meaning (``dom``), with line shapes (``lines``) and e-mail credit (``emails``) in their own
modules; ``page`` turns a saved page into a ``Paper`` for ``detect`` and ``ingest``. Anything
unexpected yields fewer affiliations, never an exception; only input that is not HTML raises
``ParseError``.
"""

from __future__ import annotations

from typing import Protocol

from bot.errors import SourceError
from bot.models import Author, split_arxiv_id
from bot.sources.arxiv_html.block import read_block
from bot.sources.arxiv_html.dom import document, first

__all__ = ["HtmlClient", "fetch_author_block", "parse_author_block"]


class _Response(Protocol):
    status: int
    content: bytes


class HtmlClient(Protocol):
    """What ``fetch_author_block`` needs: ``PoliteClient`` fits, so do test fakes."""

    async def get(self, url: str) -> bytes | _Response: ...


async def fetch_author_block(client: HtmlClient, arxiv_id: str) -> list[Author]:
    """Authors from ``https://arxiv.org/html/<id>``; ``[]`` when arXiv has no HTML (404)."""
    ident, _version = split_arxiv_id(arxiv_id)
    url = f"https://arxiv.org/html/{ident}"
    result = await client.get(url)
    if isinstance(result, bytes | bytearray):
        return parse_author_block(bytes(result))
    if result.status == 404:
        return []
    if not 200 <= result.status < 300:
        raise SourceError(f"arxiv.org: HTTP {result.status} for {url}")
    return parse_author_block(result.content)


def parse_author_block(data: bytes) -> list[Author]:
    """Authors in page order with their affiliations (source ``html``) and e-mail addresses."""
    doc = document(data)
    block = first(doc, "div", "ltx_authors") if doc is not None else None
    if block is None:
        return []
    return [a for a in read_block(block) if a.name.strip()]
