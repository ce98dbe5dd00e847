"""A resolved generation read into the typed, read-only sections the rest of cardkit uses.

``build`` is the one reader of a generation's YAML outside ``design/``'s own checks: every
default (an 18 mm QR code, ``front.html``, one line per field) is filled in here, once.
It runs on a mapping that passed ``schema.check_layer``, but never fails on one that did
not: a value of the wrong kind reads as its default (the checks report it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..model import (
    HARD_MIN_MODULE_MM,
    MIN_MODULE_MM,
    CardSize,
    FitPolicy,
    MascotSection,
    QrSettings,
    ReadOnly,
    Sections,
    TemplateNames,
)
from .schema import SIDES

# Keys whose strings are not printed as they are (settings, names of files and fields).
NOT_PRINTED = {"colors", "fonts", "templates", "card", "fit", "extends", "summary", "year",
               "fields", "show", "image", "field", "ec", "size_mm", "url"}


def build(gen_id: str, data: Mapping[str, Any]) -> Sections:
    """The sections of generation ``gen_id`` whose resolved YAML is ``data``."""
    year = data.get("year")
    return Sections(
        data=data,
        title=str(data.get("title", gen_id)),
        year=year if year is None or isinstance(year, int | float | str) else str(year),
        summary=str(data.get("summary", "")),
        card=card(data),
        shows=ReadOnly((side, shows(data, side)) for side in SIDES),
        qr=qr(data),
        colors=ReadOnly((str(k), str(v)) for k, v in _table(data, "colors").items()),
        fonts=ReadOnly((str(k), tuple(str(f) for f in v) if isinstance(v, list) else ())
                       for k, v in _table(data, "fonts").items()),
        fit=ReadOnly((str(k), fit_policy(v)) for k, v in _table(data, "fit").items()),
        templates=templates(data),
        mascot=mascot(data),
        fields=fields(data),
        printed_texts=tuple(printed_texts(data)),
    )


def _table(data: Mapping[str, Any], key: str) -> Mapping[Any, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _number(value: Any, default: float) -> float:
    return float(value if isinstance(value, int | float) and not isinstance(value, bool) else default)


def card(data: Mapping[str, Any]) -> CardSize:
    size = _table(data, "card")
    return CardSize(width=_number(size.get("width_mm"), 90), height=_number(size.get("height_mm"), 54),
                    bleed=_number(size.get("bleed_mm"), 2), safe=_number(size.get("safe_mm"), 3),
                    fixed=bool(size.get("fixed")))


def shows(data: Mapping[str, Any], side: str) -> tuple[str, ...]:
    """The blocks ``side`` shows (``front.show``), in order."""
    show = _table(data, side).get("show")
    return tuple(str(block) for block in show) if isinstance(show, list) else ()


def qr(data: Mapping[str, Any]) -> QrSettings:
    settings = _table(data, "qr")
    floor = settings.get("min_module_mm", MIN_MODULE_MM)
    try:
        min_module = max(HARD_MIN_MODULE_MM, float(floor))
    except (TypeError, ValueError):  # the generation's check reports it
        min_module = MIN_MODULE_MM
    hosts = settings.get("hosts")
    return QrSettings(
        field=str(settings.get("field", "wechat")),
        size_mm=_number(settings.get("size_mm"), 18),
        ec=str(settings["ec"]) if settings.get("ec") else None,
        min_module_mm=min_module,
        missing=str(settings.get("missing") or "omit"),
        hosts=tuple(str(h) for h in hosts) if isinstance(hosts, list) else (),
    )


def fit_policy(policy: Any) -> FitPolicy | None:
    """One field's ``fit:`` entry; None for ``null`` or an empty one (no policy at all)."""
    if not isinstance(policy, Mapping) or not policy:
        return None
    min_pt = policy.get("min_pt")
    max_lines = policy.get("max_lines", 1)
    return FitPolicy(min_pt=min_pt if isinstance(min_pt, int | float) else None,
                     max_lines=int(max_lines) if isinstance(max_lines, int | float) else 1)


def templates(data: Mapping[str, Any]) -> TemplateNames:
    names = _table(data, "templates")
    default = TemplateNames()
    return TemplateNames(front=str(names.get("front", default.front)),
                         back=str(names.get("back", default.back)),
                         stylesheet=str(names.get("stylesheet", default.stylesheet)))


def mascot(data: Mapping[str, Any]) -> MascotSection:
    own = _table(data, "mascot")
    return MascotSection(**{key: str(own.get(key) or "") for key in ("image", "caption")})


def fields(data: Mapping[str, Any]) -> tuple[str, ...]:
    names = data.get("fields")
    return tuple(str(f) for f in names) if isinstance(names, list | tuple | dict | str) else ()


def printed_texts(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every printed text of a generation, with its key path (texts.promise, tips.lines...)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in NOT_PRINTED:
                yield from printed_texts(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for item in data:
            yield from printed_texts(item, path)
    elif isinstance(data, str) and path not in ("title",):
        yield path, data
