"""Roster values are only ever text on a card: make sure they can be nothing else.

HTML and Jinja syntax need no treatment here: templates are autoescaped and a
value is never rendered as a template, so ``<b>`` or ``{{ x }}`` in a name is
printed as those characters. What remains are characters that are invisible,
reorder or hide what is printed, or are not text at all. For each kind we
decide once:

================================  =========  ===============================================
what                              decision   why
================================  =========  ===============================================
NUL, other C0/C1 controls, DEL    refused    not text; a station's export never has them
bidi overrides and isolates       refused    they reorder what is printed ("Trojan source")
(U+202A-202E, U+2066-2069)
lone surrogates, noncharacters    refused    not text; they break PDF text encoding
more than 8 combining marks       refused    "Zalgo" text piles up out of its box
in a row
longer than 200 characters        refused    no card field is that long; refusing early keeps
                                             a 1 MB "name" away from layout and preflight
NEL (U+0085)                      refused    the sign of Windows-1252 text read wrongly (its
                                             byte 0x85 is "…"), never a line break typed
tab, CR, LF, VT, FF,              shown as   a field is one line on the card; a line break
U+2028/2029 (with spaces around)  one space  pasted from Excel is not an error (between two
                                  (none      Chinese characters it disappears, as CSS
                                  between    folds segment breaks: 覃\\n晓红 is 覃晓红)
                                  Chinese)
decomposed letters (e + U+0302    composed   one character where Unicode has one (NFC), so
+ U+0303)                         (NFC)      a font draws the letter it has, not a base
                                             and a mark it may not place (Nguyễn)
zero-width characters (U+200B-    removed    invisible on paper, but they make "LD001" and
U+200F, U+2060, U+FEFF, U+00AD,              "LD\u200b001" different ids and break number
U+180E, U+061C)                              and URL checks; left-to-right/right-to-left
                                             marks are removed with them
================================  =========  ===============================================

:func:`clean_roster` applies this to every value of a raw roster in place and
returns a located diagnostic for each refusal; :func:`clean` does one value.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import Diagnostic
from ..i18n import _

MAX_FIELD_CHARS = 200
MAX_COMBINING_RUN = 8

_REMOVED = "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_BIDI_CHARS = "\u202a-\u202e\u2066-\u2069"
_CONTROL_CHARS = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
_BIDI = re.compile(f"[{_BIDI_CHARS}]")
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NONCHAR = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
_NOT_TEXT = re.compile(f"[{_CONTROL_CHARS}{_BIDI_CHARS}{_REMOVED}\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# Line breaks and tabs, with the spaces around them: one space on a one-line field.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x85\u2028\u2029]")
_BREAKS = re.compile("[ ]*[\t\n\r\x0b\x0c\x85\u2028\u2029][\t\n\r\x0b\x0c\x85\u2028\u2029 ]*")


def clean(value: str) -> tuple[str, str | None]:
    """``(text as printed, reason it is refused or None)``.

    The text returned is always safe to go on (controls removed, line breaks
    folded), so later checks of the same value can still say what else is wrong.
    """
    if value.isascii() and value.isprintable():  # nothing to remove, fold or compose
        return value.strip(" "), _problem(value) if len(value) > MAX_FIELD_CHARS else None
    problem = _problem(value)
    text = _NOT_TEXT.sub("", value)
    text = _BREAKS.sub(_fold, text).strip(" ")
    return unicodedata.normalize("NFC", text), problem


def _fold(match: re.Match) -> str:
    """A line break is a space, except between two Chinese characters (覃\n晓红 is 覃晓红),
    as CSS folds segment breaks between wide characters."""
    text, start, end = match.string, match.start(), match.end()
    if (0 < start and end < len(text) and _wide(text[start - 1]) and _wide(text[end])
            and _LINE_BREAK.search(match.group())):
        return ""
    return " "


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _problem(value: str) -> str | None:
    if "\x85" in value:
        return _("contains U+0085 (NEL) at character {index}: the sign of Windows-1252 text "
                 "read wrongly, where that byte is \"…\"; type the value again").format(
            index=value.index("\x85") + 1)
    found = _CONTROL.search(value)
    if found:
        if found.group() == "\x00":
            return _("contains a NUL byte at character {index}; a card shows only text").format(
                index=found.start() + 1)
        return _("contains control character {code} at character {index}; a card shows only "
                 "text").format(code=_cp(found.group()), index=found.start() + 1)
    found = _BIDI.search(value)
    if found:
        return _("contains the bidi control {code} ({name}) at character {index}; it would "
                 "reorder the printed text").format(
            code=_cp(found.group()), name=unicodedata.name(found.group(), "bidi control"),
            index=found.start() + 1)
    found = _SURROGATE.search(value) or _NONCHAR.search(value)
    if found:
        return _("contains {code} at character {index}, which is not text").format(
            code=_cp(found.group()), index=found.start() + 1)
    if len(value) > MAX_FIELD_CHARS:
        return _("{length} characters long; a card field has at most {limit}").format(
            length=len(value), limit=MAX_FIELD_CHARS)
    if value.isascii():  # no combining marks
        return None
    run = 0
    for index, char in enumerate(value):
        run = run + 1 if unicodedata.combining(char) else 0
        if run > MAX_COMBINING_RUN:
            return _("more than {limit} combining marks in a row at character {index}; they "
                     "would pile up outside the text's box").format(
                limit=MAX_COMBINING_RUN, index=index + 1)
    return None


# Characters that cannot be seen in an id, beyond those clean() removes: spaces other than
# the plain one inside it, Hangul fillers, the blank braille pattern, and format characters.
_INVISIBLE = re.compile(f"[{_REMOVED}\u115f\u1160\u3164\uffa0\u2800]")


def _invisible_in_id(value: str) -> str | None:
    """Why an id cannot be used as a key (an invisible character in it), or None.

    Ids are what ``--officer`` and the reprint ledger match on: ``LD\u200b001`` must not
    pass for ``LD001``, so an invisible character is refused rather than removed.
    """
    text = value.strip(" \t\r\n")
    for index, char in enumerate(text):
        if (_INVISIBLE.match(char) or unicodedata.category(char) == "Cf"
                or (char.isspace() and char != " ")):
            return _("contains the invisible character {code} at character {index}; type the "
                     "id again").format(code=_cp(char), index=index + 1)
    return None


def _cp(char: str) -> str:
    return f"U+{ord(char):04X}"


def clean_roster(raw) -> list[Diagnostic]:
    """Clean every value of ``raw`` (a :class:`cardkit.roster.records.RawRoster`) in place.

    Returns one diagnostic per refused value, located at its file, line and field.
    """
    problems: list[Diagnostic] = []
    if raw.unit:
        for key, value in raw.unit.items():
            if isinstance(value, str):
                raw.unit[key], problem = clean(value)
                if problem:
                    problems.append(Diagnostic(file=raw.file, line=raw.unit_lines.get(key, 0),
                                               subject="unit", field=key, message=problem))
    for record in raw.records:
        refused = []
        for key, value in list(record.fields.items()):
            if isinstance(value, str):
                record.fields[key], problem = clean(value)
                if key == "id" and not problem:
                    problem = _invisible_in_id(value)
                if problem:
                    refused.append((key, problem))
        officer_id = record.fields.get("id")
        subject = f"officer {officer_id}" if officer_id else "officer (no id)"
        problems.extend(Diagnostic(file=record.file, line=record.line_of(key), subject=subject,
                                   field=key, message=problem) for key, problem in refused)
    return problems
