"""Build the one polite HTTP client and the source clients from the configuration."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from bot.sources.http import PoliteClient, ValidatorStore

if TYPE_CHECKING:
    from bot.config import Config

logger = logging.getLogger(__name__)


def make_http_client(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    validator_store: ValidatorStore | None = None,
) -> PoliteClient:
    """The shared client: contact from ``http.contact`` (else ``openalex.mailto``);
    ``validator_store`` keeps ETag/Last-Modified across restarts."""
    contact = config.http.contact or config.openalex.mailto
    if contact is None:
        logger.warning(
            "no contact e-mail configured: set http.contact so arXiv and OpenAlex can reach you"
        )
    return PoliteClient(
        contact_email=contact,
        transport=transport,
        timeout=config.http.timeout_seconds,
        max_attempts=config.http.max_retries + 1,  # config counts retries, the client attempts
        validator_store=validator_store,
    )
