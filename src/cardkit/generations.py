"""Find generations along the project's layers, resolve ``extends:``, validate."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import Diagnostic, InputError
from .model import Generation
from .project import Project, did_you_mean

# Every key a generation may set, with what it means (the schema documents itself).
SCHEMA: dict[str, str] = {
    "title": "name shown in `cardkit list` and on the exhibition sheet",
    "year": "year the design was introduced",
    "extends": "id of the generation this one builds on; only differences are stated",
    "summary": "what changed from the generation before (one line)",
    "card": "width_mm, height_mm, bleed_mm, safe_mm",
    "colors": "background, text, accent, band, band_text, muted (#rrggbb)",
    "fonts": "body and heading: lists of font families, first choice first",
    "templates": "front, back, stylesheet: template file names",
    "front": "title and show: the blocks printed on the front, in order",
    "back": "title and show: the blocks printed on the back, in order",
    "texts": "promise, advice_title, advice: fixed texts",
    "tips": "title and lines: property-safety tips",
    "web": "list of {label, url}: web addresses printed on the card",
    "qr": "field (officer field holding the payload), size_mm, caption, ec",
    "mascot": "image (file under templates/assets) and caption",
    "fraud_tips": "title and lines: anti-telecom-fraud tips",
    "fields": "extra officer fields this generation's templates use",
}
BLOCKS = {
    "front": {"unit", "name", "post", "area", "phone", "mobile", "address", "hotline",
              "promise", "qr", "mascot", "website"},
    "back": {"advice", "tips", "web", "fraud_tips", "mascot", "promise", "hotline", "qr"},
}
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FONT = re.compile(r"^[\w \-]+$")


def available(project: Project) -> dict[str, Path]:
    """Generation id -> file, project files overriding built-ins of the same name."""
    found: dict[str, Path] = {}
    for folder in reversed(project.layers("generations")):
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def load(project: Project, gen_id: str) -> Generation:
    """Load generation ``gen_id`` with its ancestors merged in and check it."""
    files = available(project)
    chain: list[str] = []
    layers: list[dict[str, Any]] = []
    current: str | None = str(gen_id)
    while current is not None:
        if current in chain:
            cycle = " -> ".join([*chain, current])
            raise InputError(f"generation {gen_id}: extends cycle: {cycle}")
        if current not in files:
            known = ", ".join(files) or "none"
            if chain:
                raise InputError(
                    f"generations/{chain[-1]}.yaml: extends unknown generation {current!r}"
                    f" (known: {known})"
                )
            raise InputError(
                f"unknown generation {current!r}{did_you_mean(current, files)} (known: {known})"
            )
        data = yamlio.load(files[current], name=f"generations/{current}.yaml", strings=False)
        if not isinstance(data, dict):
            raise InputError(f"generations/{current}.yaml: expected a mapping")
        _check_keys(data, f"generations/{current}.yaml")
        chain.append(current)
        layers.append(data)
        parent = data.get("extends")
        current = str(parent) if parent is not None else None
    resolved: dict[str, Any] = {}
    for layer in reversed(layers):
        resolved = merge(resolved, {k: v for k, v in layer.items() if k != "extends"})
    generation = Generation(id=str(gen_id), data=yamlio.plain(resolved), chain=tuple(chain),
                            path=files[str(gen_id)])
    _check_values(generation)
    return generation


def merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        result = {k: copy.deepcopy(v) for k, v in base.items()}
        for key, value in override.items():
            result[key] = merge(result.get(key), value) if key in result else copy.deepcopy(value)
        return result
    return copy.deepcopy(override)


def _check_keys(data: dict, name: str) -> None:
    problems = [
        Diagnostic(file=name, line=data.line_of(key), field=key,
                   message="unknown key" + did_you_mean(key, SCHEMA))
        for key in data
        if key not in SCHEMA
    ]
    if problems:
        raise InputError("bad generation", problems)


def _check_values(gen: Generation) -> None:
    name = f"generations/{gen.id}.yaml"
    problems: list[str] = []
    for key, value in (gen.data.get("colors") or {}).items():
        if not isinstance(value, str) or not _COLOR.match(value):
            problems.append(f"colors.{key}: {value!r} is not a colour like #1a5fb4")
    for key, families in (gen.data.get("fonts") or {}).items():
        if not isinstance(families, list) or not all(
            isinstance(f, str) and _FONT.match(f) for f in families
        ):
            problems.append(f"fonts.{key}: expected a list of font family names")
    card = gen.card
    if not (20 <= card.width <= 300 and 20 <= card.height <= 300):
        problems.append(f"card: size {card.width} x {card.height} mm is not a card size")
    if not 0 <= card.bleed <= 10 or not 0 <= card.safe <= 15:
        problems.append("card: bleed_mm must be 0-10 and safe_mm 0-15")
    for side in ("front", "back"):
        for block in gen.shows(side):
            if block not in BLOCKS[side]:
                problems.append(
                    f"{side}.show: unknown block {block!r}"
                    f"{did_you_mean(block, BLOCKS[side])}"
                )
    if "qr" in gen.shows("front") + gen.shows("back") and not gen.data.get("qr"):
        problems.append("qr is shown but has no qr: settings")
    if problems:
        raise InputError("bad generation", [Diagnostic(file=name, message=p) for p in problems])


def describe(gen: Generation) -> dict[str, Any]:
    """What `cardkit list` says of a generation."""
    card = gen.card
    return {
        "id": gen.id,
        "title": gen.title,
        "year": gen.year,
        "base": gen.base,
        "size": f"{card.width:g}x{card.height:g}mm",
        "bleed_mm": card.bleed,
        "front": gen.shows("front"),
        "back": gen.shows("back"),
        "summary": gen.data.get("summary", ""),
    }
