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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_PDFIUM = threading.RLock()  # the library's, not a job's: pdfium keeps process-wide state


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """Hold pdfium for this thread while the block runs."""
    with _PDFIUM:
        yield


def rendered_page(pdf: bytes, index: int, scale: float, take: Callable[[Any], T],
                  grayscale: bool = False) -> T:
    """Page ``index`` of the PDF ``pdf`` rendered at ``scale``, as ``take`` makes it of the
    bitmap (a copy: ``bitmap.to_pil().copy()``, ``qr.grey_pixels``). The bitmap, the page
    and the document are closed whatever happens on the way: an exception between two of
    them (a job's limit, say) would otherwise leave the document open until pypdfium2's exit
    hook closes it, saying so on the job's standard error after the job's own error."""
    import pypdfium2 as pdfium

    with one_at_a_time():
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[index]
            try:
                bitmap = page.render(scale=scale, grayscale=grayscale)
                try:
                    return take(bitmap)
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
