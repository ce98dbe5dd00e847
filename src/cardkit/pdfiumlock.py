"""pdfium, one thread at a time.

pdfium is not thread-safe (pypdfium2's documentation says so), and cardkit rasterises pages
in jobs that may run on several threads of one process at once (the API's callers, a
service): the stamper's pixel check and sampled decode-back, preflight's QR check, previews.
Two of them at once crash the process (a segmentation fault in ``FPDF_RenderPageBitmap``).
Every use of pypdfium2 in cardkit opens, renders and closes inside ``one_at_a_time()``, a
lock of the process: pdfium's state is the process's, so is the lock. What leaves the block
owns its memory (a PIL image copied, bytes), and every pdfium object is closed in the block
(a finalizer run later, on another thread, would be a pdfium call outside the lock).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_PDFIUM = threading.RLock()  # the library's, not a job's: pdfium keeps process-wide state


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """Hold pdfium for this thread while the block runs."""
    with _PDFIUM:
        yield
