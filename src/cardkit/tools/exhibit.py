"""The exhibition sheet: every generation side by side, front and back, year and changes.

The poster itself (titles, years, what changed) is an HTML template rendered by
WeasyPrint (``templates/exhibit.html``, overridable like any template); the card
faces are then laid over its empty frames as vector artwork, exactly as printed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..design import generations
from ..project import Project

MARGIN = 15.0  # mm
GAP = 10.0  # between columns
MIN_SIZE = (420.0, 297.0)  # A3 landscape at least
HEAD_Y = MARGIN + 29  # top of the year/title block
FRAMES_Y = HEAD_Y + 28  # top of the first card
FRAME_GAP = 10.0  # between front and back
TEXT_ROOM = 48.0  # below the back: what changed
TITLE = "警民联系卡的变迁"
FOOT = "由 cardkit 生成 · 卡面人物与号码均为虚构示例"


@dataclass
class ExhibitResult:
    output: str
    generations: list[str]
    size_mm: tuple[float, float]


def layout(gens: list[Any]) -> tuple[tuple[float, float], list[dict[str, Any]]]:
    """Poster size (mm) and one column per generation with its frames, all in mm."""
    col_w = max(g.card.width for g in gens)
    card_h = max(g.card.height for g in gens)
    content_w = len(gens) * col_w + (len(gens) - 1) * GAP
    width = max(MIN_SIZE[0], content_w + 2 * MARGIN)
    height = max(MIN_SIZE[1], FRAMES_Y + 2 * card_h + FRAME_GAP + TEXT_ROOM + MARGIN)
    left = (width - content_w) / 2
    # Spread what room is left over: a third above the columns, a sixth between the faces.
    slack = height - (FRAMES_Y + 2 * card_h + FRAME_GAP + TEXT_ROOM + MARGIN)
    head_y = round(HEAD_Y + slack / 3, 3)
    frame_gap = round(FRAME_GAP + slack / 6, 3)
    columns = []
    by_id = {g.id: g for g in gens}
    for i, gen in enumerate(gens):
        # What changed is told against the generation it extends when that one is shown,
        # else against the column before it.
        previous = by_id.get(gen.base or "") or (gens[i - 1] if i else None)
        x = round(left + i * (col_w + GAP), 3)
        card = gen.card
        front_y = head_y + FRAMES_Y - HEAD_Y
        back_y = front_y + card_h + frame_gap
        columns.append({
            "gen": gen, "x": x, "width": col_w, "head_y": head_y,
            "frames": [
                {"side": "front", "label": "正面", "x": x, "y": front_y,
                 "w": card.width, "h": card.height},
                {"side": "back", "label": "背面", "x": x, "y": back_y,
                 "w": card.width, "h": card.height},
            ],
            "text_y": back_y + card_h + 7,
            "previous": previous,
        })
    return (width, height), columns


def build_exhibit(project: Project, output: str | Path | None = None,
                  gen_ids: list[str] | None = None, roster: str | Path | None = None) -> ExhibitResult:
    """Write the exhibition poster PDF (default out/exhibit.pdf)."""
    import pikepdf

    from ..api import load_roster, own_inputs, roster_path
    from ..outputs import check_target, protect_project, write_file
    from ..pdf.assemble import build_sheets, finish
    from ..render.faces import FaceRenderer
    from ..sheet.impose import Paper, Rect, Slot
    from ..sheet.plan import Placement, SheetPage
    from .samples import ordered

    target = output or project.output_dir / "exhibit.pdf"
    protect_project(project, roster_path(project, roster))
    check_target(target, "-o")
    ids = ordered(project, gen_ids)
    gens = [generations.load(project, gen_id) for gen_id in ids]
    (width, height), columns = layout(gens)

    # Each generation's faces, for the roster's first officer, gathered into one PDF.
    combined = pikepdf.Pdf.new()
    face_page: dict[tuple[str, str], int] = {}
    loaded = None
    for gen in gens:
        loaded = load_roster(project, gen, roster)
        officer = loaded.officers[0]
        faces = FaceRenderer(project, gen).render(
            [officer], extra_roots=[loaded.root] if loaded.root else [])
        with pikepdf.Pdf.open(io.BytesIO(faces.pdf)) as src:
            for side in ("front", "back"):
                face_page[(gen.id, side)] = len(combined.pages)
                combined.pages.append(src.pages[faces.index[(officer.id, side)]])
    buffer = io.BytesIO()
    combined.save(buffer)

    placements: list[Placement] = []
    for col in columns:
        for frame in col["frames"]:
            slot = Slot(index=len(placements), col=0, row=0,
                        trim=Rect(frame["x"], frame["y"], frame["w"], frame["h"]),
                        bleed=(0.0, 0.0, 0.0, 0.0))
            placements.append(Placement(face_page[(col["gen"].id, frame["side"])], slot))
    paper = Paper("poster", width, height)
    cards = build_sheets(buffer.getvalue(), paper, [SheetPage("front", placements, [])])

    background = _poster_background(project, paper, columns)
    with pikepdf.Pdf.open(io.BytesIO(background)) as poster:
        page = poster.pages[0]
        # The cards go over the poster as one Form XObject of the same page size. Named
        # here, not by pikepdf's add_overlay (a random name would make every run differ).
        form = poster.copy_foreign(cards.pages[0].as_form_xobject())
        page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name("/CardFaces"))
        page.contents_add(poster.make_stream(b"q\n"), prepend=True)
        page.contents_add(poster.make_stream(b"\nQ\nq /CardFaces Do Q\n"), prepend=False)
        data = finish(poster, title=TITLE, subject=f"{len(gens)} generations",
                      inputs=own_inputs(project, [i for g in gens for i in g.chain],
                                        roster_path(project, roster), loaded))
    written = write_file(target, data)
    return ExhibitResult(output=written, generations=ids, size_mm=(width, height))


def _poster_background(project: Project, paper: Any, columns: list[dict[str, Any]]) -> bytes:
    """The poster without the cards: titles, years, frames, what changed (WeasyPrint)."""
    from weasyprint import HTML

    from ..design.fetcher import RootedFetcher, refusals_are_errors
    from ..design.templating import make_environment
    from .diff import block_changes

    env = make_environment(project.layers("templates"))
    template = env.get_template("exhibit.html")
    years = [c["gen"].year for c in columns if c["gen"].year is not None]
    span = f"{min(years)}—{max(years)}，" if years else ""
    context = {
        "title": TITLE,
        "lede": f"{span}共 {len(columns)} 代。每一代的正面与背面按实际尺寸印出，"
                "下方注明与上一代相比的变化。",
        "foot": FOOT,
        "poster": {"width": paper.width, "height": paper.height, "margin": MARGIN},
        "columns": [{
            "id": c["gen"].id, "title": c["gen"].title, "year": c["gen"].year,
            "base": c["gen"].base, "x": c["x"], "width": c["width"], "head_y": c["head_y"],
            "frames": c["frames"], "text_y": c["text_y"],
            "previous": c["previous"].id if c["previous"] is not None else "",
            "summary": c["gen"].summary,
            "block_lines": block_changes(c["previous"], c["gen"]),
        } for c in columns],
    }
    html = template.render(context)
    fetcher = RootedFetcher(project.allowed_roots())
    base_url = project.layers("templates")[0].as_uri() + "/"
    with refusals_are_errors(fetcher):
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
