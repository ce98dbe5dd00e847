"""A progress bar on stderr for long jobs: only when stderr is a terminal, never with -q.

    [#########-----------]  4,200/10,000 cards   61.3 cards/s   1:35 left

It redraws in place at most ten times a second and ends its line when done,
so a script reading stderr (not a terminal) sees nothing of it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..i18n import _

WIDTH = 24


class ProgressBar:
    """Callable as ``bar(done, total)``; ``close()`` ends the line."""

    def __init__(self, stream: TextIO | None = None, label: str = "cards",
                 clock=time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.clock = clock
        self.started = clock()
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done < total and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        self.stream.write("\r" + self.line(done, total, now - self.started))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False

    def line(self, done: int, total: int, elapsed: float) -> str:
        fraction = done / total if total else 1.0
        filled = int(WIDTH * fraction)
        rate = done / elapsed if elapsed > 0 else 0.0
        if done >= total:
            tail = _("{seconds} s").format(seconds=f"{elapsed:.1f}")
        elif rate > 0:
            left = int((total - done) / rate)
            tail = _("{time} left").format(time=f"{left // 60}:{left % 60:02d}")
        else:
            tail = "…"
        counts = f"{done:>{len(f'{total:,}')},}/{total:,}"
        if self.label == "cards":  # the bar's own words, in the user's language
            words = _("{count} cards  {rate} cards/s").format(count=counts, rate=f"{rate:6.1f}")
        else:
            words = f"{counts} {self.label}  {rate:6.1f} {self.label}/s"
        return f"[{'#' * filled}{'-' * (WIDTH - filled)}] {words}  {tail}  "


def for_console(quiet: bool, stream: TextIO | None = None) -> ProgressBar | None:
    """A bar when it can be seen (stderr is a terminal and not -q), else None."""
    stream = stream or sys.stderr
    if quiet:
        return None
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return ProgressBar(stream)
