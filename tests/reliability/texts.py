"""Generated text for the reliability suites: command texts and hostile strings.

Command texts mix the declared commands (any case, near misses) with argument-shaped words,
the markup of every platform, control and invisible characters and arbitrary Unicode, so a
run reaches every parser branch and every handler, not just "unknown command".
"""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import strategies as st

from bot.core.commands.table import COMMANDS

MENTIONS = ("@everyone", "@here", "@channel", "<!channel>", "<!here>", "<!everyone>",
            "<@U0BEN0002>", "<@U123>", "<@&123456789012345678>", "<@123456789012345678>",
            "<@!123456789012345678>", "<#C1>", "<#123456789012345678>",
            "<!subteam^S1|@devs>", "@ben", "@ana")
MARKUP = ("```", "```python", "*", "**bold**", "_", "__x__", "~", "~~gone~~", "|", "||spoiler||",
          ">", ">>> ", "<", "&", "&amp;", "&lt;!channel&gt;", "`", "\\", "# Heading", "- item",
          "[x](http://evil.example/p)", "<http://evil.example|click>", "<mailto:a@b.c|mail>",
          "http://evil.example/x?a=1&b=2", "<https://arxiv.org/abs/1|ok>")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066",
             "\u200f", "\u061c", "\u00ad", "\u180e")
CONTROL = ("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85",
           "\u2028", "\u2029", "\r", "\r\n", "\t")
HOSTILE = MENTIONS + MARKUP + INVISIBLE + CONTROL

COMMAND_WORDS = sorted({w for c in COMMANDS for w in c.path})
ARG_WORDS = ("all", "since", "md", "csv", "json", "industry-only", "all-papers", "daily",
             "weekdays", "mon,thu", "mon-fri", "sat", "09:00", "9:5", "25:99", "23:59",
             "Europe/Berlin", "America/Argentina", "Etc", "UTC", "europe/berlin", "Mars/Base",
             "2024-11-27", "2024-02-30", "2024-13-45", "0000-00-00", "1", "8", "52", "999",
             "1000", "0", "-3", "٣", "diffusion", "planning", "robot*", "ti:robot",
             'abs:"graph neural"', "(", ")", "AND", "OR", "NOT", "-audio", '"', ",",
             "diffusion-planning", "eeg", "x" * 41, "Topic_Name", "ÉTÉ", "help")


def _cased(words: Iterable[str]) -> list[str]:
    return sorted({v for w in words for v in (w, w.upper(), w.title())})


def _typos(word: str) -> set[str]:
    """Near misses: one letter dropped, doubled or swapped."""
    out = set()
    for i in range(len(word)):
        out |= {word[:i] + word[i + 1:], word[:i] + word[i] * 2 + word[i + 1:],
                word[:i] + word[i + 1:i + 2] + word[i:i + 1] + word[i + 2:]}
    return out - {word, ""}


CASED_WORDS = _cased(COMMAND_WORDS)
TYPOS = sorted({t for w in COMMAND_WORDS for t in _typos(w)})
CASED_COMMANDS = _cased(" ".join(c.path) for c in COMMANDS)


def long_token(max_size: int) -> st.SearchStrategy[str]:
    """One piece repeated up to ``max_size`` characters (a pasted wall of text)."""
    return st.builds(lambda piece, n: (piece * n)[:max_size],
                     st.sampled_from(["x", "é", "@everyone ", "<!channel>", "```", "\u202e",
                                      "a-", "(", "ti:", "\x00", "*_~|"]),
                     st.integers(100, max_size))


def unicode_text(max_size: int = 30) -> st.SearchStrategy[str]:
    """Any Unicode but lone surrogates (which no platform can carry)."""
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size)


def tokens(max_long: int) -> st.SearchStrategy[str]:
    """One word of a command text."""
    parts = [st.sampled_from(CASED_WORDS), st.sampled_from(TYPOS),
             st.sampled_from(ARG_WORDS), st.sampled_from(HOSTILE),
             st.tuples(st.sampled_from(ARG_WORDS + HOSTILE),
                       st.sampled_from(HOSTILE)).map("".join),
             unicode_text(12)]
    usual = st.one_of(*parts)
    if not max_long:
        return usual
    # One word in twenty is a wall of text: enough to reach every limit, few enough that the
    # run stays quick.
    return st.tuples(st.integers(0, 19), usual, long_token(max_long)).map(
        lambda t: t[2] if t[0] == 0 else t[1])


def command_texts(max_long: int = 0) -> st.SearchStrategy[str]:
    """The text after ``/scoop``: a declared command with argument-ish words most of the
    time, otherwise anything at all."""
    declared = st.tuples(
        st.sampled_from(CASED_COMMANDS),
        st.lists(tokens(max_long), max_size=6),
        st.sampled_from([" ", "  ", "\t", " \u00a0"]),
    ).map(lambda t: t[0] + t[2] + t[2].join(t[1]))
    loose = st.lists(tokens(max_long), max_size=6).map(" ".join)
    return st.one_of(declared, declared, declared, loose, unicode_text(60))


def hostile_text(max_size: int = 200) -> st.SearchStrategy[str]:
    """A short string stuffed with markup, mentions, invisible and control characters."""
    piece = st.one_of(st.sampled_from(HOSTILE), unicode_text(8),
                      st.sampled_from(ARG_WORDS))
    return st.lists(piece, min_size=1, max_size=12).map("".join).map(lambda s: s[:max_size])
