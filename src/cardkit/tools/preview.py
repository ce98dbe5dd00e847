"""PNG pictures of card faces, for designers and CI: no printing needed.

PNG files are written reproducibly: the same PDF page at the same resolution
gives the same bytes (no timestamps, fixed compression, only a pHYs chunk).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..i18n import _
from ..model import Officer
from ..project import Project

DEFAULT_DPI = 300
MIN_DPI, MAX_DPI = 36, 1200


CONTACT_DPI = 150  # a contact sheet's default: about 1,100 pixels wide, a phone's screen
CONTACT_ROWS = 4  # officers (front beside back) on one contact sheet


@dataclass
class PreviewResult:
    files: list[str] = field(default_factory=list)
    first_only: Officer | None = None  # no officer named: the roster's first was previewed
    officers: int = 0  # officers previewed


def check_dpi(dpi: int) -> None:
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise UsageError(_("--dpi must be between {low} and {high}").format(low=MIN_DPI, high=MAX_DPI))


def trim_crop(page: Any) -> tuple[float, float, float, float]:
    """pypdfium2 crop (left, bottom, right, top, in pt) that cuts a page down to its TrimBox."""
    media = page.get_mediabox()
    trim = page.get_trimbox()
    return (max(0.0, trim[0] - media[0]), max(0.0, trim[1] - media[1]),
            max(0.0, media[2] - trim[2]), max(0.0, media[3] - trim[3]))


def render_pages(pdf: bytes | Path, pages: list[int] | None = None, dpi: int = DEFAULT_DPI,
                 trim: bool = True) -> list[Any]:
    """PIL images (RGB) of ``pages`` (all when None), cut to the TrimBox when ``trim``."""
    import pypdfium2 as pdfium

    from ..pdfiumlock import one_at_a_time

    with one_at_a_time():  # pdfium is not thread-safe (pdfiumlock)
        document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            indices = range(len(document)) if pages is None else pages
            images = []
            for index in indices:
                page = document[index]
                crop = trim_crop(page) if trim else (0, 0, 0, 0)
                bitmap = page.render(scale=dpi / 72, crop=crop, may_draw_forms=False)
                images.append(bitmap.to_pil().convert("RGB"))
                bitmap.close()
                page.close()
            return images
        finally:
            document.close()


def png_bytes(image: Any, dpi: int = DEFAULT_DPI) -> bytes:
    """The PNG encoding of ``image``: deterministic (no time, no text chunks)."""
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=9, dpi=(dpi, dpi))
    return out.getvalue()


def write_png(image: Any, target: str | Path, dpi: int = DEFAULT_DPI, option: str = "-o") -> str:
    from ..outputs import write_file

    return write_file(target, png_bytes(image, dpi), option=option)


def _chosen(project: Project, gen_id: str, roster: str | Path | None,
            officer_ids: list[str] | None, everyone: bool):
    """(generation, loaded roster, officers to preview): those named, in the order asked
    for; everyone with ``everyone``; else the roster's first."""
    from ..api import load_roster
    from ..design import generations
    from ..roster.validate import id_key

    gen = generations.load(project, gen_id)
    loaded = load_roster(project, gen, roster, officer_ids or None)
    officers = list(loaded.officers)
    if officer_ids:  # in the order asked for, each by its id or its name (load_roster)
        by_id = {id_key(o.name): o for o in officers} | {id_key(o.id): o for o in officers}
        officers = list({id(o): o for o in (by_id[id_key(i)] for i in officer_ids)}.values())
    elif not everyone:
        officers = officers[:1]
    return gen, loaded, officers


def _faces(project: Project, gen, loaded, officers: list[Officer], sides: tuple[str, ...]):
    from ..render.faces import FaceRenderer

    return FaceRenderer(project, gen).render(
        officers, sides, extra_roots=[loaded.root] if loaded.root else [])


def face_images(project: Project, gen_id: str, roster: str | Path | None = None,
                officer_ids: list[str] | None = None, dpi: int = DEFAULT_DPI,
                sides: tuple[str, ...] = ("front", "back"),
                everyone: bool = False) -> list[tuple[str, str, Any]]:
    """(officer id, side, image) for each face; the roster's first officer when none is
    named (and not ``everyone``)."""
    check_dpi(dpi)
    gen, loaded, officers = _chosen(project, gen_id, roster, officer_ids, everyone)
    faces = _faces(project, gen, loaded, officers, sides)
    wanted = [(o.id, side) for o in officers for side in sides]
    pages = sorted({faces.index[key] for key in wanted})
    images = dict(zip(pages, render_pages(faces.pdf, pages, dpi), strict=True))
    return [(oid, side, images[faces.index[(oid, side)]]) for oid, side in wanted]


def preview(project: Project, gen_id: str, roster: str | Path | None = None,
            officer_ids: list[str] | None = None, out_dir: str | Path | None = None,
            dpi: int | None = None, *, everyone: bool = False,
            contact_sheet: bool = False) -> PreviewResult:
    """Write ``GEN-OFFICER-SIDE.png`` for each face into ``out_dir`` (default out/preview):
    of the officers named, of ``everyone``, else of the roster's first officer.

    ``contact_sheet`` writes ``GEN-contact-N.png`` instead: every card chosen (everyone
    unless officers are named), front beside back, ``CONTACT_ROWS`` officers to a page,
    each row titled with the officer's id and name, at a size a phone shows whole.
    File names are unique per officer (``file_names``).
    """
    from ..api import roster_path
    from ..outputs import protect_project

    dpi = dpi or (CONTACT_DPI if contact_sheet else DEFAULT_DPI)
    check_dpi(dpi)
    target = Path(out_dir) if out_dir else project.output_dir / "preview"
    protect_project(project, roster_path(project, roster))
    everyone = everyone or contact_sheet
    gen, loaded, officers = _chosen(project, gen_id, roster, officer_ids, everyone)
    result = PreviewResult(officers=len(officers))
    if not officer_ids and not everyone and officers:
        result.first_only = officers[0]
    sides = ("front", "back")
    faces = _faces(project, gen, loaded, officers, sides)
    if contact_sheet:
        for number, image in enumerate(contact_sheets(faces, officers, gen.card, dpi), start=1):
            name = f"{safe_name(gen_id)}-contact-{number}.png"
            result.files.append(write_png(image, target / name, dpi))
        return result
    names = file_names([o.id for o in officers])
    pages = sorted(set(faces.index.values()))
    images = dict(zip(pages, render_pages(faces.pdf, pages, dpi), strict=True))
    for officer in officers:
        for side in sides:
            name = f"{safe_name(gen_id)}-{names[officer.id]}-{side}.png"
            result.files.append(write_png(images[faces.index[(officer.id, side)]],
                                          target / name, dpi))
    return result


def file_names(ids: list[str]) -> dict[str, str]:
    """Each id's part of a file name, unique per officer.

    An id that is a safe name already is its own name; any other (``x/1``, ``x:1``) gets
    a short digest of the id after its safe form, so ``x/1``, ``x_1`` and ``x:1`` never
    write the same file. Names that still meet on a file system that ignores case
    (``LD001``, ``ld001``) refuse the job, naming the ids.
    """
    import hashlib

    names: dict[str, str] = {}
    for officer_id in ids:
        safe = safe_name(officer_id)
        if safe != officer_id:
            safe += "-" + hashlib.sha256(officer_id.encode("utf-8")).hexdigest()[:8]
        names[officer_id] = safe
    seen: dict[str, list[str]] = {}
    for officer_id, name in names.items():
        seen.setdefault(name.casefold(), []).append(officer_id)
    clashes = [group for group in seen.values() if len(group) > 1]
    if clashes:
        raise InputError(_("officers {ids} would be previewed into the same files (ids that "
                           "differ only in case); preview them one at a time with --officer "
                           "and a different -o folder").format(
            ids=_("; ").join(", ".join(group) for group in clashes)))
    return names


def contact_sheets(faces, officers: list[Officer], card, dpi: int) -> list[Any]:
    """Pages of every officer's front beside their back, titled "ID NAME", as images."""
    from ..pdf.assemble import build_sheets
    from ..render.glyphs import text_ops
    from ..sheet.impose import Paper, Rect, Slot
    from ..sheet.plan import Placement, SheetPage
    from ..units import MM

    margin, gap, title, row_gap, size = 6.0, 4.0, 7.0, 4.0, 10.0
    width = 2 * card.width + gap + 2 * margin
    row = title + card.height + row_gap
    pages: list[SheetPage] = []
    heights: list[float] = []
    titles: list[list[tuple[str, float]]] = []
    for start in range(0, len(officers), CONTACT_ROWS):
        batch = officers[start:start + CONTACT_ROWS]
        placements = []
        for number, officer in enumerate(batch):
            top = margin + number * row + title
            for column, side in enumerate(("front", "back")):
                x = margin + column * (card.width + gap)
                slot = Slot(number * 2 + column, column, number,
                            Rect(x, top, card.width, card.height), (0.0, 0.0, 0.0, 0.0))
                placements.append(Placement(faces.index[(officer.id, side)], slot))
        pages.append(SheetPage("front", placements))
        heights.append(2 * margin + len(batch) * row - row_gap)
        titles.append([(f"{o.id}  {o.name}", margin + n * row + title - 2.0)
                       for n, o in enumerate(batch)])
    images = []
    for page, height, lines in zip(pages, heights, titles, strict=True):
        paper = Paper("contact", width, height)
        pdf = build_sheets(faces.pdf, paper, [page])
        ops = ["q 0 g"] + [text_ops(text, margin, baseline, size, height) for text, baseline in lines]
        ops += ["Q", "q 0.6 G 0.3 w"] + [  # a grey hairline: a white card's edge shows
            f"{p.slot.trim.x * MM:.3f} {(height - p.slot.trim.bottom) * MM:.3f} "
            f"{p.slot.trim.w * MM:.3f} {p.slot.trim.h * MM:.3f} re S"
            for p in page.placements] + ["Q"]
        pdf.pages[0].contents_add(pdf.make_stream("\n".join(ops).encode("ascii")))
        out = io.BytesIO()
        pdf.save(out)
        pdf.close()
        images += render_pages(out.getvalue(), None, dpi, trim=False)
    return images


def safe_name(text: str) -> str:
    """A file-name-safe form of an id (ids may hold any character in a roster)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text)) or "_"
