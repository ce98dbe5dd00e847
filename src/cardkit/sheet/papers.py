"""Which sheet a job prints on: paper settings or a stock, margins, gutters, the slug line.

The paper comes from ``--paper`` / ``--stock`` or from ``cardkit.yaml``::

    paper: A4                 # a name or WxHmm, or a mapping:
    paper:
      size: 320x450mm         # A4, A3, SRA3, Letter or WxHmm
      margin: 8               # mm kept free at every edge (default 10)
      gutter: 4               # mm between cards (default: twice the bleed when it costs no card)
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
from .impose import DEFAULT_MARGIN, SheetLayout, grid_layout, parse_paper

PAPER_KEYS = ("size", "margin", "gutter", "stock")


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
                   margin: float | None = None, gutter: float | None = None) -> SheetLayout:
    """The sheet layout of a job, flags first, then cardkit.yaml, then A4."""
    from . import stocks

    settings = paper_settings(project)
    if paper is None and stock is None:
        stock = settings.get("stock")
    if stock is not None:
        if paper is not None or margin is not None or gutter is not None:
            raise UsageError(_("--stock sets the paper, margins and gutters: "
                               "leave out --paper, --margin and --gutter"))
        return stocks.find_stock(stock, project.root).layout(card.width, card.height, card.bleed)
    name = paper or settings.get("size") or "A4"
    try:
        sheet = parse_paper(str(name))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    margin = margin if margin is not None else settings.get("margin", DEFAULT_MARGIN)
    gutter = gutter if gutter is not None else settings.get("gutter")
    try:
        return grid_layout(sheet, card.width, card.height, card.bleed,
                           min_margin=margin, gutter=gutter)
    except ValueError as exc:
        raise InputError(str(exc)) from None


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
