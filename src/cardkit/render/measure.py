"""Text measured on laid-out faces (WeasyPrint's box tree), in millimetres.

Every element with a ``data-field`` attribute is one printed field: where its text
lies, and how far it runs beyond its box, the boxes around it, the card's safe zone
or the text beside it. ``render.fit`` shrinks and wraps by these figures; preflight
reports what still overflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..i18n import N_
from ..internals import page_box
from ..model import Generation
from ..units import PX_MM

TOLERANCE_MM = 0.15  # anti-aliasing, glyph side bearings


@dataclass
class FieldBox:
    """One printed field on one face, measured on the laid-out page (millimetres)."""

    page: int
    officer: str
    side: str
    field: str
    text_rect: tuple[float, float, float, float]  # x0, y0, x1, y1 of its text
    overflow: float  # mm beyond its box, the boxes around it, or the safe zone
    where: str  # "its box" or "the safe zone"
    font_pt: float
    lines: int
    line_overflow: float = 0.0  # overflow of the line it shares (a name and the post after it)


def measure(gen: Generation, document: Any) -> list[FieldBox]:
    """Every data-field element of every page, with how far its text overflows."""
    card = gen.card
    safe = (card.safe, card.safe, card.width - card.safe, card.height - card.safe)
    found = []
    for number, page in enumerate(document.pages):
        found.extend(_measure_page(number, page_box(page), safe))
    return found


def _measure_page(number: int, page_box: Any, safe: tuple) -> list[FieldBox]:
    page = _PageWalk()
    page.walk(page_box, [], None, None, False)
    fields, orphans = page.fields, page.orphans
    for rect, containers in orphans:
        amount, _ = _overflow(rect, containers, safe)
        if amount > TOLERANCE_MM:
            blamed = _nearest_field(containers, fields)
            if blamed is not None:
                blamed["blamed"] = max(blamed["blamed"], amount)
    everything: list[tuple[tuple, dict | None]] = [(r, None) for r, _ in orphans]
    in_box: list[tuple[tuple, list]] = list(orphans)
    for info in fields.values():
        everything += [(r, info) for r in info["texts"]]
        in_box += [(r, info["containers"]) for r in info["texts"]]
    return [_field_box(number, page.officer, page.side, info, safe, everything, in_box)
            for info in fields.values() if info["texts"]]


class _PageWalk:
    """One walk through a page's box tree: the text of each data-field element, and the
    text outside any field (``orphans``), each with the boxes around it; and the line boxes
    a field's text lies in (its ``lines``: a ``::first-letter`` of another size, or a word
    raised or lowered, has another top on the same line, not another line)."""

    def __init__(self) -> None:
        self.fields: dict[int, dict] = {}  # id(element) -> info
        self.orphans: list[tuple[tuple, list]] = []  # text outside any field, with its containers
        self.officer = self.side = ""

    def walk(self, box: Any, containers: list, owner: dict | None, line: Any,
             kept: bool) -> None:
        """``line`` is the line box the text under ``box`` counts in: the line an inline
        field lies in, or the outermost line inside a block field (an inline-block's own
        lines inside one of the field's lines are that line); ``kept``: ``line`` is the
        field's, and a line box further down does not replace it."""
        element = getattr(box, "element", None)
        attrs = element.attrib if element is not None else {}
        if "data-officer" in attrs and not self.officer:
            self.officer, self.side = attrs.get("data-officer", ""), attrs.get("data-side", "")
        kind = type(box).__name__
        if kind == "TextBox":
            rect = (box.position_x * PX_MM, box.position_y * PX_MM,
                    (box.position_x + box.width) * PX_MM, (box.position_y + box.height) * PX_MM)
            if owner is not None:
                owner["texts"].append(rect)
                owner["lines"][id(line)] = line
            else:
                self.orphans.append((rect, containers))
            return
        if kind == "LineBox" and not kept:
            line, kept = box, owner is not None
        if kind not in ("LineBox", "InlineBox") and hasattr(box, "content_box_x"):
            x0, y0 = box.content_box_x() * PX_MM, box.content_box_y() * PX_MM
            rect = (x0, y0, x0 + (box.width or 0) * PX_MM, y0 + (box.height or 0) * PX_MM)
            containers = [*containers, (rect, box)]
        if "data-field" in attrs and (owner is None or owner["element"] is not element):
            owner = self.fields.setdefault(id(element), {
                "element": element, "field": attrs["data-field"], "texts": [], "lines": {},
                "containers": containers, "box": box, "blamed": 0.0, "inline": kind == "InlineBox"})
            # an inline field counts the lines it lies in; a block field, the lines inside it
            kept = kind == "InlineBox" and line is not None
        for child in getattr(box, "children", None) or []:
            self.walk(child, containers, owner, line, kept)


def _field_box(number: int, officer: str, side: str, info: dict, safe: tuple,
               everything: list, in_box: list) -> FieldBox:
    """How far one field's text runs beyond its boxes, the safe zone or its neighbours."""
    rects = info["texts"]
    text = (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))
    overflow, where = _overflow(text, info["containers"], safe)
    if info["blamed"] > overflow:
        overflow, where = info["blamed"], "the safe zone, pushing the text beside it"
    overlap = max((_overlap(r, other) for r in rects for other, owner in everything
                   if owner is not info), default=0.0)
    if overlap > overflow + TOLERANCE_MM / 2:
        overflow, where = overlap, "into the text beside it"
    font_pt = float(info["box"].style["font_size"]) * 0.75
    lines = len(info["lines"])
    line_overflow = 0.0
    if info["inline"] and len(info["containers"]) > 2:
        line_rect, line_box = info["containers"][-1]
        shared = [r for r, cs in in_box if any(c is line_box for _, c in cs)]
        line_overflow = max([_beyond(r, line_rect, vertical=False) for r in shared] + [0.0])
    return FieldBox(number, officer, side, info["field"], text, overflow, where,
                    font_pt, lines, line_overflow)


def _overflow(text: tuple, containers: list, safe: tuple) -> tuple[float, str]:
    """How far a text rectangle runs out of the safe zone or any box around it."""
    # Line boxes include the leading above and below the letters: allow that vertically.
    slack = 0.18 * (text[3] - text[1])
    inked = (text[0], text[1] + slack, text[2], text[3] - slack)
    overflow, where = _beyond(inked, safe), N_("the safe zone")
    for rect, box in containers[2:]:  # skip html and body
        amount = _beyond(inked, rect, vertical=_fixed_height(box))
        if amount > overflow + TOLERANCE_MM / 2:
            overflow, where = amount, N_("its box")
    return overflow, where


def _overlap(a: tuple, b: tuple) -> float:
    """Width by which two text boxes on the same lines overlap (0 when they do not)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if height < 0.4 * min(a[3] - a[1], b[3] - b[1]):
        return 0.0
    return max(0.0, width)


def _nearest_field(containers: list, fields: dict) -> dict | None:
    """Text outside any field that overflows is blamed on a field in its nearest container."""
    for _rect, box in reversed(containers):
        for info in fields.values():
            if any(c is box for _rect2, c in info["containers"]):
                return info
    return None


def _fixed_height(box: Any) -> bool:
    height = box.style["height"]
    return getattr(height, "unit", None) not in (None, "auto") and height != "auto"


def _beyond(inner: tuple, outer: tuple, vertical: bool = True) -> float:
    amounts = [outer[0] - inner[0], inner[2] - outer[2]]
    if vertical:
        amounts += [outer[1] - inner[1], inner[3] - outer[3]]
    return max(0.0, *amounts)
