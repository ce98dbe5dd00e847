"""Errors, diagnostics and exit statuses shared by every stage."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitStatus(enum.IntEnum):
    """Process exit statuses; part of the command-line contract."""

    SUCCESS = 0
    INPUT_ERROR = 1  # bad input or failed preflight; nothing written
    USAGE_ERROR = 2  # unknown flag, missing argument
    INTERRUPTED = 130  # Ctrl-C


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the input, located as precisely as we can."""

    file: str = ""
    line: int = 0
    subject: str = ""  # e.g. "officer LD042"
    field: str = ""
    message: str = ""
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        where = self.file
        if self.file and self.line:
            where = f"{self.file}:{self.line}"
        parts = [p for p in (where, self.subject) if p]
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return f"{self.severity}: " + ": ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "subject": self.subject,
            "field": self.field,
            "message": self.message,
        }


class CardkitError(Exception):
    """Base class of every error cardkit reports to a user (never a traceback)."""

    exit_status = ExitStatus.INPUT_ERROR

    def __init__(self, message: str = "", diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.message = message
        self.diagnostics = sorted(diagnostics or [])

    def lines(self) -> list[str]:
        if self.diagnostics:
            return [d.format() for d in self.diagnostics]
        return [f"error: {self.message}"]


class InputError(CardkitError):
    """Raised when a roster, generation, template or setting is wrong."""


class PreflightError(CardkitError):
    """Raised when the rendered cards fail a preflight check (box glyph, tiny QR, overflow)."""


class UsageError(CardkitError):
    """Raised when the command line itself is wrong (exit 2)."""

    exit_status = ExitStatus.USAGE_ERROR


class FetchRefused(CardkitError):
    """Raised when a template, stylesheet or roster asks for a resource outside the allowed roots."""
