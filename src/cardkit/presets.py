"""Print presets and the project's print defaults (``cardkit.yaml``).

A preset names a set of print options a kind of printer expects. ``shop`` is
what a print shop (图文店, 印刷厂) asks for: one card per page, PDF/X-4 in CMYK,
3 mm bleed (出血), crop marks (裁切线) outside the bleed, TrimBox and BleedBox::

    cardkit print --gen 2022 --preset shop

``cardkit.yaml`` may name a preset and set the same options as project defaults::

    preset: shop      # every print of this project goes to the shop
    bleed: 3          # mm; also: layout: sheet|cards, color: rgb|cmyk, marks: crop|none

Each option is taken from the first of: an explicit flag, cardkit.yaml, the
preset (from ``--preset`` or cardkit.yaml), then the generation (bleed) or
cardkit's default (sheet layout, RGB, marks as the layout wants).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import Diagnostic, InputError, UsageError
from .i18n import _

PRESETS: dict[str, dict[str, Any]] = {
    "shop": {"layout": "cards", "color": "cmyk", "bleed": 3.0, "marks": "crop"},
}
CHOICES = {"layout": ("sheet", "cards"), "color": ("rgb", "cmyk"), "marks": ("crop", "none")}
SETTINGS = ("preset", "layout", "color", "bleed", "marks")  # cardkit.yaml keys read here
DEFAULTS = {"layout": "sheet", "color": "rgb"}  # when nothing else says


def project_defaults(project) -> dict[str, Any]:
    """cardkit.yaml's print settings, checked, every problem located."""
    config = project.config
    found: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    for key in SETTINGS:
        if key not in config:
            continue
        value = config[key]
        line = _line(project, key)
        if key == "bleed":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
                problems.append(Diagnostic(file="cardkit.yaml", line=line, field=key, message=_(
                    "{value} is not a bleed of 0 to 10 mm").format(value=repr(value))))
                continue
            found[key] = float(value)
            continue
        choices = tuple(PRESETS) if key == "preset" else CHOICES[key]
        if value not in choices:
            problems.append(Diagnostic(file="cardkit.yaml", line=line, field=key, message=_(
                "{value} is not one of {choices}").format(value=repr(value),
                                                          choices=", ".join(choices))))
            continue
        found[key] = value
    if problems:
        raise InputError(_("bad settings"), problems)
    return found


def _line(project, key: str) -> int:
    """Line of ``key`` in cardkit.yaml (the settings keep values, not lines)."""
    from . import yamlio

    if project.config_path is None:
        return 0
    try:
        data = yamlio.load(project.config_path, name="cardkit.yaml", strings=False)
        return data.line_of(key)
    except Exception:  # read once already; a problem here only costs the line number
        return 0


def resolve(project, options):
    """``options`` with every unset print option filled: flag > cardkit.yaml > preset."""
    settings = project_defaults(project)
    preset_name = options.preset or settings.get("preset")
    if preset_name is not None and preset_name not in PRESETS:
        raise UsageError(_("{option} must be one of {choices}").format(
            option="--preset", choices=", ".join(PRESETS)))
    preset = PRESETS[preset_name] if preset_name is not None else {}
    changes: dict[str, Any] = {"preset": preset_name}
    for key in ("layout", "color", "bleed", "marks"):
        if getattr(options, key) is not None:
            continue
        value = settings.get(key, preset.get(key, DEFAULTS.get(key)))
        if value is not None:
            changes[key] = value
    return dataclasses.replace(options, **changes)
