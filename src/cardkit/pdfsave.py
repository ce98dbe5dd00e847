"""The one way cardkit serialises a PDF: compressed, object streams, a file id from the content.

Every PDF cardkit makes (face chunks, their merge, the job itself) goes through ``save``,
so the same input gives the same bytes.
"""

from __future__ import annotations

import io


def save(pdf, *, min_version: str = "") -> bytes:
    """The bytes of the pikepdf ``pdf``, reproducibly (``deterministic_id``)."""
    import pikepdf

    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, min_version=min_version)
    return out.getvalue()
