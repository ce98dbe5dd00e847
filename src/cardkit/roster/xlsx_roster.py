"""XLSX rosters: one officer per row of the first sheet (or the sheet named).

Cells keep what Excel made of them: a number cell is read as the digits it holds and
marked ``int``, or, when shown otherwise than as those digits, ``scientific``/``formatted``
with what it is shown as (see ``number_cell``), a date cell as ``YYYY-MM-DD`` marked ``date``, so that
validation can name the damage (a landline that lost its leading zero, a number that
became a date). Locations are ``file[sheet]:row`` with Excel's row numbers. A title
row above the header (``柳东派出所民警名单``) is skipped: the header is the first of
the first ten rows that names both an id and a name column (``table.read_table``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import operator
import zipfile
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRoster
from .table import MAX_SHEET_COLUMNS, Cell, past_columns, pick_sheet, read_table

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a zip bomb is refused before it is unpacked


def read_xlsx_roster(data: bytes, *, name: str, root: Path, sheet: str | None = None) -> RawRoster:
    import openpyxl

    try:
        refuse_zip_bomb(data, name, MAX_UNPACKED_BYTES)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{name}: " + _("not a readable XLSX workbook ({reason})").format(
            reason=xml_reason(exc))) from None
    try:
        sheet = pick_sheet(workbook.sheetnames, sheet, name)
        worksheet = workbook[sheet]
        # the sheet's own <dimension> may claim A1:XFD1048576: without it, a row is as wide
        # as its last cell and a missing row costs nothing (openpyxl pads rows to it)
        worksheet.reset_dimensions()
        return read_table(xlsx_rows(worksheet, f"{name}[{sheet}]"), f"{name}[{sheet}]", root)
    except SyntaxError as exc:  # xml ParseError: broken XML, entity bombs, external entities
        raise InputError(f"{name}: " + _("not a readable XLSX workbook ({reason})").format(
            reason=exc)) from None
    except MemoryError:
        raise out_of_memory(name) from None
    finally:
        workbook.close()


def refuse_zip_bomb(data: bytes, name: str, limit: int) -> None:
    """Raise InputError when the zip ``data`` unpacks to more than ``limit`` bytes (read from
    its directory, before anything is unpacked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(item.file_size for item in archive.infolist())
    if unpacked > limit:
        raise InputError(f"{name}: " + _("unpacks to {size} MiB, more than a roster can be "
                                         "({limit} MiB)").format(size=unpacked // 2**20,
                                                                 limit=limit // 2**20))


def xml_reason(exc: BaseException) -> object:
    """Why a workbook's XML was refused: defusedxml (which openpyxl uses when it is installed,
    as it is with cardkit, and the ODS reader too) refuses every entity declaration, and
    openpyxl hides that under a general message."""
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__module__.startswith("defusedxml"):
            return _("its XML declares entities, which a spreadsheet never does")
        cause = cause.__cause__ or cause.__context__
    return exc


def out_of_memory(name: str) -> InputError:
    """A spreadsheet that ran out of memory being read, as one line (never an empty reason)."""
    return InputError(f"{name}: " + _("reading the spreadsheet ran out of memory; a roster "
                                      "this big must be split into smaller files"))


MAX_FORMAT_CHARS = 255  # Excel's own limit for a number format


def xlsx_rows(worksheet, where: str = ""):
    """(Excel row number, cells) for each row of an openpyxl read-only worksheet; a row with
    a cell past ``MAX_SHEET_COLUMNS`` is refused before its cells are looked at one by one."""
    from openpyxl.cell.read_only import EMPTY_CELL

    for number, row in enumerate(worksheet.iter_rows(min_row=1), start=1):
        if len(row) > MAX_SHEET_COLUMNS:
            tail = row[MAX_SHEET_COLUMNS:]  # compared by identity, in C: a row may be 16,384 wide
            if not all(map(operator.is_, tail, itertools.repeat(EMPTY_CELL))):
                raise past_columns(where, number)
            row = row[:MAX_SHEET_COLUMNS]
        cells = []
        for c in row:
            value = getattr(c, "value", None)
            number_format = getattr(c, "number_format", "General")
            if isinstance(value, (int, float)):
                check_format(number_format, where, number)
            cells.append(cell_of(value, number_format))
        yield number, cells


def check_format(number_format: str | None, where: str, line: int) -> None:
    """Refuse a number format longer than Excel allows, before a number is shown in it."""
    if number_format and len(number_format) > MAX_FORMAT_CHARS:
        raise InputError(f"{where}:{line}: " + _(
            "a number format of {length} characters; Excel's hold at most {limit}: the "
            "workbook is damaged or made to do harm").format(
            length=f"{len(number_format):,}", limit=MAX_FORMAT_CHARS))


def cell_of(value: object, number_format: str | None) -> Cell:
    """A cell's value as text, and its kind when the spreadsheet stored it as something else.

    A number is its digits (``int``) when it is a whole number shown in the General or
    ``0`` format (or as text, ``@``); shown otherwise it keeps how it is shown, as
    ``scientific`` (``1.38E+10``) or ``formatted`` (``7722812345.0``, ``13,800,000,001``),
    so that validation refuses it in a number field rather than print what was not typed.
    """
    if value is None:
        return Cell(None)
    if isinstance(value, str):
        return Cell(value.strip() or None)
    if isinstance(value, bool):
        return Cell("TRUE" if value else "FALSE", "bool")
    if isinstance(value, (int, float)):
        return number_cell(value, number_format or "General")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return Cell(value.date().isoformat(), "date")
        return Cell(value.isoformat(sep=" "), "date")
    if isinstance(value, (dt.date, dt.time)):
        return Cell(value.isoformat(), "date")
    if isinstance(value, dt.timedelta):
        return Cell(str(value), "date")
    return Cell(str(value))


PLAIN_FORMATS = ("general", "0", "@")


def number_cell(value: int | float, number_format: str, shown: str | None = None) -> Cell:
    """A number cell by its value and number format (or the text it is shown as, ``shown``)."""
    whole = isinstance(value, int) or (value.is_integer() and abs(value) < 1e15)
    digits = str(int(value)) if whole else repr(value)
    if shown is None:
        shown = digits if number_format.strip().lower() in PLAIN_FORMATS else _display(
            value, number_format)
    if whole and shown.strip() == digits:
        return Cell(digits, "int")
    if "e" in shown.lower():
        return Cell(digits, "scientific", shown)
    return Cell(digits, "formatted", shown)


def _display(value: float, number_format: str) -> str:
    """About what Excel shows for ``value`` in ``number_format`` (its first section)."""
    section = number_format.split(";")[0]
    section = "".join(c for c in section if c in "0#.,Ee+-")  # literals, colours, currency out
    mantissa = section.upper().split("E")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if "E" in section.upper():
        return f"{value:.{decimals}E}"
    return f"{value:{',' if ',' in mantissa else ''}.{decimals}f}"
