"""XLSX rosters: one officer per row of the first sheet (or the sheet named).

Cells keep what Excel made of them: a number cell is read as the digits it holds and
marked ``int``/``float``, a date cell as ``YYYY-MM-DD`` marked ``date``, so that
validation can name the damage (a landline that lost its leading zero, a number that
became a date). Locations are ``file[sheet]:row`` with Excel's row numbers. A title
row above the header (``柳东派出所民警名单``) is skipped: the header is the first of
the first ten rows that names both an id and a name column.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRecord, RawRoster, column_name

HEADER_SEARCH_ROWS = 10
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a zip bomb is refused before it is unpacked


def read_xlsx_roster(data: bytes, *, name: str, root: Path, sheet: str | None = None) -> RawRoster:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise InputError(f"{name}: " + _("unpacks to {size} MiB, more than a roster can be "
                                             "({limit} MiB)").format(
                size=unpacked // 2**20, limit=MAX_UNPACKED_BYTES // 2**20))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{name}: " + _("not a readable XLSX workbook ({reason})").format(
            reason=exc)) from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            if not names:
                raise InputError(f"{name}: " + _("the workbook has no sheets"))
            sheet = names[0]
        elif sheet not in names:
            listed = ", ".join(f'"{n}"' for n in names)
            raise InputError(f"{name}: " + _('no sheet named "{sheet}" (sheets: {listed})').format(
                sheet=sheet, listed=listed))
        rows = workbook[sheet].iter_rows(min_row=1, values_only=True)
        where = f"{name}[{sheet}]"
        return _read_rows(rows, where, root)
    except SyntaxError as exc:  # xml ParseError: broken XML, entity bombs, external entities
        raise InputError(f"{name}: " + _("not a readable XLSX workbook ({reason})").format(
            reason=exc)) from None
    finally:
        workbook.close()


def _read_rows(rows, where: str, root: Path) -> RawRoster:
    columns: list[str] | None = None
    records: list[RawRecord] = []
    for number, row in enumerate(rows, start=1):
        if columns is None:
            names = [column_name(c) if isinstance(c, str) else "" for c in row]
            if "id" in names and "name" in names:
                columns = names
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        fields: dict[str, str | None] = {}
        kinds: dict[str, str] = {}
        for column, value in zip(columns, row, strict=False):
            if not column:
                continue
            text, kind = cell_text(value)
            fields[column] = text
            if kind:
                kinds[column] = kind
        if not any(fields.values()):
            continue
        records.append(RawRecord(fields=fields, file=where, line=number, kinds=kinds))
    if columns is None:
        raise InputError(f"{where}: " + _("no header row with id and name columns (编号, 姓名) "
                                          "in the first {rows} rows").format(rows=HEADER_SEARCH_ROWS))
    return RawRoster(file=where, records=records, root=root)


def cell_text(value: object) -> tuple[str | None, str]:
    """A cell's value as text, and its kind when Excel stored it as something else."""
    if value is None:
        return None, ""
    if isinstance(value, str):
        return value.strip() or None, ""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "bool"
    if isinstance(value, int):
        return str(value), "int"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.1f}", "float"
        return repr(value), "float"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat(), "date"
        return value.isoformat(sep=" "), "date"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(), "date"
    if isinstance(value, dt.timedelta):
        return str(value), "date"
    return str(value), ""
