"""The unit's mascot: its own drawing, checked, and made ready for CMYK output.

A built-in generation prints no station's mascot: a card shows one only when its unit
supplies it, name and drawing (``unit: mascot: {name: 螺警官, image: snail.svg}`` in
cardkit.yaml or the roster, or the 卡通形象 and ``mascot_image`` columns of a spreadsheet).
The drawing is an SVG, PNG or JPEG in the project's folder or the roster's. In CMYK output
an SVG is printed as it is and must use ``device-cmyk()`` colours only (or the unit gives
``image_cmyk``, its CMYK version); a PNG or JPEG is converted through the output profile
(transparent parts take the card's background), and a notice says so.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from collections.abc import Mapping
from pathlib import Path

from .. import yamlio
from ..errors import Diagnostic, InputError, Where
from ..i18n import _
from ..model import Generation, Roster, Unit

SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
OUTPUT_PROFILE = Path(__file__).resolve().parent.parent / "data" / "icc" / "cardkit-fogra39l.icc"
KEYS = {"mascot_image": "mascot.image", "mascot_image_cmyk": "mascot.image_cmyk"}
MAX_BYTES = 4 * 1024 * 1024  # a drawing travels inside every card face that shows it


def shown(gen: Generation) -> bool:
    return "mascot" in gen.shows("front") + gen.shows("back")


def config_places(unit: object, file: str) -> dict[str, Where]:
    """Where cardkit.yaml's ``unit:`` (``Project.unit()``: drawings made absolute) names each
    mascot drawing: its path -> ``file``, line and field, so that a problem with a drawing
    the roster leaves to cardkit.yaml is said of cardkit.yaml, not of the roster."""
    if not isinstance(unit, Mapping):
        return {}
    nested = unit.get("mascot")
    places: dict[str, Where] = {}
    for key, field in KEYS.items():  # mascot: {image: ...} or the flat mascot_image: ...
        for table, name in ((unit, key), (nested, field.split(".")[1])):
            if isinstance(table, Mapping) and table.get(name):
                line = table.line_of(name) if isinstance(table, yamlio.YDict) else 0
                places[str(table[name])] = {"file": file, "line": line, "subject": "unit",
                                            "field": field}
    return places


def _where(roster: Roster, key: str, image: str, places: Mapping[str, Where]) -> Where:
    """Where the drawing ``image`` (a unit's field ``key``) is named: cardkit.yaml when the
    roster leaves it to cardkit.yaml's ``unit:`` (``places``), else the roster."""
    return places.get(image) or {"file": str(roster.source), "subject": "unit", "field": KEYS[key]}


def check(roster: Roster, gen: Generation, roots: list[Path],
          places: Mapping[str, Where] | None = None) -> list[Diagnostic]:
    """Errors for the unit drawings a card of ``gen`` would print: a file that is missing,
    of another kind, or outside the folders a render may read; each said of the file that
    names the drawing (``places``: those cardkit.yaml names, from ``config_places``)."""
    if not shown(gen):
        return []
    problems = []
    for unit in _units(roster):
        for key in KEYS if unit.mascot else ():
            image = getattr(unit, key)
            if not image or image.startswith("data:"):
                continue
            path = Path(image)
            where = _where(roster, key, image, places or {})
            message = None
            if path.suffix.lower() not in SUFFIXES:
                message = _("{file}: a mascot's drawing is an SVG, PNG or JPEG file").format(
                    file=image)
            elif not path.is_file():
                message = _("{file}: no such file; put the drawing there or correct its name "
                            "in {source} (a mascot's drawing is named relative to the file "
                            "that names it)").format(file=image, source=where["file"])
            elif path.stat().st_size > MAX_BYTES:
                message = _("{file}: larger than {size} MiB; a card's drawing needs far "
                            "less").format(file=image, size=MAX_BYTES // 2**20)
            elif not any(path.resolve().is_relative_to(r.resolve()) for r in roots):
                message = _("{file}: outside the project's folder and the roster's; put the "
                            "drawing beside the roster or cardkit.yaml").format(file=image)
            if message:
                problems.append(Diagnostic(**where, message=message))
    return problems


def drawings(roster: Roster, gen: Generation) -> list[Path]:
    """The files of the mascot drawings the cards of ``gen`` print."""
    if not shown(gen):
        return []
    return [Path(getattr(u, key)) for u in _units(roster) if u.mascot for key in KEYS
            if getattr(u, key) and not getattr(u, key).startswith("data:")]


def for_cmyk(roster: Roster, gen: Generation, places: Mapping[str, Where] | None = None,
             ) -> tuple[Roster, list[Diagnostic]]:
    """The roster with each printed mascot in its CMYK form, and the notices of drawings
    converted; an SVG with RGB colours is refused (InputError), saying what to write; each
    said of the file that names the drawing (``places``, as for ``check``)."""
    from .colors import rgb_in_image

    if not shown(gen):
        return roster, []
    done: dict[int, Unit] = {}
    problems: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    for unit in _units(roster):
        if not (unit.mascot and unit.mascot_image):
            continue
        key = "mascot_image_cmyk" if unit.mascot_image_cmyk else "mascot_image"
        path = Path(getattr(unit, key))
        where = _where(roster, key, getattr(unit, key), places or {})
        if path.suffix.lower() == ".svg":
            problem = rgb_in_image(path)
            if problem:
                problems.append(Diagnostic(**where, message=_(
                    "{file} is RGB ({problem}): in CMYK output a mascot's SVG is printed as it "
                    "is, so its colours must be device-cmyk(c m y k); give its CMYK drawing as "
                    "mascot: {{image_cmyk: FILE}} under unit: in cardkit.yaml or the roster "
                    "(or a mascot_image_cmyk column)").format(file=path.name, problem=problem)))
                continue
            done[id(unit)] = dataclasses.replace(unit, mascot_image=data_url(path))
            continue
        url, converted = _cmyk_raster(path, _background(gen))
        done[id(unit)] = dataclasses.replace(unit, mascot_image=url)
        if converted:
            notes.append(Diagnostic(**where, severity="notice", message=_(
                "{file} ({mode} pixels) is converted to CMYK through the output profile for "
                "the CMYK job; transparent parts take the card's background colour").format(
                file=path.name, mode=converted)))
    if problems:
        raise InputError(_("RGB in a CMYK job"), problems)
    officers = tuple(dataclasses.replace(o, unit=done[id(o.unit)]) if id(o.unit) in done else o
                     for o in roster.officers)
    return dataclasses.replace(roster, officers=officers), notes


def inline(roster: Roster, gen: Generation) -> Roster:
    """The roster with each printed mascot drawing carried in its card as a data: URL (read
    once here: a layout never reads a unit's file, whichever folder it lies in)."""
    if not shown(gen):
        return roster
    done = {id(u): dataclasses.replace(u, mascot_image=data_url(Path(u.mascot_image)))
            for u in _units(roster)
            if u.mascot and u.mascot_image and not u.mascot_image.startswith("data:")}
    officers = tuple(dataclasses.replace(o, unit=done[id(o.unit)]) if id(o.unit) in done else o
                     for o in roster.officers)
    return dataclasses.replace(roster, officers=officers)


MIME = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def data_url(path: Path) -> str:
    return f"data:{MIME[path.suffix.lower()]};base64," + base64.b64encode(
        path.read_bytes()).decode("ascii")


def _units(roster: Roster) -> list[Unit]:
    return list({id(o.unit): o.unit for o in roster.officers}.values())


def _background(gen: Generation) -> tuple[int, int, int, int]:
    """The card's background as CMYK 0-255 (white when it is not a device-cmyk colour)."""
    text = str((gen.data.get("colors") or {}).get("background") or "")
    match = re.match(r"device-cmyk\(\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", text)
    if not match:
        return (0, 0, 0, 0)
    return tuple(round(float(v) * 255) for v in match.groups())  # type: ignore[return-value]


def _cmyk_raster(path: Path, background: tuple[int, int, int, int]) -> tuple[str, str]:
    """A PNG or JPEG as a CMYK JPEG data: URL, and the mode it was converted from ("" when
    it was CMYK already)."""
    from PIL import Image, ImageCms

    with Image.open(path) as img:
        img.load()
        mode = img.mode
        if mode == "CMYK":
            cmyk = img.copy()
            converted = ""
        else:
            rgba = img.convert("RGBA")
            transform = ImageCms.buildTransform(
                ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(str(OUTPUT_PROFILE)),
                "RGB", "CMYK", renderingIntent=ImageCms.Intent.PERCEPTUAL)
            converted_image = ImageCms.applyTransform(rgba.convert("RGB"), transform)
            if converted_image is None:  # None only when told to work in place
                raise ValueError(f"{path.name}: the conversion to CMYK gave no image")
            ground = Image.new("CMYK", rgba.size, background)
            cmyk = Image.composite(converted_image, ground, rgba.getchannel("A"))
            converted = mode
    buffer = io.BytesIO()
    cmyk.save(buffer, format="JPEG", quality=95)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), converted
