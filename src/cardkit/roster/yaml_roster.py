"""YAML rosters: ``unit:`` plus ``officers:``, every scalar kept as text."""

from __future__ import annotations

from pathlib import Path

from .. import yamlio
from ..errors import Diagnostic, InputError
from ..i18n import _
from .records import RawRecord, RawRoster

_NUMERIC_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_DATE_TAG = "tag:yaml.org,2002:timestamp"


def read_yaml_roster(source: Path | bytes, *, name: str, root: Path) -> RawRoster:
    data = yamlio.load(source, name=name, strings=True)
    if not isinstance(data, yamlio.YDict):
        raise InputError(f"{name}: " + _("expected a mapping with unit: and officers:"))
    problems = [
        Diagnostic(file=name, line=data.line_of(key), field=key,
                   message=_('unknown key (expected "unit", "officers" and "specimen")'))
        for key in data
        if key not in ("unit", "officers", "specimen")
    ]
    specimen = data.get("specimen")
    specimen = str(specimen).lower() if specimen is not None else "false"
    if specimen not in ("true", "false"):
        problems.append(Diagnostic(file=name, line=data.line_of("specimen"), field="specimen",
                                   message=_("expected true or false")))
    unit = data.get("unit")
    if unit is not None and not isinstance(unit, yamlio.YDict):
        problems.append(Diagnostic(file=name, line=data.line_of("unit"), field="unit",
                                   message=_("expected a mapping of unit fields")))
        unit = None
    officers = data.get("officers")
    if not isinstance(officers, yamlio.YList):
        problems.append(Diagnostic(file=name, line=data.line_of("officers") if officers else 0,
                                   field="officers", message=_("expected a list of officers")))
        officers = yamlio.YList()
    records = []
    for index, item in enumerate(officers):
        line = officers.lines[index]
        if not isinstance(item, yamlio.YDict):
            problems.append(Diagnostic(file=name, line=line, subject=f"officer #{index + 1}",
                                       message=_("expected a mapping of officer fields")))
            continue
        records.append(_record(item, index, line, name, problems))
    if problems:
        raise InputError(_("bad roster"), problems)
    unit_fields: dict[str, object] | None = None
    unit_lines = {}
    if unit is not None:
        unit_fields = {k: v if (k == "web" and isinstance(v, yamlio.YList))
                       or (k == "mascot" and isinstance(v, yamlio.YDict)) else _text(v)
                       for k, v in unit.items()}
        unit_lines = dict(unit.lines)
    return RawRoster(file=name, records=records, unit=unit_fields, unit_lines=unit_lines, root=root,
                     specimen=specimen == "true")


def _record(item: yamlio.YDict, index: int, line: int, name: str,
            problems: list[Diagnostic]) -> RawRecord:
    """One officer's mapping as a raw record: text values, their lines, what YAML made of them."""
    fields: dict[str, str | None] = {}
    for key, value in item.items():
        if isinstance(value, yamlio.YDict) and key == "extra":
            for extra_key, extra_value in value.items():
                fields[f"extra.{extra_key}"] = _text(extra_value)
            continue
        if isinstance(value, (yamlio.YDict, yamlio.YList)):
            problems.append(Diagnostic(file=name, line=item.line_of(key), field=key,
                                       subject=f"officer {item.get('id') or '#' + str(index + 1)}",
                                       message=_("expected text, not a list or mapping")))
            continue
        fields[key] = value
    numeric = {key for key, tag in item.tags.items() if tag in _NUMERIC_TAGS}
    kinds = {key: "date" for key, tag in item.tags.items() if tag == _DATE_TAG}
    kinds.update({key: "int" if item.tags[key].endswith("int") else "float" for key in numeric})
    readings = {key: _reading(item[key]) for key in kinds if isinstance(item.get(key), str)}
    for key, word in item.nulls.items():  # name: Null is YAML's empty value, not the word
        kinds[key], readings[key] = "null", word
    return RawRecord(fields=fields, file=name, line=line, lines=dict(item.lines),
                     numeric=numeric, kinds=kinds, readings=readings)


def _reading(text: str) -> str:
    """What YAML itself makes of a plain scalar: 07722012345 is the octal number 1043345637."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):  # ValueError: past int()'s 4300-digit limit
        return text
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}" if "e" not in text.lower() else f"{value:g}"
    return str(value)


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)
