"""Assemble the output PDF from rendered faces and write it atomically, reproducibly.

Faces arrive as one page each (trim + bleed). ``cards`` repeats those pages in
print order; ``sheet`` places each face as a Form XObject in its slot, clipped to
the bleed the slot may have, and draws crop marks in the margins.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .impose import MARK_WIDTH_PT, Line, Paper, Slot

MM = 72 / 25.4
DEFAULT_EPOCH = 946684800  # 2000-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is not set


@dataclass
class Placement:
    face: int  # page index in the rendered faces
    slot: Slot


@dataclass
class SheetPage:
    side: str  # "front" or "back"
    placements: list[Placement]
    marks: list[Line] = field(default_factory=list)


def _open_faces(face_pdf: bytes):
    import pikepdf

    return pikepdf.Pdf.open(io.BytesIO(face_pdf))


def build_cards(face_pdf: bytes, sequence: Sequence[int]):
    """One page per card face, in ``sequence`` order (indices into the face pages)."""
    import pikepdf

    src = _open_faces(face_pdf)
    dst = pikepdf.Pdf.new()
    for face in sequence:
        dst.pages.append(src.pages[face])
    return dst


def build_sheets(face_pdf: bytes, paper: Paper, bleed: float, pages: Sequence[SheetPage]):
    """Sheets of ``paper`` with faces placed in their slots and crop marks drawn."""
    import pikepdf

    src = _open_faces(face_pdf)
    dst = pikepdf.Pdf.new()
    forms: dict[int, pikepdf.Object] = {}
    width_pt, height_pt = paper.width * MM, paper.height * MM
    for page in pages:
        ops: list[str] = []
        xobjects = pikepdf.Dictionary()
        for placement in page.placements:
            face = placement.face
            if face not in forms:
                form = pikepdf.Page(src.pages[face]).as_form_xobject()
                forms[face] = dst.copy_foreign(form)
            name = f"/F{face}"
            xobjects[name] = forms[face]
            clip = placement.slot.clip
            trim = placement.slot.trim
            tx = (trim.x - bleed) * MM
            ty = (paper.height - trim.bottom - bleed) * MM
            ops.append(
                f"q {clip.x * MM:.3f} {(paper.height - clip.bottom) * MM:.3f} "
                f"{clip.w * MM:.3f} {clip.h * MM:.3f} re W n "
                f"1 0 0 1 {tx:.3f} {ty:.3f} cm {name} Do Q"
            )
        if page.marks:
            ops.append(f"q 0 0 0 1 K {MARK_WIDTH_PT} w 0 J")
            for line in page.marks:
                ops.append(
                    f"{line.x1 * MM:.3f} {(paper.height - line.y1) * MM:.3f} m "
                    f"{line.x2 * MM:.3f} {(paper.height - line.y2) * MM:.3f} l S"
                )
            ops.append("Q")
        content = dst.make_stream("\n".join(ops).encode("ascii"))
        page_obj = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, round(width_pt, 3), round(height_pt, 3)],
            Resources=pikepdf.Dictionary(XObject=xobjects),
            Contents=content,
        )
        dst.pages.append(pikepdf.Page(page_obj))
    return dst


def document_date() -> str:
    """PDF date string from SOURCE_DATE_EPOCH, or a fixed date, so output is reproducible."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "")
    try:
        epoch = int(raw) if raw else DEFAULT_EPOCH
    except ValueError:
        epoch = DEFAULT_EPOCH
    return time.strftime("D:%Y%m%d%H%M%SZ", time.gmtime(epoch))


def finish(pdf, title: str, subject: str = "") -> bytes:
    """Set fixed metadata and serialise with a content-derived file id."""
    import pikepdf

    from . import __version__

    date = document_date()
    pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String(title),
        Subject=pikepdf.String(subject),
        Creator=pikepdf.String(f"cardkit {__version__}"),
        Producer=pikepdf.String(f"cardkit {__version__}"),
        CreationDate=pikepdf.String(date),
        ModDate=pikepdf.String(date),
    ))
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def write_atomic(data: bytes, target: str | Path) -> str:
    """Write ``data`` to ``target`` (``-`` = standard output) all at once, or not at all."""
    if str(target) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return "<stdout>"
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return str(target)
