"""Assemble the output PDF from rendered faces and write it atomically, reproducibly.

Faces arrive as one page each (trim + bleed). ``cards`` repeats those pages in
print order; ``sheet`` places each face as a Form XObject in its slot, clipped to
the bleed the slot may have, and draws crop marks in the margins.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..pagetree import set_pages
from ..pdfsave import save
from ..sheet.impose import MARK_WIDTH_PT, Line, Paper
from ..sheet.plan import SheetPage
from ..units import MM

DEFAULT_EPOCH = 946684800  # 2000-01-01T00:00:00Z, when SOURCE_DATE_EPOCH is not set
LAST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: a PDF date has four digits for the year
SLUG_SIZE_PT = 6.0


def _open_faces(face_pdf: bytes):
    import pikepdf

    return pikepdf.Pdf.open(io.BytesIO(face_pdf))


class _FaceForms:
    """Each rendered face as a Form XObject in ``dst``, made once however often it is used."""

    def __init__(self, face_pdf: bytes, dst) -> None:
        self.src = _open_faces(face_pdf)
        self.pages = list(self.src.pages)  # once: pikepdf finds a page by number in O(pages)
        self.dst = dst
        self.forms: dict[int, object] = {}
        self.origins: dict[int, tuple[float, float]] = {}

    def form(self, face: int):
        import pikepdf

        if face not in self.forms:
            page = pikepdf.Page(self.pages[face])
            form = page.as_form_xobject()
            form.BBox = page.obj.MediaBox  # qpdf uses the TrimBox, which would cut the bleed
            self.forms[face] = self.dst.copy_foreign(form)
        return self.forms[face]

    def trim_origin(self, face: int) -> tuple[float, float]:
        """Lower-left corner of the face's TrimBox in its own coordinates (pt)."""
        if face not in self.origins:
            page = self.pages[face]
            box = page.obj.get("/TrimBox", page.obj.MediaBox)
            self.origins[face] = float(box[0]), float(box[1])
        return self.origins[face]


def build_cards(face_pdf: bytes, sequence: Sequence[int], card_w: float, card_h: float,
                bleed: float, marks: bool = False):
    """One page per card face, in ``sequence`` order: trim size plus bleed, boxes set.

    Repeated faces (the same back for every officer) share one Form XObject.
    With ``marks`` the page grows by a slug area around the bleed that carries
    crop marks (K-only hairlines starting outside the bleed); without, nothing
    lies outside the BleedBox.
    """
    import pikepdf

    from ..sheet.impose import MARK_GAP, MARK_LENGTH, Rect, Slot, crop_marks

    dst = pikepdf.Pdf.new()
    faces = _FaceForms(face_pdf, dst)
    slug = MARK_GAP + MARK_LENGTH + 1.0 if marks else 0.0
    outer = bleed + slug
    width, height = (card_w + 2 * outer) * MM, (card_h + 2 * outer) * MM
    trim = [round(outer * MM, 3), round(outer * MM, 3),
            round((card_w + outer) * MM, 3), round((card_h + outer) * MM, 3)]
    bleed_box = [round(slug * MM, 3), round(slug * MM, 3),
                 round((card_w + 2 * bleed + slug) * MM, 3), round((card_h + 2 * bleed + slug) * MM, 3)]
    media = [0, 0, round(width, 3), round(height, 3)]
    mark_ops = ""
    if marks:
        page_paper = Paper("card", card_w + 2 * outer, card_h + 2 * outer)
        slot = Slot(0, 0, 0, Rect(outer, outer, card_w, card_h), (bleed,) * 4)
        mark_ops = "\n" + _mark_ops(crop_marks([slot], page_paper), page_paper.height)
    pages = []
    for face in sequence:
        ox, oy = faces.trim_origin(face)
        content = dst.make_stream(
            (f"q {slug * MM:.3f} {slug * MM:.3f} {(card_w + 2 * bleed) * MM:.3f} "
             f"{(card_h + 2 * bleed) * MM:.3f} re W n "
             f"1 0 0 1 {outer * MM - ox:.3f} {outer * MM - oy:.3f} cm /F{face} Do Q"
             + mark_ops).encode())
        pages.append(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=media, BleedBox=bleed_box, TrimBox=trim,
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary({f"/F{face}": faces.form(face)})),
            Contents=content,
        ))
    set_pages(dst, pages)
    return dst


def build_sheets(face_pdf: bytes, paper: Paper, pages: Sequence[SheetPage]):
    """Sheets of ``paper`` with faces placed in their slots and crop marks drawn."""
    import pikepdf

    dst = pikepdf.Pdf.new()
    faces = _FaceForms(face_pdf, dst)
    width_pt, height_pt = paper.width * MM, paper.height * MM
    sheets = []
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
            x0, y0 = trim.x * MM, (paper.height - trim.bottom) * MM
            if placement.turned:  # 180° about the trim's centre: (ox, oy) goes to the top right
                matrix = f"-1 0 0 -1 {x0 + trim.w * MM + ox:.3f} {y0 + trim.h * MM + oy:.3f}"
            else:
                matrix = f"1 0 0 1 {x0 - ox:.3f} {y0 - oy:.3f}"
            ops.append(
                f"q {clip.x * MM:.3f} {(paper.height - clip.bottom) * MM:.3f} "
                f"{clip.w * MM:.3f} {clip.h * MM:.3f} re W n "
                f"{matrix} cm {name} Do Q"
            )
        if page.marks:
            ops.append(_mark_ops(page.marks, paper.height))
        if page.slug and page.slug_at:
            from ..render.glyphs import text_ops

            x, y = page.slug_at
            ops.append("q 0 0 0 1 k " + text_ops(page.slug, x, y, SLUG_SIZE_PT, paper.height) + " Q")
        if page.transform is not None:
            matrix = " ".join(f"{v:.6f}" for v in page.transform)
            ops = [f"q {matrix} cm", *ops, "Q"]
        content = dst.make_stream("\n".join(ops).encode("ascii"))
        sheets.append(pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, round(width_pt, 3), round(height_pt, 3)],
            Resources=pikepdf.Dictionary(XObject=xobjects),
            Contents=content,
        ))
    set_pages(dst, sheets)
    return dst


def _mark_ops(marks: Sequence[Line], page_h: float) -> str:
    """Hairlines in 100 % K only (DeviceCMYK), never RGB or registration black."""
    ops = [f"q 0 0 0 1 K {MARK_WIDTH_PT} w 0 J"]
    for line in marks:
        ops.append(f"{line.x1 * MM:.3f} {(page_h - line.y1) * MM:.3f} m "
                   f"{line.x2 * MM:.3f} {(page_h - line.y2) * MM:.3f} l S")
    ops.append("Q")
    return "\n".join(ops)


def document_date(inputs: Sequence[str | Path] = ()) -> str:
    """The PDF's date: ``SOURCE_DATE_EPOCH`` when set, else the newest of ``inputs``.

    ``inputs`` are the job's own files (roster, project files, screenshots), so the
    date is a real one, and the same inputs still give the same bytes. A job with no
    file of its own (the built-in example from standard input, say) gets 2000-01-01.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not raw:
        return _pdf_date(newest_mtime(inputs) or DEFAULT_EPOCH)
    if not raw.isascii() or not raw.isdigit() or int(raw) > LAST_EPOCH:
        # reproducible-builds.org: a malformed value must stop the build, not be ignored
        from ..errors import InputError
        from ..i18n import _

        raise InputError(f"SOURCE_DATE_EPOCH={raw!r}: " + _(
            "expected whole seconds since 1970-01-01 UTC, from 0 to {last}").format(last=LAST_EPOCH))
    return _pdf_date(int(raw))


def newest_mtime(files: Sequence[str | Path]) -> int | None:
    """The newest modification time of ``files`` in whole seconds (missing ones skipped)."""
    times = []
    for name in files:
        try:
            times.append(int(os.stat(name).st_mtime))
        except (OSError, ValueError):
            continue
    times = [t for t in times if 0 <= t <= LAST_EPOCH]
    return max(times) if times else None


def _pdf_date(epoch: int) -> str:
    return time.strftime("D:%Y%m%d%H%M%SZ", time.gmtime(epoch))


# How a viewer should print the job, by the edge the sheet turns on (``--duplex``).
VIEWER_DUPLEX = {"long": "/DuplexFlipLongEdge", "short": "/DuplexFlipShortEdge",
                 "none": "/Simplex"}


def set_viewer_preferences(pdf, duplex: str) -> None:
    """``/PrintScaling /None`` (WPS and Acrobat print at actual size, not "fit to page")
    and ``/Duplex`` as the job was imposed (``long``, ``short``; ``none``: one-sided)."""
    import pikepdf

    pdf.Root.ViewerPreferences = pikepdf.Dictionary(
        PrintScaling=pikepdf.Name("/None"), Duplex=pikepdf.Name(VIEWER_DUPLEX[duplex]))


def finish(pdf, title: str, subject: str = "", pdfx: bool = False,
           inputs: Sequence[str | Path] = (), duplex: str = "none", intent=None) -> bytes:
    """Set the metadata and serialise with a content-derived file id.

    The viewer preferences say to print at actual size, on the ``duplex`` edge
    (``set_viewer_preferences``).

    The dates come from :func:`document_date` of ``inputs``, the job's own files.

    ``pdfx`` makes the file PDF/X-4: an output intent with cardkit's CMYK
    profile, XMP metadata naming the version, ``Trapped``, a TrimBox on every
    page and PDF 1.6; ``intent`` (``pdfx.OutputIntent``) is the shop's own press
    condition instead of cardkit's FOGRA39. Nothing in it is random: the XMP document id is derived
    from the pages' content, so the same job gives the same bytes.
    """
    import pikepdf

    from .._version import __version__

    date = document_date(inputs)
    info: dict[str, Any] = dict(  # values: what pikepdf.Dictionary converts to PDF objects
        Title=pikepdf.String(title),
        Subject=pikepdf.String(subject),
        Creator=pikepdf.String(f"cardkit {__version__}"),
        Producer=pikepdf.String(f"cardkit {__version__}"),
        CreationDate=pikepdf.String(date),
        ModDate=pikepdf.String(date),
    )
    if pdfx:
        info["Trapped"] = pikepdf.Name("/False")
        info["GTS_PDFXVersion"] = pikepdf.String("PDF/X-4")
    pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(**info))
    set_viewer_preferences(pdf, duplex)
    if "/Metadata" in pdf.Root:
        del pdf.Root.Metadata
    if pdfx:
        from .pdfx import make_pdfx

        make_pdfx(pdf, title, date, __version__, intent)
    tidy(pdf)
    return save(pdf, min_version="1.6" if pdfx or embeds_opentype(pdf) else "")


def embeds_opentype(pdf) -> bool:
    """Whether a font of ``pdf`` draws from an OpenType font file (``/FontFile3`` of subtype
    ``/OpenType``, as a CFF font such as Noto Sans CJK is embedded): PDF 1.6 or later."""
    import pikepdf

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
            program = obj.get("/FontFile3")
            if isinstance(program, pikepdf.Stream) and program.get("/Subtype") == "/OpenType":
                return True
    return False


def tidy(pdf) -> None:
    """What every document cardkit writes has: each font's glyphs reading the same in any
    document (``settle_fonts``), each font subset named after its own
    program (two subsets never share a name), no colour space declared that nothing paints."""
    from ..render.stamp.writer import drop_unpainted_color_spaces, name_subsets, settle_fonts

    settle_fonts(pdf)
    name_subsets(pdf)
    drop_unpainted_color_spaces(pdf)
