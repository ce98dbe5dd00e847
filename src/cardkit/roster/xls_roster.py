"""XLS rosters (Excel 97–2003, what WPS and older offices still save), through xlrd.

Read like XLSX (``xlsx_roster``): one officer per row of the first sheet (or the sheet
named), the header found below any title rows (``table.read_table``), Excel's row
numbers, a number cell kept with how it is shown: xlrd's ``formatting_info`` gives
each cell's number format.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRoster
from .table import Cell, pick_sheet, read_table
from .xlsx_roster import MAX_UNPACKED_BYTES, cell_of, check_format, number_cell, out_of_memory

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file an .xls lives in
MAX_WORKBOOK_BYTES = MAX_UNPACKED_BYTES


def read_xls_roster(data: bytes, *, name: str, root: Path, sheet: str | None = None) -> RawRoster:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except MemoryError:
        raise out_of_memory(name) from None
    except Exception as exc:  # xlrd raises many kinds on a damaged file; all mean "unreadable"
        raise InputError(f"{name}: " + _("not a readable XLS workbook ({reason})").format(
            reason=exc)) from None
    try:
        chosen = pick_sheet(book.sheet_names(), sheet, name)
        try:
            worksheet = book.sheet_by_name(chosen)
            where = f"{name}[{chosen}]"
            return read_table(_xls_rows(book, worksheet, where), where, root)
        except InputError:
            raise
        except MemoryError:
            raise out_of_memory(name) from None
        except Exception as exc:
            raise InputError(f"{name}: " + _("not a readable XLS workbook ({reason})").format(
                reason=exc)) from None
    finally:
        book.release_resources()


def _xls_rows(book, worksheet, where: str):
    """(row number, cells); an empty row costs no cell lookups (a sheet may claim 65,536)."""
    import xlrd

    empty = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    for index in range(worksheet.nrows):
        if all(kind in empty for kind in worksheet.row_types(index)):
            yield index + 1, []
            continue
        yield index + 1, [_xls_cell(book, cell, where, index + 1) for cell in worksheet.row(index)]


def _xls_cell(book, cell, where: str, line: int) -> Cell:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return Cell(None)
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell_of(cell.value, None)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_of(bool(cell.value), None)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return Cell(xlrd.error_text_from_code.get(cell.value, "#ERROR"), "error")
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_of(xlrd.xldate_as_datetime(cell.value, book.datemode), None)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return Cell(repr(cell.value), "date")
    xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
    number_format = book.format_map[xf.format_key].format_str if xf and xf.format_key in \
        book.format_map else "General"
    check_format(number_format, where, line)
    return number_cell(cell.value, number_format)
