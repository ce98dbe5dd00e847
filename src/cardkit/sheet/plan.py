"""The pages of a sheet job: which face goes in which slot, front and back, sheet by sheet.

Pure geometry and bookkeeping (millimetres, face numbers): ``pdf.assemble`` draws
the pages this plans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import UsageError
from ..model import Officer
from .impose import (
    Calibration,
    Line,
    SheetLayout,
    Slot,
    back_slot,
    back_turned,
    crop_marks,
    slot_batches,
    slug_origin,
)


@dataclass
class Placement:
    face: int  # page index in the rendered faces
    slot: Slot
    turned: bool = False  # drawn turned 180° in its slot (a back, head to head: back_turned)


@dataclass
class SheetPage:
    side: str  # "front" or "back"
    placements: list[Placement]
    marks: list[Line] = field(default_factory=list)
    # PDF ``cm`` matrix wrapped around the whole page (a printer's calibration of the backs)
    transform: tuple[float, float, float, float, float, float] | None = None
    slug: str = ""  # a line of job information outside the trim
    slug_at: tuple[float, float] | None = None  # baseline start, mm from the top-left


def plan_sheets(layout: SheetLayout, cards: list[Officer], sides: tuple[str, ...],
                index: dict[tuple[str, str], int], duplex: str, marks: bool = True,
                first: int = 1, calibration: Calibration | None = None,
                slug: Callable[[int, int], str] | None = None) -> list[SheetPage]:
    """Pages of sheets: each sheet of fronts followed by its sheet of backs.

    The first sheet starts at slot ``first`` (a part-used sheet); backs are turned 180°
    when the sheet turns over a horizontal edge (``back_turned``), so cards are head to
    head on either edge; ``calibration`` (read on the back as it is read, upright)
    moves the back pages only; ``slug(n, m)`` gives the
    slug line of sheet n of m, printed on the side printed first.
    """
    pages = []
    try:
        batches = slot_batches(layout, len(cards), first)
    except ValueError as exc:  # --first beyond the sheet's slots
        raise UsageError(str(exc)) from None
    transform = None
    turned = back_turned(layout.paper, duplex)
    if calibration is not None and not calibration.is_identity:
        transform = (calibration.turned() if turned else calibration).pdf_matrix(layout.paper)
    start = 0
    for number, slots in enumerate(batches, start=1):
        batch = cards[start:start + len(slots)]
        start += len(slots)
        for side in sides:
            placements = []
            for slot, officer in zip(slots, batch, strict=False):
                back = side == "back"
                target = back_slot(layout, slot, duplex) if back else slot
                placements.append(Placement(index[(officer.id, side)], target, back and turned))
            # Marks go on the side printed first; cutting is done from that side.
            with_marks = marks and side == sides[0]
            page_marks = crop_marks([p.slot for p in placements], layout.paper) if with_marks else []
            page = SheetPage(side, placements, page_marks,
                             transform=transform if side == "back" else None)
            if slug is not None and side == sides[0]:
                page.slug = slug(number, len(batches))
                page.slug_at = slug_origin(layout.slots, layout.paper)
            pages.append(page)
    return pages
