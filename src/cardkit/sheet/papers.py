"""Which sheet a job prints on: paper settings or a stock, margins, gutters, the slug line.

The paper comes from ``--paper`` / ``--stock`` or from ``cardkit.yaml``::

    paper: A4                 # a name or WxHmm, or a mapping:
    paper:
      size: 320x450mm         # A4, A3, SRA3, Letter or WxHmm
      margin: 8               # mm kept free at every edge (default 10)
      gutter: 4               # mm between cards; 0 butts them (default: see bleed_layouts)
      stock: cn-a4-90x54-2x5  # a pre-cut sheet instead of size/margin/gutter

Command-line flags win over the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..errors import InputError, UsageError
from ..i18n import _
from ..model import CardSize, Officer
from .impose import DEFAULT_MARGIN, Paper, SheetLayout, grid_layout, parse_paper

PAPER_KEYS = ("size", "margin", "gutter", "stock")
STOCK_TOLERANCE_MM = 6.0  # a fluid design is laid out at a stock's card size this close to its own


def paper_settings(project) -> dict[str, Any]:
    """cardkit.yaml's ``paper:`` as a mapping, checked."""
    raw = project.config.get("paper")
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"size": raw}
    if not isinstance(raw, dict):
        raise InputError("cardkit.yaml: paper: " + _("expected a paper name or a mapping of {keys}").format(
            keys=", ".join(PAPER_KEYS)))
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        line = raw.line_of(key) if hasattr(raw, "line_of") else 0
        where = f"cardkit.yaml:{line}" if line else "cardkit.yaml"
        if key not in PAPER_KEYS:
            from ..project import did_you_mean

            raise InputError(f"{where}: paper.{key}: " + _("unknown key") + did_you_mean(key, PAPER_KEYS)
                             + _(" ({key}: takes {keys})").format(key="paper", keys=", ".join(PAPER_KEYS)))
        if key in ("margin", "gutter"):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise InputError(f"{where}: paper.{key}: " + _("{value} is not a number of mm").format(
                    value=repr(value))) from None
            if not 0 <= value <= 50:
                raise InputError(f"{where}: paper.{key}: " + _("{value} mm is not between 0 and 50").format(
                    value=f"{value:g}"))
        settings[key] = value if key in ("margin", "gutter") else str(value)
    return settings


def resolve_layout(project, card: CardSize, paper: str | None = None, stock: str | None = None,
                   margin: float | None = None, gutter: float | None = None, *,
                   gen=None, printer: str | None = None, slug: bool = False) -> SheetLayout:
    """The sheet layout of a job, flags first, then cardkit.yaml, then A4.

    A design whose background runs to the card's edge (``gen``, see ``bleeds_to_edge``)
    gets gutters by default (``bleed_layouts``); ``--gutter 0`` butts the cards instead.
    """
    return _choose(project, card, paper, stock, margin, gutter, gen, printer, slug)[0]


def _choose(project, card: CardSize, paper: str | None, stock: str | None,
            margin: float | None, gutter: float | None, gen,
            printer: str | None, slug: bool = False) -> tuple[SheetLayout, str | None]:
    """The layout and, when cardkit chose gutters for a bleeding design, what -v says."""
    from . import stocks

    settings = paper_settings(project)
    if paper is None and stock is None:
        stock = settings.get("stock")
    if stock is not None:
        if paper is not None or margin is not None or gutter is not None:
            raise UsageError(_("--stock sets the paper, margins and gutters: "
                               "leave out --paper, --margin and --gutter"))
        return stocks.find_stock(stock, project.root).layout(card.width, card.height, card.bleed), None
    name = paper or settings.get("size") or "A4"
    try:
        sheet = parse_paper(str(name))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    margin = margin if margin is not None else settings.get("margin")
    gutter = gutter if gutter is not None else settings.get("gutter")
    try:
        if gutter is None and gen is not None and card.bleed > 0 and bleeds_to_edge(gen):
            return bleed_layouts(sheet, card, margin, printer_margin(project, printer), slug)
        return grid_layout(sheet, card.width, card.height, card.bleed,
                           min_margin=DEFAULT_MARGIN if margin is None else margin,
                           gutter=gutter), None
    except ValueError as exc:
        raise InputError(str(exc)) from None


# A design whose background bleeds is cut apart: cards get gutters so a cut a hair off
# never shows the neighbour's band. 3 mm gutters leave 1.5 mm of bleed to each card.
BLEED_GUTTER_MM = 3.0
# An office printer's unprintable margin when no --printer calibration gives one (4-5 mm).
ASSUMED_PRINTER_MARGIN_MM = 5.0


def bleeds_to_edge(gen) -> bool:
    """Whether the design's background runs to the card's edge: a background or band colour
    (drawn into the bleed by the card's stylesheet) other than white."""
    return any(_inked(gen.colors.get(key)) for key in ("background", "band"))


def _inked(color: object) -> bool:
    text = str(color or "").strip().lower().replace(" ", "")
    return bool(text) and text not in ("#fff", "#ffffff", "white", "transparent", "none",
                                       "cmyk(0,0,0,0)", "device-cmyk(0000)")


def printer_margin(project, printer: str | None) -> float | None:
    """The unprintable margin (mm) calibrated for ``printer`` in cardkit.yaml, if any."""
    if printer is None:
        return None
    from .calibrate import printer_calibration, printer_settings

    printer_calibration(project, printer)  # checks the entry (an unknown printer is a usage error)
    value = printer_settings(project, printer).get("margin")
    return None if value is None else float(value)


def bleed_layouts(sheet: Paper, card: CardSize, margin: float | None,
                  hard: float | None, slug: bool = False) -> tuple[SheetLayout, str]:
    """Gutters for a bleeding design: ``BLEED_GUTTER_MM`` between cards and margins down to
    the printer's unprintable one (A4: 2 x 5, 7.5 mm margins top and bottom) when that
    holds more cards than gutters of the full bleed (A4: 2 x 4) and, with ``slug``, leaves
    room for the slug line; and what -v says."""
    from .impose import slug_origin

    known = hard is not None or margin is not None
    edge = margin if margin is not None else hard if hard is not None else ASSUMED_PRINTER_MARGIN_MM
    gutter = min(BLEED_GUTTER_MM, 2 * card.bleed)
    full = grid_layout(sheet, card.width, card.height, card.bleed,
                       min_margin=DEFAULT_MARGIN if margin is None else margin,
                       gutter=2 * card.bleed)
    try:
        tight = grid_layout(sheet, card.width, card.height, card.bleed, min_margin=edge,
                            gutter=gutter)
    except ValueError:
        tight = full
    cols = len({s.col for s in tight.slots})
    rows = len({s.row for s in tight.slots})
    no_slug = slug and slug_origin(tight.slots, sheet) is None
    if tight.per_sheet > full.per_sheet and not no_slug:
        top = min(s.trim.y for s in tight.slots)
        side = min(s.trim.x for s in tight.slots)
        source = (_("the printer's calibrated margin is {edge} mm") if hard is not None and margin is None
                  else _("--margin {edge}") if known
                  else _("no printer calibration gives its unprintable margin, and office "
                         "printers' is 4-5 mm: set printers: NAME: margin: in cardkit.yaml"))
        return tight, _(
            "{paper}: the background bleeds, so the cards are cut apart: {cols} x {rows} with "
            "{gutter} mm gutters, {half} mm of bleed each, margins {top} mm top and bottom and "
            "{side} mm at the sides, for a printer whose unprintable margin is at most {top} mm "
            "({source}); --gutter 0 butts the cards").format(
            paper=sheet.name, cols=cols, rows=rows, gutter=f"{gutter:g}", half=f"{gutter / 2:g}",
            top=f"{top:.3g}", side=f"{side:.3g}", source=source.format(edge=f"{edge:g}"))
    cols = len({s.col for s in full.slots})
    rows = len({s.row for s in full.slots})
    if no_slug and tight.per_sheet > full.per_sheet:
        return full, _(
            "{paper}: the background bleeds, so the cards are cut apart: {cols} x {rows} with "
            "{gutter} mm gutters and their full {bleed} mm bleed (3 mm gutters would leave no "
            "room for the --slug line); --gutter 0 butts the cards").format(
            paper=sheet.name, cols=cols, rows=rows, gutter=f"{2 * card.bleed:g}",
            bleed=f"{card.bleed:g}")
    return full, _(
        "{paper}: the background bleeds, so the cards are cut apart: {cols} x {rows} with "
        "{gutter} mm gutters and their full {bleed} mm bleed (3 mm gutters would hold more "
        "cards only with margins narrower than the printer's {edge} mm); --gutter 0 butts the "
        "cards").format(
        paper=sheet.name, cols=cols, rows=rows, gutter=f"{2 * card.bleed:g}",
        bleed=f"{card.bleed:g}", edge=f"{edge:g}")


def gutter_note(project, card: CardSize, paper: str | None = None, stock: str | None = None,
                margin: float | None = None, gutter: float | None = None, *,
                gen=None, printer: str | None = None, slug: bool = False) -> str | None:
    """What -v says of the sheet: the gutters chosen for a bleeding design, or why cards abut
    (a gutter for the bleed would cost a card).

    Only when cardkit chose the gutter (no ``--gutter``, no ``paper.gutter``, no stock).
    """
    from .impose import _fit, _fit_fixed

    settings = paper_settings(project)
    if stock is not None or (paper is None and "stock" in settings) or card.bleed <= 0:
        return None
    if gutter is not None or settings.get("gutter") is not None:
        return None
    if gen is not None and bleeds_to_edge(gen):
        try:
            return _choose(project, card, paper, stock, margin, gutter, gen, printer, slug)[1]
        except (InputError, UsageError):
            return None
    try:
        sheet = parse_paper(str(paper or settings.get("size") or "A4"))
    except ValueError:
        return None
    margin = margin if margin is not None else settings.get("margin", DEFAULT_MARGIN)
    wanted = 2 * card.bleed
    across = _fit(sheet.width, card.width, card.bleed, margin)
    down = _fit(sheet.height, card.height, card.bleed, margin)
    if across[1] and down[1]:
        return None  # the full gutter fits both ways
    with_gutter = (_fit_fixed(sheet.width, card.width, wanted, margin)
                   * _fit_fixed(sheet.height, card.height, wanted, margin))
    which = (_("rows and columns") if not across[1] and not down[1]
             else _("rows") if not down[1] else _("columns"))
    return _("{paper}: {cards} cards a sheet; the {which} abut, as a {gutter} mm gutter for the "
             "bleed would cost a card: neighbours share one cut and bleed into each other "
             "(--gutter {gutter} gives every card its full {bleed} mm bleed, {fewer} cards a "
             "sheet)").format(paper=sheet.name, cards=across[0] * down[0], which=which,
                              gutter=f"{wanted:g}", bleed=f"{card.bleed:g}", fewer=with_gutter)


def fit_to_stock(project, gen, paper: str | None = None, stock: str | None = None):
    """The generation laid out at the stock's card size, and the notice that says so.

    A stock whose cards are within ``STOCK_TOLERANCE_MM`` of the generation's size
    (Avery 8371 is 88.9 x 50.8 mm, Zweckform 32010 85 x 54 mm, the built-ins 90 x 54)
    gets the design at its own size: the templates are fluid CSS, and preflight then
    proves that everything still fits. A generation with ``card: {fixed: true}`` is
    refused instead. Returns ``(generation, notice or None)``.
    """
    from ..design import generations
    from ..errors import Diagnostic
    from . import stocks

    if paper is None and stock is None:
        stock = paper_settings(project).get("stock")
    if stock is None:
        return gen, None
    found = stocks.find_stock(stock, project.root)
    card = gen.card
    dw, dh = abs(found.card_w - card.width), abs(found.card_h - card.height)
    if max(dw, dh) <= 0.5 or max(dw, dh) > STOCK_TOLERANCE_MM:
        return gen, None  # the same size, or too far off to adapt (the layout says why)
    width, height = round(found.card_w, 2), round(found.card_h, 2)
    sizes = {"stock": found.id, "cards": f"{round(width, 1):g}x{round(height, 1):g}",
             "gen": gen.id, "size": f"{card.width:g}x{card.height:g}"}
    if card.fixed:
        file, line = _card_line(project, gen)
        raise InputError(f"{file}:{line}: card.fixed: " + _(
            "generation {gen} is fixed at {size} mm; stock {stock} has {cards} mm cards "
            "(choose a stock of that size, or drop card.fixed)").format(**sizes))
    notice = Diagnostic(severity="notice", subject=f"generation {gen.id}", message=_(
        "laid out at {cards} mm, the card size of stock {stock} (designed for {size} mm); "
        "preflight checks that everything fits").format(**sizes))
    return generations.revised(gen, {"card": {"width_mm": width, "height_mm": height}}), notice


def _card_line(project, gen) -> tuple[str, int]:
    """Where the generation's chain sets ``card.fixed``."""
    from .. import yamlio
    from ..design import generations

    files = generations.available(project)
    for gen_id in gen.chain:
        data = yamlio.load(files[gen_id], name=f"generations/{gen_id}.yaml", strings=False)
        card = data.get("card") if isinstance(data, dict) else None
        if isinstance(card, yamlio.YDict) and "fixed" in card:
            return f"generations/{gen_id}.yaml", card.line_of("fixed")
    return f"generations/{gen.id}.yaml", 0


def uses_stock(project, paper: str | None, stock: str | None) -> bool:
    return stock is not None or (paper is None and "stock" in paper_settings(project))


def roster_checksum(officers: Sequence[Officer]) -> str:
    """A short fingerprint of the officers printed (what they are, not which file held them)."""
    rows = [{**o.as_context(), "unit": o.unit.as_context()} for o in officers]
    blob = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:10]


def slug_text(gen_id: str, checksum: str, sheet: int, sheets: int, duplex: str,
              paper: str) -> str:
    return (f"cardkit · generation {gen_id} · roster {checksum} · "
            f"sheet {sheet}/{sheets} · {paper} · duplex {duplex}")
