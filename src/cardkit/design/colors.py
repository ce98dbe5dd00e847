"""CMYK colours for print shops (``--color cmyk``) and the checks that keep RGB out.

A generation gives its print colours in a ``colors_cmyk:`` mapping beside
``colors:``, with the same keys, as percentages of ink::

    colors_cmyk:
      background: cmyk(10, 3, 0, 0)
      text: cmyk(0, 0, 0, 100)

In CMYK mode every colour the generation uses must have its CMYK value (``qr``
defaults to 100 % K); the ``#rrggbb`` values stay for screen proofs and RGB
output. Images must be CMYK too: the mascot's ``image_cmyk`` replaces its
``image`` in CMYK mode, and an image the card shows whose colours are not
``device-cmyk()`` (SVG) or whose pixels are not CMYK (raster) is refused, by
name; an image the card does not show is never looked at. After rendering, every
content stream of the PDF (pages, forms, images, shadings, groups) is read
again (``pdf.pdfx``), and any RGB colour left is an error.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, InputError
from ..i18n import _
from ..model import Generation
from . import sections

_CMYK = re.compile(
    r"^\s*cmyk\(\s*(\d+(?:\.\d+)?)%?\s*,\s*(\d+(?:\.\d+)?)%?\s*,\s*(\d+(?:\.\d+)?)%?\s*,"
    r"\s*(\d+(?:\.\d+)?)%?\s*\)\s*$", re.IGNORECASE)
DEFAULTS = {"qr": (0.0, 0.0, 0.0, 1.0), "qr_light": (0.0, 0.0, 0.0, 0.0)}  # the QR's modules and ground


def parse_cmyk(text: Any) -> tuple[float, float, float, float]:
    """``cmyk(0, 0, 0, 100)`` (per cent of each ink) -> fractions 0..1."""
    match = _CMYK.match(str(text)) if isinstance(text, str) else None
    if not match:
        raise ValueError(_("{value} is not a colour like cmyk(0, 0, 0, 100)").format(value=repr(text)))
    values = tuple(float(v) for v in match.groups())
    if any(v > 100 for v in values):
        raise ValueError(f"{text!r}: " + _("each ink is 0 to 100 per cent"))
    c, m, y, k = (v / 100 for v in values)
    return c, m, y, k


def css(cmyk: tuple[float, float, float, float]) -> str:
    return "device-cmyk(" + " ".join(f"{v:g}" for v in cmyk) + ")"


def _line_of(gen: Generation, project, key: str) -> tuple[str, int]:
    """File and line where ``colors_cmyk.key`` (or ``colors.key``) was set, nearest layer first."""
    from .. import yamlio
    from . import generations

    files = generations.available(project)
    for gen_id in gen.chain:
        path = files.get(gen_id)
        if path is None:
            continue
        try:
            data = yamlio.load(path, name=f"generations/{gen_id}.yaml", strings=False)
        except Exception:  # already loaded once; a read problem here only costs the line
            continue
        for section in ("colors_cmyk", "colors"):
            mapping = data.get(section) if isinstance(data, dict) else None
            if isinstance(mapping, yamlio.YDict) and key in mapping:
                return f"generations/{gen_id}.yaml", mapping.line_of(key)
    return f"generations/{gen.id}.yaml", 0


def cmyk_generation(gen: Generation, project) -> Generation:
    """The generation with every colour as ``device-cmyk()``; all missing ones reported."""
    colors = dict(gen.data.get("colors") or {})
    given = gen.data.get("colors_cmyk") or {}
    problems: list[Diagnostic] = []
    if not isinstance(given, dict):
        raise InputError(f"generations/{gen.id}.yaml: colors_cmyk: " + _("expected a mapping"))
    result: dict[str, str] = {}
    for key in sorted(set(colors) | set(given) | set(DEFAULTS)):
        if key in given:
            try:
                result[key] = css(parse_cmyk(given[key]))
            except ValueError as exc:
                file, line = _line_of(gen, project, key)
                problems.append(Diagnostic(file=file, line=line, field=f"colors_cmyk.{key}",
                                           message=str(exc)))
        elif key in DEFAULTS and key not in colors:
            result[key] = css(DEFAULTS[key])
        else:
            file, line = _line_of(gen, project, key)
            problems.append(Diagnostic(
                file=file, line=line, field=f"colors.{key}",
                message=_("RGB colour {color} cannot be printed with --color cmyk: "
                          "give colors_cmyk.{key} as cmyk(c, m, y, k)").format(color=colors[key], key=key)))
    data = {**gen.data, "colors": result}
    mascot = gen.data.get("mascot")
    if isinstance(mascot, dict) and mascot.get("image_cmyk") and \
            _layer_of_mascot(gen, project, "image_cmyk") <= _layer_of_mascot(gen, project, "image"):
        # (a CMYK drawing inherited from a parent is not the CMYK version of the child's image)
        data["mascot"] = {**mascot, "image": mascot["image_cmyk"]}
    elif isinstance(mascot, dict):
        data["mascot"] = {k: v for k, v in mascot.items() if k != "image_cmyk"}
    cmyk = dataclasses.replace(gen, sections=sections.build(gen.id, data))
    problems.extend(_image_problems(cmyk, project))
    if problems:
        raise InputError(_("RGB in a CMYK job"), problems)
    return cmyk


def is_cmyk(gen: Generation) -> bool:
    """Whether ``gen`` is a CMYK job's generation (``cmyk_generation`` made it)."""
    return any(str(v).startswith("device-cmyk(") for v in gen.colors.values())


_SVG_COLOR = re.compile(
    r"""(?:fill|stroke|stop-color|flood-color|lighting-color|color)\s*[:=]\s*["']?\s*"""
    r"""(#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|hsla?\([^)]*\)|[a-zA-Z]+)""")
_NOT_COLORS = {"none", "currentcolor", "transparent", "inherit", "device", "url"}


def _image_problems(gen: Generation, project) -> list[Diagnostic]:
    """The images the card shows that are not CMYK (only the mascot is an image today)."""
    if "mascot" not in gen.shows("front") + gen.shows("back"):
        return []
    mascot = gen.data.get("mascot") or {}
    image = mascot.get("image") if isinstance(mascot, dict) else None
    if not image:
        return []
    path = None
    for folder in project.layers("templates"):
        candidate = folder / "assets" / str(image)
        if candidate.is_file():
            path = candidate
            break
    if path is None:
        return []  # the renderer reports a missing asset
    problem = rgb_in_image(path)
    if problem is None:
        return []
    key = "image_cmyk" if (gen.data.get("mascot") or {}).get("image_cmyk") else "image"
    file, line = _line_of_mascot(gen, project, key)
    return [Diagnostic(file=file, line=line, field=f"mascot.{key}",
                       message=_("image {image} is RGB ({problem}): give a CMYK image "
                                 "(mascot.image_cmyk) for --color cmyk").format(
                           image=image, problem=problem))]


def _mascot_layers(gen: Generation, project, key: str):
    """(position in the chain, file, line) of each generation that sets ``mascot.key``."""
    from .. import yamlio
    from . import generations

    files = generations.available(project)
    for position, gen_id in enumerate(gen.chain):
        path = files.get(gen_id)
        if path is None:
            continue
        data = yamlio.load(path, name=f"generations/{gen_id}.yaml", strings=False)
        mascot = data.get("mascot") if isinstance(data, dict) else None
        if isinstance(mascot, yamlio.YDict) and key in mascot:
            yield position, f"generations/{gen_id}.yaml", mascot.line_of(key)


def _layer_of_mascot(gen: Generation, project, key: str) -> int:
    return next((position for position, _file, _line in _mascot_layers(gen, project, key)),
                len(gen.chain))


def _line_of_mascot(gen: Generation, project, key: str = "image") -> tuple[str, int]:
    for _position, file, line in _mascot_layers(gen, project, key):
        return file, line
    return f"generations/{gen.id}.yaml", 0


_SHAPES = {"path", "rect", "circle", "ellipse", "polygon", "polyline", "text"}


def _unfilled_shape(text: str) -> str | None:
    """The first shape whose fill is set nowhere (SVG's default fill is black, in RGB)."""
    import xml.etree.ElementTree as ElementTree

    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None  # WeasyPrint reports a broken image

    def fill_of(element, inherited):
        style = dict(part.split(":", 1) for part in (element.get("style") or "").split(";")
                     if ":" in part)
        return (style.get("fill") or element.get("fill") or inherited or "").strip() or None

    def walk(element, inherited):
        fill = fill_of(element, inherited)
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("defs", "clipPath", "mask", "symbol"):
            return None
        if tag in _SHAPES and fill is None:
            return tag
        for child in element:
            found = walk(child, fill)
            if found:
                return found
        return None

    return walk(root, None)


def rgb_in_image(path: Path) -> str | None:
    """What makes an image RGB (the first colour found), or None if it is CMYK throughout."""
    if path.suffix.lower() == ".svg":
        text = path.read_text(encoding="utf-8", errors="replace")
        unfilled = _unfilled_shape(text)
        text = re.sub(r"device-cmyk\([^)]*\)", "", text)
        for match in _SVG_COLOR.finditer(text):
            value = match[1]
            if value.lower() in _NOT_COLORS:
                continue
            return _("colour {value}").format(value=value)
        if unfilled:
            return _("a <{shape}> without fill= is filled in RGB black").format(shape=unfilled)
        return None
    from PIL import Image

    with Image.open(path) as img:
        if img.mode != "CMYK":
            return _("{mode} pixels").format(mode=img.mode)
    return None
