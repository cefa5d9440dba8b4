"""Export differentiation notes: Markdown grouped by topic then paper, or CSV / JSON rows.

The export is the raw material of a related-work section, so every format carries the same
fields: topic, paper (key, title, link, labs) and each note with its author and date. A note
filed under several topics appears once under each.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from urllib.parse import quote

from bot.errors import ScoopwatchError
from bot.messages import File, lab_label
from bot.store.notes import NoteRecord
from bot.store.overlaps import OverlapStore
from bot.store.stores import Stores

FORMATS = {"md": "text/markdown", "csv": "text/csv", "json": "application/json"}
NO_TOPIC = "(no topic)"
FIELDS = ("topic", "paper_key", "paper_title", "paper_url", "labs", "author", "author_id",
          "written_at", "edited_at", "text", "note_id")


class ExportError(ScoopwatchError):
    """Unknown format or nothing to export under the given filter."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One note under one topic."""

    topic: str
    paper_key: str
    paper_title: str
    paper_url: str | None
    labs: tuple[str, ...]
    author: str
    author_id: str
    written_at: str  # YYYY-MM-DD HH:MM UTC
    edited_at: str | None
    text: str
    note_id: int


async def export_rows(
    stores: Stores, *, platform: str | None = None, workspace: str | None = None,
    topic: str | None = None,
) -> list[ExportRow]:
    """Rows sorted by topic, then paper (first note's order), then note time."""
    notes = await stores.notes.for_export(platform=platform, workspace=workspace, topic=topic)
    labs = await _labs(stores.overlaps, [n.paper_key for n in notes])
    rows = [
        _row(note, name, labs.get(note.paper_key, ()))
        for note in notes
        for name in (note.topics or (NO_TOPIC,))
        if topic is None or name == topic
    ]
    first_seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        first_seen.setdefault((row.topic, row.paper_key), i)
    rows.sort(key=lambda r: (r.topic == NO_TOPIC, r.topic, first_seen[(r.topic, r.paper_key)]))
    return rows


async def export_notes(
    stores: Stores, platform: str | None = None, workspace: str | None = None,
    topic: str | None = None, fmt: str = "md",
) -> bytes:
    """The notes as a file's bytes (UTF-8); what ``scoopwatch notes export`` writes."""
    rows = await export_rows(stores, platform=platform, workspace=workspace, topic=topic)
    return render(rows, fmt, topic)


def render(rows: Sequence[ExportRow], fmt: str, topic: str | None = None) -> bytes:
    if fmt not in FORMATS:
        raise ExportError(f'unknown export format "{fmt}"; expected md, csv or json')
    renderer = {"md": to_markdown, "csv": to_csv, "json": to_json}[fmt]
    return renderer(rows, topic).encode("utf-8")


async def export_file(
    stores: Stores, platform: str, workspace: str, topic: str | None, fmt: str
) -> File | None:
    """The ``/scoop notes export`` upload for one workspace; None when there are no notes."""
    rows = await export_rows(stores, platform=platform, workspace=workspace, topic=topic)
    if not rows:
        return None
    stem = f"scoopwatch-notes-{topic}" if topic else "scoopwatch-notes"
    about = f" on {topic}" if topic else ""
    notes = len({r.note_id for r in rows})
    return File(filename=f"{stem}.{fmt}", content=render(rows, fmt, topic),
                mime_type=FORMATS[fmt], title=f"Differentiation notes{about}",
                comment=f"{notes} note{'s' * (notes != 1)}{about}.")


def to_markdown(rows: Sequence[ExportRow], topic: str | None = None) -> str:
    """Headings per topic and paper, one list item per note. Everything people or sources
    wrote is escaped, so no note, title or name can open a heading, a list, a code block or a
    link of its own: the document keeps its shape whatever a member typed."""
    about = f" on {_md_inline(topic)}" if topic else ""
    papers = len({r.paper_key for r in rows})
    notes = len({r.note_id for r in rows})
    out = [f"# Differentiation notes{about}", "",
           f"{notes} note{'s' * (notes != 1)} on {papers} paper{'s' * (papers != 1)}."]
    current: tuple[str, str] | None = None
    for row in rows:
        if current is None or row.topic != current[0]:
            out += ["", f"## {_md_inline(row.topic)}"]
            current = (row.topic, "")
        if row.paper_key != current[1]:
            current = (row.topic, row.paper_key)
            title = _md_inline(row.paper_title)
            link = f"### [{title}]({_md_url(row.paper_url)})" if row.paper_url else f"### {title}"
            labs = ", ".join(_md_inline(lab) for lab in row.labs)
            facts = [f"Labs: {labs}" if row.labs else "Labs: none recorded",
                     f"Paper: {_md_inline(row.paper_key)}"]
            out += ["", link]
            out += ["", " · ".join(facts), ""]
        edited = f", edited {row.edited_at[:10]}" if row.edited_at else ""
        body = "\n  ".join(_md_lines(row.text))
        out.append(f"- **{_md_inline(row.author)}** ({row.written_at[:10]}{edited}): {body}")
    return "\n".join(out) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""


def as_text_cell(value: object) -> object:
    """A cell a spreadsheet shows as the text it is: one starting like a formula gets a
    leading apostrophe, which Excel, LibreOffice and Google Sheets take as "text" and hide, so
    a note such as ``=HYPERLINK(...)`` or ``-ours uses X`` is never evaluated on opening."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Sequence[ExportRow], topic: str | None = None) -> str:
    """RFC 4180 as the csv module writes it by default: CRLF between records, and any field
    holding a line break of either kind (a bare CR too), a comma or a quote is quoted, so a
    note always reads back as one field of one record. Cells that would start like a formula
    are kept as text (:func:`as_text_cell`); the JSON export has every value exactly."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        data = asdict(row)
        data["labs"] = "; ".join(row.labs)
        writer.writerow({name: as_text_cell(value) for name, value in data.items()})
    return buf.getvalue()


def to_json(rows: Sequence[ExportRow], topic: str | None = None) -> str:
    items = [{name: asdict(row)[name] for name in FIELDS} for row in rows]
    for item in items:
        item["labs"] = list(item["labs"])
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _row(note: NoteRecord, topic: str, labs: tuple[str, ...]) -> ExportRow:
    written = note.created_at.strftime("%Y-%m-%d %H:%M UTC")
    edited = note.updated_at.strftime("%Y-%m-%d %H:%M UTC")
    return ExportRow(
        topic=topic, paper_key=note.paper_key, paper_title=note.paper_title or note.paper_key,
        paper_url=note.paper_url, labs=labs, author=note.author_name, author_id=note.author_id,
        written_at=written, edited_at=edited if note.updated_at != note.created_at else None,
        text=note.text, note_id=note.id,
    )


async def _labs(overlaps: OverlapStore, keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Lab names per paper from the digest side's cached detector output, strongest first."""
    found = await overlaps.labs_for(keys)
    return {key: tuple(dict.fromkeys(lab_label(company, lab) for company, lab in labs))
            for key, labs in found.items()}


# Markup CommonMark (and GitHub's tables and strikethrough) would act on anywhere in a line:
# emphasis, code, links, raw HTML, entities, table cells, a heading's closing hashes.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")
# What else opens a block when it starts a line: lists, setext underlines, rules. Escaping
# its marker leaves plain text.
_MD_BLOCK_START = re.compile(r"^(?:[-+=]|[0-9]{1,9}[.)])")


def _md_inline(text: str) -> str:
    """One line of literal text: whitespace (line breaks included) collapsed, markup escaped."""
    return _MD_INLINE.sub(r"\\\1", " ".join(text.split()))


def _md_lines(text: str) -> list[str]:
    """A note's lines as literal Markdown text, to be indented under its list item.

    Leading whitespace goes (four spaces would start a code block) and a line that would open
    a block of its own gets its first character escaped."""
    lines = []
    for raw in text.splitlines() or [""]:
        line = _MD_INLINE.sub(r"\\\1", raw.strip())
        if _MD_BLOCK_START.match(line):
            digits = len(line) - len(line.lstrip("0123456789"))
            line = f"{line[:digits]}\\{line[digits:]}"
        lines.append(line)
    return lines


def _md_url(url: str) -> str:
    """A link destination that cannot end early: spaces, parentheses and angle brackets are
    percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")
