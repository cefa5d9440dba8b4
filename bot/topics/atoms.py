"""Token patterns ("atoms") of all topics, one Aho-Corasick automaton, and per-paper hit counts.

A simple atom is a run of at most four stem tokens, optionally ending with a prefix token; its
keys spell every surface form its stems accept (`" diffusion model "`, `" diffusion models "`),
so paper text needs no stemming pass. An acronym is found through its folded spelling
(`" gan "`, `" gans "`), so one automaton over one stream finds everything; only papers where
that spelling occurs are searched for `" GAN "`/`" GANs "` in the original-case stream. Longer
phrases and phrases mixing acronyms with words are *composite* atoms: simple atoms at
consecutive token offsets, checked with C-level string searches when all parts occur.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter

import ahocorasick

from bot.topics.normalize import paper_streams, token_index
from bot.topics.syntax import Piece

MAX_RUN = 4  # stem tokens per key: at most 2**4 surface forms
_VALUE = itemgetter(1)


@dataclass(frozen=True, slots=True)
class Composite:
    """A phrase made of simple atoms at token offsets (``parts``: (atom id, offset))."""

    atom: int
    parts: tuple[tuple[int, int], ...]


class AtomTable:
    """Ids for token patterns and the automaton keys that find them."""

    def __init__(self) -> None:
        self.keys: dict[str, list[int]] = {}  # key -> atoms it may be (several: a group)
        self.token_counts: list[int] = []  # per atom id: tokens it spans
        self.acronyms: dict[int, str] = {}  # atom -> acronym as written, checked on case
        self.composites: dict[int, list[Composite]] = {}  # by the atom of one part
        self._ids: dict[tuple[Piece, ...], int] = {}

    @property
    def count(self) -> int:
        return len(self.token_counts)

    def atom(self, pieces: tuple[Piece, ...]) -> int:
        """The atom id for a term's pieces, registering keys on first sight."""
        known = self._ids.get(pieces)
        if known is not None:
            return known
        runs = _runs(pieces)
        if len(runs) == 1:
            atom = self._new(pieces)
            kind, value = pieces[0]
            if kind == "acronym":
                self.acronyms[atom] = value
                folded = value.casefold()
                new = [f" {folded} ", f" {folded}s "]
            else:
                new = _surface_keys(pieces)
            for key in new:
                self.keys.setdefault(key, []).append(atom)
            return atom
        parts, offset = [], 0
        for run in runs:
            parts.append((self.atom(run), offset))
            offset += len(run)
        atom = self._new(pieces)
        # Filed under its rarest-looking part (an acronym, else the longest run), so common
        # words do not send every paper to the position check.
        rarest = max(range(len(runs)), key=lambda i: (runs[i][0][0] == "acronym", _chars(runs[i])))
        self.composites.setdefault(parts[rarest][0], []).append(Composite(atom, tuple(parts)))
        return atom

    def _new(self, pieces: tuple[Piece, ...]) -> int:
        atom = len(self.token_counts)
        self.token_counts.append(len(pieces))
        self._ids[pieces] = atom
        return atom


def _chars(run: tuple[Piece, ...]) -> int:
    return sum(len(value) for _, value in run)


def _runs(pieces: tuple[Piece, ...]) -> list[tuple[Piece, ...]]:
    """Split pieces into automaton keys: stem runs (prefix last) and single acronyms."""
    runs: list[tuple[Piece, ...]] = []
    current: list[Piece] = []
    for piece in pieces:
        if piece[0] == "acronym" or len(current) == MAX_RUN:
            if current:
                runs.append(tuple(current))
            current = []
        if piece[0] == "acronym":
            runs.append((piece,))
        else:
            current.append(piece)
    if current:
        runs.append(tuple(current))
    return runs


def _surface_keys(pieces: tuple[Piece, ...]) -> list[str]:
    """Every surface form of a stem run: stem `model` is written `model` or `models`."""
    options: list[list[str]] = []
    for kind, value in pieces:
        if kind == "prefix":
            options.append([value])
        elif len(value) >= 3 and not value.endswith("s"):
            options.append([value + " ", value + "s "])
        else:
            options.append([value + " "])
    return [" " + "".join(combo) for combo in itertools.product(*options)]


class Scanner:
    """Counts how often each atom occurs in a paper's title and in title + abstract."""

    def __init__(self, table: AtomTable) -> None:
        self.table = table
        self.groups: dict[int, tuple[int, ...]] = {}  # value -> atoms, for shared keys
        self.values_of: dict[int, set[int]] = {}  # atom -> automaton values that may be it
        folded: dict[str, int] = {}
        for key, atoms in table.keys.items():
            value = atoms[0]
            if len(atoms) > 1:  # `gan` and `GAN` share " gan "; group ids follow atom ids
                value = table.count + len(self.groups)
                self.groups[value] = tuple(atoms)
            for atom in atoms:
                self.values_of.setdefault(atom, set()).add(value)
            folded[key] = value
        self._scan = _scanner(folded)
        # Searching keys directly, when positions matter: acronyms on the case stream.
        keys_of: dict[int, list[str]] = {}
        for key, atoms in table.keys.items():
            for atom in atoms:
                keys_of.setdefault(atom, []).append(key)
        for atom, word in table.acronyms.items():
            keys_of[atom] = [f" {word} ", f" {word}s "]
        self.keys_of = {atom: _probes(keys) for atom, keys in keys_of.items()}
        # Values needing a second look: shared keys, and acronyms to confirm in original case.
        self.special = frozenset(self.groups) | frozenset(
            v for atom in table.acronyms for v in self.values_of[atom]
        )
        self.with_case = bool(table.acronyms)
        self.phrase_keys = frozenset(table.composites)
        self._second_look = self.special | self.phrase_keys

    def count(self, title: str, abstract: str) -> tuple[Counter[int], Counter[int]]:
        """(title counts, title + abstract counts) by atom id; abstract = total - title.

        Hits are counted as the automaton yields them, never stored: a list of ~100 tuples
        per paper costs more in garbage collection than it saves.
        """
        folded, case = paper_streams(title, abstract, with_case=self.with_case)
        title_counts = Counter(map(_VALUE, self._scan(folded, 0, folded.index("\x01"))))
        total = Counter(map(_VALUE, self._scan(folded)))
        if self._second_look and not self._second_look.isdisjoint(total):
            if not self.special.isdisjoint(total):
                self._resolve(case, title_counts, total)
            if not self.phrase_keys.isdisjoint(total):
                self._count_phrases(folded, case, title_counts, total)
        return title_counts, total

    def _resolve(self, case: str | None, title_counts: Counter[int], total: Counter[int]) -> None:
        """Give shared-key hits to their word atoms; count acronyms on the case stream."""
        acronyms: list[int] = []
        for value in self.special.intersection(total):
            hits, in_title = total.pop(value), title_counts.pop(value, 0)
            for atom in self.groups.get(value, (value,)):
                if atom in self.table.acronyms:
                    acronyms.append(atom)
                else:
                    total[atom] += hits
                    if in_title:
                        title_counts[atom] += in_title
        if acronyms and case is not None:
            boundary = case.index("\x01")
            for atom in set(acronyms):
                starts = self._starts(atom, case)
                if starts:
                    total[atom] = len(starts)
                    if in_title := sum(1 for start in starts if start < boundary):
                        title_counts[atom] = in_title

    def _starts(self, atom: int, stream: str) -> list[int]:
        """Where a simple atom occurs: C-level searches for its first token, then a check of
        the whole key there (a 4-word run has 16 surface forms but at most 2 first words)."""
        probes, keys = self.keys_of[atom]
        found: list[int] = []
        find, matches = stream.find, stream.startswith
        for probe in probes:
            start = find(probe)
            while start >= 0:
                if matches(keys, start):
                    found.append(start)
                start = find(probe, start + 1)
        return found

    def _count_phrases(
        self, folded: str, case: str | None, title_counts: Counter[int], total: Counter[int]
    ) -> None:
        """Composite phrases: every part at its offset from a common start token."""
        separator = token_index(folded, folded.index("\x01"))
        for part_atom in self.phrase_keys.intersection(total):
            for composite in self.table.composites[part_atom]:
                if not all(part in total for part, _ in composite.parts):
                    continue
                common: set[int] | None = None
                for atom, offset in composite.parts:
                    stream = (case or "") if atom in self.table.acronyms else folded
                    found = self._starts(atom, stream)
                    starts = {token_index(stream, at + 1) - offset for at in found}
                    common = starts if common is None else common & starts
                    if not common:
                        break
                if common:
                    total[composite.atom] = len(common)
                    if in_title := sum(1 for start in common if start < separator):
                        title_counts[composite.atom] = in_title


def _probes(keys: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(distinct first tokens of the keys, the keys): `" self "` for `" self supervised "`."""
    firsts = (key[: key.find(" ", 1) + 1] or key for key in keys)
    return tuple(dict.fromkeys(firsts)), tuple(keys)


def _scanner(keys: dict[str, int]) -> Callable[..., Iterable[tuple[int, int]]]:
    """An automaton's ``iter(text, start=0, end=len)``, yielding ``(end index, value)``."""
    if not keys:
        return lambda *args: iter(())
    automaton = ahocorasick.Automaton()
    for key, value in keys.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    scan: Callable[..., Iterable[tuple[int, int]]] = automaton.iter
    return scan
