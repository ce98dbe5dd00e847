"""Duplex calibration: a two-sided target sheet, and per-printer corrections of the backs.

Print the target two-sided (the same duplex edge you print cards with), hold the
sheet against a light and look at the back. Each front cross shows through next
to a ruler printed on the back. Where a cross's vertical arm meets the
horizontal ruler is the x reading, where its horizontal arm meets the vertical
ruler the y reading (mm; right and down are positive, as you look at the back).

* ``dx``, ``dy`` = the readings at C (the centre);
* ``rotation`` (degrees, clockwise as you look at the back) = (yR - yL) / span x 57.3;
* ``scale`` = 1 + (xR - xL) / span, span being the distance between L and R.

Stored in ``cardkit.yaml``::

    printers:
      office-mfp:
        dx: 1.5
        dy: -0.5
        rotation: 0.1
        scale: 1.0
        margin: 5      # its unprintable margin (mm): how close to the edge it prints

and applied to the backs of a print job with ``--printer office-mfp``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import Diagnostic, InputError, UsageError
from ..i18n import _
from ..outputs import record_setting
from ..project import did_you_mean
from ..units import MM
from .impose import Calibration, Paper, back_turned, solve_calibration

KEYS = {"dx": (-20.0, 20.0), "dy": (-20.0, 20.0), "rotation": (-5.0, 5.0), "scale": (0.9, 1.1),
        "margin": (0.0, 30.0)}  # margin: the printer's unprintable margin, mm (sheet layout)


def printer_calibration(project, name: str) -> Calibration:
    """The calibration stored for printer ``name`` in cardkit.yaml, checked."""
    printers = project.config.get("printers") or {}
    where = "cardkit.yaml"
    if not isinstance(printers, dict):
        raise InputError(f"{where}: printers: " + _("expected a mapping of printer names"))
    if name not in printers:
        known = ", ".join(printers) or _("none; run `cardkit calibrate` and add one")
        raise UsageError(_("unknown printer {name}{hint} (printers in cardkit.yaml: {known})").format(
            name=repr(name), hint=did_you_mean(name, printers), known=known))
    entry = printers[name]
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise InputError(f"{where}: printers.{name}: " + _("expected dx, dy, rotation, scale"))
    problems = []
    values: dict[str, float] = {}
    for key, value in entry.items():
        line = entry.line_of(key) if hasattr(entry, "line_of") else 0
        if key not in KEYS:
            problems.append(Diagnostic(file=where, line=line, field=f"printers.{name}.{key}",
                                       message=_("unknown key") + did_you_mean(key, KEYS)
                                       + _(" (takes dx, dy, rotation, scale, margin)")))
            continue
        low, high = KEYS[key]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not low <= number <= high:
            problems.append(Diagnostic(file=where, line=line, field=f"printers.{name}.{key}",
                                       message=_("{value} is not a number from {low} to {high}").format(
                                           value=repr(value), low=f"{low:g}", high=f"{high:g}")))
            continue
        values[key] = number
    if problems:
        raise InputError(_("bad printer calibration"), problems)
    # the entry moves the backs (and, by its margin, the sheet's layout): the ledger keeps it
    record_setting(f"printers.{name}", dict(entry))
    values.pop("margin", None)  # the sheet's layout reads it (papers.printer_margin)
    return Calibration(**values)


def printer_settings(project, name: str) -> dict:
    """The entry of printer ``name`` in cardkit.yaml as written (check it first with
    ``printer_calibration``)."""
    entry = (project.config.get("printers") or {}).get(name)
    return dict(entry) if isinstance(entry, dict) else {}


@dataclass(frozen=True)
class Targets:
    paper: Paper
    span_x: float  # half the distance between L and R (mm)
    span_y: float

    def points(self) -> dict[str, tuple[float, float]]:
        cx, cy = self.paper.width / 2, self.paper.height / 2
        return {"C": (cx, cy), "L": (cx - self.span_x, cy), "R": (cx + self.span_x, cy),
                "T": (cx, cy - self.span_y), "B": (cx, cy + self.span_y)}


def targets_for(paper: Paper) -> Targets:
    return Targets(paper, span_x=min(75.0, paper.width / 2 - 30),
                   span_y=min(100.0, paper.height / 2 - 40))


def _line(x1, y1, x2, y2, page_h) -> str:
    return f"{x1 * MM:.3f} {(page_h - y1) * MM:.3f} m {x2 * MM:.3f} {(page_h - y2) * MM:.3f} l S"


def _cross(x: float, y: float, page_h: float) -> str:
    """A 16 mm cross centred on (x, y)."""
    return _line(x - 8, y, x + 8, y, page_h) + "\n" + _line(x, y - 8, x, y + 8, page_h)


def _caption(targets: Targets, lines: list[str], *, leading: float,
             sizes: tuple[float, float]) -> str:
    """The instructions under the top target: a first line at ``sizes[0]`` pt, the rest smaller."""
    from ..render.glyphs import text_ops

    h = targets.paper.height
    top = targets.points()["T"][1] + 16
    return "\n".join(text_ops(text, 20, top + i * leading, sizes[0] if i == 0 else sizes[1], h)
                     for i, text in enumerate(lines))


def front_ops(targets: Targets, duplex: str, printer: str | None) -> str:
    from ..render.glyphs import text_ops

    h = targets.paper.height
    ops = ["q 0 0 0 1 K 0 0 0 1 k 0.5 w 0 J"]
    for label, (x, y) in targets.points().items():
        ops.append(_cross(x, y, h))
        ops.append(text_ops(label, x + 2, y - 2, 9, h))
    lines = [
        "cardkit 双面校准页 · 正面 (front)",
        f"纸张 {targets.paper.name} · 翻转边 {duplex} · "
        + (f"已套用打印机 {printer} 的校准" if printer else "未套用校准"),
        "双面打印本页（与印卡相同的纸盒与翻转边），打印时选“实际大小”，不要缩放。",
        "Print two-sided at 100 % (no fit-to-page), same tray and duplex edge as the cards.",
    ]
    ops.append(_caption(targets, lines, leading=6, sizes=(10, 8)))
    ops.append("Q")
    return "\n".join(ops)


def back_ops(targets: Targets, duplex: str) -> str:
    """Rulers at every target (as seen on the back: the target set is symmetric)."""
    from ..render.glyphs import text_ops

    h = targets.paper.height
    ops = ["q 0 0 0 1 K 0 0 0 1 k 0.2 w 0 J"]
    for label, (x, y) in targets.points().items():
        for i in range(-16, 17):
            offset = i * 0.5
            tick = 3.0 if i % 8 == 0 else 2.0 if i % 2 == 0 else 1.2
            ops.append(_line(x + offset, y - tick / 2, x + offset, y + tick / 2, h))
            ops.append(_line(x - tick / 2, y + offset, x + tick / 2, y + offset, h))
            if i % 8 == 0 and i != 0:
                ops.append(text_ops(f"{offset:+g}", x + offset - 1.2, y - 2.2, 4.5, h))
                ops.append(text_ops(f"{offset:+g}", x + 2.2, y + offset + 0.6, 4.5, h))
        ops.append(_cross(x, y, h))
        ops.append(text_ops(label, x - 6, y - 5, 9, h))
    span = 2 * targets.span_x
    lines = [
        "cardkit 双面校准页 · 背面 (back)",
        "对着光看背面：正面的十字透过来，落在本面标尺上的读数（mm，右、下为正）：",
        "Hold to the light; read where each front cross meets this side's rulers (mm, right/down +):",
        "dx, dy = C 点读数 (reading at C)",
        f"rotation = (yR − yL) / {span:g} × 57.3   (度，顺时针为正 / degrees, clockwise)",
        f"scale = 1 + (xR − xL) / {span:g}",
        "写入 cardkit.yaml / put in cardkit.yaml:",
        "printers:",
        "  my-printer: {dx: 0.0, dy: 0.0, rotation: 0.0, scale: 1.0}",
        "然后 cardkit print ... --printer my-printer （只移动背面 / moves the backs only）",
    ]
    ops.append(_caption(targets, lines, leading=5, sizes=(9, 7)))
    ops.append("Q")
    return "\n".join(ops)


def build_target(paper: Paper, duplex: str, calibration: Calibration | None = None,
                 printer: str | None = None):
    """The two-page target sheet; the printer's calibration, if any, moves the back.

    The back follows the cards' rule (``impose.back_turned``): on an edge that turns it
    upside down it is drawn turned 180°, so it is read as a card's back is read, and the
    readings (and a printer's stored offsets) mean the same on either edge.
    """
    import pikepdf

    targets = targets_for(paper)
    if targets.span_x < 20 or targets.span_y < 20:
        raise UsageError(_("paper {paper} is too small for a calibration sheet").format(paper=paper.name))
    pdf = pikepdf.Pdf.new()
    media = [0, 0, round(paper.width * MM, 3), round(paper.height * MM, 3)]
    back = back_ops(targets, duplex)
    turned = back_turned(paper, duplex)
    if turned:
        back = f"q -1 0 0 -1 {paper.width * MM:.3f} {paper.height * MM:.3f} cm\n{back}\nQ"
    if calibration is not None and not calibration.is_identity:
        correction = calibration.turned() if turned else calibration
        matrix = " ".join(f"{v:.6f}" for v in correction.pdf_matrix(paper))
        back = f"q {matrix} cm\n{back}\nQ"
    for ops in (front_ops(targets, duplex, printer), back):
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=media,
                                  Resources=pikepdf.Dictionary(), Contents=pdf.make_stream(ops.encode()))
        pdf.pages.append(pikepdf.Page(page))
    return pdf


def solve(readings: list[str], paper: Paper) -> Calibration:
    """``C=0.5,-1`` ``L=..`` ``R=..`` (as read on the sheet) -> the calibration to store."""
    parsed: dict[str, tuple[float, float]] = {}
    for reading in readings:
        try:
            label, values = reading.split("=", 1)
            x, y = (float(v) for v in values.split(","))
        except ValueError:
            raise UsageError(f"--read {reading!r}: " + _("write it as C=0.5,-1 (x,y in mm)")) from None
        if label.strip().upper() not in ("C", "L", "R"):
            raise UsageError(f"--read {reading!r}: " + _("the target is C, L or R"))
        parsed[label.strip().upper()] = (x, y)
    if "C" not in parsed:
        raise UsageError(_("--read C=x,y is needed (the reading at the centre)"))
    return solve_calibration(parsed, targets_for(paper).span_x)
