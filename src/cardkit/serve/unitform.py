"""The unit's settings form: read from, checked like and saved into the station's cardkit.yaml.

The values are checked by the rules cardkit.yaml's ``unit:`` is checked by when a roster is
read (``roster.validate.build_roster``: numbers, URL schemes, placeholder hosts and numbers,
unless the station is a specimen). They are saved with ruamel.yaml's round trip, which
keeps the rest of the file, its order and its comments (a line-level edit could not do a
``web:`` list safely); the new file is read back by cardkit's own reader
(``project.open_project``) before it replaces the old one, atomically (``outputs.write_file``).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CardkitError, InputError
from ..i18n import _
from ..project import CONFIG_NAME, open_project

TEXT_FIELDS = ("name", "address", "hotline", "mascot")
WEB_ROWS = 4  # label + URL rows the form shows


@dataclass
class UnitForm:
    values: dict[str, str] = field(default_factory=dict)
    web: list[tuple[str, str]] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)  # form field -> reasons

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
    for entry in unit.get("web") or []:
        if isinstance(entry, dict):
            form.web.append((str(entry.get("label") or ""), str(entry.get("url") or "")))
    return form


def from_request(data: dict[str, str], web: list[tuple[str, str]]) -> UnitForm:
    values = {k: str(data.get(k) or "").strip() for k in TEXT_FIELDS}
    rows = [(label.strip(), url.strip()) for label, url in web if label.strip() or url.strip()]
    return UnitForm(values=values, web=rows)


def check(station: Path, form: UnitForm) -> None:
    """Fill ``form.problems`` as cardkit.yaml's rules find them."""
    from ..roster.records import RawRoster
    from ..roster.validate import build_roster

    specimen = False
    try:
        specimen = open_project(station).config.get("specimen") is True
    except CardkitError:
        pass
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
        form.problems.setdefault(name, []).append(problem.message)


def _unit(form: UnitForm) -> dict[str, object]:
    unit: dict[str, object] = {k: v for k, v in form.values.items() if v}
    web = [{"label": label, "url": url} for label, url in form.web if label and url]
    if web:
        unit["web"] = web
    return unit


def save(station: Path, form: UnitForm) -> None:
    """Write ``unit:`` into the station's cardkit.yaml, keeping the rest and its comments."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from ..outputs import write_file

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
    for key, value in form.values.items():
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
    write_file(path, new)
