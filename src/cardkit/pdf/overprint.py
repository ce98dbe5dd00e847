"""Black that overprints: text and thin rules in 100 % K alone print over the background.

On press the four plates never register perfectly. Black type knocked out of a
tinted background shows a white hairline where the plates shift; printed over
the background (overprint) it does not. Print shops expect small black type and
hairlines to overprint, so in CMYK output (``print --color cmyk``) cardkit sets,
in every content stream of the PDF:

* ``/OP true /op true /OPM 1`` (an ExtGState) before text drawn in pure K
  (``0 0 0 1``) and before rules in pure K no wider than ``THIN_MM``;
* ``/OP false /op false`` before anything else that paints, so a white or tinted
  object still knocks out what lies under it (with OPM 1 a zero ink would
  otherwise leave the plate below untouched).

Nothing is added where nothing changes: the state is followed through ``q``/``Q``.
"""

from __future__ import annotations

import math
from typing import Any

from ..units import PT_MM

THIN_MM = 0.5  # a rule (a filled or stroked path) at most this wide overprints when pure K
ON, OFF = "/CKOverprint", "/CKKnockout"
_PATH = {"m", "l", "c", "v", "y", "h", "re"}
_FILL = {"f", "F", "f*"}
_STROKE = {"S", "s"}
_BOTH = {"B", "B*", "b", "b*"}
_TEXT = {"Tj", "TJ", "'", '"'}
_K = (0.0, 0.0, 0.0, 1.0)


def _is_k(color: Any) -> bool:
    return color is not None and len(color) == 4 and all(
        abs(a - b) < 1e-6 for a, b in zip(color, _K, strict=True))


def _multiply(a: tuple, b: tuple) -> tuple:
    """Matrix ``a`` then ``b`` (PDF order: new CTM = a x CTM)."""
    a0, a1, a2, a3, a4, a5 = a
    b0, b1, b2, b3, b4, b5 = b
    return (a0 * b0 + a1 * b2, a0 * b1 + a1 * b3, a2 * b0 + a3 * b2, a2 * b1 + a3 * b3,
            a4 * b0 + a5 * b2 + b4, a4 * b1 + a5 * b3 + b5)


class _State:
    __slots__ = ("fill", "stroke", "fill_space", "stroke_space", "width", "ctm", "clip")

    def __init__(self) -> None:
        self.fill: tuple | None = (0.0, 0.0, 0.0, 0.0)  # unknown space: not K
        self.stroke: tuple | None = None
        self.fill_space = self.stroke_space = "/DeviceGray"
        self.width = 1.0
        self.ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        self.clip: tuple[float, float, float, float] | None = None  # bounding box, in pt

    def copy(self) -> _State:
        other = _State()
        for name in self.__slots__:
            setattr(other, name, getattr(self, name))
        return other


def _bbox(points: list[tuple[float, float]], ctm: tuple) -> tuple[float, float, float, float]:
    """Bounding box of ``points`` placed by ``ctm`` (x0, y0, x1, y1)."""
    placed = [(x * ctm[0] + y * ctm[2] + ctm[4], x * ctm[1] + y * ctm[3] + ctm[5]) for x, y in points]
    xs, ys = [p[0] for p in placed], [p[1] for p in placed]
    return min(xs), min(ys), max(xs), max(ys)


def _intersect(a: tuple | None, b: tuple) -> tuple:
    if a is None:
        return b
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _path_width_mm(points: list[tuple[float, float]], ctm: tuple, clip: tuple | None) -> float:
    """The smaller side of what the path can paint (its box within the clip), in mm.

    WeasyPrint paints a one-sided border as two rectangles filled even-odd inside a
    clip that is the border's strip: the clip tells the rule's width.
    """
    if not points:
        return float("inf")
    x0, y0, x1, y1 = _intersect(clip, _bbox(points, ctm))
    return max(0.0, min(x1 - x0, y1 - y0)) * PT_MM


def _scale(ctm: tuple) -> float:
    return (abs(ctm[0] * ctm[3] - ctm[1] * ctm[2])) ** 0.5


def rewrite(instructions: list) -> tuple[list, bool]:
    """The instructions with overprint switched on and off where needed; changed or not."""
    rewriter = _Rewriter()
    for item in instructions:
        rewriter.step(item)
    return rewriter.out, rewriter.changed


class _Rewriter:
    """One pass over a content stream: the graphics state, colours and paint kept in step,
    and overprint switched where a painting operator needs it on or off."""

    def __init__(self) -> None:
        self.out: list = []
        self.stack: list[tuple[_State, bool | None]] = []
        self.state = _State()
        self.current: bool | None = None  # overprint as set in this stream (None: inherited)
        self.path_start: int | None = None
        self.points: list[tuple[float, float]] = []
        self.changed = False

    def switch(self, want: bool, at: int) -> None:
        import pikepdf

        if self.current is want:
            return
        self.out.insert(at, pikepdf.ContentStreamInstruction([pikepdf.Name(ON if want else OFF)],
                                                             pikepdf.Operator("gs")))
        self.current = want
        self.changed = True

    def step(self, item: Any) -> None:
        operands, operator = item.operands, str(item.operator)
        # a name among the operands (a pattern's) is NaN: never pure K, never a thin rule
        values = [float(v) if _numeric(v) else math.nan for v in operands]
        if operator in _PATH:
            self._path(operator, values)
        elif operator in _FILL | _STROKE | _BOTH:
            self._paint(operator)
        elif operator in ("W", "W*"):
            if self.points:
                self.state.clip = _intersect(self.state.clip, _bbox(self.points, self.state.ctm))
        elif operator == "n":
            self.path_start = None
        elif operator in _TEXT:
            self.switch(_is_k(self.state.fill), len(self.out))
        elif operator in ("sh", "Do", "INLINE IMAGE"):
            self.switch(False, len(self.out))
        else:
            self._state(operator, operands, values)
        self.out.append(item)

    def _path(self, operator: str, values: list[float]) -> None:
        if self.path_start is None:
            self.path_start = len(self.out)
            self.points = []
        if operator == "re":
            x, y, w, h = values
            self.points += [(x, y), (x + w, y + h)]
        elif operator in ("m", "l"):
            self.points.append((values[0], values[1]))
        elif operator in ("c", "v", "y"):
            self.points += [(values[i], values[i + 1]) for i in range(0, len(values), 2)]

    def _paint(self, operator: str) -> None:
        state = self.state
        if operator in _FILL:
            want = _is_k(state.fill) and _path_width_mm(self.points, state.ctm,
                                                         state.clip) <= THIN_MM
        elif operator in _STROKE:
            want = _is_k(state.stroke) and state.width * _scale(state.ctm) * PT_MM <= THIN_MM
        else:
            want = False
        self.switch(want, self.path_start if self.path_start is not None else len(self.out))
        self.path_start = None

    def _state(self, operator: str, operands: Any, values: list[float]) -> None:
        state = self.state
        if operator == "gs" and str(operands[0]) in (ON, OFF):  # already rewritten
            self.current = str(operands[0]) == ON
        elif operator == "q":
            self.stack.append((state.copy(), self.current))
        elif operator == "Q" and self.stack:
            self.state, self.current = self.stack.pop()
        elif operator == "cm":
            state.ctm = _multiply(tuple(values), state.ctm)
        elif operator == "w":
            state.width = values[0]
        else:
            _colour(state, operator, operands, values)


def _colour(state: _State, operator: str, operands: Any, values: list[float]) -> None:
    """A colour operator's effect on the fill or stroke colour (pure CMYK kept, else None)."""
    if operator == "cs":
        state.fill_space, state.fill = str(operands[0]), None
    elif operator == "CS":
        state.stroke_space, state.stroke = str(operands[0]), None
    elif operator in ("sc", "scn"):
        state.fill = tuple(values) if state.fill_space == "/DeviceCMYK" else None
    elif operator in ("SC", "SCN"):
        state.stroke = tuple(values) if state.stroke_space == "/DeviceCMYK" else None
    elif operator == "k":
        state.fill_space, state.fill = "/DeviceCMYK", tuple(values)
    elif operator == "K":
        state.stroke_space, state.stroke = "/DeviceCMYK", tuple(values)
    elif operator in ("g", "rg"):
        state.fill = None
    elif operator in ("G", "RG"):
        state.stroke = None


def _numeric(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def apply(pdf) -> int:
    """Rewrite every page and form of ``pdf``; returns how many streams changed."""
    import pikepdf

    on = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=True,
                                              op=True, OPM=1))
    off = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=False,
                                               op=False))
    seen: set = set()
    changed = 0

    def visit(owner, resources_of) -> None:
        nonlocal changed
        instructions, touched = rewrite(list(pikepdf.parse_content_stream(owner)))
        resources = resources_of.get("/Resources")
        if touched:
            if resources is None:
                resources = resources_of.Resources = pikepdf.Dictionary()
            states = resources.get("/ExtGState")
            if states is None:
                states = resources.ExtGState = pikepdf.Dictionary()
            states[ON], states[OFF] = on, off
            data = pikepdf.unparse_content_stream(instructions)
            if isinstance(owner, pikepdf.Page):
                owner.obj.Contents = pdf.make_stream(data)
            else:
                owner.write(data)
            changed += 1
        for xobj in (resources or {}).get("/XObject", {}).values():
            if xobj.objgen in seen or xobj.get("/Subtype") != "/Form":
                continue
            seen.add(xobj.objgen)
            visit(xobj, xobj)

    for page in pdf.pages:
        visit(page, page.obj)
    return changed
