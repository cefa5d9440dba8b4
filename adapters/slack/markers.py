"""Where a card's or header's marker sits in a Slack message, and how ``find_marker`` knows it.

The marker goes in the ``text`` fallback (not in the blocks people read), in brackets after
what the text says: at the end of a card's (``… (Google DeepMind) [sw:paper:5d1c9a0f3b2e7c41]``),
before a header's quiet reason (so a long reason never cuts it). Recovery asks "is this the
message?", so the answer must be exact: the marker bracketed whole (``sw:jsonl:p-1`` never
matches ``[sw:jsonl:p-10]``), and the last marker of the text (a title or lab name that quotes
another card's marker comes before the card's own, so it is never taken for it).
"""

from __future__ import annotations

from adapters.slack.escape import fit

MARKER_MAX = 200  # the core's markers are far shorter; a longer one (an old row's) is cut
_OPEN = "[sw:"  # how every marker's tag starts


def marker_tag(marker: str) -> str:
    """The marker as the text carries it: escaped like the rest of the text, bracketed."""
    return f"[{fit(marker, MARKER_MAX)}]"


def carries_marker(text: str, marker: str) -> bool:
    """Whether a message's text carries exactly ``marker`` as its marker."""
    tag = marker_tag(marker)
    at = text.rfind(tag)
    return at >= 0 and _OPEN not in text[at + len(tag):]
