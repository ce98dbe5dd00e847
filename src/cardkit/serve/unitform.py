"""The unit's settings form: read from, checked like and saved into the station's cardkit.yaml.

The values are checked by the rules cardkit.yaml's ``unit:`` is checked by when a roster is
read (``roster.validate.build_roster``: numbers, URL schemes, placeholder hosts and numbers,
unless the station is a specimen). They are saved with ruamel.yaml's round trip, which
keeps the rest of the file, its order and its comments (a line-level edit could not do a
``web:`` list safely); the new file is read back by cardkit's own reader
(``project.open_project``) before it replaces the old one, atomically (``outputs.write_file``).

The mascot is its name and its drawing (``unit: mascot: {name, image, image_cmyk}``). An
uploaded drawing is checked by its content (``drawing.check``), never by its name, and saved
as ``assets/mascot.svg|png|jpg`` in the station's folder; a new drawing drops the old
``image_cmyk`` (the CMYK version of the drawing it replaces). "No mascot" removes the name and
the drawing from cardkit.yaml and deletes the drawing files the form itself wrote (those in
``assets/``); a drawing named by hand elsewhere is left where it is.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..design.mascot import MAX_BYTES as MAX_DRAWING_BYTES
from ..design.mascot import MIME, SUFFIXES
from ..errors import CardkitError, InputError
from ..i18n import _
from ..project import CONFIG_NAME, open_project

TEXT_FIELDS = ("name", "address", "hotline", "mascot")  # mascot: the mascot's name
WEB_ROWS = 4  # label + URL rows the form shows
ASSETS = "assets"  # the station's folder where the form saves the mascot's drawing
DRAWING_STEM = "mascot"


@dataclass
class UnitForm:
    values: dict[str, str] = field(default_factory=dict)
    web: list[tuple[str, str]] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)  # form field -> reasons
    image: str = ""  # the mascot's drawing as cardkit.yaml names it (relative to the project)
    image_cmyk: str = ""
    upload: tuple[str, bytes] | None = None  # a new drawing: (the uploaded name, its bytes)
    none: bool = False  # "no mascot": name and drawing removed

    def rows(self) -> list[tuple[str, str]]:
        return (self.web + [("", "")] * WEB_ROWS)[:max(WEB_ROWS, len(self.web) + 1)]


def read(station: Path) -> UnitForm:
    """The form as the station's cardkit.yaml fills it."""
    try:
        project = open_project(station)
    except CardkitError:
        return UnitForm()
    unit = project.config.get("unit") or {}
    form = UnitForm(values={k: "" if unit.get(k) is None else str(unit.get(k)) for k in TEXT_FIELDS})
    mascot = unit.get("mascot")
    if isinstance(mascot, dict):
        form.values["mascot"] = str(mascot.get("name") or "")
    nested = mascot if isinstance(mascot, dict) else {}
    for key in ("image", "image_cmyk"):  # mascot: {image: …} or the flat mascot_image: …
        setattr(form, key, str(nested.get(key) or unit.get(f"mascot_{key}") or ""))
    for entry in unit.get("web") or []:
        if isinstance(entry, dict):
            form.web.append((str(entry.get("label") or ""), str(entry.get("url") or "")))
    return form


def drawing_file(station: Path) -> Path | None:
    """The mascot's drawing cardkit.yaml names, when it is one a card may print (an SVG,
    PNG or JPEG within the cap, in a folder a render may read): for the form's preview."""
    try:
        project = open_project(station)
        unit = project.unit() or {}
        mascot = unit.get("mascot")
    except (CardkitError, AttributeError):
        return None
    image = (mascot.get("image") if isinstance(mascot, dict) else None) or unit.get("mascot_image")
    if not image:
        return None
    path = Path(str(image)).resolve()
    if path.suffix.lower() not in SUFFIXES or not path.is_file() \
            or path.stat().st_size > MAX_DRAWING_BYTES \
            or not any(path.is_relative_to(root) for root in project.allowed_roots()):
        return None
    return path


def rgb_only(station: Path, drawing: Path) -> bool:
    """Whether ``drawing`` is an RGB SVG without its CMYK version (``image_cmyk``): the
    print shop's CMYK PDF refuses it (a PNG or JPEG is converted, an SVG printed as it is)."""
    from ..design.colors import rgb_in_image

    return drawing.suffix.lower() == ".svg" and not read(station).image_cmyk \
        and rgb_in_image(drawing) is not None


def from_request(data: dict[str, str], web: list[tuple[str, str]],
                 upload: tuple[str, bytes] | None = None, none: bool = False) -> UnitForm:
    values = {k: str(data.get(k) or "").strip() for k in TEXT_FIELDS}
    rows = [(label.strip(), url.strip()) for label, url in web if label.strip() or url.strip()]
    if none:
        values["mascot"], upload = "", None
    return UnitForm(values=values, web=rows, upload=upload, none=none)


def with_current_drawing(station: Path, form: UnitForm) -> UnitForm:
    """``form`` with the drawing cardkit.yaml names now (kept unless replaced or removed)."""
    if not form.none:
        current = read(station)
        form.image, form.image_cmyk = current.image, current.image_cmyk
    return form


def check(station: Path, form: UnitForm) -> None:
    """Fill ``form.problems`` as cardkit.yaml's rules find them."""
    from ..roster.records import RawRoster
    from ..roster.validate import build_roster

    specimen = False
    try:
        specimen = open_project(station).config.get("specimen") is True
    except CardkitError:
        pass
    _check_upload(form)
    unit = _unit(form)
    problems = []
    try:
        build_roster(RawRoster(file=CONFIG_NAME, records=[]), unit, specimen=specimen)
    except InputError as exc:
        problems = [d for d in exc.diagnostics if d.subject == "unit"]
    for index, (label, url) in enumerate(form.web):
        if not label or not url:
            form.problems.setdefault(f"web{index}", []).append(
                _("a web address needs both a label and a URL"))
    for problem in problems:
        name = problem.field
        if name.startswith("web."):
            labels = [label for label, _url in form.web]
            label = name[4:]
            name = f"web{labels.index(label)}" if label in labels else "web0"
        elif name.startswith("web["):
            name = f"web{int(name[4:-1]) - 1}"
        elif name.startswith("mascot."):
            name = "mascot" if name == "mascot.name" else "mascot_image"
        form.problems.setdefault(name, []).append(problem.message)


def _check_upload(form: UnitForm) -> None:
    """An uploaded drawing, checked by its content: named as it will be saved, or refused."""
    from .drawing import check as check_drawing

    if form.upload is None:
        return
    kind, refused = check_drawing(form.upload[1])
    if refused:
        form.problems.setdefault("mascot_image", []).append(refused)
    else:  # a new drawing: the old one's CMYK version no longer fits
        form.image, form.image_cmyk = f"{ASSETS}/{DRAWING_STEM}{kind}", ""


def _unit(form: UnitForm) -> dict[str, object]:
    unit: dict[str, object] = {k: v for k, v in form.values.items() if v}
    mascot = _mascot(form)
    if mascot is not None:
        unit["mascot"] = mascot
    web = [{"label": label, "url": url} for label, url in form.web if label and url]
    if web:
        unit["web"] = web
    return unit


def _mascot(form: UnitForm) -> str | dict[str, str] | None:
    """``mascot:`` as the form makes it: its name alone, ``{name, image, image_cmyk}``, or none."""
    if form.none:
        return None
    name = form.values.get("mascot", "")
    if not form.image:
        return name or None
    return {k: v for k, v in (("name", name), ("image", form.image),
                              ("image_cmyk", form.image_cmyk)) if v}


def save(station: Path, form: UnitForm) -> None:
    """Write ``unit:`` into the station's cardkit.yaml, keeping the rest and its comments."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    path = station / CONFIG_NAME
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(text) if text.strip() else None
    if data is None:
        data = CommentedMap()
    unit = data.get("unit")
    if not isinstance(unit, CommentedMap):
        unit = CommentedMap()
        data["unit"] = unit
    mascot = _mascot(form)
    if isinstance(mascot, dict):
        mascot = _mapping(unit.get("mascot"), mascot)
    flat = [("mascot_image", ""), ("mascot_image_cmyk", "")]  # said in mascot: {…} instead
    for key, value in [*form.values.items(), ("mascot", mascot), *flat]:
        if value:
            unit[key] = value
        elif key in unit:
            del unit[key]
    web = CommentedSeq()
    for label, url in form.web:
        entry = CommentedMap([("label", label), ("url", url)])
        entry.fa.set_flow_style()
        web.append(entry)
    if web:
        unit["web"] = web
    elif "web" in unit:
        del unit["web"]
    out = io.StringIO()
    yaml.dump(data, out)
    new = out.getvalue().encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="cardkit-unit-") as folder:  # read back as cardkit will
        (Path(folder) / CONFIG_NAME).write_bytes(new)
        open_project(folder)
    _write(station, form, new)


def _mapping(old: object, values: dict[str, str]) -> Any:
    """``mascot:`` as ``values``: the file's own mapping updated where it has one (its style
    and comments kept), else a new one in flow style (``{name: …, image: …}``)."""
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(old, CommentedMap):
        new = CommentedMap(values)
        new.fa.set_flow_style()
        return new
    for key in [k for k in old if k not in values]:
        del old[key]
    old.update(values)
    return old


def _write(station: Path, form: UnitForm, config: bytes) -> None:
    """cardkit.yaml and the uploaded drawing, together; then the form's own drawings that
    cardkit.yaml no longer names are deleted."""
    from ..outputs import write_file, write_together

    path = station / CONFIG_NAME
    drawing = None
    if form.upload is not None and form.image.startswith(f"{ASSETS}/"):
        drawing = station / form.image
        write_together((drawing, form.upload[1], "mascot_image"), (path, config, CONFIG_NAME))
    else:
        write_file(path, config)
    if form.none or drawing is not None:
        for old in (station / ASSETS).glob(f"{DRAWING_STEM}.*"):
            if old != drawing and old.suffix in MIME:
                old.unlink(missing_ok=True)
