"""Messages for people, on stderr (stdout may carry a PDF): -q silences, -v explains.

Whatever the terminal: under ``LANG=C``, ``PYTHONIOENCODING=ascii`` or into a
pipe, a character the stream cannot encode is written as a Python escape
(``\\u5434``) instead of crashing or being dropped, on stdout and stderr alike.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

# Characters a stream must be able to write for cardkit to leave its error handler alone:
# Chinese, and a rare name character outside the Basic Multilingual Plane.
_PROBE = "警民联系卡\U0002a6a5"


@dataclass
class Console:
    quiet: bool = False
    verbose: bool = False

    def info(self, message: str) -> None:
        if not self.quiet:
            _write(message)

    def detail(self, message: str) -> None:
        if self.verbose and not self.quiet:
            _write(message)

    def error(self, message: str) -> None:
        _write(message)


def make_streams_robust() -> None:
    """Escape what ``sys.stdout``/``sys.stderr`` cannot encode instead of raising.

    Only streams whose encoding cannot write Chinese are changed (UTF-8 and GB18030
    terminals are left as they are); the escapes keep the text recoverable.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or _can_encode(stream):
            continue
        try:
            stream.reconfigure(errors="backslashreplace")
        except (ValueError, io.UnsupportedOperation):  # closed or detached
            pass


def _can_encode(stream: io.TextIOBase) -> bool:
    try:
        _PROBE.encode(stream.encoding or "ascii", stream.errors or "strict")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(message: str) -> None:
    stream = sys.stderr
    try:
        stream.write(message + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(message.encode(encoding, "backslashreplace").decode(encoding) + "\n")
    stream.flush()
