"""A lab's local overrides of the detector: papers its members said are not industry papers,
and the evidence it no longer trusts because of them.

The detector is shared by every workspace and stays as it is; a workspace's digests pass its
flags through :meth:`LocalOverrides.apply`. A corrected paper loses every flag there, and any
flag raised by the same evidence (the same affiliation string, e-mail domain or institution id,
compared without case or extra spaces) is dropped from every other paper too: a wrong reading
of "Apple Hospital" once is a wrong reading every time. Other evidence on those papers still
flags them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


class Evidence(Protocol):
    """What identifies a flag's evidence (a detector flag, a cached or a corrected one)."""

    @property
    def via(self) -> str: ...
    @property
    def evidence(self) -> str: ...


class Correction(Protocol):
    """One member's correction (``bot.store.flag_corrections.CorrectionRecord``)."""

    @property
    def paper_key(self) -> str: ...
    @property
    def flags(self) -> Sequence[Evidence]: ...


F = TypeVar("F", bound=Evidence)


def evidence_key(flag: Evidence) -> tuple[str, str]:
    """How evidence is compared: its kind, and its text without case or extra spaces."""
    return str(flag.via), " ".join(flag.evidence.split()).casefold()


@dataclass(frozen=True, slots=True)
class LocalOverrides:
    """One workspace's corrections, ready to filter flags."""

    hidden_papers: frozenset[str] = frozenset()
    distrusted: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, corrections: Iterable[Correction]) -> LocalOverrides:
        found = list(corrections)
        return cls(frozenset(c.paper_key for c in found),
                   frozenset(evidence_key(f) for c in found for f in c.flags))

    def trusts(self, flag: Evidence) -> bool:
        return evidence_key(flag) not in self.distrusted

    def apply(self, flags: Mapping[str, Sequence[F]]) -> dict[str, list[F]]:
        """``flags`` per paper key without those the lab corrected."""
        return {key: [] if key in self.hidden_papers else [f for f in found if self.trusts(f)]
                for key, found in flags.items()}
