"""Sheet geometry in millimetres: slots on paper, duplex mirroring, crop marks.

Pure arithmetic, no rendering. Coordinates are measured from the sheet's
top-left corner, x to the right and y downwards, as a ruler on paper is read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..i18n import _
from ..units import MM

PAPERS: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A3": (297.0, 420.0),
    "SRA3": (320.0, 450.0),
    "Letter": (215.9, 279.4),
}
DUPLEX_EDGES = ("long", "short", "none")
MARK_LENGTH = 5.0  # mm
MARK_GAP = 1.0  # mm between the bleed and the start of a mark
MARK_WIDTH_PT = 0.25  # hairline
EPSILON = 1e-6


@dataclass(frozen=True)
class Paper:
    name: str
    width: float
    height: float


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Slot:
    """Where one card's trim box lies on the sheet, and how far its art may bleed."""

    index: int
    col: int
    row: int
    trim: Rect
    bleed: tuple[float, float, float, float]  # left, top, right, bottom, in mm

    @property
    def clip(self) -> Rect:
        left, top, right, bottom = self.bleed
        t = self.trim
        return Rect(t.x - left, t.y - top, t.w + left + right, t.h + top + bottom)


@dataclass(frozen=True)
class SheetLayout:
    paper: Paper
    card_w: float
    card_h: float
    slots: tuple[Slot, ...]

    @property
    def per_sheet(self) -> int:
        return len(self.slots)


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


def parse_paper(text: str) -> Paper:
    """``A4``, ``A3``, ``SRA3``, ``Letter`` (any case) or ``WxHmm`` such as ``320x450mm``."""
    for name, (w, h) in PAPERS.items():
        if text.strip().lower() == name.lower():
            return Paper(name, w, h)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+(?:\.\d+)?)\s*mm\s*", text)
    if match:
        w, h = float(match[1]), float(match[2])
        if 50 <= w <= 2000 and 50 <= h <= 2000:
            return Paper(f"{w:g}x{h:g}mm", w, h)
    raise ValueError(_("unknown paper {paper}: use A4, A3, SRA3, Letter or WxHmm (e.g. 320x450mm)").format(
        paper=repr(text)))


DEFAULT_MARGIN = 10.0  # mm kept free at every sheet edge (room for marks; printers' hard margin)


def grid_layout(paper: Paper, card_w: float, card_h: float, bleed: float,
                min_margin: float = DEFAULT_MARGIN, gutter: float | None = None) -> SheetLayout:
    """As many cards as fit, centred, with room for marks in the margins.

    Along each axis a gutter of twice the bleed is used when it costs no card, so
    that each card keeps its full bleed; otherwise cards abut and share the cut.
    ``gutter`` (mm) fixes the gap between cards on both axes instead; each card
    then bleeds at most half of it.
    """
    if gutter is None:
        nx, gx = _fit(paper.width, card_w, bleed, min_margin)
        ny, gy = _fit(paper.height, card_h, bleed, min_margin)
    else:
        nx, gx = _fit_fixed(paper.width, card_w, gutter, min_margin), gutter
        ny, gy = _fit_fixed(paper.height, card_h, gutter, min_margin), gutter
    if nx == 0 or ny == 0:
        raise ValueError(
            _("a {card} mm card does not fit on {paper} with {margin} mm margins").format(
                card=f"{card_w:g}x{card_h:g}", paper=paper.name, margin=f"{min_margin:g}")
        )
    x0 = (paper.width - (nx * card_w + (nx - 1) * gx)) / 2
    y0 = (paper.height - (ny * card_h + (ny - 1) * gy)) / 2
    rects = [
        (col, row, Rect(x0 + col * (card_w + gx), y0 + row * (card_h + gy), card_w, card_h))
        for row in range(ny)
        for col in range(nx)
    ]
    return SheetLayout(paper, card_w, card_h, _with_bleed(rects, paper, bleed))


def _fit(length: float, card: float, bleed: float, margin: float) -> tuple[int, float]:
    usable = length - 2 * margin
    if usable < card:
        return 0, 0.0
    plain = int(math.floor((usable + EPSILON) / card))
    gutter = 2 * bleed
    with_gutter = int(math.floor((usable + gutter + EPSILON) / (card + gutter)))
    if with_gutter >= plain or plain == 1:
        return with_gutter, gutter
    return plain, 0.0


def _fit_fixed(length: float, card: float, gutter: float, margin: float) -> int:
    usable = length - 2 * margin
    if usable < card:
        return 0
    return int(math.floor((usable + gutter + EPSILON) / (card + gutter)))


def cell_layout(paper: Paper, card_w: float, card_h: float, bleed: float,
                cells: list[Rect]) -> SheetLayout:
    """Cards centred in given cells (the labels of a pre-cut stock), in reading order.

    A card may be at most 0.5 mm larger or smaller than its cell. Each card keeps
    as much of ``bleed`` as the neighbouring cells and the paper edge allow.
    """
    rects = []
    for cell in sorted(cells, key=lambda c: (round(c.y, 2), round(c.x, 2))):
        if abs(cell.w - card_w) > 0.5 or abs(cell.h - card_h) > 0.5:
            raise ValueError(
                _("a {card} mm card does not match the {cell} mm cards of this stock").format(
                    card=f"{card_w:g}x{card_h:g}", cell=f"{round(cell.w, 2):g}x{round(cell.h, 2):g}"))
        rects.append(Rect(cell.x + (cell.w - card_w) / 2, cell.y + (cell.h - card_h) / 2,
                          card_w, card_h))
    cols = sorted({round(r.x, 2) for r in rects})
    rows = sorted({round(r.y, 2) for r in rects})
    placed = [(cols.index(round(r.x, 2)), rows.index(round(r.y, 2)), r) for r in rects]
    return SheetLayout(paper, card_w, card_h, _with_bleed(placed, paper, bleed))


def _with_bleed(rects: list[tuple[int, int, Rect]], paper: Paper,
                bleed: float) -> tuple[Slot, ...]:
    """Give each slot as much bleed as it can have without touching its neighbours."""
    slots = []
    for index, (col, row, r) in enumerate(rects):
        room_left = r.x
        room_top = r.y
        room_right = paper.width - r.right
        room_bottom = paper.height - r.bottom
        for _col, _row, other in rects:
            if other is r:
                continue
            overlaps_y = other.y < r.bottom - EPSILON and other.bottom > r.y + EPSILON
            overlaps_x = other.x < r.right - EPSILON and other.right > r.x + EPSILON
            if overlaps_y and other.right <= r.x + EPSILON:
                room_left = min(room_left, (r.x - other.right) / 2)
            if overlaps_y and other.x >= r.right - EPSILON:
                room_right = min(room_right, (other.x - r.right) / 2)
            if overlaps_x and other.bottom <= r.y + EPSILON:
                room_top = min(room_top, (r.y - other.bottom) / 2)
            if overlaps_x and other.y >= r.bottom - EPSILON:
                room_bottom = min(room_bottom, (other.y - r.bottom) / 2)
        left, top, right, bottom = (max(0.0, min(bleed, room))
                                    for room in (room_left, room_top, room_right, room_bottom))
        slots.append(Slot(index, col, row, r, (left, top, right, bottom)))
    return tuple(slots)


def back_slot(layout: SheetLayout, slot: Slot, duplex: str) -> Slot:
    """Where the back of ``slot`` goes on the back page so it lands behind its front.

    The back page is authored upright, as the printer's duplex setting expects.
    Turning the sheet over its long edge mirrors x (a portrait sheet; on a
    landscape sheet the long edge is horizontal and y is mirrored instead);
    turning it over the short edge mirrors the other axis. ``none`` keeps the
    front's position (for printing backs on separate stock).
    """
    if duplex == "none":
        return slot
    landscape = layout.paper.width > layout.paper.height
    mirror_x = (duplex == "long") != landscape
    t = slot.trim
    left, top, right, bottom = slot.bleed
    if mirror_x:
        trim = Rect(layout.paper.width - t.right, t.y, t.w, t.h)
        bleed = (right, top, left, bottom)
    else:
        trim = Rect(t.x, layout.paper.height - t.bottom, t.w, t.h)
        bleed = (left, bottom, right, top)
    return Slot(slot.index, slot.col, slot.row, trim, bleed)


def back_turned(paper: Paper, duplex: str) -> bool:
    """Whether backs are turned 180° on the back page, so that every card is head to head.

    A card is head to head when its back reads upright after the card is turned over its
    vertical edge, like a book's page. Turning the sheet over a vertical edge (the long
    edge of a portrait sheet, the short edge of a landscape one) gives that with the
    back page upright; turning it over a horizontal edge turns the back upside down, so
    each back is drawn turned 180° in its slot, and the card is the same product
    whichever edge the printer turns the sheet on.
    """
    if duplex == "none":
        return False
    landscape = paper.width > paper.height
    return (duplex == "long") == landscape


def slots_from(layout: SheetLayout, first: int = 1) -> tuple[Slot, ...]:
    """The slots still free on a part-used sheet whose slots before ``first`` are gone.

    Slots are counted from 1 in reading order of the front (left to right, top
    to bottom), as a user counts the cards left on a sheet.
    """
    if not 1 <= first <= layout.per_sheet:
        raise ValueError(_("--first must be between 1 and {slots} (slots on this sheet)").format(
            slots=layout.per_sheet))
    return layout.slots[first - 1:]


def slot_batches(layout: SheetLayout, count: int, first: int = 1) -> list[tuple[Slot, ...]]:
    """The slots ``count`` cards go into, sheet by sheet; the first sheet from slot ``first``."""
    batches: list[tuple[Slot, ...]] = []
    free = slots_from(layout, first)
    while count > 0:
        batch = free[:count]
        batches.append(batch)
        count -= len(batch)
        free = layout.slots
    return batches


@dataclass(frozen=True)
class Calibration:
    """A printer's measured error on the backs, and its correction.

    ``dx``/``dy`` (mm, x to the right and y downwards as you look at the back)
    move the back image; ``rotation`` (degrees, clockwise as you look at the back)
    and ``scale`` (1 = none) act about the sheet's centre.
    """

    dx: float = 0.0
    dy: float = 0.0
    rotation: float = 0.0
    scale: float = 1.0

    @property
    def is_identity(self) -> bool:
        return (abs(self.dx) < EPSILON and abs(self.dy) < EPSILON
                and abs(self.rotation) < EPSILON and abs(self.scale - 1) < EPSILON)

    def turned(self) -> Calibration:
        """The same correction for a back page drawn turned 180° (``back_turned``).

        Readings are taken as the back is read, upright; on a page whose backs are
        turned, that is the page turned about its centre, where a move right is a move
        left of the page. Rotation and scale are the same either way.
        """
        return Calibration(-self.dx, -self.dy, self.rotation, self.scale)

    def apply(self, paper: Paper, x: float, y: float) -> tuple[float, float]:
        """Where a point of the back (mm, from the top-left) is printed once corrected."""
        cx, cy = paper.width / 2, paper.height / 2
        theta = math.radians(self.rotation)
        px, py = x - cx, y - cy
        return (cx + self.scale * (px * math.cos(theta) - py * math.sin(theta)) + self.dx,
                cy + self.scale * (px * math.sin(theta) + py * math.cos(theta)) + self.dy)

    def pdf_matrix(self, paper: Paper) -> tuple[float, float, float, float, float, float]:
        """The same correction as a PDF ``cm`` matrix on a page of ``paper`` (points, y up)."""
        pt = MM
        theta = math.radians(self.rotation)
        s = self.scale
        a, b = s * math.cos(theta), -s * math.sin(theta)
        c, d = s * math.sin(theta), s * math.cos(theta)
        cx, cy = paper.width / 2 * pt, paper.height / 2 * pt
        e = cx - (a * cx + c * cy) + self.dx * pt
        f = cy - (b * cx + d * cy) - self.dy * pt
        return a, b, c, d, e, f


def solve_calibration(readings: dict[str, tuple[float, float]], half_span: float) -> Calibration:
    """Offsets from the readings of a calibration sheet.

    ``readings`` maps ``C`` (centre), and optionally ``L`` and ``R`` (left and
    right targets, ``half_span`` mm from the centre, as seen on the back), to
    where the front's cross shows on the back's rulers (mm).
    """
    dx, dy = readings["C"]
    rotation, scale = 0.0, 1.0
    if "L" in readings and "R" in readings:
        (lx, ly), (rx, ry) = readings["L"], readings["R"]
        scale = 1 + (rx - lx) / (2 * half_span)
        rotation = math.degrees((ry - ly) / (2 * half_span))
    return Calibration(dx, dy, rotation, scale)


def slug_origin(slots: tuple[Slot, ...] | list[Slot], paper: Paper, size: float = 2.2,
                length: float = MARK_LENGTH, gap: float = MARK_GAP) -> tuple[float, float] | None:
    """Baseline start (mm) of a slug line below the marks, or above them; None if no room."""
    if not slots:
        return None
    clip_left = min(s.clip.x for s in slots)
    clip_bottom = max(s.clip.bottom for s in slots)
    clip_top = min(s.clip.y for s in slots)
    below = clip_bottom + gap + length + 1.0 + size
    if below <= paper.height - 1.5:
        return max(clip_left, 3.0), below
    above = clip_top - gap - length - 1.0
    if above - size >= 1.5:
        return max(clip_left, 3.0), above
    return None


def crop_marks(slots: tuple[Slot, ...] | list[Slot], paper: Paper,
               length: float = MARK_LENGTH, gap: float = MARK_GAP) -> list[Line]:
    """Marks for every cut line, in the margins outside every card's bleed.

    Each card edge is a cut; its marks stand in the sheet margin on both ends of
    the cut, starting ``gap`` mm beyond the outermost bleed, so the first cut of
    a guillotine does not remove the marks the next cuts need.
    """
    if not slots:
        return []
    clip_left = min(s.clip.x for s in slots)
    clip_top = min(s.clip.y for s in slots)
    clip_right = max(s.clip.right for s in slots)
    clip_bottom = max(s.clip.bottom for s in slots)
    xs = sorted({round(v, 4) for s in slots for v in (s.trim.x, s.trim.right)})
    ys = sorted({round(v, 4) for s in slots for v in (s.trim.y, s.trim.bottom)})
    lines = []
    top_end = clip_top - gap
    bottom_start = clip_bottom + gap
    for x in xs:
        lines.append(Line(x, max(0.0, top_end - length), x, top_end))
        lines.append(Line(x, bottom_start, x, min(paper.height, bottom_start + length)))
    left_end = clip_left - gap
    right_start = clip_right + gap
    for y in ys:
        lines.append(Line(max(0.0, left_end - length), y, left_end, y))
        lines.append(Line(right_start, y, min(paper.width, right_start + length), y))
    return [ln for ln in lines if ln.x2 - ln.x1 > 0.5 or ln.y2 - ln.y1 > 0.5]
