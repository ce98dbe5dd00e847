"""PNG pictures of card faces, for designers and CI: no printing needed.

PNG files are written reproducibly: the same PDF page at the same resolution
gives the same bytes (no timestamps, fixed compression, only a pHYs chunk).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..i18n import _
from ..project import Project

DEFAULT_DPI = 300
MIN_DPI, MAX_DPI = 36, 1200


@dataclass
class PreviewResult:
    files: list[str] = field(default_factory=list)


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

    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        indices = range(len(document)) if pages is None else pages
        images = []
        for index in indices:
            page = document[index]
            crop = trim_crop(page) if trim else (0, 0, 0, 0)
            bitmap = page.render(scale=dpi / 72, crop=crop, may_draw_forms=False)
            images.append(bitmap.to_pil().convert("RGB"))
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


def face_images(project: Project, gen_id: str, roster: str | Path | None = None,
                officer_ids: list[str] | None = None, dpi: int = DEFAULT_DPI,
                sides: tuple[str, ...] = ("front", "back")) -> list[tuple[str, str, Any]]:
    """(officer id, side, image) for each face; the roster's first officer when none named."""
    from ..api import load_roster
    from ..design import generations
    from ..render.faces import FaceRenderer

    check_dpi(dpi)
    gen = generations.load(project, gen_id)
    loaded = load_roster(project, gen, roster, officer_ids or None)
    officers = list(loaded.officers)
    if not officer_ids:
        officers = officers[:1]
    else:  # in the order asked for
        by_id = {o.id: o for o in officers}
        officers = [by_id[i] for i in dict.fromkeys(officer_ids)]
    faces = FaceRenderer(project, gen).render(
        officers, sides, extra_roots=[loaded.root] if loaded.root else [])
    wanted = [(o.id, side) for o in officers for side in sides]
    pages = sorted({faces.index[key] for key in wanted})
    images = dict(zip(pages, render_pages(faces.pdf, pages, dpi), strict=True))
    return [(oid, side, images[faces.index[(oid, side)]]) for oid, side in wanted]


def preview(project: Project, gen_id: str, roster: str | Path | None = None,
            officer_ids: list[str] | None = None, out_dir: str | Path | None = None,
            dpi: int = DEFAULT_DPI) -> PreviewResult:
    """Write ``GEN-OFFICER-SIDE.png`` for each face into ``out_dir`` (default out/preview)."""
    from ..api import roster_path
    from ..outputs import protect_project

    target = Path(out_dir) if out_dir else project.output_dir / "preview"
    protect_project(project, roster_path(project, roster))
    result = PreviewResult()
    for officer_id, side, image in face_images(project, gen_id, roster, officer_ids, dpi):
        name = f"{safe_name(gen_id)}-{safe_name(officer_id)}-{side}.png"
        result.files.append(write_png(image, target / name, dpi))
    return result


def safe_name(text: str) -> str:
    """A file-name-safe form of an id (ids may hold any character in a roster)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text)) or "_"
