"""Authors, affiliations and e-mails from one ``div.ltx_authors``.

LaTeXML writes one ``span.ltx_creator`` per ``\\author``; templates put anything from one name to
every name, affiliation, address and e-mail of the paper into it. The block is read creator by
creator and line by line (see ``lines``) into persons and the affiliations around them:

* superscript markers (also written as math) key affiliations to names anywhere in the block,
  so a legend rendered as a separate creator still reaches its authors;
* an unmarked affiliation belongs to the names of its group: the names before it since the last
  ``&`` (``\\And``), ``\\AND`` or e-mail line; wrapped lines and bare addresses join the
  affiliation above instead of becoming one of their own;
* notes (``\\thanks``, footnotes, loose words in the author notes) give current affiliations and,
  as "Work done while at X", past ones, which are kept as printed so the detector can weigh them
  lower; a note whose author is not recoverable goes to the first name of its creator, and a
  ``\\footnotemark[n]`` shares note n;
* team and company authors ("Gemma Team", "DeepSeek-AI", "Microsoft") carry their own name as an
  affiliation, and a creator that is no person (LaTeXML's "AI @ Meta" after "Llama Team") is an
  affiliation of the creator before it; nothing that is not printed as a name becomes an author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html

from bot.industry.text import normalize, words
from bot.models import Affiliation, AffiliationSource, Author
from bot.sources.arxiv_html import emails as mail
from bot.sources.arxiv_html import lines as ln
from bot.sources.arxiv_html.dom import (
    Line,
    Token,
    classes,
    copy_of,
    element_tokens,
    first,
    lines_of,
    tokens,
)

_SOURCE = AffiliationSource.HTML
_CLEAR = 0.75  # an address clearly spells a name (see emails.similarity)
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[^\W\d_])|\s{2,}")
_STOPWORDS = words("of and for the at in on de des du la le di da do dos der und für y e et & - –")


@dataclass
class Person:
    name: str
    creator: int
    group: int
    markers: list[str] = field(default_factory=list)
    fnmarks: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    corporate: bool = False


@dataclass
class Group:
    ident: int
    creator: int
    persons: list[Person] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class Block:
    persons: list[Person] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    keyed: dict[str, list[str]] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)  # block-level, for authors with nothing else
    orphans: list[tuple[int, str]] = field(default_factory=list)  # (creator, organisation)
    thanks: list[str] = field(default_factory=list)  # notes in order, for \footnotemark[n]
    acmart: bool = False  # affiliations in acmart parts: one printed after several authors

    def group(self, creator: int) -> Group:
        made = Group(len(self.groups), creator)
        self.groups.append(made)
        return made

    def add_person(self, group: Group, part: ln.NamePart, corporate: bool = False) -> Person:
        person = Person(part.name, group.creator, group.ident, corporate=corporate)
        person.markers = list(part.markers)
        person.fnmarks = list(part.fnmarks)
        for note in part.notes:
            person.notes.extend(note_affiliations(note))
            self.thanks.append(note)
        group.persons.append(person)
        self.persons.append(person)
        return person

    def add_keyed(self, keys: list[str], text: str) -> None:
        for key in keys:
            self.keyed.setdefault(key, []).append(text)


def read_block(block_el: html.HtmlElement) -> list[Author]:
    """Every author of the block, in page order."""
    block = Block()
    block.acmart = any(
        c.startswith("ltx_affiliation_") for el in block_el.iter("span") for c in classes(el)
    )
    creator = 0
    for el in block_el.iter("span", "div"):
        cls = classes(el)
        if "ltx_creator" in cls and "ltx_role_author" in cls:
            _Reader(block, creator).read(el)
            creator += 1
        elif "ltx_role_affiliation" in cls and not _inside(el, block_el, "ltx_role_author"):
            _block_affiliation(block, el)
    return _authors(block)


def _inside(el: html.HtmlElement, stop: html.HtmlElement, cls: str) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if cls in classes(parent):
            return True
        parent = parent.getparent()
    return False


def _block_affiliation(block: Block, el: html.HtmlElement) -> None:
    for line in lines_of(el):
        if ln.starts_with_marker(line.tokens):
            for keys, text in ln.keyed(line.tokens):
                block.add_keyed(keys, text)
        elif not ln.is_noise(line.text):
            block.shared.append(ln.strip_current(line.text))


class _Reader:
    """Reads one ``ltx_creator``: its person name field, notes and contacts."""

    def __init__(self, block: Block, creator: int) -> None:
        self.block = block
        self.creator = creator
        self.group = block.group(creator)
        self.state = "names"
        self.last: list[tuple[list[str], int]] = []  # where the last affiliation went
        self.names_open = False  # the last names line ended with a separator
        self.first_line = True

    # ---------------------------------------------------------------- the person name field
    def read(self, el: html.HtmlElement) -> None:
        person = first(el, "span", "ltx_personname")
        if person is not None:
            for line in _join_email_lines(lines_of(person)):
                for segment, starts_group in _split_groups(line):
                    if starts_group and self.group.persons and _names_first(segment):
                        self._new_group()
                    self._segment(segment)
                    self.first_line = False
        for child in el:
            if isinstance(child.tag, str) and "ltx_note" in classes(child):
                self._creator_note(child)
        notes = first(el, "span", "ltx_author_notes")
        if notes is not None:
            self._author_notes(notes)

    def _new_group(self) -> None:
        self.group = self.block.group(self.creator)
        self.state = "names"
        self.last = []

    def _segment(self, line: list[Token]) -> None:
        text = " ".join("".join(v for k, v in line if k == "text").split())
        if "@" in text:
            found, rest = mail.find_emails(text)
            if found:
                self.group.emails.extend(found)
                self.state = "after_email"
                if ln.clean(rest) and not ln.is_noise(rest):
                    self._affiliation(rest)
                return
        if ln.starts_with_marker(line):
            keyed = ln.keyed(line)
            for keys, aff in keyed:
                self.block.add_keyed(keys, aff)
            if keyed:
                keys = keyed[-1][0]
                self.last = [(self.block.keyed[k], len(self.block.keyed[k]) - 1) for k in keys]
                self.state = "affs"
            return
        if ln.is_noise(text):
            return
        parts = ln.split_names(line)
        if self.state == "names" and self._names(parts, text):
            return
        if self.state == "after_email" and parts and all(ln.is_person_name(p.name) for p in parts):
            self._new_group()
            self._add_names(parts, text)
            return
        if self._marked_name(parts):
            return
        if self.first_line and not self.group.persons:
            self._not_a_person(ln.clean(text))
            return
        self._affiliation(text)

    def _names(self, parts: list[ln.NamePart], text: str) -> bool:
        if not parts or not all(ln.is_person_name(p.name) for p in parts):
            return False
        persons = self.group.persons
        if persons:
            marked = all(p.markers for p in parts) and all(q.markers for q in persons)
            if not (len(parts) >= 2 or self.names_open or marked):
                return False
        self._add_names(parts, text)
        return True

    def _add_names(self, parts: list[ln.NamePart], text: str) -> None:
        for part in parts:
            self.block.add_person(self.group, part)
        self.state = "names"
        self.names_open = bool(re.search(r"(?:,|;|&|\band)\s*$", text))

    def _marked_name(self, parts: list[ln.NamePart]) -> bool:
        """A conversion fault: "Manasi Patwardhan<sup>T</sup>" inside an affiliation field."""
        if len(parts) == 1 and parts[0].markers and ln.is_person_name(parts[0].name):
            if self.group.persons:
                self._new_group()
            self.block.add_person(self.group, parts[0])
            self.state = "affs"
            return True
        return False

    def _not_a_person(self, text: str) -> None:
        """A first line that names no person: a company or team author, or an organisation."""
        name = re.sub(r"\s+\d{1,2}$", "", text)
        if not self.block.persons:
            self.block.add_person(self.group, ln.NamePart(name), corporate=True)
            self.state = "affs"
        else:
            self.block.orphans.append((self.creator, name))
            self.state = "affs"

    def _affiliation(self, text: str) -> None:
        if ln.is_past(text):
            self._store(ln.clean(text))
            return
        text = ln.strip_current(_without_prose(text))
        if not text or ln.is_noise(text):
            return
        if self.last and (ln.is_address(text) or ln.is_continuation(text)):
            self._extend(text)
            return
        self._store(text)

    def _store(self, text: str) -> None:
        self.group.shared.append(text)
        self.last = [(self.group.shared, len(self.group.shared) - 1)]
        self.state = "affs"

    def _extend(self, text: str) -> None:
        """Join a wrapped line or a bare address to the affiliation above it."""
        for target, index in self.last:
            above = target[index]
            joiner = " " if ln.is_continuation(text) or above.endswith(",") else ", "
            target[index] = ln.clean(f"{above}{joiner}{text}")

    # ---------------------------------------------------------------- notes and contacts
    def _creator_note(self, note: html.HtmlElement) -> None:
        """A ``\thanks`` rendered beside the name: it belongs to this creator's author."""
        for kind, value in element_tokens(note):
            if kind == "note":
                self.block.thanks.append(value)
                self._give_note(value)

    def _give_note(self, text: str, persons: list[Person] | None = None) -> None:
        found, rest = mail.find_emails(text)
        self.group.emails.extend(found)
        targets = persons or self._creator_persons()[:1]
        for aff in note_affiliations(rest):
            for person in targets:
                person.notes.append(aff)

    def _creator_persons(self) -> list[Person]:
        return [p for p in self.block.persons if p.creator == self.creator]

    def _author_notes(self, notes: html.HtmlElement) -> None:
        contacts = [s for s in notes.iter("span") if "ltx_contact" in classes(s)]
        for contact in contacts:
            self._contact(contact)
        self._loose_notes(lines_of(_without(notes, contacts)))

    def _contact(self, contact: html.HtmlElement) -> None:
        cls = classes(contact)
        if "ltx_role_email" in cls:
            found, _ = mail.find_emails(" ".join(v for k, v in tokens(contact) if k == "text"))
            self.group.emails.extend(found)
            return
        if not cls & {"ltx_role_affiliation", "ltx_role_address"}:
            return
        if not self.group.persons and not self._creator_persons():
            self.first_line = True
        self.state = "affs"
        for line in _join_email_lines(lines_of(contact)):
            self._segment(line.tokens)
            self.first_line = False

    def _loose_notes(self, note_lines: list[Line]) -> None:
        """Plain text in the author notes (ar5iv's merged ``\\thanks``), keyed or not."""
        chunks: list[str] = []
        for line in note_lines:
            cut = next((i for i, (k, _) in enumerate(line.tokens) if k == "sup"), len(line.tokens))
            pre = "".join(v for k, v in line.tokens[:cut] if k == "text")
            chunks.extend(c for c in re.split(r"\s{2,}", pre) if ln.clean(c))
            for keys, text in ln.keyed(line.tokens[cut:]):
                marked = [p for p in self.block.persons if set(keys) & set(p.markers)]
                self._give_note(text, marked or None)
        persons = self._creator_persons()
        numbered = sorted({int(m) for p in persons for m in p.fnmarks if m.isdigit()})
        for index, chunk in enumerate(chunks, start=1):
            marked = [p for p in self._creator_persons() if str(index) in p.fnmarks]
            use_marks = numbered and len(chunks) == numbered[-1]
            self._give_note(chunk, marked if use_marks and marked else None)


def _without(notes: html.HtmlElement, contacts: list[html.HtmlElement]) -> html.HtmlElement:
    """A copy of the author notes with the contact spans taken out (their tails kept)."""
    if not contacts:
        return notes
    copy = copy_of(notes)
    for span in list(copy.iter("span")):
        if "ltx_contact" in classes(span):
            span.drop_tree()
    return copy


def _join_email_lines(lines: list[Line]) -> list[Line]:
    """A ``{a, b,`` line and the ``c}@host`` line after it are one line."""
    out: list[Line] = []
    for line in lines:
        prev = out[-1].text if out else ""
        if out and "{" in prev and "}" not in prev.rpartition("{")[2] and "}" in line.text:
            joined = [*out[-1].tokens, ("text", " "), *line.tokens]
            out[-1] = Line(joined, out[-1].group_break)
        else:
            out.append(line)
    return out


def _split_groups(line: Line) -> list[tuple[list[Token], bool]]:
    """Split where ``&`` (``\\And``) starts the next author: "x@kuleuven.be &Luc De Raedt"."""
    segments: list[tuple[list[Token], bool]] = [([], line.group_break)]
    for kind, value in line.tokens:
        if kind != "text" or "&" not in value:
            segments[-1][0].append((kind, value))
            continue
        pieces = value.split("&")
        segments[-1][0].append(("text", pieces[0]))
        for piece in pieces[1:]:
            before = " ".join("".join(v for k, v in segments[-1][0] if k == "text").split())
            head = ln.clean(re.split(r"[,;]|\s{3,}|\n", piece.strip(), maxsplit=1)[0])
            starts_author = ln.is_person_name(head) if head else True
            if starts_author and (not before or "@" in before):
                segments.append(([("text", piece)], True))
            else:
                segments[-1][0].append(("text", "&" + piece))
    return [(toks, brk) for toks, brk in segments if toks]


def _names_first(segment: list[Token]) -> bool:
    """Whether a segment opens with person names (a ``\\AND`` before an affiliation is no
    new author group: NeurIPS' "... \\AND Google Research" ends a row of names)."""
    parts = ln.split_names(segment)
    return bool(parts) and ln.is_person_name(parts[0].name)


def note_affiliations(text: str) -> list[str]:
    """The affiliations a note states: current ones, and past ones ("Work done while at X")."""
    out: list[str] = []
    for sentence in _sentences(text):
        if ln.is_noise(sentence):
            continue
        if ln.is_past(sentence):
            out.append(ln.clean(sentence))
            continue
        current = ln.strip_current(sentence)
        if current and _affiliation_like(current):
            out.extend(_split_and(current))
    return out


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for piece in _SENTENCE.split(text):
        piece = ln.clean(piece)
        while piece:
            glued = ln.noise_prefix(piece)  # "Equal contributionJohns Hopkins University"
            if glued is None:
                out.append(piece)
                break
            out.append(piece[:glued])
            piece = ln.clean(piece[glued:])
    return [s for s in out if s]


def _without_prose(text: str) -> str:
    """An affiliation line without the sentences after it that are no affiliation (disclaimers)."""
    pieces = [p for p in _SENTENCE.split(text) if p.strip()]
    if len(pieces) < 2:
        return text
    kept = pieces[:1] + [p for p in pieces[1:] if _affiliation_like(p) or ln.is_past(p)]
    return " ".join(kept)


def _affiliation_like(text: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’.\-]*", text)
    if not words or len(words) > 20:
        return False
    content = [w for w in words if w.lower() not in _STOPWORDS]
    return bool(content) and all(w[0].isupper() for w in content)


def _split_and(text: str) -> list[str]:
    """"University of Oxford and Google DeepMind" -> both, when each side is an organisation."""
    parts = re.split(r"\s+and\s+", text)
    if len(parts) == 2 and all(ln.has_org_word(p) or ln.known_company(p) for p in parts):
        return parts
    return [text]


# -------------------------------------------------------------------- authors of the block
def _authors(block: Block) -> list[Author]:
    _resolve_footnote_marks(block)
    _give_orphans(block)
    _credit_emails(block)
    groups = {g.ident: g for g in block.groups}
    found: list[list[str]] = []
    for person in block.persons:
        texts = [t for key in person.markers for t in block.keyed.get(key, ())]
        texts += groups[person.group].shared
        texts += person.affiliations + person.notes
        if not texts and not person.corporate:
            texts = list(block.shared)
        if person.corporate:
            texts.insert(0, person.name)
        found.append(texts)
    if block.acmart:  # acmart: \author{A} \author{B} \affiliation{X} gives X to both
        carry: list[str] = []
        for texts in reversed(found):
            if texts:
                carry = texts
            else:
                texts.extend(carry)
    out = []
    for person, texts in zip(block.persons, found, strict=True):
        out.append(
            Author(
                name=person.name,
                affiliations=tuple(Affiliation(name=t, source=_SOURCE) for t in _dedupe(texts)),
                emails=tuple(dict.fromkeys(person.emails)),
            )
        )
    return out


def _resolve_footnote_marks(block: Block) -> None:
    """``\\footnotemark[n]`` on a name shares the n-th note of the block."""
    for person in block.persons:
        for mark in person.fnmarks:
            if mark.isdigit() and 0 < int(mark) <= len(block.thanks):
                for aff in note_affiliations(block.thanks[int(mark) - 1]):
                    person.notes.append(aff)


def _give_orphans(block: Block) -> None:
    """An organisation written as a creator belongs to the creator before it."""
    for group in block.groups:
        if not group.persons:
            block.orphans.extend((group.creator, text) for text in group.shared)
    for creator, text in block.orphans:
        before = [p for p in block.persons if p.creator < creator]
        if not before:
            block.shared.append(text)
            continue
        last = max(p.creator for p in before)
        for person in before:
            if person.creator == last:
                person.affiliations.append(text)


def _credit_emails(block: Block) -> None:
    names = [p.name for p in block.persons]
    pending: list[tuple[str, Group]] = []
    seen: set[str] = set()
    for group in block.groups:
        for address in dict.fromkeys(group.emails):
            shared = address in seen  # printed again for another author ({a,b}@x under each)
            seen.add(address)
            if not shared or len(group.persons) == 1:
                pending.append((address, group))
    leftovers: list[tuple[str, Group]] = []
    for address, group in pending:  # one person, one group: the address is theirs unless
        if len(group.persons) == 1:  # it clearly spells someone else's name
            own = block.persons.index(group.persons[0])
            best = _best_person(address, names)
            if best is None or best == own:
                group.persons[0].emails.append(address)
                continue
        leftovers.append((address, group))
    by_group: dict[int, list[str]] = {}
    for address, group in leftovers:
        by_group.setdefault(group.ident, []).append(address)
    groups = {g.ident: g for g in block.groups}
    unplaced: list[tuple[str, Group]] = []
    for ident, addresses in by_group.items():
        group = groups[ident]
        candidates = group.persons if len(group.persons) > 1 else block.persons
        taken = mail.assign(addresses, [p.name for p in candidates])
        for address in addresses:
            if address in taken:
                candidates[taken[address]].emails.append(address)
            else:
                unplaced.append((address, group))
    for address, group in unplaced:
        best = _best_person(address, names)
        if best is not None:
            block.persons[best].emails.append(address)
        elif group.persons:
            without = [p for p in group.persons if not p.emails]
            (without or group.persons)[0].emails.append(address)
        elif block.persons:
            block.persons[0].emails.append(address)


def _best_person(address: str, names: list[str]) -> int | None:
    """The one person whose name clearly fits the address best, if any."""
    local = address.partition("@")[0]
    scored = sorted(((mail.similarity(local, n), i) for i, n in enumerate(names)), reverse=True)
    if not scored or scored[0][0] < _CLEAR:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.15:
        return None
    return scored[0][1]


def _dedupe(texts: list[str]) -> list[str]:
    """Drop repeats and affiliations contained, word for word, in a longer one."""
    unique = list(dict.fromkeys(t for t in texts if t))
    keys = {t: f" {normalize(t)} " for t in unique}
    current = [t for t in unique if not ln.is_past(t)]  # a past one never hides a current one
    return [
        t
        for t in unique
        if keys[t].strip()
        and not any(o != t and keys[t] in keys[o] and keys[t] != keys[o] for o in current)
    ]
