"""XLS (Excel 97–2003, what WPS and older offices still save) and ODS (LibreOffice) rosters.

Read like XLSX (``rosters.xlsx_roster``): one officer per row of the first sheet (or
the sheet named), the header found below any title rows, the spreadsheet's own row
numbers, a number cell kept with how it is shown. XLS through xlrd, whose
``formatting_info`` gives each cell's number format; ODS through odfpy, whose cells
carry both the value and the text LibreOffice displays.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from .errors import InputError
from .i18n import _
from .rosters import Cell, RawRoster, read_table
from .rosters.xlsx_roster import MAX_UNPACKED_BYTES, cell_of, number_cell, refuse_zip_bomb, xml_reason

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file an .xls lives in
MAX_WORKBOOK_BYTES = MAX_UNPACKED_BYTES
MAX_ROWS = 1_048_576  # what Excel and LibreOffice can hold; a repeat count beyond is refused
MAX_COLUMNS = 16_384
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet: a zip whose first entry, ``mimetype``, says so."""
    return data[30:38] == b"mimetype" and _ODS_MIME in data[38:38 + len(_ODS_MIME) + 8]


def _pick_sheet(names: list[str], sheet: str | None, name: str) -> str:
    if sheet is None:
        if not names:
            raise InputError(f"{name}: " + _("the workbook has no sheets"))
        return names[0]
    if sheet not in names:
        listed = ", ".join(f'"{n}"' for n in names)
        raise InputError(f"{name}: " + _('no sheet named "{sheet}" (sheets: {listed})').format(
            sheet=sheet, listed=listed))
    return sheet


def read_xls_roster(data: bytes, *, name: str, root: Path, sheet: str | None = None) -> RawRoster:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except Exception as exc:  # xlrd raises many kinds on a damaged file; all mean "unreadable"
        raise InputError(f"{name}: " + _("not a readable XLS workbook ({reason})").format(
            reason=exc)) from None
    try:
        chosen = _pick_sheet(book.sheet_names(), sheet, name)
        try:
            worksheet = book.sheet_by_name(chosen)
            return read_table(_xls_rows(book, worksheet), f"{name}[{chosen}]", root)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{name}: " + _("not a readable XLS workbook ({reason})").format(
                reason=exc)) from None
    finally:
        book.release_resources()


def _xls_rows(book, worksheet):
    """(row number, cells); an empty row costs no cell lookups (a sheet may claim 65,536)."""
    import xlrd

    empty = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    for index in range(worksheet.nrows):
        if all(kind in empty for kind in worksheet.row_types(index)):
            yield index + 1, []
            continue
        yield index + 1, [_xls_cell(book, cell) for cell in worksheet.row(index)]


def _xls_cell(book, cell) -> Cell:
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
    return number_cell(cell.value, number_format)


def read_ods_roster(data: bytes, *, name: str, root: Path, sheet: str | None = None) -> RawRoster:
    from odf import opendocument, table

    try:
        refuse_zip_bomb(data, name, MAX_UNPACKED_BYTES)
        document = opendocument.load(io.BytesIO(data))
    except InputError:
        raise
    except Exception as exc:  # broken zip or XML, an entity bomb: all mean "unreadable"
        raise InputError(f"{name}: " + _("not a readable ODS spreadsheet ({reason})").format(
            reason=xml_reason(exc))) from None
    if document.spreadsheet is None:  # an OpenDocument, but a text or a drawing
        raise InputError(f"{name}: " + _("not a readable ODS spreadsheet ({reason})").format(
            reason=_("no spreadsheet in it")))
    tables = {t.getAttribute("name"): t for t in document.spreadsheet.getElementsByType(table.Table)}
    chosen = _pick_sheet(list(tables), sheet, name)
    where = f"{name}[{chosen}]"
    try:
        return read_table(_ods_rows(tables[chosen], where), where, root)
    except InputError:
        raise
    except Exception as exc:  # odfpy's tree of a damaged file: any surprise means "unreadable"
        raise InputError(f"{name}: " + _("not a readable ODS spreadsheet ({reason})").format(
            reason=exc)) from None


def _ods_rows(sheet, where: str):
    """(row number, cells) with LibreOffice's repeat counts expanded (empty repeats skipped)."""
    from odf import table

    number = 0
    for row in sheet.getElementsByType(table.TableRow):
        repeat = _count(row.getAttribute("numberrowsrepeated"))
        cells: list[Cell] = []
        for element in row.childNodes:
            if getattr(element, "qname", ("", ""))[1] not in ("table-cell", "covered-table-cell"):
                continue
            cell = _ods_cell(element)
            times = _count(element.getAttribute("numbercolumnsrepeated"))
            if cell.text is None and len(cells) + times > MAX_COLUMNS:
                break  # the empty rest of the row
            if len(cells) + times > MAX_COLUMNS:
                raise InputError(f"{where}:{number + 1}: " + _(
                    "more than {limit} columns").format(limit=MAX_COLUMNS))
            cells.extend([cell] * times)
        if number + repeat > MAX_ROWS and any(c.text for c in cells):
            raise InputError(f"{where}:{number + 1}: " + _("more than {limit} rows").format(
                limit=MAX_ROWS))
        if not any(c.text for c in cells):
            number += repeat
            continue
        for _copy in range(repeat):
            number += 1
            yield number, cells


def _count(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _ods_cell(element) -> Cell:
    from odf import teletype

    shown = teletype.extractText(element).strip()
    kind = element.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency"):
        try:
            value = float(element.getAttribute("value"))
        except (TypeError, ValueError):
            return Cell(shown or None)
        return number_cell(int(value) if value.is_integer() and abs(value) < 1e15 else value,
                           "", shown=shown)
    if kind == "date":
        try:
            return cell_of(dt.datetime.fromisoformat(element.getAttribute("datevalue")), None)
        except (TypeError, ValueError):
            return Cell(shown or None, "date")
    if kind in ("time", "boolean"):
        return Cell(shown or None, "date" if kind == "time" else "bool")
    return Cell(shown or None)
