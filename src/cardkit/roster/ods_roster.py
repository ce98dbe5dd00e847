"""ODS rosters (LibreOffice's own format), through odfpy.

Read like XLSX (``xlsx_roster``): one officer per row of the first sheet (or the sheet
named), the header found below any title rows (``table.read_table``), the sheet's row
numbers with LibreOffice's repeat counts expanded, a number cell kept with the text
LibreOffice displays for it (stored in the file beside the value).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRoster
from .table import Cell, pick_sheet, read_table
from .xlsx_roster import MAX_UNPACKED_BYTES, cell_of, number_cell, refuse_zip_bomb, xml_reason

MAX_ROWS = 1_048_576  # what Excel and LibreOffice can hold; a repeat count beyond is refused
MAX_COLUMNS = 16_384
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet: a zip whose first entry, ``mimetype``, says so."""
    return data[30:38] == b"mimetype" and _ODS_MIME in data[38:38 + len(_ODS_MIME) + 8]


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
    chosen = pick_sheet(list(tables), sheet, name)
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
