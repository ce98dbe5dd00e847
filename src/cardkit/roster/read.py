"""Read a roster (who gets cards) from a file or standard input, by its format, or from
Python data (the API's in-memory roster), into raw records."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..i18n import _
from ..model import Officer, Unit
from .records import RawRecord, RawRoster

# A CSV, XLSX or ODS roster file: 160,000 officers take some 25 MB (an XLS, whose format
# does not compress, has its own cap).
MAX_FILE_BYTES = 64 * 2**20


def read_roster(path: str | Path, sheet: str | None = None) -> RawRoster:
    """Read a roster file by its extension (or, for ``-``, standard input, by its content).

    ``sheet`` names the worksheet of an XLSX, XLS or ODS roster (default: the first one).
    """
    if str(path) == "-":
        return _read_stdin(sheet)
    path = Path(path)
    if not path.is_file():
        raise InputError(_("roster {path} not found").format(path=repr(str(path))))
    suffix = path.suffix.lower()
    kind = _BY_SUFFIX.get(suffix)
    if kind is None:
        raise InputError(_("roster {path}: unknown format {suffix}; use .yaml, .csv, .xlsx, .xls "
                           "or .ods").format(path=repr(str(path)), suffix=suffix or _("(none)")))
    if kind == "yaml":
        from . import yaml_roster

        _no_sheet(sheet, str(path))
        return yaml_roster.read_yaml_roster(path, name=str(path), root=path.parent)
    if kind == "xls":
        from . import xls_roster

        data = _bounded_read(path, xls_roster.MAX_WORKBOOK_BYTES)
    else:
        data = _bounded_read(path, MAX_FILE_BYTES)
    return _read_kind(kind, data, str(path), path.parent, sheet)


# a roster file's format by its extension
_BY_SUFFIX = {".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods", ".xls": "xls", ".yaml": "yaml",
              ".yml": "yaml", ".csv": "csv", ".txt": "csv", ".tsv": "csv"}


def _read_kind(kind: str, data: bytes, name: str, root: Path, sheet: str | None) -> RawRoster:
    """The bytes of a roster of ``kind`` (xlsx, ods, xls, yaml, csv) read by its reader."""
    from . import csv_roster, ods_roster, xls_roster, xlsx_roster, yaml_roster

    if kind == "xlsx":
        return xlsx_roster.read_xlsx_roster(data, name=name, root=root, sheet=sheet)
    if kind == "ods":
        return ods_roster.read_ods_roster(data, name=name, root=root, sheet=sheet)
    if kind == "xls":
        return xls_roster.read_xls_roster(data, name=name, root=root, sheet=sheet)
    _no_sheet(sheet, name)
    if kind == "yaml":
        return yaml_roster.read_yaml_roster(data, name=name, root=root)
    return csv_roster.read_csv_roster(data, name=name, root=root)


def _read_stdin(sheet: str | None) -> RawRoster:
    """A roster on standard input, its format told by its content."""
    from . import ods_roster, xls_roster

    if _is_terminal(sys.stdin):  # nobody would ever type a roster: refuse instead of waiting
        from ..errors import UsageError

        raise UsageError(_("--roster -: standard input is a terminal; pipe or redirect the "
                           "roster (< roster.csv)"))
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError("<stdin>: " + _("{size} MiB, more than a roster can be ({limit} "
                                         "MiB)").format(size=f"> {MAX_FILE_BYTES // 2**20}",
                                                        limit=MAX_FILE_BYTES // 2**20))
    if data.startswith(b"PK\x03\x04"):
        kind = "ods" if ods_roster.is_ods(data) else "xlsx"
    elif data.startswith(xls_roster.OLE_MAGIC):
        kind = "xls"
    else:
        kind = "yaml" if _looks_like_yaml(data) else "csv"
    return _read_kind(kind, data, "<stdin>", Path.cwd(), sheet)


def read_data(data: Mapping[str, Any] | Iterable[object], name: str = "<roster>") -> RawRoster:
    """A roster given as Python data (the API's in-memory roster) as raw records.

    ``data`` is a list of officers, each a mapping (the roster's field names, ``extra`` a
    nested mapping) or an ``Officer`` (its unit's fields become the row's unit columns),
    or a mapping with ``unit:`` and ``officers:`` like a YAML roster (``web`` a list of
    ``{label, url}``). Officer *n* is located as line *n* of ``name``; values become text,
    and are validated as a file's rows are.
    """
    from collections.abc import Iterable, Mapping

    unit: dict[str, object] | None = None
    officers: Iterable[object] = data
    if isinstance(data, Mapping):
        unknown = [k for k in data if k not in ("unit", "officers")]
        if unknown:
            raise InputError(f"{name}: " + _('unknown key (expected "unit" and "officers")')
                             + f": {', '.join(map(str, unknown))}")
        given = data.get("unit") or {}
        if not isinstance(given, Mapping):
            raise InputError(f"{name}: unit: " + _("expected a mapping of unit fields"))
        unit = {str(k): _unit_value(str(k), v) for k, v in given.items()}
        officers = data.get("officers") or []
    if isinstance(officers, (str, bytes)) or not isinstance(officers, Iterable):
        from ..errors import UsageError

        raise UsageError(_("roster: {kind} is not a roster; give a file path, a list of officers "
                           "(mappings or Officer objects), a mapping with unit: and officers:, "
                           "or a Roster").format(kind=type(officers).__name__))
    records = []
    for number, item in enumerate(officers, start=1):
        if isinstance(item, Officer):
            item = officer_row(item)
        if not isinstance(item, Mapping):
            raise InputError(f"{name}:{number}: " + _("expected a mapping of officer fields"))
        fields: dict[str, str | None] = {}
        for key, value in item.items():
            if key == "extra" and isinstance(value, Mapping):
                fields.update({f"extra.{k}": _text(v) for k, v in value.items()})
            else:
                fields[str(key)] = _text(value)
        records.append(RawRecord(fields=fields, file=name, line=number))
    return RawRoster(file=name, records=records, unit=unit, root=None)


def officer_row(officer: Officer) -> dict[str, object]:
    """An ``Officer`` built by hand as the row of a roster: its unit as the row's unit columns."""
    unit = officer.unit if isinstance(officer.unit, Unit) else Unit(name="")
    row: dict[str, object] = {key: value for key, value in officer.as_context().items()
                              if key != "extra"}
    row.update({"extra": dict(officer.extra), "unit": unit.name, "address": unit.address,
                "hotline": unit.hotline, "website": unit.website, "weibo": unit.weibo,
                "unit_wechat": unit.wechat, "mascot": unit.mascot})
    row.update({f"web.{label}": url for label, url in unit.web})
    return row


def _unit_value(key: str, value: object) -> object:
    """A unit field as text; ``web`` stays the list of ``{label, url}`` it is."""
    if key == "web" and isinstance(value, (list, tuple)):
        return list(value)
    return _text(value)


def _text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _bounded_read(path: Path, limit: int) -> bytes:
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"{path}: " + _("{size} MiB, more than a roster can be ({limit} MiB)").format(
            size=size // 2**20, limit=limit // 2**20))
    return path.read_bytes()


def _no_sheet(sheet: str | None, name: str) -> None:
    if sheet is not None:
        raise InputError(f"{name}: " + _("--sheet applies only to spreadsheet rosters (XLSX, XLS, ODS)"))


def _looks_like_yaml(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return head.startswith((b"unit:", b"officers:", b"specimen:", b"---", b"#"))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
