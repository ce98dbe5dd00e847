"""Text drawn as filled outlines in a PDF content stream (slug lines, calibration labels).

Outlines need no embedded font, so these few words stay valid in PDF/X and are
painted in the colour set before them (K-only for marks). The glyphs come from
the CJK font cardkit already needs (Noto Sans CJK SC).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import cache
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from ..units import MM

FAMILY = "Noto Sans CJK SC"
FALLBACK_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
)


@cache
def _font():
    from fontTools.ttLib import TTCollection, TTFont

    path, index = None, 0
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", FAMILY],
                                 capture_output=True, text=True, timeout=10).stdout.split("\n")
            if out[0] and Path(out[0]).is_file():
                path, index = out[0], int(out[1] or 0)
        except (OSError, subprocess.SubprocessError, ValueError):
            path = None
    if path is None:
        path = next((p for p in FALLBACK_PATHS if Path(p).is_file()), None)
    if path is None:
        raise InputError(_("font {family} not found: install fonts-noto-cjk").format(family=repr(FAMILY)))
    data = io.BytesIO(Path(path).read_bytes())  # no file handle left open
    if path.endswith(".ttc"):
        fonts = TTCollection(data, lazy=True).fonts
        named = [f for f in fonts if f["name"].getDebugName(1) == FAMILY]
        font = named[0] if named else fonts[min(index, len(fonts) - 1)]
    else:
        font = TTFont(data, lazy=True)
    return font, font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm


class _PdfPen:
    """A fontTools pen writing PDF path operators, glyph units scaled and moved to the page."""

    def __init__(self, glyphset, scale: float, ox: float, oy: float) -> None:
        from fontTools.pens.basePen import BasePen

        outer = self

        class Pen(BasePen):
            def _moveTo(self, pt):
                outer.ops.append(f"{outer._p(pt)} m")

            def _lineTo(self, pt):
                outer.ops.append(f"{outer._p(pt)} l")

            def _curveToOne(self, p1, p2, p3):
                outer.ops.append(f"{outer._p(p1)} {outer._p(p2)} {outer._p(p3)} c")

            def _closePath(self):
                outer.ops.append("h")

        self.ops: list[str] = []
        self.pen = Pen(glyphset)
        self.scale, self.ox, self.oy = scale, ox, oy

    def _p(self, pt) -> str:
        return f"{self.ox + pt[0] * self.scale:.2f} {self.oy + pt[1] * self.scale:.2f}"


def text_ops(text: str, x_mm: float, baseline_mm: float, size_pt: float, page_h_mm: float,
             rotate: bool = False) -> str:
    """Operators filling ``text`` with its baseline starting at (x, y) mm from the top-left.

    ``rotate`` runs the text upwards (90 degrees anticlockwise), for side margins.
    The caller sets the fill colour; the text is one path filled with ``f``.
    """
    font, glyphset, cmap, upem = _font()
    hmtx = font["hmtx"]
    scale = size_pt / upem
    x = 0.0
    ops: list[str] = []
    for ch in text:
        name = cmap.get(ord(ch), ".notdef")
        pen = _PdfPen(glyphset, scale, x, 0.0)
        glyphset[name].draw(pen.pen)
        ops.extend(pen.ops)
        x += hmtx[name][0] * scale
    if not ops:
        return ""
    ox, oy = x_mm * MM, (page_h_mm - baseline_mm) * MM
    matrix = f"0 1 -1 0 {ox:.3f} {oy:.3f}" if rotate else f"1 0 0 1 {ox:.3f} {oy:.3f}"
    return f"q {matrix} cm\n" + "\n".join(ops) + "\nf Q"
