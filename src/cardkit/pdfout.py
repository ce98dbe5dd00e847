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


class _FaceForms:
    """Each rendered face as a Form XObject in ``dst``, made once however often it is used."""

    def __init__(self, face_pdf: bytes, dst) -> None:
        self.src = _open_faces(face_pdf)
        self.dst = dst
        self.forms: dict[int, object] = {}

    def form(self, face: int):
        import pikepdf

        if face not in self.forms:
            page = pikepdf.Page(self.src.pages[face])
            form = page.as_form_xobject()
            form.BBox = page.obj.MediaBox  # qpdf uses the TrimBox, which would cut the bleed
            self.forms[face] = self.dst.copy_foreign(form)
        return self.forms[face]

    def trim_origin(self, face: int) -> tuple[float, float]:
        """Lower-left corner of the face's TrimBox in its own coordinates (pt)."""
        page = self.src.pages[face]
        box = page.obj.get("/TrimBox", page.obj.MediaBox)
        return float(box[0]), float(box[1])


def build_cards(face_pdf: bytes, sequence: Sequence[int], card_w: float, card_h: float,
                bleed: float):
    """One page per card face, in ``sequence`` order: trim size plus bleed, boxes set.

    Repeated faces (the same back for every officer) share one Form XObject.
    """
    import pikepdf

    dst = pikepdf.Pdf.new()
    faces = _FaceForms(face_pdf, dst)
    width, height = (card_w + 2 * bleed) * MM, (card_h + 2 * bleed) * MM
    trim = [round(bleed * MM, 3), round(bleed * MM, 3),
            round((card_w + bleed) * MM, 3), round((card_h + bleed) * MM, 3)]
    media = [0, 0, round(width, 3), round(height, 3)]
    for face in sequence:
        ox, oy = faces.trim_origin(face)
        content = dst.make_stream(
            f"q 1 0 0 1 {bleed * MM - ox:.3f} {bleed * MM - oy:.3f} cm /F{face} Do Q".encode())
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=media, BleedBox=media, TrimBox=trim,
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary({f"/F{face}": faces.form(face)})),
            Contents=content,
        )
        dst.pages.append(pikepdf.Page(page))
    return dst


def build_sheets(face_pdf: bytes, paper: Paper, pages: Sequence[SheetPage]):
    """Sheets of ``paper`` with faces placed in their slots and crop marks drawn."""
    import pikepdf

    dst = pikepdf.Pdf.new()
    faces = _FaceForms(face_pdf, dst)
    width_pt, height_pt = paper.width * MM, paper.height * MM
    for page in pages:
        ops: list[str] = []
        xobjects = pikepdf.Dictionary()
        for placement in page.placements:
            face = placement.face
            name = f"/F{face}"
            xobjects[name] = faces.form(face)
            clip = placement.slot.clip
            trim = placement.slot.trim
            ox, oy = faces.trim_origin(face)
            tx = trim.x * MM - ox
            ty = (paper.height - trim.bottom) * MM - oy
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
    from .errors import InputError

    target = Path(target)
    if target.is_dir():
        raise InputError(f"cannot write {target}: it is a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode(target))  # mkstemp makes 0600; give what a new file gets
        os.replace(tmp, target)
    except BaseException as exc:  # Ctrl-C included: the earlier file stays, the temporary goes
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {target}: {exc.strerror}") from None
        raise
    return str(target)


def _file_mode(target: Path) -> int:
    """The mode the file had, or what the umask gives a new file."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
