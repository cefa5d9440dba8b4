"""The embedding model: WordLlama's static token vectors, shipped inside its PyPI wheel.

A static model averages one stored vector per token, so embedding a paper costs a table lookup
per token instead of a transformer pass: a night's listing embeds in seconds on one core. The
wheel carries the weights (``l2_supercat_256.safetensors``, 32,000 tokens x 256 dimensions) and
the tokenizer, so nothing is downloaded at run time; loading with ``disable_download`` makes a
missing file an error instead of a silent fetch.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.errors import ScoopwatchError

Vector = npt.NDArray[np.float32]
Matrix = npt.NDArray[np.float32]

DIM = 256
MODEL_NAME = "wordllama-l2_supercat-256"
"""Stored with every cached vector: a different model's vectors are never mixed with these."""


class SemanticUnavailable(ScoopwatchError, ImportError):
    """The ``scoopwatch[semantic]`` extra (WordLlama and its weights) is not installed; an
    ``ImportError`` too, so one ``except ImportError`` covers it and a missing numpy."""


class Embedder(Protocol):
    """Texts in, one unit-length float32 row per text out."""

    @property
    def name(self) -> str: ...
    @property
    def dim(self) -> int: ...
    def embed(self, texts: Sequence[str]) -> Matrix: ...


class WordLlamaEmbedder:
    """WordLlama's bundled 256-dimension model, normalised rows.

    Construction only checks that the package is there; the weights are read on the first
    ``embed`` (once per process), so a bot whose digests find no topic to compare pays nothing.
    """

    name = MODEL_NAME
    dim = DIM

    def __init__(self) -> None:
        try:
            import wordllama  # noqa: F401
        except ImportError as exc:
            raise SemanticUnavailable(
                "related papers need the semantic extra: pip install 'scoopwatch[semantic]'"
            ) from exc

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = np.asarray(_model().embed(list(texts), norm=False), dtype=np.float32)
        return normalise(rows)


@cache
def _model() -> Any:
    """The WordLlama model from the files inside its wheel, never downloaded."""
    import wordllama
    from wordllama import WordLlama

    package = Path(wordllama.__file__).parent
    # The weights sit in the package's weights/ folder, where ``load`` looks first; the
    # tokenizer sits in tokenizers/, which ``load`` only looks for under ``cache_dir``.
    model = WordLlama.load(cache_dir=package, disable_download=True, dim=DIM)
    if model.embedding.shape[1] != DIM:
        raise SemanticUnavailable(f"the bundled WordLlama model is not {DIM}-dimensional")
    return model


def normalise(rows: Matrix) -> Matrix:
    """Rows scaled to length 1; an all-zero row (no known token) stays zero."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def paper_text(title: str, abstract: str) -> str:
    """What is embedded for a paper: its title, then its abstract, whitespace collapsed."""
    return " ".join(f"{title} {abstract}".split())
