"""Vectors as the store keeps them, and a topic's centroid.

The store holds bytes (it never imports numpy); these helpers turn them into arrays and back,
hash the embedded text so a changed abstract is embedded again, and average a topic's papers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.semantic.model import Matrix, Vector

_DTYPE = np.dtype("<f4")  # little-endian float32, whatever the machine


def text_hash(text: str) -> str:
    """A short stable hash of the embedded text (not a secret: only change detection)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def to_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype=_DTYPE).tobytes()


def from_bytes(data: bytes, dim: int) -> Vector:
    vector = np.frombuffer(data, dtype=_DTYPE, count=dim)
    return vector.astype(np.float32)


def centroid(matched: Sequence[Vector], seeds: Sequence[Vector]) -> Vector | None:
    """The unit mean of a topic's papers; None without any.

    Seeds (the member's own papers) weigh as much, together, as all the matched papers
    together: a topic that matched hundreds of papers still leans towards the lab's own work,
    and a topic with only seeds is its seeds.
    """
    parts = [np.mean(np.stack(group), axis=0) for group in (matched, seeds) if len(group)]
    if not parts:
        return None
    mean = np.mean(np.stack(parts), axis=0)
    norm = float(np.linalg.norm(mean))
    if norm == 0.0:
        return None
    return np.asarray(mean / norm, dtype=np.float32)


def stack(vectors: Sequence[Vector], dim: int) -> Matrix:
    """Rows of a matrix (an empty one keeps its width)."""
    if not vectors:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack(vectors).astype(np.float32)
