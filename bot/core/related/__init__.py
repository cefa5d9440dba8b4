"""Related papers without shared words (the optional ``scoopwatch[semantic]`` extra).

``load_related`` builds the use case when the extra is installed and returns None otherwise,
so the composition root wires it without importing numpy or the model, and a bot without the
extra runs exactly as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.related.service import RelatedPapers
    from bot.store.stores import Stores

log = logging.getLogger(__name__)


def load_related(stores: Stores, clock: Callable[[], datetime]) -> RelatedPapers | None:
    """The related-papers use case, or None when the semantic extra is not installed."""
    try:
        from bot.core.related.service import RelatedPapers
        from bot.semantic.model import WordLlamaEmbedder
        embedder = WordLlamaEmbedder()
    except ImportError:  # numpy missing, or SemanticUnavailable (WordLlama missing)
        log.info("semantic extra not installed: digests show keyword overlaps only")
        return None
    return RelatedPapers(stores.semantic, stores.papers, embedder, clock)
