"""Tip lists laid out in columns: as many as their longest line allows, never touching.

A face's lists (``tips``, ``fraud_tips``: a ``<ul>`` inside an element with that
``data-field``) share one grid of equal columns, so the tips line up under the fraud tips
above. The grid is planned on a probe layout of the face alone, with every list on one
row (so nothing is pushed off the card while measuring): the widest item fixes how many
columns fit the list's width with ``GAP_MM`` between them. When the lists would then run
past the free space above the face's footer (the hotline line) or the safe zone, the
generation's ``fit:`` policy for the list (``min_pt``) is applied: the type size and the
number of columns are searched together, largest size first, since a smaller size fits
more columns and so fewer rows. The plan is checked on a layout of the face alone and
tightened if needed; what still does not fit is for preflight to report (nothing is
dropped silently: see ``preflight._blocks``).

A plan depends only on the face's HTML, so a shared back is planned once per process;
the faces of a chunk are planned together (``plan_all``), in as few layouts as can be.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .internals import page_box, placed_box
from .model import FitPolicy
from .units import PX_MM

LIST_FIELDS = ("fraud_tips", "tips")
PAIRED = "fraud_tips"  # a list whose lines go in pairs: rows of an even number of columns
GAP_MM = 2.0  # between two columns of a list, at the least
MAX_COLUMNS = 4
STEP_PT = 0.1
FOOTER_CLEARANCE_MM = 0.8  # between the last line of the lists and the footer's rule
_LIST = re.compile(r'(<[^>]*data-field="(' + "|".join(LIST_FIELDS) + r')"[^>]*>)(.*?</ul>)', re.S)
_LI = re.compile(r"<li(?=[\s>])([^>]*)>")
_UL = re.compile(r"<ul(?=[\s>])([^>]*)>")


@dataclass
class Plan:
    columns: int
    sizes: dict[str, float]  # list field -> font size in pt
    width_mm: float  # width of the lists (the grid spans it)


def has_lists(html: str) -> bool:
    return any(f'data-field="{name}"' in html for name in LIST_FIELDS)


def apply(html: str, plan: Plan | None, probe: bool = False) -> str:
    """``html`` with its lists styled as ``plan`` says (or all on one row, to measure)."""

    def one_list(match: re.Match) -> str:
        head, field, body = match[1], match[2], match[3]
        if probe:
            body = _UL.sub('<ul style="flex-wrap:nowrap">', body, count=1)
            return head + _LI.sub('<li style="white-space:nowrap;width:auto;flex:none">', body)
        assert plan is not None
        size = plan.sizes.get(field)
        columns = plan.columns
        # a hair narrower than the exact share, so rounding never pushes the last column down
        column = math.floor((plan.width_mm - (columns - 1) * GAP_MM) / columns * 100) / 100 - 0.02
        wrap = "normal" if columns == 1 else "nowrap"
        count = 0

        def item(_match: re.Match) -> str:
            nonlocal count
            margin = GAP_MM if (count + 1) % columns else 0
            count += 1
            style = f"width:{column:.3f}mm;margin-right:{margin:g}mm;white-space:{wrap}"
            if size is not None:
                style += f";font-size:{size:.1f}pt"
            return f'<li style="{style}">'

        return head + _LI.sub(item, body)

    return _LIST.sub(one_list, html)


@dataclass
class _Probe:
    width: float  # mm, content width of the lists
    widest: dict[str, float]  # field -> widest item, mm
    counts: dict[str, int]  # field -> items
    line: dict[str, float]  # field -> height of one row, mm
    pt: dict[str, float]  # field -> font size of its items, pt
    bottom: float  # mm: bottom of the flow the lists are in
    limit: float  # mm: where the free space ends (footer or safe zone)

    def room(self) -> float:
        """Height (mm) the lists' rows may take: the free space plus their one probe row."""
        return self.limit - self.bottom + sum(self.line.values())


def plan(renderer: Any, html: str, key: str) -> str:
    """The face ``html`` with its lists in columns that fit (see the module's doc).

    ``key`` says which faces share a plan (their HTML less the officer: render.faces.face_key).
    """
    plan_all(renderer, [(html, key)])
    found = _plans(renderer)[key]
    return apply(html, found) if found is not None else html


def _plans(renderer: Any) -> dict[str, Plan | None]:
    plans: dict[str, Plan | None] = renderer.__dict__.setdefault("_list_plans", {})
    return plans


def plan_all(renderer: Any, faces: list[tuple[str, str]]) -> None:
    """Plan the lists of every face ``(html, key)`` not planned yet. The faces are measured
    together, one layout for all their probes and one for each round of checks: a
    WeasyPrint document costs far more than a page of it, and a face is laid out on its
    own page, so each plan is what measuring its face alone gives."""
    plans = _plans(renderer)
    todo: dict[str, str] = {}
    for html, key in faces:
        if key not in plans and key not in todo:
            todo[key] = html
    if not todo:
        return
    keys = list(todo)
    probes = dict(zip(keys, _measure_all(renderer, [apply(todo[k], None, probe=True)
                                                   for k in keys]), strict=True))
    chosen: dict[str, Plan | None] = {k: None for k in keys}
    measured: dict[str, _Probe] = {}
    floors: dict[str, dict[str, float]] = {}
    scales: dict[str, float] = {}
    for key in keys:
        probe = probes[key]
        if probe is None or not probe.widest:
            continue
        policies = renderer.gen.fit
        measured[key] = probe
        floors[key] = {f: _floor(policies.get(f), probe.pt[f]) for f in probe.widest}
        scales[key] = 1.0
    active = list(measured)
    for _round in range(3):
        if not active:
            break
        for key in active:
            chosen[key] = _search(measured[key], floors[key], scales[key])
        checks = _measure_all(renderer, [apply(todo[k], chosen[k]) for k in active])
        again = []
        for key, check in zip(active, checks, strict=True):
            probe, found = measured[key], chosen[key]
            assert found is not None
            if check is None or check.bottom <= check.limit + 0.05 \
                    or not _can_shrink(found, floors[key]):
                continue
            # The layout came out taller than planned: plan for proportionally less room.
            used = probe.room() + check.bottom - check.limit
            scales[key] *= max(0.5, probe.room() / max(0.1, used + 0.1))
            again.append(key)
        active = again
    plans.update(chosen)


def _floor(policy: FitPolicy | None, size: float) -> float:
    """The smallest size a list may take: its fit: policy's min_pt, else its own size."""
    return policy.floor(size) if policy is not None else float(size)


def _can_shrink(found: Plan, floors: dict[str, float]) -> bool:
    return any(found.sizes[f] > floors[f] + 1e-6 for f in found.sizes)


def _search(probe: _Probe, floors: dict[str, float], scale: float) -> Plan:
    """The largest type size (then the most columns) whose rows fit the free space."""
    fields = list(probe.widest)
    size = max(probe.pt.values())
    while True:
        sizes = {f: max(floors[f], min(probe.pt[f], size)) for f in fields}
        columns = _columns(probe, sizes)
        height = sum(math.ceil(probe.counts[f] / columns) * probe.line[f] * sizes[f] / probe.pt[f]
                     for f in fields)
        found = Plan(columns=columns, sizes=sizes, width_mm=probe.width)
        if height <= probe.room() * scale or all(sizes[f] <= floors[f] + 1e-6 for f in fields):
            return found  # fits, or the floor is reached: preflight says what does not fit
        size = round(size - STEP_PT, 2)


def _columns(probe: _Probe, sizes: dict[str, float]) -> int:
    """Columns of the shared grid: as many as the widest item of every list allows."""
    columns = MAX_COLUMNS
    for f, widest in probe.widest.items():
        wide = widest * sizes[f] / probe.pt[f]
        fits = int((probe.width + GAP_MM) // (wide + GAP_MM)) if wide > 0 else MAX_COLUMNS
        columns = min(columns, max(1, fits))
    most = max(probe.counts.values())
    columns = max(1, min(columns, most))
    if PAIRED in probe.counts and columns > 2 and columns % 2:
        columns -= 1  # the fraud tips come in pairs: 2 + 2, never 3 + 1 (an odd count: the last alone)
    return columns


def _measure_all(renderer: Any, pages: list[str]) -> list[_Probe | None]:
    """Lay ``pages`` out, each on a page of one document, and measure each (``_measure``)."""
    document = renderer.layout(pages, write=False)[0]
    return [_measure(renderer, page) for page in document.pages]


def _measure(renderer: Any, page: Any) -> _Probe | None:
    """Measure a face laid out alone on ``page``: its lists, the flow they are in and the
    free space."""
    card = renderer.gen.card
    walk = _ListWalk()
    walk.walk(page_box(page), None, False, [])
    found = walk.found
    if not found or not walk.flow:
        return None
    chain = walk.flow[0]
    main = chain[-1]
    top = main.content_box_y() * PX_MM
    bottom = top + _content_height(main)
    x0, x1 = main.content_box_x() * PX_MM, (main.content_box_x() + main.width) * PX_MM
    limit = card.height - card.safe
    for bx0, by0, bx1, _by1 in walk.positioned:
        if by0 > top + 1 and bx0 < x1 and bx1 > x0:
            limit = min(limit, by0 - FOOTER_CLEARANCE_MM)
    limit -= _below(chain)
    width = min(info["width"] for info in found.values())
    return _Probe(width=width, widest={f: i["widest"] for f, i in found.items()},
                  counts={f: i["count"] for f, i in found.items()},
                  line={f: i["line"] for f, i in found.items()},
                  pt={f: i["pt"] for f, i in found.items()}, bottom=bottom, limit=limit)


class _ListWalk:
    """One walk of a face's box tree: each list's items, the flow the lists are in and the
    absolutely positioned boxes (a footer) the lists must stay above."""

    def __init__(self) -> None:
        self.found: dict[str, dict] = {}
        self.flow: list[Any] = []  # the box the lists are in (their parent's parent: .main)
        self.positioned: list[tuple[float, float, float, float]] = []

    def walk(self, box: Any, owner: str | None, in_li: bool, parents: list) -> None:
        if type(box).__name__ == "AbsolutePlaceholder":
            inner = placed_box(box)
            if hasattr(inner, "border_box_x"):
                self.positioned.append(_border(inner))
            self.walk(inner, owner, in_li, parents)
            return
        element = getattr(box, "element", None)
        field = element.attrib.get("data-field") if element is not None else None
        if field in LIST_FIELDS and owner is None and element is not None and element.tag != "li":
            owner = field
            self.found.setdefault(field, {"widest": 0.0, "count": 0, "line": 0.0, "pt": 0.0,
                                          "width": 0.0})
            if parents:
                self.flow.append(list(parents))
        if owner:
            in_li = self._note(box, element, owner, in_li)
        for child in getattr(box, "children", None) or []:
            self.walk(child, owner, in_li,
                      [*parents, box] if hasattr(box, "content_box_y") else parents)

    def _note(self, box: Any, element: Any, owner: str, in_li: bool) -> bool:
        """What a box inside the list ``owner`` tells; whether its children are in an item."""
        kind = type(box).__name__
        info = self.found[owner]
        if element is not None and element.tag == "ul" and kind != "TextBox" \
                and hasattr(box, "content_box_x"):
            info["width"] = (box.width or 0) * PX_MM
        if element is not None and element.tag == "li" and not in_li \
                and hasattr(box, "margin_height"):
            info["count"] += 1
            info["line"] = max(info["line"], box.margin_height() * PX_MM)
            info["pt"] = float(box.style["font_size"]) * 0.75
            return True
        if kind == "TextBox" and in_li:
            info["widest"] = max(info["widest"], box.width * PX_MM)
        return in_li


def _below(chain: list) -> float:
    """Height (mm) the flow takes below the lists' column, up to its positioned container:
    what follows each box in its parent (a specimen stripe) and the parents' bottom edges."""
    total = 0.0
    for parent, box in zip(reversed(chain[:-1]), reversed(chain[1:]), strict=True):
        children = [c for c in getattr(parent, "children", None) or []
                    if type(c).__name__ != "AbsolutePlaceholder" and hasattr(c, "margin_height")]
        after = children[children.index(box) + 1:] if box in children else []
        total += sum(c.margin_height() for c in after) + box.margin_bottom
        if parent.style["position"] in ("absolute", "fixed"):
            break  # the safe area: its bottom is the limit already
        total += parent.padding_bottom + parent.border_bottom_width
    return total * PX_MM


def _content_height(box: Any) -> float:
    """Height (mm) of what ``box`` holds in flow: to the bottom of its last child's margin."""
    children = [c for c in getattr(box, "children", None) or []
                if type(c).__name__ != "AbsolutePlaceholder" and hasattr(c, "margin_height")]
    if not children:
        return (box.height or 0) * PX_MM
    last = children[-1]
    return (last.position_y + last.margin_height() - box.content_box_y()) * PX_MM


def _border(box: Any) -> tuple[float, float, float, float]:
    x, y = box.border_box_x() * PX_MM, box.border_box_y() * PX_MM
    return (x, y, x + box.border_width() * PX_MM, y + box.border_height() * PX_MM)
