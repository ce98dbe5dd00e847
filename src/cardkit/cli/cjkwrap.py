"""Wrapping help text by what a terminal shows: a Chinese character takes two columns.

click measures and wraps help text by counting characters, so a Chinese help
line comes out nearly twice as wide as the terminal. These replacements for
``click.formatting.term_len`` and ``wrap_text`` count display columns, break
between any two Chinese characters (never before closing punctuation such as
``，`` or ``）``, never after an opening one), and leave text without wide
characters to click's own code, so English help is unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

NO_LINE_START = set("，。、；：？！）」』】》〉”’%,.;:?!)]}")
NO_LINE_END = set("（「『【《〈“‘([{")
_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (ANSI colour codes take none)."""
    return sum(char_width(c) for c in _ANSI.sub("", text))


def has_wide(text: str) -> bool:
    return any(char_width(c) == 2 for c in text)


def _tokens(text: str) -> list[str]:
    """Words, single wide characters and runs of spaces, with punctuation kept on the right side."""
    raw = re.findall(r"\s+|[^\s]", text)
    tokens: list[str] = []
    for piece in raw:
        glue = (tokens and not tokens[-1].isspace()
                and (piece[0] in NO_LINE_START or tokens[-1][-1] in NO_LINE_END
                     or (not piece.isspace() and char_width(piece) == 1
                         and char_width(tokens[-1][-1]) == 1 and piece not in NO_LINE_END)))
        if glue:
            tokens[-1] += piece
        else:
            tokens.append(piece)
    return tokens


def _wrap_paragraph(text: str, width: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    line, used, pending = first, display_width(first), ""
    empty = True
    for token in _tokens(text):
        if token.isspace():
            pending = token if not empty else ""
            continue
        size = display_width(token)
        if not empty and used + len(pending) + size > width:
            lines.append(line)
            line, used, pending, empty = rest, display_width(rest), "", True
        line += pending + token
        used += len(pending) + size
        pending, empty = "", False
    lines.append(line)
    return lines


def make_wrap_text(click_wrap_text: Callable[..., str]) -> Callable[..., str]:
    """``click.formatting.wrap_text`` that measures wide characters as two columns."""

    def wrap_text(text: str, width: int = 78, initial_indent: str = "",
                  subsequent_indent: str = "", preserve_paragraphs: bool = False) -> str:
        if not has_wide(text) or "\b" in text:
            return click_wrap_text(text, width, initial_indent=initial_indent,
                                   subsequent_indent=subsequent_indent,
                                   preserve_paragraphs=preserve_paragraphs)
        paragraphs = re.split(r"\n\s*\n", text.strip()) if preserve_paragraphs else [text]
        out = []
        for paragraph in paragraphs:
            joined = re.sub(r"\s*\n\s*", " ", paragraph.strip())
            out.append("\n".join(_wrap_paragraph(joined, width, initial_indent, subsequent_indent)))
            initial_indent = subsequent_indent
        return "\n\n".join(out)

    return wrap_text


def hook(formatting) -> None:
    """Give ``click.formatting`` the width-aware measure and wrap (once)."""
    if getattr(formatting, "_cardkit_cjk", False):
        return
    formatting.wrap_text = make_wrap_text(formatting.wrap_text)
    formatting.term_len = display_width
    formatting._cardkit_cjk = True
