"""ODS rosters (LibreOffice's own format): the sheet's XML streamed through defusedxml.

Read like XLSX (``xlsx_roster``): one officer per row of the first sheet (or the sheet
named), the header found below any title rows (``table.read_table``), the sheet's row
numbers with LibreOffice's repeat counts expanded, a number cell kept with the text
LibreOffice displays for it (stored in the file beside the value). ``content.xml`` is
parsed as a stream (defusedxml's ``iterparse``, which refuses entity declarations), each
row let go once read: a whole-document tree (odfpy) took 12 s for 10,000 rows.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRoster
from .table import MAX_SHEET_COLUMNS, Cell, Tally, check_cell, past_columns, pick_sheet, read_table
from .xlsx_roster import MAX_UNPACKED_BYTES, cell_of, number_cell, out_of_memory, refuse_zip_bomb, xml_reason

MAX_SHEET_ROWS = 1_048_576  # what Excel and LibreOffice can hold; a repeat count beyond is refused
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")


def is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet: a zip whose first entry, ``mimetype``, says so."""
    return data[30:38] == b"mimetype" and _ODS_MIME in data[38:38 + len(_ODS_MIME) + 8]


def read_ods_roster(data: bytes, *, name: str, root: Path, sheet: str | None = None) -> RawRoster:
    from defusedxml.ElementTree import iterparse

    def unreadable(reason: object) -> InputError:
        return InputError(f"{name}: " + _("not a readable ODS spreadsheet ({reason})").format(
            reason=reason))

    try:
        refuse_zip_bomb(data, name, MAX_UNPACKED_BYTES)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error,
            NotImplementedError, RuntimeError) as exc:  # damaged, unknown packing, encrypted
        raise unreadable(exc) from None
    events = iterparse(io.BytesIO(content), events=("start", "end"))
    names: list[str] = []
    try:
        for event, element in events:
            if event == "start" and element.tag == f"{_TABLE}table":
                names.append(element.get(f"{_TABLE}name", ""))
                if sheet is None or names[-1] == sheet:
                    break
        else:
            pick_sheet(names, sheet, name)  # none, or none of that name: refused, listing them
        where = f"{name}[{names[-1]}]"
        return read_table(_ods_rows(events, where), where, root)
    except InputError:
        raise
    except MemoryError:
        raise out_of_memory(name) from None
    except Exception as exc:  # broken XML, an entity declaration, a damaged sheet
        raise unreadable(xml_reason(exc)) from None


def _ods_rows(events, where: str):
    """(row number, cells) of the table just opened, LibreOffice's repeat counts expanded
    (empty repeats skipped); each row is let go once read."""
    number = 0
    depth = 1  # tables open: a table inside a cell is not the sheet's
    tally = Tally(where)  # counted before a repeat is expanded
    for event, element in events:
        if element.tag == f"{_TABLE}table":
            depth += 1 if event == "start" else -1
            if depth == 0:
                return
            continue
        if event != "end" or element.tag != f"{_TABLE}table-row" or depth != 1:
            continue
        repeat = _count(element.get(f"{_TABLE}number-rows-repeated"))
        cells: list[Cell] = []
        for child in element:
            if child.tag not in _CELLS:
                continue
            cell = _ods_cell(child)
            check_cell(cell.text, where, number + 1)
            times = _count(child.get(f"{_TABLE}number-columns-repeated"))
            room = MAX_SHEET_COLUMNS - len(cells)
            if times > room:
                if cell.text is not None:
                    raise past_columns(where, number + 1)
                times = room  # empty cells past the last column a roster may use: cut
            cells.extend([cell] * times)
        element.clear()
        if not any(c.text for c in cells):
            number += repeat
            continue
        if number + repeat > MAX_SHEET_ROWS:
            raise InputError(f"{where}:{number + 1}: " + _("more than {limit} rows").format(
                limit=MAX_SHEET_ROWS))
        tally.add(number + 1, sum(1 for c in cells if c.text), repeat)
        for _copy in range(repeat):
            number += 1
            yield number, cells


def _count(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _ods_cell(element) -> Cell:
    shown = "\n".join("".join(p.itertext()) for p in element).strip()
    kind = element.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            value = float(element.get(f"{_OFFICE}value") or "")
        except ValueError:
            return Cell(shown or None)
        if value != value or value in (float("inf"), float("-inf")):
            return Cell(shown or None)
        return number_cell(int(value) if value.is_integer() and abs(value) < 1e15 else value,
                           "", shown=shown)
    if kind == "date":
        try:
            return cell_of(dt.datetime.fromisoformat(element.get(f"{_OFFICE}date-value") or ""),
                           None)
        except ValueError:
            return Cell(shown or None, "date")
    if kind in ("time", "boolean"):
        return Cell(shown or None, "date" if kind == "time" else "bool")
    return Cell(shown or None)
