"""Errors, diagnostics and exit statuses shared by every stage."""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

from .i18n import N_, _, ngettext

# The first word of a Diagnostic's subject names what it is about; people read it in
# their language, while --json keeps the English subject for scripts.
SUBJECT_KINDS = (N_("officer"), N_("unit"), N_("generation"), N_("template"), N_("sheet"),
                 N_("row"))
NO_ID = N_("(no id)")
# Subjects that are a whole phrase rather than "KIND ID".
SUBJECT_PHRASES = (N_("front face"), N_("back face"))
# Severities, worst first: an error fails the job; a warning fails it only under --strict;
# a notice never does.


# What an error line must not carry from a hostile file: line breaks, terminal escapes, bidi.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_FIELD_SHOWN = 60
MAX_QUOTED = 80  # characters of a value a message quotes: a cell may hold megabytes


def shortened(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` cut to ``limit`` characters and "…" (a value quoted in a message)."""
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(text: str) -> str:
    """``text`` in double quotes for a message, cut to ``MAX_QUOTED`` characters and "…"."""
    return f'"{shortened(text)}"'


def printable(text: str) -> str:
    """``text`` as one safe line: control and bidi characters shown as escapes (``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ExitStatus(enum.IntEnum):
    """Process exit statuses; part of the command-line contract."""

    SUCCESS = 0
    INPUT_ERROR = 1  # bad input or failed preflight; nothing written
    USAGE_ERROR = 2  # unknown flag, missing argument
    INTERRUPTED = 130  # Ctrl-C


class Where(TypedDict, total=False):
    """Where a problem lies, given to several Diagnostics: ``Diagnostic(**where, message=...)``."""

    file: str
    line: int
    subject: str
    field: str


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the input, located as precisely as we can.

    ``format()`` is the line a person reads: ``SEVERITY: FILE:LINE: SUBJECT: FIELD: MESSAGE``.
    The severity keyword (``error``/``warning``/``notice``), the ``FILE:LINE`` prefix and the field
    name stay the same in every language; the subject's kind word (``officer``,
    ``unit``, ...) is translated there, and the message is written translated by
    whoever creates the Diagnostic (``_()`` from ``cardkit.i18n``).
    """

    file: str = ""
    line: int = 0
    subject: str = ""  # "KIND ID", e.g. "officer LD042"; KIND is one of SUBJECT_KINDS
    field: str = ""
    message: str = ""
    severity: str = "error"  # "error", "warning" (fails under --strict) or "notice" (never fails)
    rows: tuple[int, ...] = ()  # the same problem on several rows: one line naming them all
    name: str = ""  # the officer's name, said after the id (officer LD042 吴明)

    def fails(self, strict: bool = False) -> bool:
        """Whether this problem fails the job (a warning does only under ``--strict``)."""
        return self.severity == "error" or (strict and self.severity == "warning")

    def format(self) -> str:
        where = self.file
        if self.file and self.line:
            where = f"{self.file}:{self.line}"
        subject = localize_subject(self.subject)
        if self.name and self.officer_id is not None:
            subject += " " + self.name
        parts = [p for p in (where, subject) if p]
        if self.field:  # a column header of a hostile file may be anything, of any length
            field = field_label(self.field)
            parts.append(field if len(field) <= MAX_FIELD_SHOWN else field[:MAX_FIELD_SHOWN] + "…")
        parts.append(self.message)
        return printable(f"{self.severity}: " + ": ".join(parts))

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "subject": self.subject,
            "field": self.field,
            "message": self.message,
            **({"rows": list(self.rows)} if self.rows else {}),
            **({"officer": {"id": self.officer_id, "name": self.name}}
               if self.officer_id is not None else {}),
        }

    @property
    def officer_id(self) -> str | None:
        """The id of the one officer this is about (``""`` for one without an id), or None."""
        kind, _space, rest = self.subject.partition(" ")
        if kind != "officer" or not rest:
            return None
        return "" if rest == NO_ID or rest.startswith("#") else rest


# The Chinese name of each roster field, as the guide's table titles its column (said beside
# the key under a Chinese locale: 手机（mobile）).
FIELD_NAMES = {
    "id": "编号", "name": "姓名", "post": "职务", "phone": "电话", "mobile": "手机",
    "wechat": "微信", "area": "辖区", "badge": "警号", "unit": "单位", "address": "地址",
    "hotline": "值班电话", "website": "网站", "weibo": "微博", "mascot": "卡通形象",
    "unit_wechat": "单位微信",
}


def field_label(key: str) -> str:
    """A roster field as messages name it: its key in English; under a Chinese locale its
    Chinese name with the key in brackets (``手机（mobile）``), so the file's key is still
    named. Anything else (a generation key, a column header) is left as it is."""
    from .i18n import language

    name = FIELD_NAMES.get(key, "")
    if not name or language() != "zh":
        return key
    return f"{name}（{key}）"


def named(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], names: Mapping[str, str],
          by_line: Mapping[tuple[str, int], tuple[str, str]] | None = None) -> list[Diagnostic]:
    """``diagnostics`` with each officer's name (``names``: id -> name) beside the id, so a
    clerk reads ``officer 450331 王明``. ``by_line`` ((file, line) -> (id, name)) names the
    officer of that very row first: two rows that share an id each get their own name."""
    result = []
    for diagnostic in diagnostics:
        officer = diagnostic.officer_id
        row = (by_line or {}).get((diagnostic.file, diagnostic.line))
        name = row[1] if row and row[0] == officer else names.get(officer or "", "")
        name = _shown_name(name) if officer else ""
        if name and not diagnostic.name and diagnostic.field != "name":
            diagnostic = dataclasses.replace(diagnostic, name=name)
        result.append(diagnostic)
    return result


def group_rows(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The same problem on several officers' rows as one line naming the rows (``rows 3–27``),
    where the first of them was; the order is otherwise kept.

    Problems are the same when severity, file, field and message are; only officers'
    problems are grouped (a unit or generation problem is already one line).
    """
    groups: dict[tuple, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        kind = diagnostic.subject.partition(" ")[0]
        key = ((diagnostic.severity, diagnostic.file, diagnostic.field, diagnostic.message)
               if kind == "officer" and diagnostic.line else (id(diagnostic),))
        groups.setdefault(key, []).append(diagnostic)
    result = []
    for members in groups.values():
        if len(members) == 1:
            result.append(members[0])
            continue
        first = members[0]
        lines = tuple(sorted({m.line for m in members}))
        word = "lines" if first.file.endswith((".yaml", ".yml")) else "rows"
        result.append(Diagnostic(file=first.file, line=lines[0], subject=f"{word} {spans(lines)}",
                                 field=first.field, message=first.message,
                                 severity=first.severity, rows=lines))
    return result


def spans(numbers: tuple[int, ...]) -> str:
    """``2–26, 30, 32–33`` for the sorted numbers given."""
    parts: list[str] = []
    start = previous = numbers[0]
    for number in (*numbers[1:], None):
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)


def summary(problems: list[Diagnostic], strict: bool = False) -> tuple[int, int]:
    """(problems that fail the job, as lines once grouped; officers they concern)."""
    failing = [p for p in problems if p.fails(strict)]
    # an officer is a row of a table (two rows may share an id), a subject in YAML
    officers = {p.subject if p.file.endswith((".yaml", ".yml")) and not p.subject.endswith(NO_ID)
                else f"{p.file}:{p.line}" for p in failing if p.subject.startswith("officer ")}
    return len(group_rows(sorted(failing))), len(officers)


def localize_subject(subject: str) -> str:
    """``officer LD042`` -> ``民警 LD042`` in Chinese; unknown kinds are left as they are."""
    if subject in SUBJECT_PHRASES:
        return _(subject)
    kind, space, rest = subject.partition(" ")
    if kind == "rows" and rest:
        return _("rows {rows}").format(rows=rest)
    if kind == "lines" and rest:
        return _("lines {lines}").format(lines=rest)
    if kind not in SUBJECT_KINDS:
        return subject
    return _(kind) + space + (_(rest) if rest == NO_ID else rest)


class CardkitError(Exception):
    """Base class of every error cardkit reports to a user (never a traceback)."""

    exit_status = ExitStatus.INPUT_ERROR

    def __init__(self, message: str = "", diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.message = message
        self.diagnostics = sorted(diagnostics or [])

    def __str__(self) -> str:
        """The message, the first problem and how many more (``.diagnostics`` has them all)."""
        grouped = group_rows(self.diagnostics)
        failing = [d for d in grouped if d.fails()] or grouped
        if not failing:
            return self.message
        first = failing[0]
        text = first.format().removeprefix(f"{first.severity}: ")
        if self.message and self.message != first.message:
            text = f"{self.message}: {text}"
        more = len(failing) - 1
        if more:
            text += " " + ngettext("(and {count} more problem)", "(and {count} more problems)",
                                   more).format(count=more)
        return text

    def lines(self) -> list[str]:
        if self.diagnostics:
            return [d.format() for d in group_rows(self.diagnostics)]  # sorted
        return [printable(f"error: {self.message}")]


class InputError(CardkitError):
    """Raised when a roster, generation, template or setting is wrong."""


class PreflightError(CardkitError):
    """Raised when the rendered cards fail a preflight check (box glyph, tiny QR, overflow)."""


class UsageError(CardkitError):
    """Raised when the command line itself is wrong (exit 2)."""

    exit_status = ExitStatus.USAGE_ERROR


class FetchRefused(CardkitError):
    """Raised when a template, stylesheet or roster asks for a resource outside the allowed roots."""


MAX_NAME_SHOWN = 30  # a name is 2 to 4 characters; a longer one is a problem of its own


def _shown_name(name: str) -> str:
    """``name`` as a subject may carry it: "" when it is long or holds anything but plain
    text (the roster's own error about it says what), so no message grows or hides."""
    import unicodedata

    name = str(name or "").strip()
    if len(name) > MAX_NAME_SHOWN or printable(name) != name or any(
            unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") for c in name):
        return ""
    return name
