"""Messages for people, on stderr (stdout may carry a PDF): -q silences, -v explains."""

from __future__ import annotations

import sys
from dataclasses import dataclass


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


def _write(message: str) -> None:
    stream = sys.stderr
    try:
        stream.write(message + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(message.encode(encoding, "backslashreplace").decode(encoding) + "\n")
    stream.flush()
